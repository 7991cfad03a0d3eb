"""The Ray Data runner: the stages as a streaming pipeline. Stages that load a model become
actor pools (`concurrency` actors, `num_gpus` each), the others tasks; CPU stages are chained
onto the model stage they follow or precede (see `plan_segments`)."""

from __future__ import annotations

import logging
import os
from typing import Any, Callable, Iterator, Sequence

import pandas as pd
import pyarrow as pa

from pipeline.core.stage import Stage, StageError
from pipeline.io.shards import Shard, read_shard
from pipeline.runners.chain import Chain, transient_drops
from pipeline.runners.staging import ShardTracker, StagingSink, StagingTarget

Progress = Callable[[str], None]


class _StageActor:
    """Ray actor wrapper: a chain of stages, set up once per actor."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        chain.setup()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.chain(batch)


def check_fits(segments: Sequence[Sequence[Stage]], cpus: float) -> None:
    """Raise StageError when the actors' CPU reservations leave no room for the read and
    write tasks (Ray would wait forever for a free CPU)."""
    held = sum(max(s.resources.num_cpus for s in seg) * max(1, max(s.resources.concurrency for s in seg))
               for seg in segments if any(s.stateful or s.resources.num_gpus for s in seg))
    if held + 0.5 > cpus:
        raise StageError(f"the model actors reserve {held:g} CPUs but the cluster has {cpus:g}; the read and write tasks "
                         f"need 0.5 more: lower resources.num_cpus or resources.concurrency of the model stages")


def plan_segments(stages: Sequence[Stage]) -> list[list[Stage]]:
    """Group stages into Ray operators. A stage that wants a GPU runs alone (its inputs are
    decoded by CPU tasks ahead of it); CPU stages are chained onto the stateful (model) stage
    they follow or precede, so a small machine is not split into many tiny resource budgets."""
    segments: list[list[Stage]] = []
    current: list[Stage] = []
    for st in stages:
        if st.resources.num_gpus:
            if current:
                segments.append(current)
            segments.append([st])
            current = []
        elif st.stateful and any(s.stateful for s in current):
            segments.append(current)
            current = [st]
        else:
            current.append(st)
    if current:
        segments.append(current)
    return segments


class _ReadShards:
    """Ray read task: shard indices in, the shards' rows out (several batches per shard)."""

    def __init__(self, shards: Sequence[Shard], batch_rows: int) -> None:
        self.shards = list(shards)
        self.batch_rows = batch_rows

    def __call__(self, batch: dict) -> Iterator[pd.DataFrame]:
        for i in batch["shard_index"]:
            yield from read_shard(self.shards[int(i)], self.batch_rows)


class RayRunner:
    """Runs the stages as a Ray Data streaming pipeline: stages that load a model become actor
    pools (`concurrency` actors, `num_gpus` each), the others tasks."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None, object_store_memory_mb: int | None = None,
                 read_batch_rows: int = 64, block_bytes: int = 4 * 1024 * 1024) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.object_store_memory_mb = object_store_memory_mb
        self.read_batch_rows = read_batch_rows
        self.block_bytes = block_bytes
        self._started = False
        #: Ray node ids that ran the merge's tasks (see `map`)
        self.map_nodes: set[str] = set()

    def __enter__(self) -> "RayRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Shut Ray down if this runner started it."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def _init(self) -> None:
        import ray

        if ray.is_initialized():
            return
        kwargs: dict = {"logging_level": logging.WARNING}
        if self.address:
            kwargs["address"] = self.address
        elif os.environ.get("RAY_ADDRESS"):
            pass  # inside a Ray job (or told so): join that cluster, as Ray does
        else:
            # an embedded Ray of our own, never a cluster some other process started here
            kwargs["address"] = "local"
            kwargs["include_dashboard"] = False
            if self.num_cpus:
                kwargs["num_cpus"] = self.num_cpus
            if self.object_store_memory_mb:
                kwargs["object_store_memory"] = self.object_store_memory_mb * 1024 * 1024
        ray.init(**kwargs)
        self._started = True

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        """`fn` over `args` as Ray tasks spread over the cluster's nodes (one CPU each); results
        in order (the merge's partitions)."""
        from pipeline.runners.merge import RayMap

        self._init()
        ray_map = RayMap(num_cpus=1)
        out = ray_map(fn, args)
        self.map_nodes |= {n for n in ray_map.nodes if n}
        return out

    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, target: StagingTarget,
            progress: Progress) -> set[str]:
        """Push every row of `shards` through `stages`, writing staging parts and markers to
        `target`; returns the Ray node ids that wrote."""
        import ray
        import ray.data
        from ray.data import ActorPoolStrategy

        if not shards:
            return set()
        self._init()
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = True
        # small blocks: a shard's rows are spread over several blocks, so every actor of a
        # pool gets work and later stages start before the shard is done
        ctx.target_max_block_size = self.block_bytes
        ds = ray.data.from_items([{"shard_index": i} for i in range(len(shards))], override_num_blocks=len(shards))
        ds = ds.map_batches(_ReadShards(shards, self.read_batch_rows), batch_size=1, batch_format="numpy", num_cpus=0.25)
        segments = plan_segments(stages)
        check_fits(segments, ray.cluster_resources().get("CPU", 0.0))
        for i, seg in enumerate(segments):
            lead = next((s for s in seg if s.stateful or s.resources.num_gpus), seg[0])
            r = lead.resources
            common = dict(batch_size=r.batch_size, batch_format="pandas", udf_modifying_row_count=False,
                          num_cpus=max(s.resources.num_cpus for s in seg))
            if r.num_gpus:
                common["num_gpus"] = r.num_gpus
            chain = Chain(seg, transient_drops([s for g in segments[: i + 1] for s in g], [s for g in segments[i + 1:] for s in g]))
            if any(s.stateful for s in seg) or r.num_gpus:
                ds = ds.map_batches(_StageActor, fn_constructor_args=(chain,), compute=ActorPoolStrategy(size=max(1, r.concurrency)), **common)
            else:
                ds = ds.map_batches(chain, **common)
        ds = ds.map_batches(StagingSink(schema, target), batch_format="pandas", batch_size=None, num_cpus=0.25)
        tracker = ShardTracker(shards, target, progress)
        for counts in ds.iter_batches(batch_format="pandas", batch_size=None):
            tracker.add(counts)
        return tracker.nodes

