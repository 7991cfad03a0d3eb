"""The graph tables' contract (schemas/graph.json) and a checker for a graph folder."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pyarrow.parquet as pq

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@lru_cache(maxsize=None)
def graph_contract() -> dict:
    """schemas/graph.json as a dict: tables -> {key, doc, columns: [[name, type], ...]}."""
    with open(SCHEMA_DIR / "graph.json", encoding="utf-8") as f:
        return json.load(f)


def check_graph(out_dir: str | Path) -> list[str]:
    """Problems of the graph folder against the contract (empty list: conforms).

    Checks every table exists with exactly the contract's columns and types, and that its key
    is unique and non-null (quarantine excepted: its key is the corpus row id).
    """
    problems: list[str] = []
    for table, spec in graph_contract()["tables"].items():
        path = Path(out_dir) / table
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
