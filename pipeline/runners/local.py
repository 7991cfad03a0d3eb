"""The in-process runner: the stages one batch at a time in this process (no Ray); tests and
the benchmark baseline."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import pyarrow as pa

from pipeline.core.stage import Stage
from pipeline.io.shards import Shard, read_shard
from pipeline.runners.chain import Chain, transient_drops
from pipeline.runners.merge import local_map
from pipeline.runners.staging import ShardTracker, StagingSink, StagingTarget


class LocalRunner:
    """Runs the stages one batch of `batch_size` rows at a time in this process."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, target: StagingTarget,
            progress: Callable[[str], None]) -> set[str]:
        """Push every row of `shards` through `stages`, writing staging parts and markers to
        `target`; returns the nodes that wrote (none: no Ray here)."""
        if not shards:
            return set()
        chain = Chain(stages, transient_drops(stages, []))
        chain.setup()
        sink = StagingSink(schema, target)
        tracker = ShardTracker(shards, target, progress)
        for shard in shards:
            for batch in read_shard(shard, self.batch_size):
                tracker.add(sink(chain(batch)))
        return tracker.nodes

    #: the merge's executor: `map(fn, args)` runs `fn` over `args` in this process, in order,
    #: and returns the results (`pipeline.runners.merge.local_map`, the one in-process executor)
    map: Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]] = staticmethod(local_map)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> "LocalRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
