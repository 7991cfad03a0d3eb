"""Vision models (detectors, captioners) with no Ray or stage code.

Importing this package registers the backends in `pipeline.core.registry` (detectors: "onnx",
"transformers"; captioners: "template", "transformers"). Heavy libraries (onnxruntime, torch,
transformers) are imported only when a model is loaded.
"""

from pipeline.vision import hf_captioner, hf_detector, onnx_detector, template_captioner  # noqa: F401  (registration)
from pipeline.vision.types import Box, Captioner, Detector, ModelUnavailable

__all__ = ["Box", "Captioner", "Detector", "ModelUnavailable"]
