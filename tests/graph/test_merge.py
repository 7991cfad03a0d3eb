"""The merge over staging fragments written directly as Parquet (no Ray, no stages): every graph
table, the concept graph across images, provenance and evidence, duplicates and retried parts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.core.records import write_records
from pipeline.graph.merge import merge
from pipeline.graph.records import (ATTRIBUTE_TYPE, FRAGMENTS, Attribute, Caption, Grounding, Mention, Region, Relation, SpatialRelation,
                                    caption_id, entity_id, mention_id, region_id)
from pipeline.graph.schema import check_graph
from pipeline.runners.staging import BOOKKEEPING

EXTRACTOR = "extract:test@1/none"
SCHEMA = pa.schema([*BOOKKEEPING, ("image_id", pa.string()), ("image_uri", pa.string()), ("width", pa.int32()),
                    ("height", pa.int32()), ("extra_json", pa.string())])


def image_row(rid: str, row: int, image: str, text: str, region_label: str | None, quarantine: str | None = None) -> dict:
    """One staging row of image `image`: caption "<subject> rides <object>" with its two mentions, one
    attribute, one relation, and a region (mention 0 grounded in it) when `region_label` is given."""
    cid = caption_id(image, "corpus", text)
    subj, obj = text.split(" rides ")
    m = [Mention(mention_id(cid, i), cid, entity_id("concept", name), name, "concept", name, 0, 1, None, "corpus")
         for i, name in enumerate((subj, obj))]
    regions = []
    if region_label:
        regions = [Region(region_id(image, "det", region_label, 1.0, 2.0, 30.5, 40.25), region_label, 0.8123, 1.0, 2.0, 30.5, 40.25,
                          "det", entity_id("concept", region_label))]
    frags = {
        "captions": [Caption(cid, text, "corpus")],
        "regions": regions,
        "mentions": m,
        "groundings": [Grounding(m[0].mention_id, regions[0].region_id, 0.8123)] if regions else [],
        "attributes": [Attribute(m[1].mention_id, m[1].entity_id, "brown", entity_id(ATTRIBUTE_TYPE, "brown"), cid, "corpus")],
        "relations": [Relation(cid, m[0].mention_id, m[0].entity_id, "ride", m[1].mention_id, m[1].entity_id, "corpus")],
    }
    row_ = {"id": rid, "kg_file": "c.parquet", "kg_row": row, "kg_shard": "s1", "quarantine_reason": quarantine,
            "quarantine_detail": quarantine, "quarantine_stage": "decode" if quarantine else None,
            "image_id": None if quarantine else image, "image_uri": f"c.parquet#id={rid}", "width": 64, "height": 48,
            "extra_json": None}
    for k, cls in FRAGMENTS.items():
        row_[k] = None if quarantine else write_records([frags[k]], cls)[0]
    return row_


def write_staging(folder: Path, rows: list[dict], name: str = "part-0.parquet") -> None:
    from pipeline.core.records import list_type

    schema = pa.schema([*SCHEMA, *[(k, list_type(cls)) for k, cls in FRAGMENTS.items()], ("seconds_decode", pa.float64())])
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([{**r, "seconds_decode": 0.01} for r in rows], schema=schema), folder / name)


@pytest.fixture()
def graph(tmp_path: Path) -> tuple[Path, object]:
    rows = [image_row("a", 0, "img_a", "man rides horse", "person"),
            image_row("b", 1, "img_b", "man rides horse", None),
            image_row("c", 2, "img_c", "girl rides pony", None),
            image_row("a", 3, "img_d", "boy rides bike", None),  # id used again: quarantined as a duplicate
            image_row("x", 4, "img_x", "cat rides dog", None, quarantine="not_an_image")]
    write_staging(tmp_path / "staging" / "s1", rows)
    write_staging(tmp_path / "staging" / "s1", rows[:2], "part-retry.parquet")  # a retried task wrote rows 0-1 again
    res = merge(str(tmp_path / "staging" / "s*" / "*.parquet"), tmp_path / "g", EXTRACTOR, ["decode"])
    return tmp_path / "g", res


def table(g: Path, name: str) -> list[dict]:
    return pq.read_table(g / name).to_pylist()


def test_tables_follow_the_contract_and_count_every_row(graph) -> None:
    g, res = graph
    assert check_graph(g) == []
    assert res.counts["images"] == 3 and res.counts["quarantine"] == 2
    assert res.accounting == [{"file": "c.parquet", "rows_in_graph": 3, "rows_quarantined": 2}]
    q = {(r["corpus_id"], r["reason"], r["stage"]) for r in table(g, "quarantine")}
    assert q == {("a", "duplicate_id", "merge"), ("x", "not_an_image", "decode")}
    # the retried part holds rows 0-1 again: each row is counted once (5 rows of 0.01 s)
    assert res.stage_stats[0] == {"stage": "decode", "rows": 5, "busy_seconds": 0.05, "quarantined": {"not_an_image": 1}}


def test_concept_graph_spans_images_with_evidence_and_provenance(graph) -> None:
    g, _ = graph
    man, horse = entity_id("concept", "man"), entity_id("concept", "horse")
    edges = table(g, "edges")
    ride = [e for e in edges if e["type"] == "RELATION" and e["scope"] == "concept" and e["src"] == man]
    assert len(ride) == 1 and ride[0]["dst"] == horse and ride[0]["predicate"] == "ride"
    assert ride[0]["count"] == 2 and ride[0]["evidence"] == ["img_a", "img_b"] and ride[0]["provenance"] == EXTRACTOR
    per_image = [e for e in edges if e["type"] == "RELATION" and e["scope"] == "image" and e["predicate"] == "ride"]
    assert len(per_image) == 3  # one per image's scene graph (the duplicate row is not in the graph)
    ents = {(e["type"], e["name"]): e for e in table(g, "entities")}
    assert ents[("concept", "man")]["image_count"] == 2 and ents[("concept", "person")]["region_count"] == 1
    assert ents[("attribute", "brown")]["mention_count"] == 3
    assert ("concept", "boy") not in ents


def test_groundings_and_regions(graph) -> None:
    g, _ = graph
    (region,) = table(g, "regions")
    assert pq.read_schema(g / "regions" / "part-0.parquet").field("score").type == pa.float32()
    assert (region["x1"], region["y2"], region["detector"]) == (1.0, 40.25, "det")
    grounded = [m for m in table(g, "mentions") if m["region_ids"]]
    assert len(grounded) == 1 and grounded[0]["name"] == "man" and grounded[0]["region_ids"] == [region["region_id"]]
    (gi,) = [e for e in table(g, "edges") if e["type"] == "GROUNDED_IN"]
    assert gi["dst"] == region["region_id"] and gi["provenance"] == "ground" and gi["confidence"] == pytest.approx(0.8123)
    depicts = [e for e in table(g, "edges") if e["type"] == "DEPICTS"]
    assert depicts[0]["provenance"] == "detector:det" and depicts[0]["src"] == "img_a"


def spatial_rows(with_records: bool) -> list[dict]:
    """Two images whose caption says "man left of horse" (besides "man rides horse"); image a's
    boxes also say man left of horse (geometry), image b's say nothing spatial."""
    rows = []
    for rid, row, image in (("a", 0, "img_a"), ("b", 1, "img_b")):
        r = image_row(rid, row, image, "man rides horse", None)
        m0, m1 = (Mention(**m) for m in r["mentions"])
        r["relations"].append(write_records([[Relation(m0.caption_id, m0.mention_id, m0.entity_id, "left of",
                                                       m1.mention_id, m1.entity_id, "corpus")]], Relation)[0][0])
        boxes = [Region(region_id(image, "det", lab, x, 0.0, x + 10, 10.0), lab, 0.9, x, 0.0, x + 10, 10.0, "det",
                        entity_id("concept", lab)) for lab, x in (("man", 0.0), ("horse", 20.0))]
        r["regions"] = write_records([boxes], Region)[0]
        spatial = [SpatialRelation(boxes[0].region_id, boxes[0].entity_id, "left of", boxes[1].region_id,
                                   boxes[1].entity_id, 0.75, "geometry:spatial@1")]
        r["spatial"] = write_records([spatial if with_records and image == "img_a" else []], SpatialRelation)[0]
        rows.append(r)
    return rows


