"""detect: pixels -> regions (boxes in original image pixels) from a registered detector backend
(`onnx`: CenterNet COCO-80; `transformers`: DETR family; `none`: off)."""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field, NonNegativeFloat, PositiveInt

from pipeline.core.registry import backends
from pipeline.core.stage import BackendConfig, Records, Resources, Stage, register_stage
from pipeline.graph.records import Region, entity_id, region_id
from pipeline.stages import _backend
from pipeline.stages import columns as C
from pipeline.stages.fields import Fraction
from pipeline.vision.types import Box, Detector


class DetectConfig(BackendConfig):
    """Which detector, how picky, and how it is fed (config section `detect`)."""

    registry: ClassVar = backends("detector")
    plugins: ClassVar[str] = "pipeline.vision"
    backend: str = "onnx"  # "onnx" (CenterNet COCO-80), "transformers" (DETR family), "none"
    model: str = ""  # onnx: file path ('' = $KG_MODEL_DIR/centernet_coco.onnx); transformers: hub id or folder
    score_threshold: Fraction = 0.3
    nms_iou: Fraction = 0.5
    max_detections: PositiveInt = 50
    device: Literal["auto", "cpu", "cuda"] = "auto"  # auto: CUDA when present
    threads: PositiveInt | None = None  # onnx: intra-op threads (None: onnxruntime's choice, all cores)
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"  # transformers: auto = fp16 on CUDA, fp32 on CPU
    allow_network: bool = False  # transformers: may download from the hub
    trust_remote_code: bool = False
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=8))


@register_stage
class DetectStage(Stage):
    """Reads the working copy of each image; adds its regions."""

    name: ClassVar[str] = "detect"
    Config: ClassVar = DetectConfig
    requires: ClassVar[tuple[str, ...]] = (C.IMAGE_ID, C.PIXELS, C.PIX_H, C.PIX_W, C.WIDTH, C.HEIGHT)
    produces: ClassVar = {C.REGIONS: Records(Region)}
    stateful: ClassVar[bool] = True
    config: DetectConfig

    def __init__(self, config: DetectConfig | None = None) -> None:
        super().__init__(config)
        self.detector: Detector | None = None

    def preflight(self) -> None:
        """Unknown backend or unavailable model: one line, before any work starts."""
        _backend.preflight(self.name, self.config)

    def setup(self) -> None:
        self.detector = _backend.load(self.name, self.config)

    def describe(self) -> dict[str, object]:
        c = self.config
        return {**super().describe(), "backend": c.backend, "model": c.model, "score_threshold": c.score_threshold}

    def note(self) -> str:
        c = self.config
        return f"boxes: {c.backend} detector {c.model or 'CenterNet COCO-80 (ONNX)'}"

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        images = [C.pixels_to_array(p, h, w) for p, h, w in zip(batch[C.PIXELS], batch[C.PIX_H], batch[C.PIX_W])]
        found = self.detector.detect(images)
        out = []
        for iid, boxes, img, w, h in zip(batch[C.IMAGE_ID], found, images, batch[C.WIDTH], batch[C.HEIGHT]):
            sx, sy = int(w) / img.shape[1], int(h) / img.shape[0]
            out.append([to_region(iid, _round(b.scaled(sx, sy))) for b in boxes])
        return pd.DataFrame({C.REGIONS: out})


def to_region(image_id: str, b: Box) -> Region:
    """The region record of box `b` of image `image_id` (ids: content hashes)."""
    return Region(region_id(image_id, b.detector, b.label, b.x1, b.y1, b.x2, b.y2), b.label, b.score,
                  b.x1, b.y1, b.x2, b.y2, b.detector, entity_id("concept", b.label))


def to_box(r: Region) -> Box:
    """The vision Box of a region (what captioners read)."""
    return Box(r.label, r.score, r.x1, r.y1, r.x2, r.y2, r.detector)


def _round(b: Box) -> Box:
    """Boxes rounded to 0.1 px and scores to 1e-4, so ids and tables are stable across runs."""
    return Box(b.label, round(float(b.score), 4), round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1), b.detector)
