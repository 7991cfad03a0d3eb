"""Spatial relations between the boxes of one image, read from the geometry alone.

Coordinates are image pixels with x growing to the right and y growing DOWNWARD (a box is
x1 <= x2, y1 <= y2). For two boxes A and B, with w, h their sizes, `inter` the area of their
intersection, and `ox`, `oy` the lengths of the overlap of their x and y extents:

- **A inside B**: A lies mostly within B and is clearly smaller:
  ``inter / area(A) >= inside`` and ``area(A) <= inside_area_ratio * area(B)``.
  score = ``inter / area(A)`` (the part of A within B). Subject is always the inner box.
- **A overlaps B**: ``IoU(A, B) >= overlap_iou`` and neither is inside the other.
  score = the IoU. Symmetric: one record per pair (subject: see "one record per fact").
- **A left of B**: A ends before B starts along x, up to a tolerance of `separation` times the
  narrower width (``gap_x = B.x1 - A.x2 > -separation * min(wA, wB)``), and the two share
  their rows: ``oy / min(hA, hB) >= alignment``. Right of is the same read from B.
- **A above B**: the same along y (A ends before B starts, y grows downward:
  ``gap_y = B.y1 - A.y2 > -separation * min(hA, hB)``) with shared columns
  ``ox / min(wA, wB) >= alignment``. Below is the same read from B.
  For left/right/above/below, score = ``margin * aligned`` where ``aligned`` is the shared
  fraction above and ``margin = min(1, (gap / size + separation) / (1 + separation))``: 0 at the
  tolerance, 1 once the boxes are a whole (narrower) box apart.

Since ``separation < alignment`` (checked by the stage config), a pair is never both
left/right and above/below, and inside excludes both (an inner box shares most of both
extents). Diagonal pairs (neither shared rows nor shared columns) get no direction. Overlaps
may come with a direction only when ``overlap_iou <= separation / (2 - separation)`` (an overlap
of at most `separation` of the narrower box caps the IoU there): never with the defaults.

**One record per fact, never its mirror.** A left of B is not also written as B right of A.
The subject of left of / right of / above / below / overlaps is the box whose label sorts first
(then the lower region id); for two boxes of the same label, the one on the left (left of) or
on top (above). So the concept edges of a corpus aggregate: "cup left of person" and "cup right
of person" are two counts of one pair of labels, and a label pair with itself only ever says
"left of" / "above" / "overlaps".

**Bounded work.** Boxes scoring below `min_score` and empty boxes are skipped; of the rest only
the `max_regions` highest-scoring (ties: region id) are paired, so an image costs at most
max_regions^2 / 2 pair checks whatever its number of boxes. A region is never paired with
itself; two regions with the same label are paired like any others.
"""

from __future__ import annotations

from typing import Sequence

from pipeline.graph.records import Region, SpatialRelation

LEFT_OF, RIGHT_OF, ABOVE, BELOW, OVERLAPS, INSIDE = "left of", "right of", "above", "below", "overlaps", "inside"
PREDICATES = (LEFT_OF, RIGHT_OF, ABOVE, BELOW, OVERLAPS, INSIDE)

# Defaults of the rules (the stage's config section `spatial` starts from these).
MIN_SCORE = 0.3
MAX_REGIONS = 20
INSIDE_MIN = 0.9
INSIDE_AREA_RATIO = 0.8
OVERLAP_IOU = 0.2
SEPARATION = 0.2
ALIGNMENT = 0.5


def _area(r: Region) -> float:
    return max(0.0, r.x2 - r.x1) * max(0.0, r.y2 - r.y1)


def _overlap(a1: float, a2: float, b1: float, b2: float) -> float:
    return max(0.0, min(a2, b2) - max(a1, b1))


