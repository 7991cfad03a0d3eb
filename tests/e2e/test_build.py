"""The whole pipeline on real Parquet, real Ray, real spaCy, the real ONNX detector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest

from helpers import write_corpus, graph_root

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.export import export_graph
from pipeline.graph.schema import check_graph
from pipeline.graph.records import entity_id

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, photos) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    rows = [
        {"id": "astro", "image": photos["astronaut"], "text": "an astronaut holding a helmet in front of a flag", "license": "CC0"},
        {"id": "rider", "image": photos["coffee"], "text": "a man riding a brown horse", "license": "CC0"},
        {"id": "cat", "image": photos["chelsea"], "text": None, "license": "CC0"},
        {"id": "broken", "image": b"this is not an image", "text": "a broken file", "license": None},
    ]
    return write_corpus(d / "corpus.parquet", rows)


def _cfg(corpus: Path, out: Path, runner: str):
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]"], out=str(out), runner=runner)
    cfg.corpus = [str(corpus)]
    return cfg


@pytest.fixture(scope="module")
def ray_graph(corpus, tmp_path_factory, model_dir, ray_local) -> Path:
    out = tmp_path_factory.mktemp("ray") / "graph"
    run_build(_cfg(corpus, out, "ray"), progress=lambda m: None)
    return out


def _table(out: Path, name: str):
    return pq.read_table(graph_root(out) / name).to_pylist()


def test_graph_contents(ray_graph: Path) -> None:
    ents = {(e["type"], e["name"]): e for e in _table(ray_graph, "entities")}
    assert ("concept", "man") in ents and ("concept", "horse") in ents
    assert ("attribute", "brown") in ents
    images = {i["corpus_id"]: i["image_id"] for i in _table(ray_graph, "images")}
    edges = _table(ray_graph, "edges")
    man, horse, brown = entity_id("concept", "man"), entity_id("concept", "horse"), entity_id("attribute", "brown")
    ride = [e for e in edges if e["type"] == "RELATION" and e["src"] == man and e["dst"] == horse and e["predicate"] == "ride"]
    assert len(ride) == 1 and ride[0]["scope"] == "concept"
    assert images["rider"] in ride[0]["evidence"]
    assert "extract:" in ride[0]["provenance"]
    attr = [e for e in edges if e["type"] == "HAS_ATTRIBUTE" and e["src"] == horse and e["dst"] == brown]
    assert attr and images["rider"] in attr[0]["evidence"]
    # the per-image scene graph is kept beside the concept graph
    assert any(e["type"] == "RELATION" and e["scope"] == "image" and e["predicate"] == "ride" for e in edges)
    regions = [r for r in _table(ray_graph, "regions") if r["image_id"] == images["astro"]]
    person = [r for r in regions if r["label"] == "person"]
    assert person and 0 <= person[0]["x1"] < person[0]["x2"] <= 512 and 0 <= person[0]["y1"] < person[0]["y2"] <= 512
    # every edge says where it came from
    assert all(e["provenance"] and e["evidence"] for e in edges)


def test_quarantine_and_accounting(ray_graph: Path) -> None:
    import json

    q = _table(ray_graph, "quarantine")
    assert [(r["corpus_id"], r["reason"], r["stage"]) for r in q] == [("broken", "not_an_image", "decode")]
    m = json.loads((graph_root(ray_graph) / "manifest.json").read_text())
    (acc,) = m["accounting"]
    assert acc["rows_in"] == 4 and acc["rows_in_graph"] == 3 and acc["rows_quarantined"] == 1 and acc["balanced"]
    assert m["inputs"][0]["sha256"] and m["versions"]["ray"] and m["config"]["detect"]["backend"] == "onnx"
    assert {s["stage"] for s in m["stage_stats"]} >= {"decode", "detect", "caption", "extract", "ground"}


def test_tables_match_schema_and_local_runner_is_identical(ray_graph, corpus, tmp_path, model_dir) -> None:
    assert check_graph(ray_graph) == []
    out1, out2 = tmp_path / "a", tmp_path / "b"
    run_build(_cfg(corpus, out1, "local"), progress=lambda m: None)
    run_build(_cfg(corpus, out2, "local"), progress=lambda m: None)
    for t in ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine"):
        parts = sorted(p.name for p in (graph_root(out1) / t).iterdir())
        assert parts == sorted(p.name for p in (graph_root(out2) / t).iterdir())
        for part in parts:
            a = (graph_root(out1) / t / part).read_bytes()
            assert a == (graph_root(out2) / t / part).read_bytes(), f"{t} differs between two local runs"
        assert pq.read_table(graph_root(out1) / t).equals(pq.read_table(graph_root(ray_graph) / t)), f"{t} differs between Ray and local runs"


def test_graphml_export_reads_back(ray_graph: Path) -> None:
    path = export_graph(ray_graph, "graphml")
    g = nx.read_graphml(path)
    n_edges = pq.read_table(graph_root(ray_graph) / "edges").num_rows
    assert g.number_of_edges() == n_edges
    assert any(d.get("kind") == "entity" and d.get("name") == "horse" for _, d in g.nodes(data=True))


def test_cli_missing_id_fails_before_any_stage(tmp_path: Path, photos) -> None:
    bad = write_corpus(tmp_path / "noid.parquet", [{"key": "a", "image": photos["coffee"]}])
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--corpus", str(bad), "--out", str(out),
                        "--config", str(REPO / "jobs/configs/sample.yaml")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.strip().splitlines() if ln]
    assert len(lines) == 1 and "noid.parquet" in lines[0] and "'id'" in lines[0]
    assert not out.exists()
