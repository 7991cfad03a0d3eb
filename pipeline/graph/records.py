"""The records that flow between stages and into the merge, defined once.

Each is a frozen dataclass; its Arrow struct type is derived from the annotations
(`pipeline.core.records`), and a batch column holds a list of them per image (`list<struct>`).
Ids are content hashes made where a record is born, and records refer to each other by id:

    decode   -> captions   (corpus text)          caption -> captions += model caption
    detect   -> regions                           extract -> mentions, attributes, relations
    ground   -> groundings (mention id -> region id)

The merge (pipeline.graph.merge) unions them over the corpus into the graph tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.ids import content_id
from pipeline.core.records import F32, I32

ATTRIBUTE_TYPE = "attribute"


def entity_id(type_: str, name: str) -> str:
    """Id of an entity node: hash of its type and canonical name."""
    return content_id("ent", type_, name)


def caption_id(image_id: str, source: str, text: str) -> str:
    """Id of a caption: hash of its image, source and text."""
    return content_id("cap", image_id, source, text)


def mention_id(caption: str, index: int) -> str:
    """Id of the `index`-th mention of caption `caption`."""
    return content_id("men", caption, index)


def region_id(image_id: str, detector: str, label: str, x1: float, y1: float, x2: float, y2: float) -> str:
    """Id of a region: hash of its image, detector, label and box."""
    return content_id("reg", image_id, detector, label, x1, y1, x2, y2)


@dataclass(frozen=True)
class TextSpan:
    """Characters start..end of a caption were read from region `region_id` (text in the image)."""

    start: I32
    end: I32
    region_id: str


@dataclass(frozen=True)
class Caption:
    """A caption of an image: `source` is `corpus` or `model:<name>` (or what a stage writes);
    `spans` tie parts of the text to the regions they were read from (empty for most captions)."""

    caption_id: str
    text: str
    source: str
    spans: tuple[TextSpan, ...] = ()


@dataclass(frozen=True)
class Region:
    """A box in the image's original pixels with a label, a score and what found it."""

    region_id: str
    label: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float
    detector: str
    entity_id: str


@dataclass(frozen=True)
class Mention:
    """An entity as one caption mentions it; `name` is its canonical name (lemma), `type`
    "concept" or a NER label; start/end are character offsets in the caption."""

    mention_id: str
    caption_id: str
    entity_id: str
    name: str
    type: str
    text: str
    start: I32
    end: I32
    count: I32 | None
    source: str


@dataclass(frozen=True)
class Attribute:
    """Mention `mention_id` (of entity `entity_id`) has attribute `value` (entity `value_id`)."""

    mention_id: str
    entity_id: str
    value: str
    value_id: str
    caption_id: str
    source: str


@dataclass(frozen=True)
class Relation:
    """subject -predicate-> object, said by caption `caption_id`."""

    caption_id: str
    subject_mention: str
    subject_entity: str
    predicate: str
    object_mention: str
    object_entity: str
    source: str


@dataclass(frozen=True)
class Grounding:
    """Mention `mention_id` is seen in region `region_id`."""

    mention_id: str
    region_id: str
    score: F32


@dataclass(frozen=True)
class SpatialRelation:
    """Region `subject_region` is `predicate` (left of, right of, above, below, overlaps,
    inside) region `object_region` of the same image, read from the boxes alone; `score` is how
    clearly the boxes say so (0..1), `source` what computed it (``geometry:<stage>@<version>``)."""

    subject_region: str
    subject_entity: str
    predicate: str
    object_region: str
    object_entity: str
    score: F32
    source: str


# Staging columns (one list of records per image) the merge reads, by record type.
FRAGMENTS: dict[str, type] = {
    "captions": Caption,
    "regions": Region,
    "mentions": Mention,
    "groundings": Grounding,
    "attributes": Attribute,
    "relations": Relation,
}
# Record columns the merge reads when a stage wrote them (absent: no such records).
OPTIONAL_FRAGMENTS: dict[str, type] = {
    "spatial": SpatialRelation,
}
# Scalar staging columns the merge reads besides the bookkeeping ones.
IMAGE_COLUMNS = ("image_id", "image_uri", "width", "height", "extra_json")
