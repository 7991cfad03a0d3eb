"""Fixtures for the vision tests: real photos and tiny random transformers models saved to disk
(the CenterNet ONNX file: `centernet_model` in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tiny_models import build_tiny_blip, build_tiny_detr, build_tiny_git, build_tiny_vit_gpt2

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
