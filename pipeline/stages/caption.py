"""caption: pixels (+ detections) -> one generated caption per image, with its source.

Corpus captions are kept by the extract stage as their own captions with source `corpus`;
this stage only adds what a model (or the detection template) says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd
import pyarrow as pa

from pipeline.core import columns as C
from pipeline.core.registry import captioners
from pipeline.core.stage import Resources, Stage, StageError
from pipeline.stages._preflight import check_backend
from pipeline.vision.types import Captioner, ModelUnavailable


@dataclass
class CaptionConfig:
    """Which captioner and how it generates."""

    backend: str = "template"  # "transformers" (BLIP, GIT, ViT-GPT2, ...), "template" (from detections), "none"
    model: str = ""  # transformers: hub id or local folder
    max_new_tokens: int = 30
    min_new_tokens: int | None = None  # a fixed output length for benchmarks: min = max
    num_beams: int = 1
    prompt: str | None = None  # optional text prompt (BLIP/GIT conditional captioning)
    device: str = "auto"
    dtype: str = "auto"  # auto = fp16 on CUDA, fp32 on CPU
    allow_network: bool = False  # may download from the hub
    trust_remote_code: bool = False
    max_objects: int = 4  # template: objects named at most
    resources: Resources = field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=8))


def build_captioner(cfg: CaptionConfig) -> Captioner:
    """The configured captioner, not yet loaded."""
    factory = captioners.get(cfg.backend)
    if cfg.backend == "template":
        return factory(max_objects=cfg.max_objects)
    if not cfg.model:
        raise ModelUnavailable("caption.backend=transformers needs caption.model (a hub id or a local folder)")
    return factory(
        model=cfg.model,
        max_new_tokens=cfg.max_new_tokens,
        min_new_tokens=cfg.min_new_tokens,
        num_beams=cfg.num_beams,
        prompt=cfg.prompt,
        device=cfg.device,
        dtype=cfg.dtype,
        local_files_only=not cfg.allow_network,
        trust_remote_code=cfg.trust_remote_code,
    )


class CaptionStage(Stage):
    """Reads pixels and detections; adds `model_caption` and `model_caption_source`."""

    name: ClassVar[str] = "caption"
    requires: ClassVar[tuple[str, ...]] = (C.PIXELS, C.PIX_H, C.PIX_W, C.REGIONS)
    produces: ClassVar = {C.MODEL_CAPTION: pa.string(), C.MODEL_CAPTION_SOURCE: pa.string()}

    def __init__(self, config: CaptionConfig | None = None) -> None:
        self.config = config or CaptionConfig()
        super().__init__(self.config.resources)
        self.captioner: Captioner | None = None
        self.stateful = self.config.backend not in ("none", "template")

    def preflight(self) -> None:
        """Unknown backend or unavailable model: one line, before any work starts."""
        c = self.config
        if c.backend != "none":
            check_backend("caption", captioners, c.backend, c.model, c.allow_network, c.trust_remote_code)

    def setup(self) -> None:
        import pipeline.vision  # noqa: F401 - registers the backends

        if self.config.backend == "none":
            return
        try:
            self.captioner = build_captioner(self.config)
            self.captioner.load()
        except (ModelUnavailable, KeyError) as e:
            raise StageError(f"caption: {e}") from None

    def describe(self) -> dict[str, object]:
        c = self.config
        return {**super().describe(), "backend": c.backend, "model": c.model}

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        n = len(batch)
        if self.captioner is None:
            return pd.DataFrame({C.MODEL_CAPTION: [None] * n, C.MODEL_CAPTION_SOURCE: [None] * n})
        boxes = [C.load_boxes(s) for s in batch[C.REGIONS]]
        if self.config.backend == "template":
            images = [None] * n  # the template reads boxes only
        else:
            images = [C.pixels_to_array(p, h, w) for p, h, w in zip(batch[C.PIXELS], batch[C.PIX_H], batch[C.PIX_W])]
        texts = self.captioner.caption(images, boxes)
        source = f"model:{self.captioner.name}"
        caps = [t.strip() if t and t.strip() else None for t in texts]
        return pd.DataFrame({C.MODEL_CAPTION: caps, C.MODEL_CAPTION_SOURCE: [source if c else None for c in caps]})
