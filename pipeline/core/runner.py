"""Executors: the same stages in a plain in-process loop (tests, benchmark baseline) or as a
Ray Data streaming pipeline. Stages know nothing of either.

Both read the corpus shard by shard (pipeline.io.shards), push rows through the stages, and
write staging Parquet parts under `staging/<shard>/`, each part atomically (temp + rename) and
named by its content, so a retried task rewrites the same file. When all rows of a shard are
written, the driver drops a completion marker `staging/<shard>.done`; a resumed run skips
shards that have one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.manifest import write_json_atomic
from pipeline.core.stage import Stage
from pipeline.io.shards import ROW, SHARD, Shard, read_shard

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


class StagingSink:
    """Writes a processed batch as staging parts, one per shard; returns (shard, rows) counts."""

    def __init__(self, schema: pa.Schema, staging: str) -> None:
        self.schema = schema
        self.staging = staging

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        table = to_staging(batch, self.schema)
        keys, counts = [], []
        for key in sorted(set(table.column(SHARD).to_pylist())):
            part = table.filter(pc.equal(table.column(SHARD), key))
            rows = part.column(ROW).to_pylist()
            name = hashlib.blake2b(json.dumps(rows).encode(), digest_size=8).hexdigest()
            folder = Path(self.staging) / key
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".part-{name}.{os.getpid()}.tmp"
            pq.write_table(part, tmp)
            os.replace(tmp, folder / f"part-{name}.parquet")
            keys.append(key)
            counts.append(part.num_rows)
        return pd.DataFrame({SHARD: keys, "rows": counts})


class ShardTracker:
    """Counts rows written per shard and drops a marker when a shard is complete."""

    def __init__(self, shards: Sequence[Shard], staging: Path, progress: Progress) -> None:
        self.expected = {s.key: s.rows for s in shards}
        self.done = {s.key: 0 for s in shards}
        self.staging = staging
        self.progress = progress
        self.total = sum(self.expected.values())
        self.rows = 0

    def add(self, counts: pd.DataFrame) -> None:
        for key, n in zip(counts[SHARD], counts["rows"]):
            self.done[key] += int(n)
            self.rows += int(n)
            if self.done[key] == self.expected[key]:
                mark_done(self.staging, key, self.expected[key])
        self.progress(f"{self.rows}/{self.total} rows")


def mark_done(staging: Path, key: str, rows: int) -> None:
    """Write the completion marker of shard `key`."""
    write_json_atomic(staging / f"{key}.done", {"rows": rows})


def is_done(staging: Path, shard: Shard) -> bool:
    """True when `shard` has a completion marker with the right row count."""
    marker = staging / f"{shard.key}.done"
    try:
        return json.loads(marker.read_text())["rows"] == shard.rows
    except (OSError, ValueError, KeyError):
        return False


class Runner(Protocol):
    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        """Push every row of `shards` through `stages`, writing staging parts and markers."""


class LocalRunner:
    """Runs the stages one batch at a time in this process (no Ray)."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        chain = _Chain(stages, transient_drops(stages, []))
        chain.setup()
        sink = StagingSink(schema, str(staging))
        tracker = ShardTracker(shards, staging, progress)
        for shard in shards:
            for batch in read_shard(shard, self.batch_size):
                tracker.add(sink(chain(batch)))


def transient_drops(stages: Sequence[Stage], later: Sequence[Stage]) -> tuple[str, ...]:
    """Transient columns of `stages` (and earlier) that none of the `later` stages requires."""
    needed = {c for st in later for c in st.requires}
    return tuple(c for st in stages for c in st.transient if c not in needed)


class _Chain:
    """Consecutive stages applied in order in one Ray operator (set up on first use); then
    drops the transient columns that no later stage needs."""

    def __init__(self, stages: Sequence[Stage], drop: Sequence[str] = ()) -> None:
        self.stages = list(stages)
        self.drop = list(drop)

    def setup(self) -> None:
        for st in self.stages:
            st.setup()
            st._ready = True

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        for st in self.stages:
            batch = st(batch)
        return batch.drop(columns=[c for c in self.drop if c in batch.columns])


class _StageActor:
    """Ray actor wrapper: a chain of stages, set up once per actor."""

    def __init__(self, chain: _Chain) -> None:
        self.chain = chain
        chain.setup()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.chain(batch)


def check_fits(segments: Sequence[Sequence[Stage]], cpus: float) -> None:
    """Raise StageError when the actors' CPU reservations leave no room for the read and
    write tasks (Ray would wait forever for a free CPU)."""
    from pipeline.core.stage import StageError

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

    def _init(self) -> bool:
        import ray

        if ray.is_initialized():
            return False
        kwargs: dict = {"logging_level": logging.WARNING}
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

    def run(self, shards: Sequence[Shard], stages: Sequence[Stage], schema: pa.Schema, staging: Path, progress: Progress) -> None:
        import ray
        import ray.data
        from ray.data import ActorPoolStrategy

        if not shards:
            return
        started = self._init()
        try:
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
                chain = _Chain(seg, transient_drops([s for g in segments[: i + 1] for s in g], [s for g in segments[i + 1:] for s in g]))
                if any(s.stateful for s in seg) or r.num_gpus:
                    ds = ds.map_batches(_StageActor, fn_constructor_args=(chain,), compute=ActorPoolStrategy(size=max(1, r.concurrency)), **common)
                else:
                    ds = ds.map_batches(chain, **common)
            ds = ds.map_batches(StagingSink(schema, str(staging)), batch_format="pandas", batch_size=None, num_cpus=0.25)
            tracker = ShardTracker(shards, staging, progress)
            for counts in ds.iter_batches(batch_format="pandas", batch_size=None):
                tracker.add(counts)
        finally:
            if started:
                ray.shutdown()


def pending(shards: Iterable[Shard], staging: Path) -> list[Shard]:
    """Shards without a completion marker; their partial parts are removed."""
    import shutil

    out = []
    for s in shards:
        if not is_done(staging, s):
            shutil.rmtree(staging / s.key, ignore_errors=True)
            out.append(s)
    return out
