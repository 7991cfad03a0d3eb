"""Shards: the unit of work, completion and resume. A shard is a run of consecutive row groups
of one corpus file; each corpus row carries its file (`path`) and row number (`row`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import pandas as pd
import pyarrow.parquet as pq

from pipeline.core import columns as C
from pipeline.core.ids import digest
from pipeline.io.corpus import CorpusFile

ROW = C.ROW  # row number within its file
SHARD = C.SHARD  # shard key


@dataclass(frozen=True)
class Shard:
    """Row groups `row_groups` of `file` (rows first_row .. first_row+rows-1)."""

    key: str
    file: str
    row_groups: tuple[int, ...]
    first_row: int
    rows: int
    # the shard's own reader (pipeline.io.layouts: mapped layouts, .tar shards); None: plain Parquet
    reader: Any = field(default=None, compare=False, repr=False)
    source: str = field(default="", compare=False, repr=False)  # the URI to open when `file` had secrets stripped

    @property
    def open_path(self) -> str:
        """The path or URI to read the shard's file from (credentials included)."""
        return self.source or self.file


def plan_shards(inputs: Sequence[CorpusFile], shard_rows: int) -> list[Shard]:
    """Cut every file into shards of whole row groups, about `shard_rows` rows each (a row
    group larger than that is a shard by itself). Keys depend on the file's content hash."""
    shards: list[Shard] = []
    for cf in inputs:
        md = pq.ParquetFile(cf.open_path).metadata
        group: list[int] = []
        first = start = 0
        count = 0
        for rg in range(md.num_row_groups):
            n = md.row_group(rg).num_rows
            if group and count + n > shard_rows:
                shards.append(_shard(cf, group, start, count))
                group, count, start = [], 0, first
            group.append(rg)
            count += n
            first += n
        if group:
            shards.append(_shard(cf, group, start, count))
    return shards


def _shard(cf: CorpusFile, groups: list[int], first_row: int, rows: int) -> Shard:
    h = digest(cf.path, cf.sha256, f"{groups[0]}-{groups[-1]}", size=8)
    return Shard(f"s{h}", cf.path, tuple(groups), first_row, rows, source=cf.source)


def read_shard(shard: Shard, batch_rows: int) -> Iterator[pd.DataFrame]:
    """The shard's rows in batches of at most `batch_rows`, with `path`, `row` and `shard` added."""
    if shard.reader is not None:
        yield from shard.reader.read(shard, batch_rows)
        return
    pf = pq.ParquetFile(shard.open_path)
    row = shard.first_row
    for rb in pf.iter_batches(batch_size=batch_rows, row_groups=list(shard.row_groups)):
        df = rb.to_pandas(types_mapper=pd.ArrowDtype)
        n = len(df)
        df[C.SOURCE_FILE] = shard.file
        df[ROW] = range(row, row + n)
        df[SHARD] = shard.key
        row += n
        yield df
