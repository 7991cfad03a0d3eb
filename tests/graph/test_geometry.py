"""Spatial relations from hand-made boxes (image coordinates, y grows downward): every
predicate, its canonical direction, its score, and what must not be said."""

from __future__ import annotations

import itertools

import pytest

from pipeline.graph.geometry import PREDICATES, pair_relations, spatial_relations
from pipeline.graph.records import Region, SpatialRelation, entity_id


def box(rid: str, label: str, x1: float, y1: float, x2: float, y2: float, score: float = 0.9) -> Region:
    return Region(rid, label, score, x1, y1, x2, y2, "det", entity_id("concept", label))


def facts(rels: list[SpatialRelation]) -> set[tuple[str, str, str]]:
    return {(r.subject_region, r.predicate, r.object_region) for r in rels}


def test_left_and_right_of_side_by_side() -> None:
    dog, person = box("d", "dog", 0, 50, 40, 100), box("p", "person", 60, 0, 100, 100)
    # dog sorts before person: the dog speaks, whichever order the boxes come in
    assert facts(spatial_relations([person, dog])) == {("d", "left of", "p")}
    assert facts(spatial_relations([box("d", "dog", 60, 50, 100, 100), box("p", "person", 0, 0, 40, 100)])) == {("d", "right of", "p")}
    (r,) = spatial_relations([dog, person], source="geometry:spatial@1")
    assert (r.subject_entity, r.object_entity, r.source) == (dog.entity_id, person.entity_id, "geometry:spatial@1")
    # a gap of half the narrower width, rows fully shared: margin (0.5 + 0.2) / 1.2
    assert r.score == pytest.approx(round(0.7 / 1.2, 4))


def test_above_and_below_with_y_growing_downward() -> None:
    cup, table = box("c", "cup", 40, 10, 60, 40), box("t", "table", 0, 38, 100, 90)  # cup sits on the table top
    assert facts(spatial_relations([cup, table])) == {("c", "above", "t")}
    lamp, bed = box("l", "lamp", 0, 200, 100, 300), box("b", "bed", 0, 0, 100, 100)
    assert facts(spatial_relations([lamp, bed])) == {("b", "above", "l")}  # bed sorts first and is on top
    assert facts(spatial_relations([box("a", "ant", 0, 200, 100, 300), bed])) == {("a", "below", "b")}


def test_inside_is_said_of_the_inner_box() -> None:
    person, tie = box("p", "person", 0, 0, 100, 200), box("t", "tie", 45, 40, 55, 100)
    (r,) = spatial_relations([person, tie])
    assert (r.subject_region, r.predicate, r.object_region, r.score) == ("t", "inside", "p", 1.0)
    # mostly within (90 %) still counts; the score is the part within
    (r,) = spatial_relations([person, box("t", "tie", -1, 40, 9, 100)])
    assert (r.predicate, r.score) == ("inside", 0.9)


def test_overlaps_once_per_pair() -> None:
    a, b = box("a", "cat", 0, 0, 100, 100), box("b", "dog", 50, 0, 150, 100)
    (r,) = spatial_relations([b, a])
    assert (r.subject_region, r.predicate, r.object_region) == ("a", "overlaps", "b")
    assert r.score == pytest.approx(round(50 * 100 / 15000, 4))


@pytest.mark.parametrize("why, a, b", [
    ("diagonal: neither rows nor columns shared", box("a", "cat", 0, 0, 40, 40), box("b", "dog", 100, 100, 140, 140)),
    ("side by side but barely sharing rows", box("a", "cat", 0, 0, 40, 40), box("b", "dog", 60, 30, 100, 130)),
    ("heavy horizontal overlap, small IoU", box("a", "cat", 0, 0, 100, 20), box("b", "dog", 10, 15, 110, 60)),
    ("nearly the same box is not inside", box("a", "cat", 0, 0, 100, 100), box("b", "dog", 2, 2, 98, 98)),
])
def test_nothing_wrong_is_said(why: str, a: Region, b: Region) -> None:
    rels = spatial_relations([a, b])
    if why.startswith("nearly"):
        assert [r.predicate for r in rels] == ["overlaps"], why  # big IoU, but neither clearly smaller
    else:
        assert rels == [], why


def test_same_label_pairs_speak_from_the_left_or_top_and_never_both_ways() -> None:
    left, right = box("z", "person", 0, 0, 40, 100), box("a", "person", 60, 0, 100, 100)
    assert facts(spatial_relations([left, right])) == {("z", "left of", "a")}
    top, bottom = box("z", "person", 0, 100, 40, 200), box("a", "person", 0, 0, 40, 90)
    assert facts(spatial_relations([top, bottom])) == {("a", "above", "z")}


def test_one_record_per_fact_never_its_mirror_or_a_contradiction() -> None:
    boxes = [box(f"r{i}", lab, x, y, x + w, y + h, 0.5 + i / 100)
             for i, (lab, x, y, w, h) in enumerate(itertools.product(
                 ["cat", "dog"], [0, 30, 70, 150], [0, 40, 120], [20, 60], [30, 90]))][:40]
    rels = spatial_relations(boxes, max_regions=40)
    assert rels and {r.predicate for r in rels} <= set(PREDICATES)
    pairs = [frozenset((r.subject_region, r.object_region)) for r in rels]
    for p in set(pairs):
        preds = {r.predicate for r in rels if frozenset((r.subject_region, r.object_region)) == p}
        assert len(preds) == pairs.count(p)  # no predicate twice for a pair
        assert not ({"left of", "right of"} <= preds or {"above", "below"} <= preds)
        assert len(preds & {"left of", "right of", "above", "below"}) <= 1
        assert not ("inside" in preds and len(preds) > 1)
    assert all(r.subject_region != r.object_region for r in rels)
    assert all(0 < r.score <= 1 for r in rels)
    assert rels == spatial_relations(list(reversed(boxes)), max_regions=40)  # order of the input does not matter


def test_bounded_work_and_filters() -> None:
    weak = box("w", "dog", 60, 0, 100, 100, score=0.1)
    person = box("p", "person", 0, 0, 40, 100)
    assert spatial_relations([person, weak]) == []  # below min_score
    assert len(spatial_relations([person, weak], min_score=0.05)) == 1
    assert spatial_relations([person, person]) == []  # a region is never paired with itself
    assert spatial_relations([person, box("e", "dog", 60, 0, 60, 100)]) == []  # empty box
    many = [box(f"r{i:03d}", "person", i * 50, 0, i * 50 + 40, 100, score=0.3 + i / 1000) for i in range(300)]
    rels = spatial_relations(many, max_regions=5)
    used = {r.subject_region for r in rels} | {r.object_region for r in rels}
    assert used == {f"r{i:03d}" for i in range(295, 300)}  # only the 5 best boxes are paired
    assert len(rels) == 10  # 5 boxes in a row: every pair, once


def test_pair_relations_is_symmetric_in_its_arguments() -> None:
    a, b = box("a", "cat", 0, 0, 100, 100), box("b", "dog", 50, 10, 150, 110)
    assert pair_relations(a, b) == pair_relations(b, a)
