"""Scene-graph records produced from captions (no Ray, no stages)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mention:
    """An entity mentioned in a caption.

    `text` is the surface form as written ("horses", "tennis racket"), `lemma` the canonical
    name the graph stores ("horse", "tennis racket"), `label` is "concept" for common nouns or a
    spaCy NER label ("PERSON", "ORG", "GPE", ...). `start`/`end` are character offsets of the
    mention in the caption. `count` is a number said of it ("two horses" -> 2), else None.
    """

    index: int
    text: str
    lemma: str
    label: str
    start: int
    end: int
    count: int | None = None


@dataclass(frozen=True)
class Attribute:
    """`mention` (index into SceneGraph.mentions) has attribute `text` (lemma form, e.g. "brown")."""

    mention: int
    text: str


@dataclass(frozen=True)
class Relation:
    """`subject` -predicate-> `object`; indices into SceneGraph.mentions; predicate lemmatised
    ("ride", "sit on", "in front of", "have")."""

    subject: int
    predicate: str
    object: int


@dataclass(frozen=True)
class SceneGraph:
    """Everything one caption says: mentions, their attributes and the relations between them."""

    caption: str
    mentions: tuple[Mention, ...] = field(default_factory=tuple)
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)
    relations: tuple[Relation, ...] = field(default_factory=tuple)
