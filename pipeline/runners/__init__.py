"""Executors of a stage list: a plain in-process loop (`local`, tests and the benchmark
baseline) and a Ray Data streaming pipeline (`ray_data`). Both read shards, push rows through
the stages and write staging parts (`staging`); stages know nothing of either."""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

import pyarrow as pa

from pipeline.core.stage import Stage
from pipeline.io.shards import Shard
from pipeline.runners.staging import StagingTarget

Progress = Callable[[str], None]


class Runner(Protocol):
    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, target: "StagingTarget",
            progress: Progress) -> set[str]:
        """Push every row of `shards` through `stages`, writing staging parts and markers to
        `target`; returns the Ray node ids that wrote (empty without Ray)."""

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        """`fn` over `args` (picklable), results in order: the merge's tasks."""

    def close(self) -> None:
        """Release what the runner started (Ray)."""


def make_runner(name: str, **options) -> Runner:
    """`local` or `ray` runner with its options (see LocalRunner / RayRunner)."""
    if name == "local":
        from pipeline.runners.local import LocalRunner

        return LocalRunner(**options)
    from pipeline.runners.ray_data import RayRunner

    return RayRunner(**options)
