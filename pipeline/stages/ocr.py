"""ocr: text in the image -> regions (label `text`) and one caption per image (source `ocr`),
from a registered text-reader backend (`rapidocr`; `none`: off, the default).

The caption joins the lines read, and each line's span of it points at the region it was read
from, so the extract stage parses it like any caption and the ground stage ties its mentions
back to those pixels ("FISH MARKET" on a sign -> entity market, GROUNDED_IN the sign's region).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field, PositiveInt

from pipeline.core.registry import backends
from pipeline.core.stage import OFF, BackendConfig, Records, Resources, Stage, register_stage
from pipeline.graph.records import Caption, Region, TextSpan, caption_id, entity_id, region_id
from pipeline.stages import _backend
from pipeline.stages import columns as C
from pipeline.stages.fields import Fraction

SOURCE = "ocr"
LABEL = "text"


class OcrConfig(BackendConfig):
    """Which text reader and how picky (config section `ocr`); off unless a backend is set."""

    registry: ClassVar = backends("text reader")
    plugins: ClassVar[str] = "pipeline.vision"
    backend: str = OFF  # "rapidocr" (PP-OCRv4, ONNX, offline) or "none"
    min_score: Fraction = 0.8  # lines read with less confidence are dropped (stray marks on photos read ~0.5-0.6)
    max_lines: PositiveInt = 50  # lines kept per image
    threads: PositiveInt | None = None  # onnxruntime intra-op threads (None: all cores)
    lowercase_caps: bool = True  # "FISH MARKET" -> "fish market" before parsing (signs are often in capitals)
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=0.5, concurrency=1, batch_size=8))


@register_stage
class OcrStage(Stage):
    """Reads the working copy of each image; appends text regions and the caption read from them."""

    name: ClassVar[str] = "ocr"
    Config: ClassVar = OcrConfig
    requires: ClassVar[tuple[str, ...]] = (C.IMAGE_ID, C.PIXELS, C.PIX_H, C.PIX_W, C.WIDTH, C.HEIGHT)
    extends: ClassVar = {C.REGIONS: Records(Region), C.CAPTIONS: Records(Caption)}
    stateful: ClassVar[bool] = True
    config: OcrConfig

    def __init__(self, config: OcrConfig | None = None) -> None:
        super().__init__(config)
        self.reader = None

    def preflight(self) -> None:
        _backend.preflight(self.name, self.config)

    def setup(self) -> None:
        self.reader = _backend.load(self.name, self.config)

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "backend": self.config.backend, "min_score": self.config.min_score}

    def note(self) -> str:
        return f"text in images: {self.config.backend} OCR, one caption per image (source {SOURCE})"

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        images = [C.pixels_to_array(p, h, w) for p, h, w in zip(batch[C.PIXELS], batch[C.PIX_H], batch[C.PIX_W])]
        found = self.reader.read(images)
        regions_out, captions_out = [], []
        for iid, lines, img, w, h in zip(batch[C.IMAGE_ID], found, images, batch[C.WIDTH], batch[C.HEIGHT]):
            sx, sy = int(w) / img.shape[1], int(h) / img.shape[0]
            regions, spans, parts, pos = [], [], [], 0
            for ln in lines:
                box = (round(ln.x1 * sx, 1), round(ln.y1 * sy, 1), round(ln.x2 * sx, 1), round(ln.y2 * sy, 1))
                rid = region_id(iid, self.reader.name, LABEL, *box)
                regions.append(Region(rid, LABEL, round(ln.score, 4), *box, self.reader.name, entity_id("concept", LABEL)))
                text = ln.text.lower() if self.config.lowercase_caps and ln.text.isupper() else ln.text
                spans.append(TextSpan(pos, pos + len(text), rid))
                parts.append(text)
                pos += len(text) + 2
            caption = ". ".join(parts)
            regions_out.append(regions)
            captions_out.append([Caption(caption_id(iid, SOURCE, caption), caption, SOURCE, tuple(spans))] if parts else [])
        return pd.DataFrame({C.REGIONS: regions_out, C.CAPTIONS: captions_out})
