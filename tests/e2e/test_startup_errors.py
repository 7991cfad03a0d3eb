"""Runs that cannot work stop at start-up with one clear line (exit 2), before any stage runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import write_corpus

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, photos) -> Path:
    return write_corpus(tmp_path_factory.mktemp("c") / "c.parquet", [{"id": "a", "image": photos["coffee"], "text": "a cup"}])


@pytest.mark.parametrize("sets,words", [
    (["caption.backend=transformers", "caption.model=/no/such/model"], ["caption model '/no/such/model'", "no such folder"]),
    (["caption.backend=transformers", "caption.model=Salesforce/blip-image-captioning-base"],
     ["Salesforce/blip-image-captioning-base", "allow_network=true"]),
    (["caption.backend=blip"], ["unknown captioner backend 'blip'"]),
    (["detect.backend=transformers", "detect.model=/no/such/detr"], ["detect model '/no/such/detr'"]),
    (["detect.model=/no/such.onnx"], ["/no/such.onnx not found", "kg models"]),
    (["extract.spacy_model=xx_no_such_model"], ["xx_no_such_model"]),
])
def test_unusable_model_stops_before_work(corpus: Path, tmp_path: Path, sets: list[str], words: list[str], model_dir) -> None:
    out = tmp_path / "out"
    args = [sys.executable, "-m", "pipeline.cli", "build", "-c", str(REPO / "jobs/configs/sample.yaml"), "--corpus", str(corpus),
            "--out", str(out), "--set", "decode.text_columns=[text]"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=180, env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 2, r.stderr[-1500:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    for w in words:
        assert w in lines[0]
    assert not out.exists()
