"""Each stage's batch function alone, on hand-made batches (real photos, real spaCy, the real
ONNX detector): what it reads, what it adds, records referring to each other by id."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import stacked_photo

from pipeline.core.records import list_type, read_records, write_records
from pipeline.core.stage import typed_column
from pipeline.graph.records import Caption, Grounding, Mention, Region, caption_id, entity_id, mention_id
from pipeline.stages.caption import CaptionConfig, CaptionStage
from pipeline.stages.decode import DecodeConfig, DecodeStage
from pipeline.stages.detect import DetectConfig, DetectStage
from pipeline.stages.extract import ExtractStage
from pipeline.stages.ground import GroundStage


def records_column(rows: list[list], cls: type) -> pd.Series:
    return typed_column(write_records(rows, cls), list_type(cls))


@pytest.fixture(scope="module")
def decoded(photos) -> pd.DataFrame:
    batch = pd.DataFrame({"id": ["astro", "bad"], "image": [photos["astronaut"], b"not an image"],
                          "text": ["an astronaut with a flag", "a broken file"], "kg_file": ["c.parquet"] * 2})
    return DecodeStage(DecodeConfig(max_side=256))(batch)


def test_decode_adds_ids_pixels_and_corpus_captions(decoded: pd.DataFrame) -> None:
    assert decoded["quarantine_reason"].isna().tolist() == [True, False] and decoded["quarantine_reason"][1] == "not_an_image"
    assert decoded["quarantine_stage"][1] == "decode"
    astro = decoded.iloc[0]
    assert (astro["width"], astro["height"]) == (512, 512) and (astro["pix_h"], astro["pix_w"]) == (256, 256)
    assert "image" not in decoded.columns  # the encoded bytes are dropped once decoded
    (cap,), none = read_records(decoded["captions"], Caption)
    assert cap == Caption(caption_id(astro["image_id"], "corpus", "an astronaut with a flag"), "an astronaut with a flag", "corpus")
    assert none == []  # a quarantined row has no records


def test_detect_adds_regions_in_original_pixels(decoded: pd.DataFrame, centernet_model) -> None:
    out = DetectStage(DetectConfig(model=str(centernet_model), threads=1))(decoded)
    regions, none = read_records(out["regions"], Region)
    person = [r for r in regions if r.label == "person"]
    assert person and person[0].x2 > 256 and person[0].detector == "onnx-centernet"  # scaled back to the 512-px original
    assert person[0].entity_id == entity_id("concept", "person") and none == []


def test_template_caption_is_appended_to_the_corpus_captions(decoded: pd.DataFrame) -> None:
    iid = decoded["image_id"][0]
    batch = decoded.assign(regions=records_column(
        [[Region("r1", "person", 0.9, 0, 0, 50, 80, "det", entity_id("concept", "person"))], []], Region))
    out = CaptionStage(CaptionConfig(backend="template"))(batch)
    caps = read_records(out["captions"], Caption)[0]
    text = "a photo of a person"
    assert [c.source for c in caps] == ["corpus", "model:template"]
    assert caps[1] == Caption(caption_id(iid, "model:template", text), text, "model:template")


def test_extract_gives_mentions_attributes_relations_by_id() -> None:
    cap = Caption("cap_1", "a man riding a brown horse", "corpus")
    out = ExtractStage()(pd.DataFrame({"captions": records_column([[cap]], Caption)}))
    (mentions,) = read_records(out["mentions"], Mention)
    names = {m.name: m for m in mentions}
    assert {"man", "horse"} <= set(names) and all(m.caption_id == "cap_1" for m in mentions)
    assert names["horse"].mention_id == mention_id("cap_1", 1) and names["horse"].entity_id == entity_id("concept", "horse")
    (rels,) = out["relations"].tolist()
    assert [(r["subject_mention"], r["predicate"], r["object_mention"]) for r in rels] == [
        (names["man"].mention_id, "ride", names["horse"].mention_id)]
    (attrs,) = out["attributes"].tolist()
    assert [(a["mention_id"], a["value"]) for a in attrs] == [(names["horse"].mention_id, "brown")]


def test_ground_links_mentions_to_regions_by_id() -> None:
    cap = Caption("c", "a man", "corpus")
    m = Mention("m", "c", entity_id("concept", "man"), "man", "concept", "man", 2, 5, None, "corpus")
    r = Region("r", "person", 0.77, 0, 0, 5, 5, "det", entity_id("concept", "person"))
    batch = pd.DataFrame({"captions": records_column([[cap]], Caption), "mentions": records_column([[m]], Mention),
                          "regions": records_column([[r]], Region)})
    out = GroundStage()(batch)
    ((g,),) = read_records(out["groundings"], Grounding)
    assert (g.mention_id, g.region_id) == ("m", "r") and g.score == pytest.approx(0.77)  # float32 in Arrow
    assert out["groundings"].dtype.pyarrow_dtype == list_type(Grounding)


def test_spatial_relations_from_real_detections(photos, centernet_model) -> None:
    """The detector on a real stacked photo (the coffee photo above the astronaut): the boxes of
    the coffee scene are said to be above the person, nothing contradicts the pixels."""
    from pipeline.core.stage import make_stage
    from pipeline.graph.records import SpatialRelation
    from pipeline.stages.spatial import SpatialConfig, SpatialStage

    batch = pd.DataFrame({"id": ["stacked", "plain", "bad"], "image": [stacked_photo(), photos["rocket"], b"x"],
                          "text": ["a cup above an astronaut", "a rocket", "no image"], "kg_file": ["c.parquet"] * 3})
    decoded = DecodeStage(DecodeConfig(max_side=512))(batch)
    boxes = DetectStage(DetectConfig(model=str(centernet_model), threads=1, score_threshold=0.2))(decoded)
    out = SpatialStage(SpatialConfig(min_score=0.2))(boxes)
    regions = {r.region_id: r for rs in read_records(boxes["regions"], Region) for r in rs}
    rels, none, bad = read_records(out["spatial"], SpatialRelation)
    assert none == [] and bad == [] and out["quarantine_reason"][2] == "not_an_image"
    assert out["spatial"].dtype.pyarrow_dtype == list_type(SpatialRelation)
    person = [r for r in regions.values() if r.label == "person"]
    assert person and person[0].y1 > 400  # the astronaut, in the lower half
    said = {(regions[r.subject_region].label, r.predicate, regions[r.object_region].label) for r in rels}
    top = {r.label for r in regions.values() if r.y2 < 400}  # boxes of the coffee scene
    assert top and any((lab, "above", "person") in said or ("person", "below", lab) in said for lab in top)
    for r in rels:
        s, o = regions[r.subject_region], regions[r.object_region]
        assert r.source == "geometry:spatial@1" and 0 < r.score <= 1 and s.region_id != o.region_id
        assert (r.subject_entity, r.object_entity) == (s.entity_id, o.entity_id)
        if r.predicate == "above":
            assert s.y2 < o.y1 + 0.2 * min(s.y2 - s.y1, o.y2 - o.y1)
        if r.predicate == "below":
            assert o.y2 < s.y1 + 0.2 * min(s.y2 - s.y1, o.y2 - o.y1)
        if r.predicate == "inside":
            assert (s.x2 - s.x1) * (s.y2 - s.y1) < (o.x2 - o.x1) * (o.y2 - o.y1)
    # switched off: the column stays, empty
    off = make_stage("spatial", SpatialConfig(enabled=False))(boxes)
    assert read_records(off["spatial"], SpatialRelation) == [[], [], []]
