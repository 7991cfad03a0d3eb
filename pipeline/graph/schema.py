"""The graph tables' contract (pipeline/schemas/graph.json, shipped as package data) and a
checker for a graph folder."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@lru_cache(maxsize=None)
def graph_contract() -> dict:
    """graph.json as a dict: tables -> {key, doc, columns: [[name, type], ...]}, edge_types."""
    text = resources.files("pipeline.schemas").joinpath("graph.json").read_text(encoding="utf-8")
    return json.loads(text)


_TYPES = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float": pa.float32(),
          "double": pa.float64(), "list<element: string>": pa.list_(pa.field("element", pa.string()))}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema the contract gives `table` (KeyError for an unknown table)."""
    cols = graph_contract()["tables"][table]["columns"]
    return pa.schema([pa.field(name, _TYPES[t]) for name, t in cols])


def check_graph(out_dir: str | Path) -> list[str]:
    """Problems of the local graph folder (its current version when versioned) against the
    contract (empty list: conforms).

    Checks every table exists with exactly the contract's columns and types, and that its key
    is unique and non-null (quarantine excepted: its key is the corpus row id).
    """
    root = Path(out_dir)
    if (root / "CURRENT").exists():
        root = root / "versions" / (root / "CURRENT").read_text().strip().removeprefix("versions/").strip("/")
    problems: list[str] = []
    for table, spec in graph_contract()["tables"].items():
        path = root / table
        if not path.exists():
            problems.append(f"{table}: missing")
            continue
        t = pq.read_table(path)
        got = [[f.name, str(f.type)] for f in t.schema]
        if got != spec["columns"]:
            problems.append(f"{table}: columns {got} != contract {spec['columns']}")
            continue
        key = t.column(spec["key"])
        if key.null_count:
            problems.append(f"{table}: {key.null_count} null {spec['key']}")
        if table != "quarantine" and len(set(key.to_pylist())) != t.num_rows:
            problems.append(f"{table}: duplicate {spec['key']}")
    return problems
