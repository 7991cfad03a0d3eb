"""detect: pixels -> boxes in original image pixels (ONNX CenterNet or a transformers detector)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pyarrow as pa

from pipeline.core import columns as C
from pipeline.core.registry import detectors
from pipeline.core.stage import Resources, Stage, StageError
from pipeline.stages._preflight import check_backend
from pipeline.vision.types import Detector, ModelUnavailable


@dataclass
class DetectConfig:
    """Which detector, how picky, and how it is fed."""

    backend: str = "onnx"  # "onnx" (CenterNet COCO-80), "transformers" (DETR family), "none"
    model: str = ""  # onnx: file path ('' = $KG_MODEL_DIR/centernet_coco.onnx); transformers: hub id or folder
    score_threshold: float = 0.3
    nms_iou: float = 0.5
    max_detections: int = 50
    device: str = "auto"  # "auto" (CUDA when present), "cpu", "cuda"
    threads: int | None = None  # onnx: intra-op threads (None: onnxruntime's choice, all cores)
    dtype: str = "auto"  # transformers: auto = fp16 on CUDA, fp32 on CPU
    allow_network: bool = False  # transformers: may download from the hub
    trust_remote_code: bool = False
    resources: Resources = field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=8))


def build_detector(cfg: DetectConfig) -> Detector:
    """The configured detector, not yet loaded."""
    factory = detectors.get(cfg.backend)
    if cfg.backend == "onnx":
        from pipeline.vision.model_store import centernet_path

        return factory(
            model_path=cfg.model or str(centernet_path()),
            score_threshold=cfg.score_threshold,
            nms_iou=cfg.nms_iou,
            max_detections=cfg.max_detections,
            device=cfg.device,
            intra_op_threads=cfg.threads,
        )
    return factory(
        model=cfg.model,
        score_threshold=cfg.score_threshold,
        device=cfg.device,
        dtype=cfg.dtype,
        local_files_only=not cfg.allow_network,
        trust_remote_code=cfg.trust_remote_code,
    )


class DetectStage(Stage):
    """Reads the working copy of each image; adds its detections (JSON list of Box)."""

    name: ClassVar[str] = "detect"
    requires: ClassVar[tuple[str, ...]] = (C.PIXELS, C.PIX_H, C.PIX_W, C.WIDTH, C.HEIGHT)
    produces: ClassVar = {C.REGIONS: pa.string()}
    stateful: ClassVar[bool] = True

    def __init__(self, config: DetectConfig | None = None) -> None:
        self.config = config or DetectConfig()
        super().__init__(self.config.resources)
        self.detector: Detector | None = None
        self.stateful = self.config.backend != "none"

    def preflight(self) -> None:
        """Unknown backend or unavailable model: one line, before any work starts."""
        c = self.config
        if c.backend == "onnx":
            from pipeline.vision.model_store import centernet_path

            path = Path(c.model or centernet_path())
            if not path.is_file():
                raise StageError(f"detect: ONNX detector {path} not found; run `kg models ensure` (or `kg models build`), "
                                 f"set $KG_MODEL_DIR, or --set detect.model=/path/to/model.onnx")
        elif c.backend != "none":
            check_backend("detect", detectors, c.backend, c.model, c.allow_network, c.trust_remote_code)

    def setup(self) -> None:
        import pipeline.vision  # noqa: F401 - registers the backends

        if self.config.backend == "none":
            return
        try:
            self.detector = build_detector(self.config)
            self.detector.load()
        except (ModelUnavailable, KeyError) as e:
            raise StageError(f"detect: {e}") from None

    def describe(self) -> dict[str, object]:
        c = self.config
        return {**super().describe(), "backend": c.backend, "model": c.model, "score_threshold": c.score_threshold}

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self.detector is None:
            return pd.DataFrame({C.REGIONS: [C.dump_boxes([])] * len(batch)})
        images = [C.pixels_to_array(p, h, w) for p, h, w in zip(batch[C.PIXELS], batch[C.PIX_H], batch[C.PIX_W])]
        found = self.detector.detect(images)
        out = []
        for boxes, img, w, h in zip(found, images, batch[C.WIDTH], batch[C.HEIGHT]):
            sx, sy = int(w) / img.shape[1], int(h) / img.shape[0]
            out.append(C.dump_boxes([_round(b.scaled(sx, sy)) for b in boxes]))
        return pd.DataFrame({C.REGIONS: out})


def _round(b):
    """Boxes rounded to 0.1 px and scores to 1e-4, so ids and tables are stable across runs."""
    from pipeline.vision.types import Box

    return Box(b.label, round(float(b.score), 4), round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1), b.detector)
