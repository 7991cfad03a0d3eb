"""Executors: the same stages in a plain in-process loop (tests, benchmark baseline) or as a
Ray Data streaming pipeline. Stages know nothing of either."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Protocol, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.stage import Stage

Progress = Callable[[str], None]


def to_staging(batch: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """The batch as an Arrow table of exactly `schema` (missing columns null, others dropped)."""
    arrays = []
    n = len(batch)
    for f in schema:
        if f.name in batch.columns:
            col = batch[f.name]
            if isinstance(col.dtype, pd.ArrowDtype):
                arr = col.array.__arrow_array__()
            else:
                arr = pa.array([None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else v for v in col], type=f.type)
            arrays.append(arr.cast(f.type) if arr.type != f.type else arr)
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.Table.from_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays], schema=schema)


class Runner(Protocol):
    def run(self, files: Sequence[str], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        """Push every row of `files` through `stages` and write staging Parquet under `staging`."""


class LocalRunner:
    """Runs the stages one batch at a time in this process (no Ray)."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def run(self, files: Sequence[str], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        from pipeline.io.corpus import iter_corpus_batches

        staging.mkdir(parents=True, exist_ok=True)
        for st in stages:
            st.setup()
            st._ready = True
        done = 0
        writer = pq.ParquetWriter(staging / "part-local-00000.parquet", schema)
        try:
            for batch in iter_corpus_batches(files, self.batch_size):
                for st in stages:
                    batch = st(batch)
                writer.write_table(to_staging(batch, schema))
                done += len(batch)
                progress(f"{done} rows")
        finally:
            writer.close()


class _StageActor:
    """Ray actor wrapper: one stage instance, set up once per actor."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        stage.setup()
        stage._ready = True

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.stage(batch)


class _ToStaging:
    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        return to_staging(batch, self.schema)


class RayRunner:
    """Runs the stages as a Ray Data streaming pipeline: stages that load a model become actor
    pools (`concurrency` actors, `num_gpus` each), the others tasks."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None, object_store_memory_mb: int | None = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.object_store_memory_mb = object_store_memory_mb

    def _init(self) -> bool:
        import ray

        if ray.is_initialized():
            return False
        kwargs: dict = {"logging_level": logging.WARNING, "log_to_driver": True}
        if self.address:
            kwargs["address"] = self.address
        else:
            kwargs["include_dashboard"] = False
            if self.num_cpus:
                kwargs["num_cpus"] = self.num_cpus
            if self.object_store_memory_mb:
                kwargs["object_store_memory"] = self.object_store_memory_mb * 1024 * 1024
        ray.init(**kwargs)
        return True

    def run(self, files: Sequence[str], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        import ray
        import ray.data
        from ray.data import ActorPoolStrategy

        started = self._init()
        try:
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = True
            ds = ray.data.read_parquet(list(files), include_paths=True)
            for st in stages:
                r = st.resources
                common = dict(batch_size=r.batch_size, batch_format="pandas", num_cpus=r.num_cpus, udf_modifying_row_count=False)
                if r.num_gpus:
                    common["num_gpus"] = r.num_gpus
                if st.stateful:
                    ds = ds.map_batches(_StageActor, fn_constructor_args=(st,), compute=ActorPoolStrategy(size=max(1, r.concurrency)), **common)
                else:
                    ds = ds.map_batches(st, **common)
            ds = ds.map_batches(_ToStaging(schema), batch_format="pandas", batch_size=256, num_cpus=0.25, udf_modifying_row_count=False)
            ds.write_parquet(str(staging))
        finally:
            if started:
                ray.shutdown()
