"""caption: pixels (+ regions) -> one generated caption per image, from a registered captioner
backend (`transformers`: BLIP, GIT, ViT-GPT2 ...; `template`: a sentence from the detections;
`none`: off). Corpus captions come from decode; this stage appends what a model says."""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field, PositiveInt

from pipeline.core.records import read_records
from pipeline.core.registry import backends
from pipeline.core.stage import BackendConfig, Records, Resources, Stage, register_stage
from pipeline.graph.records import Caption, Region, caption_id
from pipeline.stages import _backend
from pipeline.stages import columns as C
from pipeline.stages.detect import to_box
from pipeline.vision.types import Captioner


class CaptionConfig(BackendConfig):
    """Which captioner and how it generates (config section `caption`)."""

    registry: ClassVar = backends("captioner")
    plugins: ClassVar[str] = "pipeline.vision"
    backend: str = "template"  # "transformers" (BLIP, GIT, ViT-GPT2, ...), "template" (from detections), "none"
    model: str = ""  # transformers: hub id or local folder
    max_new_tokens: PositiveInt = 30
    min_new_tokens: PositiveInt | None = None  # at least this many tokens (min = max: a fixed length for benchmarks)
    num_beams: PositiveInt = 1
    prompt: str | None = None  # optional text prompt (BLIP/GIT conditional captioning)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"  # auto = fp16 on CUDA, fp32 on CPU
    allow_network: bool = False  # may download from the hub
    trust_remote_code: bool = False
    max_objects: PositiveInt = 4  # template: objects named at most
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=8))


@register_stage
class CaptionStage(Stage):
    """Reads pixels and regions; appends one caption per image (source `model:<name>`)."""

    name: ClassVar[str] = "caption"
    Config: ClassVar = CaptionConfig
    requires: ClassVar[tuple[str, ...]] = (C.IMAGE_ID, C.PIXELS, C.PIX_H, C.PIX_W, C.REGIONS)
    extends: ClassVar = {C.CAPTIONS: Records(Caption)}
    config: CaptionConfig

    def __init__(self, config: CaptionConfig | None = None) -> None:
        super().__init__(config)
        self.captioner: Captioner | None = None
        self.stateful = self.config.backend_is_heavy()

    def preflight(self) -> None:
        """Unknown backend or unavailable model: one line, before any work starts."""
        _backend.preflight(self.name, self.config)

    def setup(self) -> None:
        self.captioner = _backend.load(self.name, self.config)

    def describe(self) -> dict[str, object]:
        c = self.config
        return {**super().describe(), "backend": c.backend, "model": c.model}

    def note(self) -> str:
        c = self.config
        if not self.stateful:
            return f"captions: corpus text, plus one caption written by the {c.backend} backend from the detections, no captioning model"
        return f"captions: corpus text, plus {c.backend} model {c.model}"

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        boxes = [[to_box(r) for r in regions] for regions in read_records(batch[C.REGIONS], Region)]
        if getattr(self.captioner, "reads_pixels", True):
            images = [C.pixels_to_array(p, h, w) for p, h, w in zip(batch[C.PIXELS], batch[C.PIX_H], batch[C.PIX_W])]
        else:
            images = [None] * len(batch)
        texts = self.captioner.caption(images, boxes)
        source = f"model:{self.captioner.name}"
        out = []
        for iid, t in zip(batch[C.IMAGE_ID], texts):
            t = t.strip() if t else ""
            out.append([Caption(caption_id(iid, source, t), t, source)] if t else [])
        return pd.DataFrame({C.CAPTIONS: out})
