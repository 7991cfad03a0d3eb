"""Fixtures for the vision tests: the real CenterNet ONNX file and tiny random transformers models saved to disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tiny_models import build_tiny_blip, build_tiny_detr, build_tiny_git, build_tiny_vit_gpt2

REPO = Path(__file__).resolve().parents[2]
CENTERNET = "centernet_coco.onnx"

def find_centernet() -> Path | None:
    """$KG_MODEL_DIR/centernet_coco.onnx, else <repo>/../shared/models/centernet_coco.onnx, else None."""
    env = os.environ.get("KG_MODEL_DIR")
    candidates = ([Path(env) / CENTERNET] if env else []) + [REPO.parent / "shared" / "models" / CENTERNET]
    return next((p for p in candidates if p.is_file()), None)


@pytest.fixture(scope="session")
def centernet_model() -> Path:
    path = find_centernet()
    if path is None:
        pytest.skip(f"no {CENTERNET} in $KG_MODEL_DIR or {REPO.parent / 'shared' / 'models'}; "
                    f"make one with `python -m pipeline.vision.model_build`")
    return path


@pytest.fixture(scope="session")
def rgb_photos() -> dict[str, np.ndarray]:
    """Real photos shipped with scikit-image (RGB uint8)."""
    from skimage import data

    return {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea()}


@pytest.fixture()
def random_images() -> list[np.ndarray]:
    """Three small RGB uint8 images of different sizes."""
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in [(40, 50), (64, 48), (33, 77)]]


@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_blip(tmp_path_factory.mktemp("tiny-blip"))


@pytest.fixture(scope="session")
def tiny_vit_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vit_gpt2(tmp_path_factory.mktemp("tiny-vit-gpt2"))


@pytest.fixture(scope="session")
def tiny_git(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_git(tmp_path_factory.mktemp("tiny-git"))


@pytest.fixture(scope="session")
def tiny_detr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_detr(tmp_path_factory.mktemp("tiny-detr"))
