"""`kg query` verbs on the sample graph and the hostile-caption graph, checked against answers
computed independently from the Parquet tables (pandas / networkx over the whole small graph)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph_builds import HOSTILE

from pipeline.cli import main
from helpers import graph_root

pytestmark = pytest.mark.slow  # every test queries the session graphs (whole builds)


def kg(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["query", *map(str, argv)])
    out, err = capsys.readouterr()
    return rc, out, err


def kg_json(capsys, *argv: str) -> dict:
    rc, out, err = kg(capsys, *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def tables(g: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(graph_root(g) / t) for t in ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine")}


def images_with(t: dict[str, pd.DataFrame], name: str, min_score: float = 0.0) -> set[str]:
    """corpus ids of images whose captions mention `name` or whose boxes (score >= min) show it."""
    ents = t["entities"]
    ids = set(ents[(ents.name == name) & (ents.type != "attribute")].entity_id)
    by_caption = set(t["mentions"][t["mentions"].entity_id.isin(ids)].image_id)
    r = t["regions"]
    by_box = set(r[r.entity_id.isin(ids) & (r.score >= min_score)].image_id)
    imgs = t["images"].set_index("image_id")
    return {imgs.loc[i, "corpus_id"] for i in by_caption | by_box}


def test_entity_normalises_and_counts(sample_graph: Path, capsys) -> None:
    t = tables(sample_graph)
    doc = kg_json(capsys, sample_graph, "entity", "Cups")
    cup = t["entities"][(t["entities"].name == "cup") & (t["entities"].type == "concept")].iloc[0]
    assert doc["name"] == "cup" and doc["entity_id"] == cup.entity_id
    assert (doc["mention_count"], doc["image_count"], doc["region_count"]) == (cup.mention_count, cup.image_count, cup.region_count)
    e = t["edges"]
    rel_out = e[(e.type == "RELATION") & (e.scope == "concept") & (e.src == cup.entity_id)]
    geo = rel_out.provenance.str.startswith("geometry")
    assert {r["predicate"] for r in doc["relations_out"]} == set(rel_out[~geo].predicate)  # what captions say
    assert {(r["predicate"], r["object"]) for r in doc["spatial_out"]} <= set(  # what the boxes show
        zip(rel_out[geo].predicate, rel_out[geo].dst.map(dict(zip(t["entities"].entity_id, t["entities"].name)))))
    assert all(r["provenance"] == "geometry:spatial@1" for r in doc["spatial_out"] + doc["spatial_in"])
    attrs = e[(e.type == "HAS_ATTRIBUTE") & (e.scope == "concept") & (e.src == cup.entity_id)]
    assert {a["attribute"] for a in doc["attributes"]} == set(attrs.predicate)
    assert {i["corpus_id"] for i in doc["images"]} == images_with(t, "cup")
    # the table view shows the same sections
    rc, out, _ = kg(capsys, sample_graph, "entity", "cup")
    assert rc == 0 and "relations_out" in out and "saucer" in out


def test_unknown_name_exits_1_with_suggestions(sample_graph: Path, capsys) -> None:
    rc, out, err = kg(capsys, sample_graph, "entity", "cupp")
    assert rc == 1 and out == ""
    assert "no entity named 'cupp'" in err and "nearest: cup" in err


@pytest.mark.parametrize("name", ["cup", "person", "background", "coin"])
def test_images_has_matches_tables(sample_graph: Path, capsys, name: str) -> None:
    doc = kg_json(capsys, sample_graph, "images", "--has", name, "--limit", "100")
    assert {i["corpus_id"] for i in doc["images"]} == images_with(tables(sample_graph), name)
    assert doc["matching_images"] == len(doc["images"])
    ev = [i["evidence"] for i in doc["images"]]
    assert ev == sorted(ev, reverse=True)


def test_images_conditions_combine(sample_graph: Path, capsys) -> None:
    t = tables(sample_graph)
    both = kg_json(capsys, sample_graph, "images", "--has", "cup", "--has", "table")
    assert {i["corpus_id"] for i in both["images"]} == images_with(t, "cup") & images_with(t, "table")
    rel = kg_json(capsys, sample_graph, "images", "--relation", "cup on saucer")
    assert [i["corpus_id"] for i in rel["images"]] == ["skimage-coffee"]
    assert any("saucer" in c for c in rel["images"][0]["captions"])
    attr = kg_json(capsys, sample_graph, "images", "--has", "coins", "--attr", "coin:silver")
    assert [i["corpus_id"] for i in attr["images"]] == ["skimage-coins"]
    # boxes count only at or above --min-score: person is seen by the detector (and a template caption)
    hi = kg_json(capsys, sample_graph, "images", "--has", "person", "--min-score", "0.99")
    for img in hi["images"]:
        assert img["boxes"] == []
    boxed = kg_json(capsys, sample_graph, "images", "--has", "cup")
    assert boxed["images"][0]["boxes"] and boxed["images"][0]["boxes"][0]["label"] == "cup"
    rc, _, err = kg(capsys, sample_graph, "images", "--relation", "cup juggle saucer")
    assert rc == 1 and "no relation" in err


def concept_graph(t: dict[str, pd.DataFrame]) -> nx.Graph:
    e = t["edges"]
    e = e[(e.scope == "concept") & e.type.isin(["RELATION", "HAS_ATTRIBUTE"])]
    g = nx.Graph()
    g.add_edges_from(zip(e.src, e.dst))
    return g


def test_neighbors_match_tables(sample_graph: Path, capsys) -> None:
    t = tables(sample_graph)
    names = dict(zip(t["entities"].entity_id, t["entities"].name))
    cup = t["entities"][t["entities"].name == "cup"].entity_id.iloc[0]
    g = concept_graph(t)
    doc = kg_json(capsys, sample_graph, "neighbors", "cup", "--limit", "1000")
    got = {r["object"] if r["subject"] == "cup" else r["subject"] for r in doc["neighbors"]}
    assert got == {names[n] for n in g.neighbors(cup)}
    doc2 = kg_json(capsys, sample_graph, "neighbors", "cup", "--depth", "2", "--limit", "1000")
    within2 = nx.single_source_shortest_path_length(g, cup, cutoff=2)
    assert doc2["nodes"] == len(within2)
    on = kg_json(capsys, sample_graph, "neighbors", "cup", "--predicate", "on")
    assert [(r["subject"], r["predicate"], r["object"]) for r in on["neighbors"]] == [("cup", "on", "saucer")]


def test_path_is_shortest(sample_graph: Path, capsys) -> None:
    t = tables(sample_graph)
    ids = dict(zip(t["entities"].name, t["entities"].entity_id))
    g = concept_graph(t)
    for a, b in [("cup", "table"), ("coin", "woman")]:
        doc = kg_json(capsys, sample_graph, "path", a, b)
        assert doc["length"] == nx.shortest_path_length(g, ids[a], ids[b])
        steps = doc["path"]
        ends = [a] + [s["object"] if s["direction"] == "->" else s["subject"] for s in steps]
        assert ends[-1] == b
    rc, _, err = kg(capsys, sample_graph, "path", "cup", "table", "--max-depth", "1")
    assert rc == 1 and "no path" in err


def test_stats_and_csv(sample_graph: Path, capsys) -> None:
    t = tables(sample_graph)
    doc = kg_json(capsys, sample_graph, "stats")
    assert {r["table"]: r["rows"] for r in doc["tables"]} == {k: len(v) for k, v in t.items()}
    assert doc["top_entities"][0]["images"] == t["entities"].image_count.max()
    e = t["edges"]
    geo = e.provenance.fillna("").str.startswith("geometry")
    want = {(ty, sc, "boxes" if g else "text"): n for (ty, sc, g), n in e.groupby([e.type, e.scope, geo]).size().items()}
    assert {(r["type"], r["scope"], r["origin"]): r["edges"] for r in doc["edge_types"]} == want
    assert any(k[2] == "boxes" for k in want) and any(k[0] == "RELATION" and k[2] == "text" for k in want)
    rc, out, _ = kg(capsys, sample_graph, "sql", "SELECT name, image_count FROM entities ORDER BY image_count DESC, name LIMIT 3", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rc == 0 and rows[0] == ["name", "image_count"] and len(rows) == 4
    rc, out, _ = kg(capsys, sample_graph, "stats", "--csv")
    assert rc == 0 and next(csv.reader(io.StringIO(out)))[0] == "section"


def test_sql_write_exits_2(sample_graph: Path, capsys) -> None:
    rc, _, err = kg(capsys, sample_graph, "sql", "DROP VIEW images")
    assert rc == 2 and "read-only" in err
    rc, _, err = kg(capsys, sample_graph.parent, "stats")
    assert rc == 2 and "manifest.json" in err


def test_cypher_cached_and_rebuilt(sample_graph: Path, tmp_path: Path, capsys) -> None:
    g = tmp_path / "g"
    shutil.copytree(sample_graph, g, ignore=shutil.ignore_patterns("exports"))
    t = tables(g)
    doc = kg_json(capsys, g, "cypher", "MATCH (i:Image) RETURN count(i) AS n")
    assert doc["loaded"] is True and doc["rows"] == [{"n": len(t["images"])}]
    doc = kg_json(capsys, g, "cypher", "MATCH ()-[r]->() RETURN count(r) AS n")
    assert doc["loaded"] is False and doc["rows"] == [{"n": len(t["edges"])}]
    q = ("MATCH (i:Image)-[:HAS_CAPTION]->(:Caption)-[:MENTIONS]->(e:Entity {name: 'cup'}) "
         "RETURN DISTINCT i.corpus_id AS c")
    assert {r["c"] for r in kg_json(capsys, g, "cypher", q)["rows"]} <= images_with(t, "cup")
    # the graph changes (a rebuild writes a new manifest): the database is loaded again
    m = json.loads((graph_root(g) / "manifest.json").read_text())
    m["seconds"]["total"] += 1
    (graph_root(g) / "manifest.json").write_text(json.dumps(m))
    assert kg_json(capsys, g, "cypher", "MATCH (e:Entity) RETURN count(e) AS n")["loaded"] is True
    rc, _, err = kg(capsys, g, "cypher", "MATCH (e:Entity) SET e.name = 'x'")
    assert rc == 2 and "read-only" in err


def test_hostile_text_survives_queries(hostile_graph: Path, capsys) -> None:
    t = tables(hostile_graph)
    doc = kg_json(capsys, hostile_graph, "images", "--has", "horse", "--limit", "50")
    caps = {c for i in doc["images"] for c in i["captions"]}
    horse = {h for h in HOSTILE if "horse" in h}
    assert horse <= caps
    assert {i["corpus_id"] for i in doc["images"]} == images_with(t, "horse")
    rel = kg_json(capsys, hostile_graph, "images", "--relation", "man riding horse", "--attr", "horse:brown")
    assert [c for i in rel["images"] for c in i["captions"]] == ["a man riding a brown horse; DROP TABLE images; --"]
    # every caption comes back exactly through SQL, JSON and CSV
    q = "SELECT text FROM captions ORDER BY text"
    doc = kg_json(capsys, hostile_graph, "sql", q)
    assert {r["text"] for r in doc["rows"]} == {h.strip() for h in HOSTILE}
    rc, out, _ = kg(capsys, hostile_graph, "sql", q, "--csv")
    assert {r[0] for r in list(csv.reader(io.StringIO(out, newline="")))[1:]} == {h.strip() for h in HOSTILE}
    # the table view is safe for a terminal: no raw control characters, rich markup printed as text
    rc, out, _ = kg(capsys, hostile_graph, "sql", q)
    assert rc == 0 and not any(ch in out for ch in "\x00\x07\x1b\r")
    assert "[bold red]rich markup[/]" in out


def test_every_verb_on_hostile_graph(hostile_graph: Path, capsys) -> None:
    t = tables(hostile_graph)
    horse = kg_json(capsys, hostile_graph, "entity", "Horses")
    assert horse["name"] == "horse" and horse["image_count"] == 2
    assert {r["attribute"] for r in horse["attributes"]} == {"brown"}
    assert [(r["subject"], r["predicate"]) for r in horse["relations_in"]] == [("man", "ride")]
    nb = kg_json(capsys, hostile_graph, "neighbors", "man")
    assert ("man", "ride", "horse") in {(r["subject"], r["predicate"], r["object"]) for r in nb["neighbors"]}
    p = kg_json(capsys, hostile_graph, "path", "man", "brown")
    assert [(s["subject"], s["predicate"], s["object"]) for s in p["path"]] == [("man", "ride", "horse"), ("horse", "has attribute", "brown")]
    st = kg_json(capsys, hostile_graph, "stats")
    assert {r["table"]: r["rows"] for r in st["tables"]}["captions"] == len(t["captions"])
    cy = kg_json(capsys, hostile_graph, "cypher", "MATCH (c:Caption) RETURN c.text AS text")
    assert {r["text"] for r in cy["rows"]} == {h.strip() for h in HOSTILE}
    # a name that is itself hostile is looked up as data, never as SQL (its words name no entity of
    # this graph: the parser's head noun of "... DROP TABLE entities" would be the entity "entity")
    rc, _, err = kg(capsys, hostile_graph, "entity", "zq'); DROP TABLE relations; --")
    assert rc == 1 and "no entity named" in err
    assert kg_json(capsys, hostile_graph, "stats") == st  # every table still there, row counts unchanged


@pytest.mark.parametrize("query", [
    "MATCH (e:Entity) SET e.name = 'x'", "CREATE (:Entity {entity_id: 'x'})", "MATCH (e:Entity) DETACH DELETE e",
    "COPY (MATCH (e:Entity) RETURN e.name) TO '{leak}'", "LOAD FROM '/etc/hostname' RETURN *", "INSTALL httpfs",
    "CALL threads = 1", "ATTACH '{leak}' AS x (dbtype lbug)"])
def test_cypher_refuses_writes_files_network(sample_graph: Path, tmp_path: Path, capsys, query: str) -> None:
    leak = tmp_path / "leak.csv"
    rc, out, err = kg(capsys, sample_graph, "cypher", query.replace("{leak}", str(leak)))
    assert rc == 2 and ("not allowed" in err or "read-only" in err), err
    assert not leak.exists()
