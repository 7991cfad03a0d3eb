"""Compare two graph folders table by table, as sets of rows (not just counts).

Usage: python bench/compare_graphs.py OLD_GRAPH NEW_GRAPH [--show 5]
Prints, per table, the row counts and the rows only in one of the two; exits 1 when any table
differs (its schema or its rows), 0 when all are equal. Not a test; tests use `diff_graphs`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TABLES = ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine")


def _rows(folder: Path, table: str) -> tuple[list[str], list[str]]:
    """(column names with types, rows as canonical JSON strings) of one table."""
    import pyarrow.parquet as pq

    t = pq.read_table(folder / table)
    cols = [f"{f.name}:{f.type}" for f in t.schema]
    rows = [json.dumps(r, sort_keys=True, default=str) for r in t.to_pylist()]
    return cols, rows


def diff_graphs(a: str | Path, b: str | Path, tables: tuple[str, ...] = TABLES) -> dict[str, dict]:
    """Per table: schema_equal, rows in a, rows in b, and the rows only in a / only in b."""
    from collections import Counter

    out = {}
    for t in tables:
        ca, ra = _rows(Path(a), t)
        cb, rb = _rows(Path(b), t)
        ma, mb = Counter(ra), Counter(rb)
        out[t] = {"schema_equal": ca == cb, "schema_a": ca, "schema_b": cb, "rows_a": len(ra), "rows_b": len(rb),
                  "only_a": sorted((ma - mb).elements()), "only_b": sorted((mb - ma).elements()),
                  "same_order": ra == rb}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--show", type=int, default=3, help="differing rows shown per table")
    args = ap.parse_args()
    differs = False
    for t, d in diff_graphs(args.a, args.b).items():
        ok = d["schema_equal"] and not d["only_a"] and not d["only_b"]
        differs |= not ok
        print(f"{t:10s} {d['rows_a']:6d} vs {d['rows_b']:6d} rows  "
              f"{'same rows' if ok else 'DIFFERENT'}{'' if d['same_order'] or not ok else ' (order differs)'}")
        if not d["schema_equal"]:
            print(f"   schema a: {d['schema_a']}\n   schema b: {d['schema_b']}")
        for side in ("only_a", "only_b"):
            for r in d[side][: args.show]:
                print(f"   {side}: {r}")
            if len(d[side]) > args.show:
                print(f"   {side}: ... {len(d[side]) - args.show} more")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
