"""Where model files live on this machine, and the COCO-80 label list shipped with the package."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

CENTERNET_FILE = "centernet_coco.onnx"


def model_dir() -> Path:
    """The model folder: $KG_MODEL_DIR when set, else ~/.cache/kg/models (not created here)."""
    env = os.environ.get("KG_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "kg" / "models"


def centernet_path() -> Path:
    """Path where the COCO CenterNet ONNX detector is expected: model_dir()/centernet_coco.onnx."""
    return model_dir() / CENTERNET_FILE


@lru_cache(maxsize=1)
def _labels() -> tuple[str, ...]:
    text = (Path(__file__).with_name("coco_labels.txt")).read_text(encoding="utf-8")
    labels = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(labels) != 80:
        raise RuntimeError(f"coco_labels.txt should hold 80 labels, found {len(labels)}")
    return labels


def coco_labels() -> list[str]:
    """The 80 COCO class names, index = the detector's 0-based class id."""
    return list(_labels())
