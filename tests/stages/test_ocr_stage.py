"""The ocr stage alone: text regions and one caption (source `ocr`) whose spans point at them."""

from __future__ import annotations

import pandas as pd

from helpers import jpeg
from signs import sign_photo

from pipeline.config import load_config
from pipeline.core.records import read_records
from pipeline.core.stage import Off, make_stage
from pipeline.graph.records import Caption, Region, caption_id, entity_id
from pipeline.stages.decode import DecodeConfig, DecodeStage
from pipeline.stages.ocr import OcrConfig, OcrStage


def test_ocr_appends_text_regions_and_a_caption_read_from_them() -> None:
    img, (bx1, by1, bx2, by2) = sign_photo("FISH MARKET")
    batch = DecodeStage(DecodeConfig(max_side=480))(pd.DataFrame({"id": ["sign"], "image": [jpeg(img)], "text": ["a cup of coffee"]}))
    batch = batch.assign(regions=make_stage("detect", load_config(None, ["detect.backend=none"]).detect)(batch)["regions"])
    out = OcrStage(OcrConfig(backend="rapidocr", threads=1))(batch)
    ((region,),) = read_records(out["regions"], Region)
    assert region.label == "text" and region.detector == "rapidocr" and region.entity_id == entity_id("concept", "text")
    # the box is in the original image's pixels (600x400), though OCR read the 480-px working copy
    assert bx1 - 4 <= region.x1 < region.x2 <= bx2 + 4 and by1 - 4 <= region.y1 < region.y2 <= by2 + 4
    (caps,) = read_records(out["captions"], Caption)
    corpus, ocr = caps
    assert corpus.source == "corpus" and ocr.source == "ocr" and ocr.text == "fish market"
    assert ocr.caption_id == caption_id(out["image_id"][0], "ocr", "fish market")
    assert [(s.start, s.end, s.region_id) for s in ocr.spans] == [(0, 11, region.region_id)]


def test_ocr_is_off_by_default() -> None:
    cfg = load_config(None)
    assert "ocr" in cfg.stages and cfg.ocr.backend == "none" and isinstance(make_stage("ocr", cfg.ocr), Off)
    assert load_config(None, ["ocr.backend=rapidocr"]).ocr.backend == "rapidocr"
