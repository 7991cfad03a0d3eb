"""OCR as a third modality in a real build: a sign painted on a real photo (see tests/signs.py)
says "FISH MARKET"; the graph gets the entity market, mentioned by the caption read from the
image (source `ocr`) and grounded in the text region it was read from, with its box."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import jpeg, write_corpus, graph_root
from signs import sign_photo

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.graph.records import entity_id
from pipeline.graph.schema import check_graph

REPO = Path(__file__).resolve().parents[2]


def table(g: Path, name: str) -> list[dict]:
    return pq.read_table(graph_root(g) / name).to_pylist()


@pytest.mark.parametrize("runner", ["local", "ray"])
def test_sign_gives_market_with_provenance_back_to_the_pixels(tmp_path: Path, model_dir, runner: str, request) -> None:
    sets = ["decode.text_columns=[text]", "ocr.backend=rapidocr", "ocr.threads=1"]
    if runner == "ray":  # 2 CPUs: one detector actor, so the OCR actor fits beside it and the spaCy actor
        request.getfixturevalue("ray_local")
        sets.append("detect.resources.concurrency=1")
    img, (bx1, by1, bx2, by2) = sign_photo("FISH MARKET")
    corpus = write_corpus(tmp_path / "c.parquet", [{"id": "sign", "image": jpeg(img), "text": "a cup of coffee on a table"}])
    cfg = load_config(REPO / "jobs/configs/sample.yaml", sets, out=str(tmp_path / "g"), runner=runner, corpus=[str(corpus)])
    res = run_build(cfg, progress=lambda m: None)
    g = tmp_path / "g"
    assert check_graph(g) == []
    (ocr_cap,) = [c for c in table(g, "captions") if c["source"] == "ocr"]
    assert ocr_cap["text"] == "fish market"
    (text_region,) = [r for r in table(g, "regions") if r["label"] == "text"]
    assert text_region["detector"] == "rapidocr"
    assert bx1 - 4 <= text_region["x1"] < text_region["x2"] <= bx2 + 4 and by1 - 4 <= text_region["y1"] < text_region["y2"] <= by2 + 4
    market = entity_id("concept", "market")
    assert market in {e["entity_id"] for e in table(g, "entities")}
    (mention,) = [m for m in table(g, "mentions") if m["entity_id"] == market]
    assert mention["caption_id"] == ocr_cap["caption_id"] and mention["region_ids"] == [text_region["region_id"]]
    edges = table(g, "edges")
    grounded = [e for e in edges if e["type"] == "GROUNDED_IN" and e["src"] == mention["mention_id"]]
    assert [e["dst"] for e in grounded] == [text_region["region_id"]] and grounded[0]["provenance"] == "ground"
    mentions = [e for e in edges if e["type"] == "MENTIONS" and e["dst"] == market]
    assert mentions and mentions[0]["src"] == ocr_cap["caption_id"]
    attr = [e for e in edges if e["type"] == "HAS_ATTRIBUTE" and e["src"] == market and e["predicate"] == "fish"]
    assert attr and attr[0]["scope"] == "concept"
    assert any("rapidocr OCR" in n for n in res.notes)
