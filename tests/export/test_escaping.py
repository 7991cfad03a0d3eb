"""Shared escaping test: hostile caption text survives the Parquet tables and every export.

Every exporter joins by adding itself to EXPORTERS: (format name, function reading the
exported file back into the set of caption texts it holds, how the text may be transformed).
The HTML report joins in test_report.py (a real browser reads it back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pyarrow.parquet as pq
import pytest

from graph_builds import HOSTILE

from pipeline.export import export_graph
from pipeline.export.graphml import xml_text
from helpers import graph_root

pytestmark = pytest.mark.slow  # every test exports the hostile session graph (a whole build)


def _graphml_captions(path: Path) -> set[str]:
    import networkx as nx

    g = nx.read_graphml(path)
    return {d["text"] for _, d in g.nodes(data=True) if d.get("kind") == "caption"}


def _neo4j_captions(path: Path) -> set[str]:
    import csv

    with open(path / "captions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["text"] for r in rows}


def _turtle_captions(path: Path) -> set[str]:
    import rdflib

    from pipeline.export.turtle import VOCAB

    g = rdflib.Graph()
    g.parse(path, format="turtle")
    cls, text = rdflib.URIRef(VOCAB + "Caption"), rdflib.URIRef(VOCAB + "text")
    return {str(o) for s in g.subjects(rdflib.RDF.type, cls) for o in g.objects(s, text)}


def _ladybug_captions(path: Path) -> set[str]:
    from pipeline.query.cypher import run_cypher

    _, rows = run_cypher(path, "MATCH (c:Caption) RETURN c.text")
    return {r[0] for r in rows}


def _same(s: str) -> str:
    return s


EXPORTERS: list[tuple[str, Callable[[Path], set[str]], Callable[[str], str]]] = [
    ("graphml", _graphml_captions, xml_text),  # XML 1.0 cannot carry control chars: written as \\uXXXX
    ("neo4j", _neo4j_captions, _same),
    ("turtle", _turtle_captions, _same),
    ("ladybug", _ladybug_captions, _same),
]


def test_parquet_tables_keep_text_exactly(hostile_graph: Path) -> None:
    caps = {r["text"] for r in pq.read_table(graph_root(hostile_graph) / "captions").to_pylist()}
    assert {t.strip() for t in HOSTILE} <= caps


@pytest.mark.parametrize("fmt,read_back,transform", EXPORTERS, ids=[e[0] for e in EXPORTERS])
def test_exports_keep_text(hostile_graph: Path, tmp_path: Path, fmt, read_back, transform) -> None:
    path = export_graph(hostile_graph, fmt, tmp_path / f"graph.{fmt}")
    got = read_back(path)
    assert {transform(t.strip()) for t in HOSTILE} <= got
