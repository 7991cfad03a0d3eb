"""The transformers backends inside a real build: a tiny random BLIP captioner and a tiny random
DETR detector (built once per session: tests/conftest.py), loaded back by path through the caption
and detect stages."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from helpers import write_corpus, graph_root

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.graph.schema import check_graph

REPO = Path(__file__).resolve().parents[2]


def test_tiny_transformers_models_in_a_build(tmp_path: Path, photos, tiny_blip: Path, tiny_detr: Path) -> None:
    blip, detr = tiny_blip, tiny_detr
    corpus = write_corpus(tmp_path / "c.parquet", [{"id": k, "image": v, "text": f"a photo of a {k}"} for k, v in photos.items()])
    cfg = load_config(REPO / "jobs/configs/sample.yaml", [
        "decode.text_columns=[text]", "caption.backend=transformers", f"caption.model={blip}", "caption.max_new_tokens=5",
        "caption.min_new_tokens=3",
        "detect.backend=transformers", f"detect.model={detr}", "detect.score_threshold=0.0"], out=str(tmp_path / "g"), runner="local")
    cfg.corpus = [str(corpus)]
    res = run_build(cfg, progress=lambda m: None)
    assert check_graph(tmp_path / "g") == []
    caps = pq.read_table(graph_root(tmp_path / "g") / "captions").to_pylist()
    images = {i["image_id"] for i in pq.read_table(graph_root(tmp_path / "g") / "images").to_pylist()}
    model_caps = [c for c in caps if c["source"] == f"model:hf:{blip}"]
    # random weights write random words, but at least 3 tokens of them: one caption per image
    assert sorted(c["image_id"] for c in model_caps) == sorted(images) and all(c["text"].strip() for c in model_caps)
    assert {c["source"] for c in caps} == {"corpus", f"model:hf:{blip}"}
    regions = pq.read_table(graph_root(tmp_path / "g") / "regions").to_pylist()
    assert regions and {r["detector"] for r in regions} == {f"hf:{detr}"}
    assert all(0 <= r["x1"] <= r["x2"] and 0 <= r["y1"] <= r["y2"] for r in regions)
    assert res.counts["images"] == len(photos)


def test_vision_encoder_decoder_captions_in_a_build(tmp_path: Path, photos, tiny_vit_gpt2: Path) -> None:
    ved = tiny_vit_gpt2
    corpus = write_corpus(tmp_path / "c.parquet", [{"id": "cat", "image": photos["chelsea"]}])
    cfg = load_config(REPO / "jobs/configs/sample.yaml", [
        "decode.text_columns=[text]", "caption.backend=transformers", f"caption.model={ved}", "caption.max_new_tokens=4",
        "caption.min_new_tokens=2", "detect.backend=none"], out=str(tmp_path / "g"), runner="local")
    cfg.corpus = [str(corpus)]
    res = run_build(cfg, progress=lambda m: None)
    (image,) = pq.read_table(graph_root(tmp_path / "g") / "images").to_pylist()
    (cap,) = pq.read_table(graph_root(tmp_path / "g") / "captions").to_pylist()  # no corpus text: the model's caption only
    assert cap["image_id"] == image["image_id"] and cap["source"] == f"model:hf:{ved}" and cap["text"].strip()
    assert res.counts["regions"] == 0 and "detect: off" in res.notes
