"""The template captioner: counting, plurals, ordering."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.vision.model_store import coco_labels
from pipeline.vision.template_captioner import TemplateCaptioner, count_phrase, number_word, plural
from pipeline.vision.types import Box

IMG = np.zeros((100, 100, 3), np.uint8)


def box(label: str, score: float = 0.9, size: float = 10.0, x: float = 0.0) -> Box:
    return Box(label, score, x, 0.0, x + size, size, "test")


def test_counts_plurals_and_largest_first() -> None:
    boxes = [box("person", 0.8, 20), box("horse", 0.7, 50), box("horse", 0.6, 40)]
    assert TemplateCaptioner().caption([IMG], [boxes]) == ["a photo of two horses and a person"]


def test_three_labels_use_commas_and_cap() -> None:
    boxes = [box("dog", size=30), box("cat", size=20), box("cup", size=10), box("apple", size=5)]
    assert TemplateCaptioner().describe(boxes) == "a photo of a dog, a cat, a cup and an apple"
    assert TemplateCaptioner(max_objects=2).describe(boxes) == "a photo of a dog and a cat"


def test_equal_size_orders_by_score() -> None:
    boxes = [box("cat", 0.4), box("dog", 0.9)]
    assert TemplateCaptioner().describe(boxes) == "a photo of a dog and a cat"


def test_min_score_and_empty() -> None:
    cap = TemplateCaptioner(min_score=0.5)
    assert cap.caption([IMG, IMG], [[box("cat", 0.2)], []]) == ["", ""]
    assert cap.caption([IMG], None) == [""]
    assert cap.caption([], []) == []
    with pytest.raises(ValueError):
        cap.caption([IMG], [[], []])


@pytest.mark.parametrize(
    "label,expected",
    [("person", "people"), ("mouse", "mice"), ("knife", "knives"), ("skis", "skis"), ("wine glass", "wine glasses"),
     ("sheep", "sheep"), ("couch", "couches"), ("bus", "buses"), ("bench", "benches"), ("sandwich", "sandwiches"),
     ("toothbrush", "toothbrushes"), ("scissors", "scissors"), ("giraffe", "giraffes"), ("cell phone", "cell phones"),
     ("teddy bear", "teddy bears"), ("hair drier", "hair driers"), ("tv", "tvs"), ("broccoli", "broccoli"),
     ("sports ball", "sports balls"), ("hot dog", "hot dogs"), ("dining table", "dining tables")],
)
def test_plurals(label: str, expected: str) -> None:
    assert plural(label) == expected


NOT_PLUS_S = {"person": "people", "bus": "buses", "sheep": "sheep", "skis": "skis", "wine glass": "wine glasses",
              "knife": "knives", "sandwich": "sandwiches", "broccoli": "broccoli", "couch": "couches",
              "bench": "benches", "mouse": "mice", "scissors": "scissors", "toothbrush": "toothbrushes"}


def test_all_80_coco_plurals() -> None:
    labels = coco_labels()
    assert len(labels) == 80 and set(NOT_PLUS_S) <= set(labels)
    for label in labels:
        assert plural(label) == NOT_PLUS_S.get(label, label + "s"), label


def test_numbers_and_articles() -> None:
    assert [number_word(n) for n in (2, 3, 10, 11, 25)] == ["two", "three", "ten", "11", "25"]
    assert count_phrase("umbrella", 1) == "an umbrella"
    assert count_phrase("elephant", 1) == "an elephant"
    assert count_phrase("skis", 1) == "a pair of skis"
    assert count_phrase("person", 12) == "12 people"
    assert count_phrase("broccoli", 1) == "broccoli"


def test_registered() -> None:
    from pipeline.core.registry import backends

    captioners = backends("captioner")

    cap = captioners.get("template")(min_score=0.1)
    assert isinstance(cap, TemplateCaptioner) and cap.name == "template"
    cap.load()
