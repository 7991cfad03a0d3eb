"""Shared escaping test: hostile caption text survives the Parquet tables and every export.

Every exporter joins by adding itself to EXPORTERS: (format name, function reading the
exported file back into the set of caption texts it holds, how the text may be transformed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pyarrow.parquet as pq
import pytest

from helpers import write_corpus

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.export import export_graph
from pipeline.export.graphml import xml_text

REPO = Path(__file__).resolve().parents[2]

HOSTILE = [
    '<script>alert("x")</script> on a sign',
    'a "quoted" caption, with commas, and \'single\' quotes',
    "first line\nsecond line\r\nthird\ttabbed",
    "a NUL \x00 byte and a bell \x07",
    "a CDATA end ]]> and an entity &amp; &lt;b&gt;",
    "backslashes \\ and \\u0000 literally",
    "emoji 🐴 and right-to-left حصان",
]


def _graphml_captions(path: Path) -> set[str]:
    import networkx as nx

    g = nx.read_graphml(path)
    return {d["text"] for _, d in g.nodes(data=True) if d.get("kind") == "caption"}


EXPORTERS: list[tuple[str, Callable[[Path], set[str]], Callable[[str], str]]] = [
    ("graphml", _graphml_captions, xml_text),  # XML 1.0 cannot carry control chars: written as \\uXXXX
]


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory, photos, model_dir) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    rows = [{"id": f"h{i}", "image": photos["coffee"] if i % 2 else photos["rocket"], "text": t} for i, t in enumerate(HOSTILE)]
    corpus = write_corpus(d / "hostile.parquet", rows)
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]", "caption.backend=none"], out=str(d / "g"), runner="local")
    cfg.corpus = [str(corpus)]
    run_build(cfg, progress=lambda m: None)
    return d / "g"


def test_parquet_tables_keep_text_exactly(hostile_graph: Path) -> None:
    caps = {r["text"] for r in pq.read_table(hostile_graph / "captions").to_pylist()}
    assert {t.strip() for t in HOSTILE} <= caps


@pytest.mark.parametrize("fmt,read_back,transform", EXPORTERS, ids=[e[0] for e in EXPORTERS])
def test_exports_keep_text(hostile_graph: Path, tmp_path: Path, fmt, read_back, transform) -> None:
    path = export_graph(hostile_graph, fmt, tmp_path / f"graph.{fmt}")
    got = read_back(path)
    assert {transform(t.strip()) for t in HOSTILE} <= got
