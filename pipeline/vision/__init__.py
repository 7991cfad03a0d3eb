"""Vision models (detectors, captioners ...) with no Ray or stage code.

Importing this package registers every backend module in it (in `pipeline.core.registry.backends`,
e.g. detectors: "onnx", "transformers"; captioners: "template", "transformers"): adding a backend
is adding a module. Heavy libraries (onnxruntime, torch, transformers) are imported only when a
model is loaded.
"""

import importlib
import pkgutil

from pipeline.vision.types import Box, Captioner, Detector, ModelUnavailable

# modules that are not backends: shared types, model files and the offline model builder
NOT_BACKENDS = frozenset({"types", "model_store", "model_build", "tfjs_fill_attrs"})

for _m in pkgutil.iter_modules(__path__):
    if not _m.name.startswith("_") and _m.name not in NOT_BACKENDS:
        importlib.import_module(f"{__name__}.{_m.name}")

__all__ = ["Box", "Captioner", "Detector", "ModelUnavailable"]
