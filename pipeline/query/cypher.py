"""Cypher over a graph through LadybugDB (pip `ladybug`, the maintained fork of Kùzu), an
embedded graph database: no server.

The database is loaded from the graph's Parquet tables with Ladybug's bulk ``COPY FROM`` and
cached beside the graph (``<graph>/exports/ladybug/``, or the user cache for a graph behind a
URI); a ``fingerprint.json`` there names the graph version it was loaded from, and a query on a
changed graph rebuilds it first.

Node tables (primary key first, all columns of the graph table of the same name):
``Image(image_id)``, ``Caption(caption_id)``, ``Region(region_id)``, ``Mention(mention_id)``,
``Entity(entity_id)``. Relationship tables (properties ``edge_id, predicate, scope, count,
confidence, evidence, provenance``): ``HAS_CAPTION`` Image->Caption, ``DEPICTS`` Image->Entity,
``MENTIONS`` Caption->Entity, ``INSTANCE_OF`` Region->Entity and Mention->Entity,
``GROUNDED_IN`` Mention->Region, ``HAS_ATTRIBUTE`` Mention->Entity and Entity->Entity,
``RELATION`` Mention->Mention, Region->Region (spatial, from the boxes) and Entity->Entity.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from pipeline.core.atomic import atomic_write_dir
from pipeline.graph.schema import graph_contract
from pipeline.graph.store import GraphError, GraphStore, ReadOnlyError
from pipeline.query.result import Result, Section

#: Node label -> graph table.
NODE_TABLES = {"Image": "images", "Caption": "captions", "Region": "regions", "Mention": "mentions", "Entity": "entities"}
#: Id prefix -> node label (ids are `<prefix>_<hash>`, see pipeline/core/ids.py).
ID_PREFIX = {"img": "Image", "cap": "Caption", "reg": "Region", "men": "Mention", "ent": "Entity"}
#: Relationship table -> (from, to) pairs declared even when a graph has none of them.
REL_PAIRS: dict[str, list[tuple[str, str]]] = {
    "HAS_CAPTION": [("Image", "Caption")],
    "DEPICTS": [("Image", "Entity")],
    "MENTIONS": [("Caption", "Entity")],
    "INSTANCE_OF": [("Region", "Entity"), ("Mention", "Entity")],
    "GROUNDED_IN": [("Mention", "Region")],
    "HAS_ATTRIBUTE": [("Mention", "Entity"), ("Entity", "Entity")],
    "RELATION": [("Mention", "Mention"), ("Region", "Region"), ("Entity", "Entity")],
}
_TYPES = {"string": "STRING", "int32": "INT32", "int64": "INT64", "float": "FLOAT", "double": "DOUBLE",
          "list<element: string>": "STRING[]"}
DB_FILE = "graph.lbdb"
STAMP = "fingerprint.json"


def _columns(table: str) -> list[tuple[str, str]]:
    return [(n, _TYPES[t]) for n, t in graph_contract()["tables"][table]["columns"]]


def _write_parquet(reader: Any, path: Path) -> int:
    """Stream a RecordBatchReader to one Parquet file; returns the rows written."""
    import pyarrow.parquet as pq

    n = 0
    with pq.ParquetWriter(path, reader.schema) as w:
        for b in reader:
            w.write_batch(b)
            n += b.num_rows
    return n


def build_ladybug(store: GraphStore, dest: str | Path, progress: Callable[[str], None] | None = None) -> Path:
    """Load the graph into a new Ladybug database folder `dest` (replaced atomically when it
    exists); returns `dest`. The folder holds ``graph.lbdb`` and ``fingerprint.json``."""
    import ladybug as lb

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda m: None)

    def fill(work: Path) -> None:
        stage = work / "parquet"
        stage.mkdir()
        db = lb.Database(str(work / DB_FILE))
        con = lb.Connection(db)
        t0 = time.perf_counter()
        for label, table in NODE_TABLES.items():
            cols = _columns(table)
            ddl = ", ".join(f"`{n}` {t}" for n, t in cols)
            con.execute(f"CREATE NODE TABLE {label}({ddl}, PRIMARY KEY(`{cols[0][0]}`))")
            f = stage / f"{table}.parquet"
            names = ", ".join(f'"{n}"' for n, _ in cols)
            rows = _write_parquet(store.arrow_reader(f'SELECT {names} FROM "{table}"'), f)
            if rows:
                con.execute(f"COPY {label} FROM '{f}'")
            say(f"ladybug: {label} {rows} rows")
        props = [(n, t) for n, t in _columns("edges") if n not in ("src", "dst", "type")]
        found = store.sql(
            "SELECT DISTINCT type, split_part(src, '_', 1), split_part(dst, '_', 1) FROM edges ORDER BY ALL").fetchall()
        pairs = {k: list(v) for k, v in REL_PAIRS.items()}
        for typ, sp, dp in found:
            if sp not in ID_PREFIX or dp not in ID_PREFIX:
                raise GraphError(f"{store.uri}: edge {typ} between unknown node kinds {sp!r} -> {dp!r}")
            if not typ.isidentifier():
                raise GraphError(f"{store.uri}: edge type {typ!r} is not a name")
            pair = (ID_PREFIX[sp], ID_PREFIX[dp])
            if pair not in pairs.setdefault(typ, []):
                pairs[typ].append(pair)
        for typ, ps in pairs.items():
            ddl = ", ".join(f"FROM {a} TO {b}" for a, b in ps) + ", " + ", ".join(f"`{n}` {t}" for n, t in props)
            con.execute(f"CREATE REL TABLE {typ}({ddl})")
        names = ", ".join(f'"{n}"' for n, _ in props)
        for typ, sp, dp in found:
            f = stage / f"rel-{typ}-{sp}-{dp}.parquet"
            reader = store.arrow_reader(
                f'SELECT src AS "from", dst AS "to", {names} FROM edges '
                "WHERE type = ? AND split_part(src, '_', 1) = ? AND split_part(dst, '_', 1) = ?",
                [typ, sp, dp])
            rows = _write_parquet(reader, f)
            con.execute(f"COPY {typ} FROM '{f}' (from='{ID_PREFIX[sp]}', to='{ID_PREFIX[dp]}')")
            say(f"ladybug: {typ} {ID_PREFIX[sp]}->{ID_PREFIX[dp]} {rows} rows")
        del con
        db.close()
        shutil.rmtree(stage)
        stamp = {"fingerprint": store.fingerprint, "graph": store.uri, "version": store.version,
                 "load_seconds": round(time.perf_counter() - t0, 3), "ladybug": lb.__version__}
        (work / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")

    return atomic_write_dir(dest, fill)


def _fresh(folder: Path, fingerprint: str) -> bool:
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("fingerprint") == fingerprint and (folder / DB_FILE).exists()


def ensure_ladybug(store: GraphStore, progress: Callable[[str], None] | None = None) -> tuple[Path, bool]:
    """The cached database folder of this graph, (re)built when missing or stale; returns
    (folder, rebuilt)."""
    folder = store.exports_dir() / "ladybug"
    if _fresh(folder, store.fingerprint):
        return folder, False
    return build_ladybug(store, folder, progress), True


# Clauses that write, touch files or the network, or change settings; refused before running.
_FORBIDDEN = {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "COPY", "LOAD", "INSTALL",
              "UNINSTALL", "UPDATE", "EXPORT", "IMPORT", "ATTACH", "USE", "BEGIN", "COMMIT", "ROLLBACK", "CHECKPOINT",
              "FOREACH"}
#: Procedures a read-only query may CALL (catalog look-ups).
ALLOWED_CALLS = {"show_tables", "table_info", "show_connection", "show_indexes", "show_functions", "db_version"}
_STRIP = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)


def check_read_only(query: str) -> None:
    """Raise ReadOnlyError unless `query` only reads: no clause of _FORBIDDEN (outside strings,
    quoted names and comments) and CALL only of ALLOWED_CALLS."""
    code = _STRIP.sub(" ", query)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code)
    bad = sorted({w.upper() for w in words} & _FORBIDDEN)
    if bad:
        raise ReadOnlyError(f"Cypher: only read-only queries are allowed (got {', '.join(bad)})")
    for m in re.finditer(r"\bCALL\s+([A-Za-z_][A-Za-z0-9_]*)", code, re.I):
        if m.group(1).lower() not in ALLOWED_CALLS:
            raise ReadOnlyError(f"Cypher: CALL {m.group(1)} is not allowed (allowed: {', '.join(sorted(ALLOWED_CALLS))})")


def run_cypher(folder: str | Path, query: str) -> tuple[list[str], list[list[Any]]]:
    """Run `query` read-only on the Ladybug database in `folder`; (column names, rows).
    A write, file or network access raises ReadOnlyError, a bad query GraphError."""
    import ladybug as lb

    check_read_only(query)
    db = lb.Database(str(Path(folder) / DB_FILE), read_only=True)
    try:
        con = lb.Connection(db)
        try:
            res = con.execute(query)
        except RuntimeError as e:
            raise GraphError(f"Cypher: {str(e).splitlines()[0]}") from None
        if isinstance(res, list):  # several statements: the last one's result
            res = res[-1]
        cols = res.get_column_names()
        rows = []
        while res.has_next():
            rows.append(list(res.get_next()))
        del con
        return cols, rows
    finally:
        db.close()


def cypher(store: GraphStore, query: str, progress: Callable[[str], None] | None = None) -> Result:
    """Cypher over the graph (the cached Ladybug database, rebuilt when the graph changed)."""
    check_read_only(query)
    t0 = time.perf_counter()
    folder, rebuilt = ensure_ladybug(store, progress)
    t1 = time.perf_counter()
    cols, rows = run_cypher(folder, query)
    t2 = time.perf_counter()
    summary = {"database": str(folder), "loaded": rebuilt, "row_count": len(rows)}
    if rebuilt:
        summary["load_seconds"] = round(t1 - t0, 3)
    summary["query_seconds"] = round(t2 - t1, 3)
    return Result("cypher", summary, [Section("rows", cols, rows)])
