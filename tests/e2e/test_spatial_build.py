"""Spatial relations end to end (in-process runner, real detector, real spaCy): the boxes'
relations land as RELATION edges with provenance geometry, beside and never merged with what
captions say, which stays exactly as in a build without the stage."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import stacked_photo, write_corpus, graph_root

from pipeline.build import run_build
from pipeline.cli import main
from pipeline.config import DEFAULT_STAGES, load_config
from pipeline.graph.records import entity_id
from pipeline.graph.schema import check_graph

REPO = Path(__file__).resolve().parents[2]
# the weak CPU detector is unsure of the coffee scene: keep its boxes from 0.2 on
LOW = ["decode.text_columns=[text]", "detect.score_threshold=0.2", "spatial.min_score=0.2"]


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, photos, model_dir) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("spatial")
    corpus = write_corpus(d / "corpus.parquet", [
        {"id": "stacked", "image": stacked_photo(), "text": "a cup above a person"},
        {"id": "astro", "image": photos["astronaut"], "text": "an astronaut holding a helmet"},
        {"id": "rider", "image": photos["coffee"], "text": "a man riding a brown horse"},
    ])
    out = {}
    for name, extra in {"on": [], "off": ["spatial.enabled=false"],
                        "without": ["stages=[" + ",".join(s for s in DEFAULT_STAGES if s != "spatial") + "]"]}.items():
        cfg = load_config(REPO / "jobs/configs/sample.yaml", LOW + extra, out=str(d / name), runner="local")
        cfg.corpus = [str(corpus)]
        run_build(cfg, progress=lambda m: None)
        out[name] = d / name
    return out


def edges(g: Path) -> list[dict]:
    return pq.read_table(graph_root(g) / "edges").to_pylist()


def test_geometry_edges_beside_unchanged_caption_edges(graphs: dict[str, Path]) -> None:
    on, off, without = (edges(graphs[k]) for k in ("on", "off", "without"))
    for g in graphs.values():
        assert check_graph(g) == []
    geo = [e for e in on if (e["provenance"] or "").startswith("geometry")]
    assert geo and {e["provenance"] for e in geo} == {"geometry:spatial@1"}
    assert {e["type"] for e in geo} == {"RELATION"} and {e["scope"] for e in geo} == {"image", "concept"}
    assert all(e["src"].startswith("reg_") and e["dst"].startswith("reg_") for e in geo if e["scope"] == "image")
    assert all(0 < e["confidence"] <= 1 for e in geo)
    # everything else, caption RELATION edges and their ids included, as without the stage
    rest = [e for e in on if e not in geo]
    assert rest == off == without
    assert [e for e in rest if e["type"] == "RELATION"]
    # the caption says "a cup above a person" and the boxes show it: two edges, never one
    cup, person = entity_id("concept", "cup"), entity_id("concept", "person")
    above = [e for e in on if e["type"] == "RELATION" and e["scope"] == "concept" and (e["src"], e["dst"], e["predicate"]) == (cup, person, "above")]
    assert sorted(e["provenance"].split(":")[0] for e in above) == ["extract", "geometry"]
    assert len({e["edge_id"] for e in above}) == 2


def test_query_and_report_show_where_a_fact_comes_from(graphs: dict[str, Path], capsys, tmp_path: Path) -> None:
    import json

    capsys.readouterr()
    assert main(["query", str(graphs["on"]), "entity", "person", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["spatial_in"] or doc["spatial_out"]
    assert all(r["provenance"].startswith("geometry") for r in doc["spatial_in"] + doc["spatial_out"])
    assert not any(r["provenance"].startswith("geometry") for r in doc["relations_in"] + doc["relations_out"])
    assert ["cup", "concept", "above"] in [r[:3] for r in map(lambda r: [r["subject"], r["subject_type"], r["predicate"]], doc["relations_in"])]
    assert main(["query", str(graphs["on"]), "images", "--relation", "cup above person", "--json"]) == 0
    imgs = json.loads(capsys.readouterr().out)["images"]
    assert [i["corpus_id"] for i in imgs] == ["stacked"]
    assert imgs[0]["captions"] == ["a cup above a person"] and {b["label"] for b in imgs[0]["boxes"]} >= {"cup", "person"}
    assert main(["query", str(graphs["on"]), "neighbors", "person", "--json", "--limit", "1000"]) == 0
    nb = json.loads(capsys.readouterr().out)["neighbors"]
    assert {r["provenance"].split(":")[0] for r in nb if r["predicate"] == "above"} == {"extract", "geometry"}
    assert main(["query", str(graphs["on"]), "stats", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert "above" in {r["predicate"] for r in st["spatial_predicates"]}
    assert main(["report", str(graphs["on"]), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert "[boxes]" in html and "spatial predicates" in html
