"""Executors of the partitioned merge (`pipeline.graph.merge.merge_graph`): a `MapFn` runs a
picklable top-level function over a list of arguments and returns the results in order.

`local_map` runs them one after the other in this process; `RayMap` as Ray tasks spread over
the cluster's nodes (on one machine, the embedded Ray), recording which node ran each.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from pipeline.graph.merge import in_process_map

#: the in-process executor (sequential, no Ray)
local_map = in_process_map


def _run(fn: Callable[[Any], Any], arg: Any) -> tuple[str, Any]:
    import ray

    return ray.get_runtime_context().get_node_id(), fn(arg)


class RayMap:
    """Runs each call as one Ray task of `num_cpus` CPUs (and `memory` bytes, when given),
    spread over the nodes (``scheduling_strategy="SPREAD"``); a failed task is retried up to
    `max_retries` times. Ray must be initialised (`ray.init`) by the caller. After a call,
    `nodes` holds the id of the node that ran each task, in argument order."""

    def __init__(self, num_cpus: float = 1, memory: int | None = None, max_retries: int = 3) -> None:
        self.num_cpus = num_cpus
        self.memory = memory
        self.max_retries = max_retries
        self.nodes: list[str] = []

    def __call__(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        import ray

        options: dict[str, Any] = {"num_cpus": self.num_cpus, "scheduling_strategy": "SPREAD",
                                   "max_retries": self.max_retries}
        if self.memory:
            options["memory"] = self.memory
        task = ray.remote(_run).options(**options)
        refs = [task.remote(fn, a) for a in args]
        done = ray.get(refs)
        self.nodes = [node for node, _ in done]
        return [result for _, result in done]