def merged_edges(tmp_path: Path, name: str, rows: list[dict], spatial_column: bool) -> list[dict]:
    from pipeline.core.records import list_type

    extra = [("spatial", list_type(SpatialRelation))] if spatial_column else []
    schema = pa.schema([*SCHEMA, *[(k, list_type(cls)) for k, cls in FRAGMENTS.items()], *extra])
    folder = tmp_path / name / "staging"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "part-0.parquet")
    merge(str(folder / "*.parquet"), tmp_path / name / "g", EXTRACTOR, [])
    assert check_graph(tmp_path / name / "g") == []
    return table(tmp_path / name / "g", "edges")


def test_geometry_relations_stay_apart_from_caption_relations(tmp_path: Path) -> None:
    import hashlib

    man, horse = entity_id("concept", "man"), entity_id("concept", "horse")
    on = merged_edges(tmp_path, "on", spatial_rows(True), True)
    absent = merged_edges(tmp_path, "absent", spatial_rows(False), False)  # a run without the stage
    empty = merged_edges(tmp_path, "empty", spatial_rows(False), True)  # the stage switched off
    geo = [e for e in on if (e["provenance"] or "").startswith("geometry")]
    assert absent == empty == [e for e in on if e not in geo]  # caption edges (ids too) as without the stage
    left = [e for e in on if e["type"] == "RELATION" and e["scope"] == "concept" and e["predicate"] == "left of"]
    assert {(e["src"], e["dst"], e["provenance"], e["count"]) for e in left} == {
        (man, horse, EXTRACTOR, 2), (man, horse, "geometry:spatial@1", 1)}
    (g,) = [e for e in left if e["provenance"].startswith("geometry")]
    (c,) = [e for e in left if e is not g]  # the caption edge keeps its id
    assert c["edge_id"] == hashlib.md5("\x1f".join([man, "RELATION", horse, "left of"]).encode()).hexdigest()[:24]
    key = "\x1f".join([man, "RELATION", horse, "left of", "geometry"])
    assert g["edge_id"] == hashlib.md5(key.encode()).hexdigest()[:24]
    assert g["evidence"] == ["img_a"] and g["confidence"] == pytest.approx(0.75)
    (img,) = [e for e in geo if e["scope"] == "image"]
    assert img["src"].startswith("reg_") and img["dst"].startswith("reg_") and img["evidence"] == ["img_a"]
    assert len({e["edge_id"] for e in on}) == len(on)
