"""Object detection with a Hugging Face transformers model (DETR, Conditional DETR, RT-DETR, ...)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from pipeline.core.registry import backends
from pipeline.vision._hf import check_available, check_dtype, pick_device, torch_dtype, unavailable_message
from pipeline.vision._image import as_rgb_uint8
from pipeline.vision.types import Box, ModelUnavailable


class HFDetector:
    """AutoImageProcessor + AutoModelForObjectDetection + `post_process_object_detection`.

    `model` is a hub id or a local folder; with `local_files_only` (default) nothing is downloaded.
    Boxes come back in each input image's pixels, best score first, labels from config.id2label.
    """

    def __init__(
        self,
        model: str,
        score_threshold: float = 0.5,
        device: str = "auto",
        dtype: str = "auto",
        local_files_only: bool = True,
        trust_remote_code: bool = False,
    ) -> None:
        self.model_id = str(model)
        self.name = f"hf:{self.model_id}"
        self.score_threshold = float(score_threshold)
        self.device = device
        self.dtype = check_dtype(dtype)
        self.local_files_only = local_files_only
        self.trust_remote_code = trust_remote_code
        self._model: Any = None
        self._processor: Any = None
        self._device: str = "cpu"
        self._dtype: Any = None

    def load(self) -> None:
        """Load processor and weights (safetensors only); ModelUnavailable with one line when they cannot be had."""
        if self._model is not None:
            return
        import torch
        from transformers import AutoImageProcessor, AutoModelForObjectDetection

        try:
            self._device = pick_device(self.device)
        except ValueError as e:
            raise ModelUnavailable(f"detection model {self.model_id!r}: {e}; use device='auto' or 'cpu'") from e
        self._dtype = torch_dtype(self.dtype, self._device)
        kw = dict(local_files_only=self.local_files_only, trust_remote_code=self.trust_remote_code)
        try:
            processor = AutoImageProcessor.from_pretrained(self.model_id, **kw)
            model = AutoModelForObjectDetection.from_pretrained(
                self.model_id, use_safetensors=True, dtype=self._dtype, **kw
            )
        except (OSError, ValueError, KeyError, ImportError) as e:
            raise ModelUnavailable(
                unavailable_message("detection", self.model_id, e, "detect", self.local_files_only)
            ) from e
        model.to(self._device).eval()
        self._processor, self._model = processor, model

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Box]]:
        """Boxes per image (input pixel coordinates, best score first); loads the model on first use."""
        if self._model is None:
            self.load()
        if len(images) == 0:
            return []
        import torch
        from PIL import Image

        rgbs = [as_rgb_uint8(im) for im in images]
        pil = [Image.fromarray(im) for im in rgbs]
        sizes = [im.shape[:2] for im in rgbs]
        inputs = self._processor(images=pil, return_tensors="pt")
        inputs = {k: (v.to(self._device, self._dtype) if v.is_floating_point() else v.to(self._device))
                  for k, v in inputs.items() if hasattr(v, "to")}
        with torch.inference_mode():
            outputs = self._model(**inputs)
            for key in ("logits", "pred_boxes"):
                if getattr(outputs, key, None) is not None:
                    setattr(outputs, key, getattr(outputs, key).float())
            results = self._processor.post_process_object_detection(
                outputs, threshold=self.score_threshold, target_sizes=torch.tensor(sizes, device=self._device)
            )
        id2label = self._model.config.id2label or {}
        out: list[list[Box]] = []
        for (h, w), res in zip(sizes, results):
            scores = res["scores"].float().cpu().numpy()
            labels = res["labels"].cpu().numpy()
            boxes = res["boxes"].float().cpu().numpy()
            order = np.argsort(-scores, kind="stable")
            found: list[Box] = []
            for i in order:
                x1, y1, x2, y2 = (float(v) for v in boxes[i])
                x1, x2 = min(max(x1, 0.0), w), min(max(x2, 0.0), w)
                y1, y2 = min(max(y1, 0.0), h), min(max(y2, 0.0), h)
                lab = int(labels[i])
                label = str(id2label.get(lab, id2label.get(str(lab), f"class_{lab}")))
                found.append(Box(label, float(scores[i]), x1, y1, x2, y2, self.name))
            out.append(found)
        return out


def check_hf_detector(model: str = "", allow_network: bool = False, trust_remote_code: bool = False) -> None:
    """Start-up check: the model's config can be read as things stand (ModelUnavailable if not)."""
    check_available("detect", model, not allow_network, trust_remote_code, "detect")


@backends("detector").register("transformers", check=check_hf_detector)
def make_hf_detector(
    model: str,
    score_threshold: float = 0.5,
    device: str = "auto",
    dtype: str = "auto",
    allow_network: bool = False,
    trust_remote_code: bool = False,
) -> HFDetector:
    """HFDetector with these settings (`allow_network`: may download from the hub)."""
    return HFDetector(model, score_threshold=score_threshold, device=device, dtype=dtype,
                      local_files_only=not allow_network, trust_remote_code=trust_remote_code)
