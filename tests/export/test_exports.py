"""Each export read back by its consumer: neo4j-admin's CSV header grammar and endpoints,
rdflib (triple count the tables imply) and pyoxigraph SPARQL against `kg query images`,
LadybugDB Cypher, on the sample graph and the hostile-caption graph."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.export import export_graph
from pipeline.export.turtle import VOCAB
from helpers import graph_root

pytestmark = pytest.mark.slow  # every test exports the session graphs (whole builds)

TABLES = ("images", "captions", "regions", "mentions", "entities", "edges")
NODE_TABLES = {"images": "Image", "captions": "Caption", "regions": "Region", "mentions": "Mention", "entities": "Entity"}
# neo4j-admin import header fields: name[:type], :ID / :ID(group), :LABEL, :START_ID, :END_ID, :TYPE, :IGNORE
_TYPE = r"(?:int|long|float|double|boolean|byte|short|char|string|point|date|localtime|time|localdatetime|datetime|duration)(?:\[\])?"
HEADER_FIELD = re.compile(rf"^(?:[A-Za-z_][A-Za-z0-9_]*)?(?::(?:ID(?:\([A-Za-z_]+\))?|LABEL|START_ID|END_ID|TYPE|IGNORE|{_TYPE}))?$")


def tables(g: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(graph_root(g) / t) for t in TABLES}


def read_neo4j(folder: Path) -> tuple[dict[str, list[dict]], dict[str, list[dict]], str]:
    """Node and relationship files of a neo4j export parsed as the import tool would (per import.sh)."""
    cmd = (folder / "import.sh").read_text().splitlines()[-1]
    args = shlex.split(cmd)
    assert args[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    opts = dict(a[2:].split("=", 1) for a in args[5:] if a.startswith("--") and "=" in a)
    assert opts["delimiter"] == "," and opts["quote"] == '"' and opts["multiline-fields"] == "true"
    delim = opts["array-delimiter"]
    delim = chr(int(delim[2:], 16)) if delim.startswith("U+") else delim
    files = {"nodes": [a.split("=", 1)[1] for a in args if a.startswith("--nodes=")],
             "relationships": [a.split("=", 1)[1] for a in args if a.startswith("--relationships=")]}
    out: dict[str, dict[str, list[dict]]] = {"nodes": {}, "relationships": {}}
    for kind, names in files.items():
        for name in names:
            with open(folder / name, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            header = rows[0]
            for h in header:
                assert HEADER_FIELD.match(h), f"{name}: bad header field {h!r}"
            recs = []
            for r in rows[1:]:
                assert len(r) == len(header), f"{name}: {len(r)} fields, header has {len(header)}"
                rec = {}
                for h, v in zip(header, r):
                    key, _, typ = h.partition(":")
                    key = key or f":{typ}"
                    if typ.endswith("[]"):
                        v = v.split(delim) if v else []
                    rec[key] = v
                recs.append(rec)
            out[kind][name] = recs
    return out["nodes"], out["relationships"], delim


@pytest.fixture(params=["sample", "hostile"])
def graph(request) -> Path:
    return request.getfixturevalue(f"{request.param}_graph")


def test_neo4j_import_files(graph: Path, tmp_path: Path) -> None:
    t = tables(graph)
    folder = export_graph(graph, "neo4j", tmp_path / "neo4j")
    nodes, rels, delim = read_neo4j(folder)
    ids: set[str] = set()
    for table, label in NODE_TABLES.items():
        recs = nodes[f"{table}.csv"]
        assert len(recs) == len(t[table])
        key = f"{t[table].columns[0]}"
        assert all(r[":LABEL"] == label for r in recs)
        assert {r[key] for r in recs} == set(t[table][key])
        ids |= {r[key] for r in recs}
    header = next(csv.reader(open(folder / "entities.csv", encoding="utf-8")))
    assert header[0] == "entity_id:ID" and "mention_count:long" in header
    edges = [r for recs in rels.values() for r in recs]
    assert len(edges) == len(t["edges"])
    missing = [(r[":START_ID"], r[":END_ID"]) for r in edges if r[":START_ID"] not in ids or r[":END_ID"] not in ids]
    assert not missing, f"relationships with missing endpoints: {missing[:3]}"
    ev = {r["edge_id"]: r["evidence"] for r in edges}
    assert all(ev[e.edge_id] == list(e.evidence) for e in t["edges"].itertuples())
    assert {r[":TYPE"] for r in edges} == set(t["edges"].type)


def expected_triples(t: dict[str, pd.DataFrame]) -> int:
    """Triples the documented vocabulary (pipeline/export/turtle.py) gives for these tables."""
    n = 0
    for table in NODE_TABLES:
        df = t[table]
        for col in df.columns[1:]:
            s = df[col]
            if s.dtype == object and s.map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
                n += int(s.map(lambda v: 0 if v is None else len({x for x in v if x is not None})).sum())
            else:
                n += int(s.notna().sum())
        n += len(df)  # rdf:type
    e = t["edges"]
    prop = e.apply(lambda r: ("rel:" + r.predicate) if r.type == "RELATION" else r.type, axis=1)
    n += len(set(zip(e.src, prop, e.dst)))  # direct triples
    n += 2 * e[e.type == "RELATION"].predicate.nunique()  # subPropertyOf + label per predicate
    per_edge = 4  # a kg:Edge, source, target, edgeType
    n += per_edge * len(e) + int((e.predicate.fillna("") != "").sum()) + int(e.scope.notna().sum())
    n += int(e["count"].notna().sum()) + int(e.confidence.notna().sum()) + int(e.provenance.notna().sum())
    n += int(e.evidence.map(lambda v: 0 if v is None else len({x for x in v if x})).sum())
    return n


def _query_images(graph: Path, name: str, capsys) -> set[str]:
    capsys.readouterr()
    assert main(["query", str(graph), "images", "--has", name, "--limit", "1000", "--json"]) == 0
    return {i["image_id"] for i in json.loads(capsys.readouterr().out)["images"]}


def test_turtle_rdflib_and_sparql(graph: Path, tmp_path: Path, capsys) -> None:
    import pyoxigraph
    import rdflib

    t = tables(graph)
    ttl = export_graph(graph, "turtle", tmp_path / "g.ttl")
    g = rdflib.Graph()
    g.parse(ttl, format="turtle")
    assert len(g) == expected_triples(t)
    store = pyoxigraph.Store()
    store.load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(g)
    name = "horse" if "hostile" in str(graph) else "person"
    q = f"""PREFIX kg: <{VOCAB}>
        SELECT DISTINCT ?img WHERE {{
          ?e a kg:Entity ; kg:name "{name}" ; kg:type ?type . FILTER(?type != "attribute")
          {{ ?img kg:depicts ?e }} UNION {{ ?img kg:hasCaption/kg:mentions ?e }} }}"""
    got = {r["img"].value.rsplit(":", 1)[1] for r in store.query(q)}
    assert got and got == _query_images(graph, name, capsys)


def test_ladybug_export(graph: Path, tmp_path: Path) -> None:
    from pipeline.query.cypher import run_cypher

    t = tables(graph)
    folder = export_graph(graph, "ladybug", tmp_path / "db")
    assert json.loads((folder / "fingerprint.json").read_text())["fingerprint"]
    for table, label in NODE_TABLES.items():
        _, rows = run_cypher(folder, f"MATCH (n:{label}) RETURN count(n)")
        assert rows == [[len(t[table])]]
    _, rows = run_cypher(folder, "MATCH ()-[r]->() RETURN count(r)")
    assert rows == [[len(t["edges"])]]
    # an existing folder this exporter did not write is never replaced: the db goes inside it
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    assert export_graph(graph, "ladybug", other) == other / "ladybug-db"
    assert (other / "keep.txt").read_text() == "mine"

