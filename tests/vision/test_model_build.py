"""Model files: where they live, copying the shared detector, checking a built one, build errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.vision import model_build, model_store
from pipeline.vision.model_build import BuildError, build_centernet, ensure_centernet, sha256_file, verify_centernet


def test_model_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KG_MODEL_DIR", str(tmp_path))
    assert model_store.model_dir() == tmp_path
    assert model_store.centernet_path() == tmp_path / "centernet_coco.onnx"
    monkeypatch.delenv("KG_MODEL_DIR")
    assert model_store.model_dir() == Path.home() / ".cache" / "kg" / "models"


def test_coco_labels_shipped() -> None:
    labels = model_store.coco_labels()
    assert len(labels) == 80 and labels[0] == "person" and labels[-1] == "toothbrush"
    assert len(set(labels)) == 80
    assert model_build.FILL_ATTRS.is_file()


def test_verify_accepts_the_real_model(centernet_model: Path) -> None:
    assert verify_centernet(centernet_model) >= 0.3


def test_verify_rejects_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "centernet_coco.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    with pytest.raises(BuildError) as e:
        verify_centernet(bad)
    assert "\n" not in str(e.value)


def test_ensure_copies_the_shared_model(centernet_model: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if sha256_file(centernet_model) != model_build.CENTERNET_SHA256:
        pytest.skip(f"{centernet_model} is a rebuilt model (different bytes), not the shared reference file")
    monkeypatch.setenv("KG_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("KG_SHARED_MODELS", str(centernet_model.parent))
    lines: list[str] = []
    path = ensure_centernet(log=lines.append)
    assert path == tmp_path / "models" / "centernet_coco.onnx"
    assert sha256_file(path) == model_build.CENTERNET_SHA256
    assert any("copied" in ln for ln in lines)
    assert not [p for p in path.parent.iterdir() if p.name != path.name]  # no temp files left
    lines.clear()
    assert ensure_centernet(log=lines.append) == path and lines == []  # already there: nothing to do


def test_ensure_skips_a_file_with_the_wrong_hash(centernet_model: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    shared = model_build.REPO_ROOT.parent / "shared" / "models" / "centernet_coco.onnx"
    if not shared.is_file() or sha256_file(shared) != model_build.CENTERNET_SHA256:
        pytest.skip(f"needs the reference model at {shared}")
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "centernet_coco.onnx").write_bytes(b"not the model")
    monkeypatch.setenv("KG_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("KG_SHARED_MODELS", str(odd))
    lines: list[str] = []
    path = ensure_centernet(log=lines.append)
    assert sha256_file(path) == model_build.CENTERNET_SHA256
    assert any(ln.startswith("skipping") and str(odd) in ln for ln in lines)


def test_build_without_npm_fails_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    dest = tmp_path / "out" / "centernet_coco.onnx"
    with pytest.raises(BuildError) as e:
        build_centernet(dest, work=tmp_path / "work", log=lambda s: None)
    assert "npm" in str(e.value) and "\n" not in str(e.value)
    assert not dest.exists()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("KG_TEST_BUILD") != "1",
                    reason="downloads npm + ~500 MB of TensorFlow; set KG_TEST_BUILD=1 to run")
def test_build_from_npm_end_to_end(tmp_path: Path) -> None:
    lines: list[str] = []
    path = build_centernet(tmp_path / "models" / "centernet_coco.onnx", log=lines.append)
    assert path.is_file() and verify_centernet(path) >= 0.3
    assert any(ln.startswith("check passed") for ln in lines)
