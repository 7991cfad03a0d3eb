"""Neo4j export: CSV files for ``neo4j-admin database import full`` and the exact command.

One node file per node table (``<key>:ID`` first, then ``:LABEL`` = Image, Caption, Region,
Mention or Entity, then every column with a typed header: ``width:int``, ``count:long``,
``score:float``, ``corpus_ids:string[]``), one relationship file per edge type (``:START_ID``,
``:END_ID``, ``:TYPE`` = the edge type, then ``edge_id, predicate, scope, count:long,
confidence:float, evidence:string[], provenance``). Ids are globally unique (``img_``, ``cap_``
... prefixes), so one id space serves all files. Strings are always quoted (``""`` inside),
an absent value is an empty unquoted field (no property); arrays are joined with the array
delimiter, ``;`` unless some element holds one (then the first of ``|``, U+001F that none
holds). ``import.sh`` beside the files runs the import with the matching options.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, Callable, Iterable

from pipeline.core.atomic import atomic_write_dir
from pipeline.graph.schema import graph_contract
from pipeline.graph.store import GraphError, GraphStore

NODE_LABELS = {"images": "Image", "captions": "Caption", "regions": "Region", "mentions": "Mention", "entities": "Entity"}
_NEO_TYPES = {"string": "", "int32": "int", "int64": "long", "float": "float", "double": "double",
              "list<element: string>": "string[]"}
_ARRAY_COLUMNS = (("images", "corpus_ids"), ("mentions", "region_ids"), ("edges", "evidence"))
_DELIMITERS = (";", "|", "\x1f")


def _header(name: str, typ: str) -> str:
    t = _NEO_TYPES[typ]
    return f"{name}:{t}" if t else name


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _field(v: Any, typ: str, delim: str) -> str:
    if v is None:
        return ""
    if typ == "string":
        return _quote(v)
    if typ.startswith("list"):
        return _quote(delim.join(v)) if v else ""
    if typ in ("float", "double"):
        return repr(float(v))
    return str(int(v))


def choose_array_delimiter(store: GraphStore) -> str:
    """The first of ; | U+001F that no array element of the graph contains."""
    for d in _DELIMITERS:
        lit = "'" + d.replace("'", "''") + "'"
        clash = any(store.sql(
            f'SELECT 1 FROM (SELECT unnest("{col}") AS x FROM "{table}") WHERE contains(x, {lit}) LIMIT 1').fetchone()
            for table, col in _ARRAY_COLUMNS)
        if not clash:
            return d
    raise GraphError(f"{store.uri}: every array delimiter (; | U+001F) occurs inside an array value")


def _write_rows(path: Path, header: list[str], types: list[str], rows: Iterable[dict], keys: list[str], delim: str) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(_field(r[k], t, delim) for k, t in zip(keys, types)) + "\n")
            n += 1
    return n


def _batches(store: GraphStore, query: str, params: list | None = None) -> Iterable[dict]:
    for b in store.arrow_reader(query, params):
        yield from b.to_pylist()


def _delim_arg(d: str) -> str:
    return d if d in ";|" else f"U+{ord(d):04X}"


def write_neo4j(store: GraphStore, target: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Write the import folder `target` (replaced atomically); returns it. `progress` gets one
    line per file written."""
    say = progress or (lambda m: None)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)

    def fill(work: Path) -> None:
        delim = choose_array_delimiter(store)
        tables = graph_contract()["tables"]
        node_files, rel_files = [], []
        for table, label in NODE_LABELS.items():
            cols = tables[table]["columns"]
            key = cols[0][0]
            header = [f"{key}:ID", ":LABEL"] + [_header(n, t) for n, t in cols[1:]]
            names = ", ".join(f'"{n}"' for n, _ in cols)
            rows = ({**r, ":LABEL": label} for r in _batches(store, f'SELECT {names} FROM "{table}" ORDER BY "{key}"'))
            keys = [key, ":LABEL"] + [n for n, _ in cols[1:]]
            types = ["string", "string"] + [t for _, t in cols[1:]]
            n = _write_rows(work / f"{table}.csv", header, types, rows, keys, delim)
            node_files.append(f"{table}.csv")
            say(f"neo4j: {table}.csv {n} nodes")
        props = [(n, t) for n, t in tables["edges"]["columns"] if n not in ("src", "dst", "type")]
        header = [":START_ID", ":END_ID", ":TYPE"] + [_header(n, t) for n, t in props]
        keys = ["src", "dst", "type"] + [n for n, _ in props]
        types = ["string"] * 3 + [t for _, t in props]
        names = ", ".join(f'"{n}"' for n in keys)
        for (typ,) in store.sql("SELECT DISTINCT type FROM edges ORDER BY type").fetchall():
            if not typ.isidentifier():
                raise GraphError(f"{store.uri}: edge type {typ!r} is not a name")
            rows = _batches(store, f"SELECT {names} FROM edges WHERE type = ? ORDER BY edge_id", [typ])
            n = _write_rows(work / f"rel_{typ}.csv", header, types, rows, keys, delim)
            rel_files.append(f"rel_{typ}.csv")
            say(f"neo4j: rel_{typ}.csv {n} relationships")
        args = ["neo4j-admin", "database", "import", "full", "neo4j", "--delimiter=,",
                f"--array-delimiter={_delim_arg(delim)}", '--quote="', "--multiline-fields=true", "--id-type=string"]
        args += [f"--nodes={f}" for f in node_files] + [f"--relationships={f}" for f in rel_files]
        cmd = " ".join(shlex.quote(a) for a in args)
        (work / "import.sh").write_text(
            "#!/bin/sh\n# Import this folder into an empty Neo4j database called neo4j (stop it first);\n"
            "# set NEO4J_HOME or put neo4j-admin on PATH.\nset -e\ncd \"$(dirname \"$0\")\"\n"
            f"{cmd} \"$@\"\n", encoding="utf-8")
        os.chmod(work / "import.sh", 0o755)

    return atomic_write_dir(target, fill)
