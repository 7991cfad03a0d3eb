"""Staging: what the runners write and the merge reads, and what makes a build resumable.

Processed rows are written under each shard's folder (on any storage: local disk or object
store, so workers of a multi-node cluster need no shared disk) as Parquet parts, each written
atomically and named by its content (the rows it holds), so a retried task rewrites the same
file. The build hands in `split`, which cuts a batch into the merge's partitioned fragment
tables; each is written as ``<folder>/<rel>/part-<name>.parquet``. When all rows of a shard
are written, the driver drops a completion marker ``<folder>.done``; a resumed run skips
shards that have one and redoes the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core import columns as C
from pipeline.core.ids import digest
from pipeline.core.records import as_list
from pipeline.core.storage import Storage
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


@dataclass(frozen=True)
class StagingTarget:
    """Where processed rows go: `storage` (any Storage), the folder of each shard (by shard key,
    relative to `storage`; its completion marker is ``<folder>.done``), and `split`, which cuts a
    batch of staging rows into (relative folder, table) parts."""

    storage: Storage
    folders: dict[str, str]
    split: Callable[[pa.Table], list[tuple[str, pa.Table]]]


def _node_id() -> str:
    """The Ray node this runs on ("" outside Ray): which nodes did the work."""
    try:
        import ray

        return ray.get_runtime_context().get_node_id() if ray.is_initialized() else ""
    except Exception:  # noqa: BLE001 - bookkeeping only
        return ""


class StagingSink:
    """Writes a processed batch as staging parts, one set per shard; returns (shard, rows, node) counts."""

    def __init__(self, schema: pa.Schema, target: StagingTarget) -> None:
        self.schema = schema
        self.target = target

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        table = to_staging(batch, self.schema)
        keys, counts = [], []
        for key in sorted(set(table.column(C.SHARD).to_pylist())):
            part = table.filter(pc.equal(table.column(C.SHARD), key))
            name = digest(json.dumps(part.column(C.ROW).to_pylist()), size=8)
            folder = self.target.folders[key]
            for rel, piece in self.target.split(part):
                self.target.storage.write_parquet(f"{folder}/{rel}/part-{name}.parquet", piece)
            keys.append(key)
            counts.append(part.num_rows)
        return pd.DataFrame({C.SHARD: keys, "rows": counts, "node": [_node_id()] * len(keys)})


class ShardTracker:
    """Counts rows written per shard, drops a marker when a shard is complete, and notes which
    nodes wrote."""

    def __init__(self, shards: Sequence[Shard], target: StagingTarget, progress: Progress) -> None:
        self.expected = {s.key: s.rows for s in shards}
        self.done = {s.key: 0 for s in shards}
        self.target = target
        self.progress = progress
        self.total = sum(self.expected.values())
        self.rows = 0
        self.nodes: set[str] = set()

    def add(self, counts: pd.DataFrame) -> None:
        for key, n in zip(counts[C.SHARD], counts["rows"]):
            self.done[key] += int(n)
            self.rows += int(n)
            if self.done[key] == self.expected[key]:
                mark_done(self.target, key, self.expected[key])
        self.nodes |= {n for n in counts.get("node", []) if n}
        self.progress(f"{self.rows}/{self.total} rows")


def mark_done(target: StagingTarget, key: str, rows: int) -> None:
    """Write the completion marker of shard `key`."""
    target.storage.write_json(f"{target.folders[key]}.done", {"rows": rows})


def is_done(target: StagingTarget, shard: Shard) -> bool:
    """True when `shard` has a completion marker with the right row count."""
    marker = target.storage.read_json(f"{target.folders[shard.key]}.done", default=None)
    return isinstance(marker, dict) and marker.get("rows") == shard.rows


def pending(shards: Iterable[Shard], target: StagingTarget) -> list[Shard]:
    """Shards without a completion marker; their partial parts are removed."""
    out = []
    for s in shards:
        if not is_done(target, s):
            target.storage.delete(target.folders[s.key])
            out.append(s)
    return out
