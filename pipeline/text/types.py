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

    def __init__(
        self, index: int, text: str, lemma: str, label: str, start: int, end: int, count: int | None = None
    ) -> None:
        # Frozen: each field is written once, here, straight into the instance dict (the
        # generated __init__ calls object.__setattr__ per field, about twice as slow; one
        # statement per field skips packing and unpacking a tuple of seven).
        d = self.__dict__
        d["index"] = index
        d["text"] = text
        d["lemma"] = lemma
        d["label"] = label
        d["start"] = start
        d["end"] = end
        d["count"] = count


@dataclass(frozen=True)
class Attribute:
    """`mention` (index into SceneGraph.mentions) has attribute `text` (lemma form, e.g. "brown")."""

    mention: int
    text: str

    def __init__(self, mention: int, text: str) -> None:
        d = self.__dict__  # frozen: written once (see Mention.__init__)
        d["mention"], d["text"] = mention, text


@dataclass(frozen=True)
class Relation:
    """`subject` -predicate-> `object`; indices into SceneGraph.mentions; predicate lemmatised
    ("ride", "sit on", "in front of", "have")."""

    subject: int
    predicate: str
    object: int

    def __init__(self, subject: int, predicate: str, object: int) -> None:  # noqa: A002 - the field's name
        d = self.__dict__  # frozen: written once (see Mention.__init__)
        d["subject"], d["predicate"], d["object"] = subject, predicate, object


@dataclass(frozen=True)
class SceneGraph:
    """Everything one caption says: mentions, their attributes and the relations between them."""

    caption: str
    mentions: tuple[Mention, ...] = field(default_factory=tuple)
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)
    relations: tuple[Relation, ...] = field(default_factory=tuple)

    def __init__(
        self,
        caption: str,
        mentions: tuple[Mention, ...] = (),
        attributes: tuple[Attribute, ...] = (),
        relations: tuple[Relation, ...] = (),
    ) -> None:
        d = self.__dict__  # frozen: written once (see Mention.__init__)
        d["caption"], d["mentions"], d["attributes"], d["relations"] = caption, mentions, attributes, relations
