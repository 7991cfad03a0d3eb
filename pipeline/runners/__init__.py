"""Executors of a stage list: a plain in-process loop (`local`, tests and the benchmark
baseline) and a Ray Data streaming pipeline (`ray_data`). Both read shards, push rows through
the stages and write staging parts (`staging`); stages know nothing of either."""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from pathlib import Path

import pyarrow as pa

from pipeline.core.stage import Stage
from pipeline.io.shards import Shard

Progress = Callable[[str], None]


class Runner(Protocol):
    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        """Push every row of `shards` through `stages`, writing staging parts and markers."""


def make_runner(name: str, **options) -> Runner:
    """`local` or `ray` runner with its options (see LocalRunner / RayRunner)."""
    if name == "local":
        from pipeline.runners.local import LocalRunner

        return LocalRunner(**options)
    from pipeline.runners.ray_data import RayRunner

    return RayRunner(**options)
