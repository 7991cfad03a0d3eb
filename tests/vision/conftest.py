"""Fixtures for the vision tests: real photos (the tiny random transformers models saved to disk
and the CenterNet ONNX file are session fixtures in tests/conftest.py, shared with tests/e2e)."""

from __future__ import annotations

import numpy as np
import pytest


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
