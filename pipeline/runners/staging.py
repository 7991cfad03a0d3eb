"""Staging: what the runners write and the merge reads, and what makes a build resumable.

Processed rows are written under `staging/<shard>/` as Parquet parts, each atomically and
named by its content (the rows it holds), so a retried task rewrites the same file. When all
rows of a shard are written, the driver drops a completion marker `staging/<shard>.done`; a
resumed run skips shards that have one and redoes the rest.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core import columns as C
from pipeline.core.atomic import atomic_write, write_json_atomic
from pipeline.core.ids import digest
from pipeline.core.records import as_list
from pipeline.core.stage import QUARANTINE_DETAIL, QUARANTINE_REASON, QUARANTINE_STAGE, SECONDS_PREFIX, Stage
from pipeline.io.shards import Shard

Progress = Callable[[str], None]

# One staging row per corpus row (quarantined rows included, with their reason).
BOOKKEEPING = pa.schema([
    (C.ID, pa.string()),
    (C.SOURCE_FILE, pa.string()),
    (C.ROW, pa.int64()),
    (C.SHARD, pa.string()),
    (QUARANTINE_REASON, pa.string()),
    (QUARANTINE_DETAIL, pa.string()),
    (QUARANTINE_STAGE, pa.string()),
])


def staging_schema(stages: Sequence[Stage]) -> pa.Schema:
    """Bookkeeping columns, then every column the stages write that is not transient (in stage
    order), then one float64 `seconds_<stage>` per stage."""
    fields = list(BOOKKEEPING)
    seen = {f.name for f in fields}
    for st in stages:
        for col, typ in st.output_columns().items():
            if col not in seen and col not in st.transient:
                fields.append(pa.field(col, typ))
                seen.add(col)
    transient = {c for st in stages for c in st.transient}
    fields = [f for f in fields if f.name not in transient]
    fields += [pa.field(SECONDS_PREFIX + st.name, pa.float64()) for st in stages]
    return pa.schema(fields)


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
                nested = pa.types.is_list(f.type)
                arr = pa.array([None if _missing(v) else (as_list(v) if nested else v) for v in col], type=f.type)
            arrays.append(arr.cast(f.type) if arr.type != f.type else arr)
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.Table.from_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays], schema=schema)


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


class StagingSink:
    """Writes a processed batch as staging parts, one per shard; returns (shard, rows) counts."""

    def __init__(self, schema: pa.Schema, staging: str) -> None:
        self.schema = schema
        self.staging = staging

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        table = to_staging(batch, self.schema)
        keys, counts = [], []
        for key in sorted(set(table.column(C.SHARD).to_pylist())):
            part = table.filter(pc.equal(table.column(C.SHARD), key))
            name = digest(json.dumps(part.column(C.ROW).to_pylist()), size=8)
            folder = Path(self.staging) / key
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(folder / f"part-{name}.parquet", lambda tmp: pq.write_table(part, tmp))
            keys.append(key)
            counts.append(part.num_rows)
        return pd.DataFrame({C.SHARD: keys, "rows": counts})


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
        for key, n in zip(counts[C.SHARD], counts["rows"]):
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


def pending(shards: Iterable[Shard], staging: Path) -> list[Shard]:
    """Shards without a completion marker; their partial parts are removed."""
    out = []
    for s in shards:
        if not is_done(staging, s):
            shutil.rmtree(staging / s.key, ignore_errors=True)
            out.append(s)
    return out
