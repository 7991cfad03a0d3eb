"""The in-process runner: the stages one batch at a time in this process (no Ray); tests and
the benchmark baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import pyarrow as pa

from pipeline.core.stage import Stage
from pipeline.io.shards import Shard, read_shard
from pipeline.runners.chain import Chain, transient_drops
from pipeline.runners.staging import ShardTracker, StagingSink


class LocalRunner:
    """Runs the stages one batch of `batch_size` rows at a time in this process."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, staging: Path,
            progress: Callable[[str], None]) -> None:
        """Push every row of `shards` through `stages`, writing staging parts and markers."""
        chain = Chain(stages, transient_drops(stages, []))
        chain.setup()
        sink = StagingSink(schema, str(staging))
        tracker = ShardTracker(shards, staging, progress)
        for shard in shards:
            for batch in read_shard(shard, self.batch_size):
                tracker.add(sink(chain(batch)))