def _directional(a: Region, b: Region, separation: float, alignment: float) -> tuple[str, float] | None:
    """(predicate, score) of A against B along x or y (left of / right of / above / below), or None."""
    wa, wb, ha, hb = a.x2 - a.x1, b.x2 - b.x1, a.y2 - a.y1, b.y2 - b.y1
    for before, after, gap_ab, gap_ba, size, shared, other in (
        (LEFT_OF, RIGHT_OF, b.x1 - a.x2, a.x1 - b.x2, min(wa, wb), _overlap(a.y1, a.y2, b.y1, b.y2), min(ha, hb)),
        (ABOVE, BELOW, b.y1 - a.y2, a.y1 - b.y2, min(ha, hb), _overlap(a.x1, a.x2, b.x1, b.x2), min(wa, wb)),
    ):
        aligned = shared / other
        if aligned < alignment:
            continue
        for pred, gap in ((before, gap_ab), (after, gap_ba)):
            margin = min(1.0, (gap / size + separation) / (1.0 + separation))
            if margin > 0:
                return pred, margin * min(1.0, aligned)
    return None


def _mirror(pred: str) -> str:
    return {LEFT_OF: RIGHT_OF, RIGHT_OF: LEFT_OF, ABOVE: BELOW, BELOW: ABOVE}.get(pred, pred)


def _record(s: Region, pred: str, o: Region, score: float, source: str) -> SpatialRelation:
    return SpatialRelation(s.region_id, s.entity_id, pred, o.region_id, o.entity_id, round(float(score), 4), source)


def pair_relations(a: Region, b: Region, *, inside: float = INSIDE_MIN, inside_area_ratio: float = INSIDE_AREA_RATIO,
                   overlap_iou: float = OVERLAP_IOU, separation: float = SEPARATION, alignment: float = ALIGNMENT,
                   source: str = "geometry") -> list[SpatialRelation]:
    """The relations between two distinct, non-empty boxes of one image (module docstring), one
    record per fact in its canonical direction; `a`/`b` order does not matter."""
    if (a.label, a.region_id) > (b.label, b.region_id):
        a, b = b, a  # canonical order: label, then region id
    area_a, area_b = _area(a), _area(b)
    inter = _overlap(a.x1, a.x2, b.x1, b.x2) * _overlap(a.y1, a.y2, b.y1, b.y2)
    out: list[SpatialRelation] = []
    for inner, outer, area_in, area_out in ((a, b, area_a, area_b), (b, a, area_b, area_a)):
        if inter / area_in >= inside and area_in <= inside_area_ratio * area_out:
            return [_record(inner, INSIDE, outer, inter / area_in, source)]
    iou = inter / (area_a + area_b - inter)
    if iou >= overlap_iou:
        out.append(_record(a, OVERLAPS, b, iou, source))
    d = _directional(a, b, separation, alignment)
    if d is not None:
        pred, score = d
        if a.label == b.label and pred in (RIGHT_OF, BELOW):
            out.append(_record(b, _mirror(pred), a, score, source))  # same label: the left / upper box speaks
        else:
            out.append(_record(a, pred, b, score, source))
    return out


def spatial_relations(regions: Sequence[Region], *, min_score: float = MIN_SCORE, max_regions: int = MAX_REGIONS,
                      inside: float = INSIDE_MIN, inside_area_ratio: float = INSIDE_AREA_RATIO,
                      overlap_iou: float = OVERLAP_IOU, separation: float = SEPARATION, alignment: float = ALIGNMENT,
                      source: str = "geometry") -> list[SpatialRelation]:
    """The spatial relations among the regions of ONE image (rules in the module docstring).

    In: the image's regions (any order; duplicates by region id count once). Out: one
    SpatialRelation per fact, subject and object by region id, `source` as given, in a
    deterministic order (the boxes' order by score, then region id).
    """
    seen: set[str] = set()
    boxes: list[Region] = []
    for r in sorted(regions, key=lambda r: (-r.score, r.region_id)):
        if r.score < min_score or r.region_id in seen or r.x2 <= r.x1 or r.y2 <= r.y1:
            continue
        seen.add(r.region_id)
        boxes.append(r)
        if len(boxes) == max_regions:
            break
    out: list[SpatialRelation] = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            out += pair_relations(a, b, inside=inside, inside_area_ratio=inside_area_ratio, overlap_iou=overlap_iou,
                                  separation=separation, alignment=alignment, source=source)
    return out
