"""Shared fixtures: the offline detector, a local Ray, small real corpora written to Parquet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import jpeg

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """A folder holding centernet_coco.onnx: $KG_MODEL_DIR, the shared copy, or the user cache."""
    from pipeline.vision import model_store

    for cand in [os.environ.get("KG_MODEL_DIR"), str(SHARED_MODELS)]:
        if cand and (Path(cand) / "centernet_coco.onnx").exists():
            os.environ["KG_MODEL_DIR"] = cand
            return Path(cand)
    if model_store.centernet_path().exists():
        return model_store.centernet_path().parent
    pytest.skip("no centernet_coco.onnx: run `kg models ensure` (or `make setup`) first")


@pytest.fixture(scope="session")
def ray_local():
    """An embedded local Ray for the whole session (2 CPUs)."""
    import ray

    started = False
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
        started = True
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """A few real photos (scikit-image, CC0) as JPEG bytes."""
    from skimage import data

    return {"astronaut": jpeg(data.astronaut()), "coffee": jpeg(data.coffee()), "chelsea": jpeg(data.chelsea()),
            "rocket": jpeg(data.rocket())}
