"""The explicit state the rule modules share while one Doc becomes a SceneGraph.

`State` holds the parsed Doc (read-only views of it) and what the rules have found so far,
in three groups: parser repairs (what spaCy got wrong), mentions (which tokens are
entities) and the output (attributes, relations). Rules read and add; none removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from pipeline.text.lexicon import ATTRIBUTE_CANON
from pipeline.text.types import Mention
from pipeline.text.words import Doc, Token


@dataclass
class State:
    """Everything the rules know about one Doc.

    Read-only inputs: `doc`, `caption`, `tokens` (list(doc), cached), `kids` (children of
    each token), `dep`/`pos` (dep_/pos_ of each token, cached), `text` (doc.text),
    `sent_starts` (token indices that start a sentence), `ents` (doc.ents, lazy), `verbs`/`nouns`
    (known lemmas from spaCy's lemma_index, possibly empty).
    """

    doc: Doc
    caption: str
    tokens: list[Token]
    text: str
    sent_starts: frozenset[int]
    verbs: frozenset[str] = frozenset()
    nouns: frozenset[str] = frozenset()
    kids: list[list[Token]] = field(default_factory=list)  # kids[i]: children of token i, in order
    dep: list[str] = field(default_factory=list)  # dep[i] = tokens[i].dep_ (string attributes are not free)
    pos: list[str] = field(default_factory=list)  # pos[i] = tokens[i].pos_
    # -- parser repairs (repairs.py, mentions.py)
    split_subject: dict[int, int] = field(default_factory=dict)  # "-ing" root -> compound token that is its subject
    amod_verbs: dict[int, int] = field(default_factory=dict)  # "-ing" adjective -> token that is its subject
    pobj_override: dict[int, Token] = field(default_factory=dict)  # preposition index -> its real object
    conj_head: dict[int, int] = field(default_factory=dict)  # conjunct index -> its real first conjunct
    # -- mentions (mentions.py)
    mentions: list[Mention] = field(default_factory=list)
    token_mention: dict[int, int] = field(default_factory=dict)  # head token index -> mention index
    mention_parts: dict[int, list[int]] = field(default_factory=dict)  # head index -> compound part indices
    parts: set[int] = field(default_factory=set)  # tokens that are part of a compound entity name
    redirect: dict[int, int] = field(default_factory=dict)  # quantifier / part noun index -> target token index
    property_objects: set[int] = field(default_factory=set)  # "color" in "white in color"
    material_complements: dict[int, list[int]] = field(default_factory=dict)  # "metal" in "is green metal" -> its adjectives
    owned_parts: list[tuple[int, int]] = field(default_factory=list)  # (owner mention, part head token): "car window"
    # -- output (insertion-ordered sets)
    attributes: dict[tuple[int, str], None] = field(default_factory=dict)
    relations: dict[tuple[int, str, int], None] = field(default_factory=dict)
    _ents: tuple | None = None

    @classmethod
    def of(
        cls, doc: Doc, caption: str, verbs: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()
    ) -> "State":
        """A fresh state for `doc`."""
        tokens = list(doc)  # cached: building Token objects is not free
        kids: list[list[Token]] = [[] for _ in tokens]
        for t in tokens:  # Token.children builds new Token objects on every call
            h = t.head.i
            if h != t.i:
                kids[h].append(t)
        return cls(
            doc=doc,
            caption=caption,
            tokens=tokens,
            text=doc.text,  # cached: Doc.text joins every token on each access
            sent_starts=frozenset(t.i for t in tokens if t.is_sent_start or t.i == 0),
            verbs=verbs,
            nouns=nouns,
            kids=kids,
            dep=[t.dep_ for t in tokens],
            pos=[t.pos_ for t in tokens],
        )

    @property
    def ents(self) -> tuple:
        """doc.ents, built on first use (most captions name no entity)."""
        if self._ents is None:
            self._ents = tuple(self.doc.ents)
        return self._ents

    def subtree(self, tok: Token) -> list[Token]:
        """`tok` and its descendants in text order (Token.subtree, from the cached children)."""
        out: list[Token] = []
        stack = [tok]
        while stack:
            t = stack.pop()
            out.append(t)
            stack.extend(self.kids[t.i])
        out.sort(key=lambda t: t.i)
        return out

    def sentence_start(self, i: int) -> int:
        """Index of the first token of the sentence holding token `i`."""
        return max((s for s in self.sent_starts if s <= i), default=0)

    def first_conjunct(self, tok: Token, limit: int = 50) -> Token:
        """The first of the parser's conjuncts `tok` belongs to ("trees" for "bushes" in "trees,
        shrubs and bushes"): up the "conj" heads, at most `limit` steps; `tok` itself if it is none."""
        first, hops = tok, 0
        while self.dep[first.i] == "conj" and first.head.i != first.i and hops < limit:
            first, hops = first.head, hops + 1
        return first

    def add_mention(
        self, text: str, lemma: str, start: int, end: int, label: str = "concept", head: int | None = None
    ) -> int:
        """Record a Mention of characters [start:end) of the caption, named `lemma`; when
        `head` (a token index) is given, that token now stands for it. Returns its index."""
        idx = len(self.mentions)
        self.mentions.append(Mention(idx, text, lemma, label, start, end))
        if head is not None:
            self.token_mention[head] = idx
        return idx

    def add_attr(self, mention: int, text: str) -> None:
        """Record attribute `text` (normalised) of mention index `mention`."""
        text = " ".join(text.split()).lower()
        text = ATTRIBUTE_CANON.get(text, text)
        if text:
            self.attributes[(mention, text)] = None

    def add_rel(self, subjects: Iterable[int], predicate: str, objects: Iterable[int]) -> None:
        """Record ( s , predicate , o ) for every subject x object pair (no self-loops)."""
        predicate = " ".join(predicate.split()).lower()
        if not predicate:
            return
        objects = list(objects)
        for s in subjects:
            for o in objects:
                if s != o:
                    self.relations[(s, predicate, o)] = None
