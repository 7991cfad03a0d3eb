"""A captioner with no model: it writes a sentence from the detector's boxes ("a photo of two horses and a person")."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from pipeline.core.registry import backends
from pipeline.vision.types import Box

# Plurals that adding "s" gets wrong, keyed by the last word of a COCO label.
_IRREGULAR = {
    "person": "people",
    "mouse": "mice",
    "knife": "knives",
    "sheep": "sheep",
    "skis": "skis",
    "glass": "glasses",
    "couch": "couches",
    "bus": "buses",
    "bench": "benches",
    "sandwich": "sandwiches",
    "toothbrush": "toothbrushes",
    "scissors": "scissors",
    "broccoli": "broccoli",
    "tv": "tvs",
    "hair drier": "hair driers",
    "dining table": "dining tables",
}
_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
# Labels that take no article when single (mass nouns), and ones said as "a pair of".
_NO_ARTICLE = {"broccoli"}
_SINGLE = {"skis": "a pair of skis", "scissors": "a pair of scissors"}
_VOWEL_SOUND_EXCEPTIONS = {"one": False, "uni": False, "eu": False, "hour": True, "honest": True}


def plural(label: str) -> str:
    """English plural of a (COCO) label: 'person' -> 'people', 'wine glass' -> 'wine glasses'."""
    label = label.strip()
    if label in _IRREGULAR:
        return _IRREGULAR[label]
    head, _, last = label.rpartition(" ")
    if last in _IRREGULAR:
        p = _IRREGULAR[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        p = last + "es"
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        p = last[:-1] + "ies"
    else:
        p = last + "s"
    return f"{head} {p}" if head else p


def number_word(n: int) -> str:
    """'one'..'ten' for 1-10, digits beyond."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def article(label: str) -> str:
    """'a' or 'an' (or '' for mass/plural nouns) for one `label`."""
    if label in _NO_ARTICLE:
        return ""
    low = label.lower()
    for prefix, vowel in _VOWEL_SOUND_EXCEPTIONS.items():
        if low.startswith(prefix):
            return "an" if vowel else "a"
    return "an" if low[:1] in "aeiou" else "a"


def count_phrase(label: str, n: int) -> str:
    """'a horse', 'two horses', 'broccoli', 'a pair of skis', '12 people'."""
    if n == 1:
        if label in _SINGLE:
            return _SINGLE[label]
        a = article(label)
        return f"{a} {label}" if a else label
    return f"{number_word(n)} {plural(label)}"


def join_phrases(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


class TemplateCaptioner:
    """Caption from boxes: labels counted, ordered by their largest box area, then best score.

    Boxes scoring below `min_score` are ignored; at most `max_objects` labels are named.
    Images without boxes (or with none passed) get ''.
    """

    name = "template"
    reads_pixels = False  # only the boxes

    def __init__(self, min_score: float = 0.0, max_objects: int = 4) -> None:
        if max_objects < 1:
            raise ValueError("max_objects must be at least 1")
        self.min_score = float(min_score)
        self.max_objects = int(max_objects)

    def load(self) -> None:
        """Nothing to load."""

    def describe(self, boxes: Sequence[Box]) -> str:
        """One sentence for one image's boxes ('' when none pass `min_score`)."""
        kept = [b for b in boxes if b.score >= self.min_score and b.label]
        if not kept:
            return ""
        groups: dict[str, list[Box]] = {}
        for b in kept:
            groups.setdefault(b.label, []).append(b)
        order = sorted(
            groups,
            key=lambda lab: (-max(b.area for b in groups[lab]), -max(b.score for b in groups[lab]), lab),
        )
        parts = [count_phrase(lab, len(groups[lab])) for lab in order[: self.max_objects]]
        return "a photo of " + join_phrases(parts)

    def caption(self, images: Sequence[np.ndarray], boxes: Sequence[Sequence[Box]] | None = None) -> list[str]:
        """One sentence per image from its boxes; all '' when `boxes` is None."""
        if boxes is None:
            return ["" for _ in images]
        if len(boxes) != len(images):
            raise ValueError(f"got {len(images)} images but {len(boxes)} box lists")
        return [self.describe(b) for b in boxes]


@backends("captioner").register("template", heavy=False)
def make_template_captioner(min_score: float = 0.0, max_objects: int = 4) -> TemplateCaptioner:
    """TemplateCaptioner with these settings."""
    return TemplateCaptioner(min_score=min_score, max_objects=max_objects)
