"""The explicit state the rule modules share while one Doc becomes a SceneGraph.

`State` holds the parsed Doc (read-only views of it) and what the rules have found so far,
in three groups: parser repairs (what spaCy got wrong), mentions (which tokens are
entities) and the output (attributes, relations). Rules read and add; none removes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Iterable

from pipeline.text.lexicon import ATTRIBUTE_CANON
from pipeline.text.types import Mention
from pipeline.text.words import Doc, Token


class CachedToken:
    """One token of the Doc as the rules read it: reads like a spaCy Token, but the attributes
    the rules read most (`i`, `head`, `dep_`, `pos_`, `lower_`, `lemma_`, `tag_`, `text`, `idx`,
    `whitespace_`, `ent_type_`) are read from spaCy once, in `State.of`, and kept as plain
    attributes (a spaCy string attribute is a StringStore look-up and `head` a new Token object
    on every read). Every other Token attribute is spaCy's own, read through `token` (the spaCy
    Token) on each use (see the properties set below the class). (`idx` is counted, not read: the
    characters of the texts and spaces before the token, as spaCy sets it.) `head`, `left_edge`,
    `right_edge`, `children`, ... give CachedTokens of the same State: one object per index,
    so tokens compare by identity.
    """

    __slots__ = (
        "i", "head", "dep_", "pos_", "lower_", "lemma_", "tag_", "text", "idx", "whitespace_", "ent_type_",
        "_doc", "_all",
    )

    @property
    def token(self) -> Token:
        """The spaCy Token."""
        return self._doc[self.i]

    @property
    def left_edge(self) -> "CachedToken":
        return self._all[self.token.left_edge.i]

    @property
    def right_edge(self) -> "CachedToken":
        return self._all[self.token.right_edge.i]

    def nbor(self, i: int = 1) -> "CachedToken":
        """The token `i` places away (spaCy's Token.nbor); IndexError past either end."""
        j = self.i + i
        if not 0 <= j < len(self._all):
            raise IndexError(f"token {self.i} has no neighbour at offset {i}")
        return self._all[j]

    def is_ancestor(self, other: "CachedToken") -> bool:
        return self.token.is_ancestor(other.token)

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __lt__(self, other: "CachedToken") -> bool:
        return self.i < other.i

    def __le__(self, other: "CachedToken") -> bool:
        return self.i <= other.i

    def __gt__(self, other: "CachedToken") -> bool:
        return self.i > other.i

    def __ge__(self, other: "CachedToken") -> bool:
        return self.i >= other.i


def _token_sequence(name: str) -> property:
    """A CachedToken property for a spaCy Token attribute that yields Tokens ("children")."""
    return property(lambda self: [self._all[t.i] for t in getattr(self.token, name)])


for _name in ("children", "lefts", "rights", "subtree", "ancestors", "conjuncts"):
    setattr(CachedToken, _name, _token_sequence(_name))
# Plain-valued spaCy Token attributes, read through on each use. (No __getattr__ fallback:
# a class with one makes every attribute read several times slower.)
for _name in (
    "text_with_ws ent_iob_ ent_type ent_iob ent_id_ ent_kb_id_ is_sent_start "
    "is_sent_end norm_ shape_ prefix_ suffix_ orth_ lang_ lemma lower norm shape prefix suffix orth pos tag "
    "dep lang is_alpha is_ascii is_digit is_lower is_upper is_title is_punct is_left_punct is_right_punct "
    "is_space is_bracket is_quote is_currency is_stop is_oov like_url like_num like_email n_lefts n_rights "
    "morph doc sent lex vocab has_vector vector vector_norm sentiment cluster prob rank"
).split():
    setattr(CachedToken, _name, property(attrgetter("token." + _name)))


#: StringStore hash (or symbol id) -> string, for every process: the strings a Doc's
#: attributes name never change, and a dict look-up is several times cheaper than spaCy's.
#: The strings are interned, so a label or word the rules compare with a literal ("nsubj", "on")
#: or look up in a lexicon set is the same object: the comparison stops at the identity test.
_STRINGS: dict[int, str] = {}
_SIGN, _WRAP = 1 << 63, 1 << 64
_ATTR_IDS: list[int] = []
#: The sentence starts of a one-sentence Doc (most captions), shared instead of built per Doc.
_FIRST_ONLY: frozenset[int] = frozenset((0,))


def _attr_ids() -> list[int]:
    """spaCy's ids of the token attributes `State.of` reads with Doc.to_array (imported once)."""
    if not _ATTR_IDS:
        from spacy.attrs import DEP, ENT_TYPE, HEAD, LEMMA, LOWER, ORTH, POS, SENT_START, SPACY, TAG

        _ATTR_IDS.extend([HEAD, SENT_START, DEP, POS, LOWER, LEMMA, TAG, ORTH, ENT_TYPE, SPACY])
    return _ATTR_IDS


@dataclass(slots=True)
class State:
    """Everything the rules know about one Doc.

    Read-only inputs: `doc`, `caption`, `tokens` (the Doc's tokens as CachedTokens), `kids` (children of
    each token), `dep`/`pos` (dep_/pos_ of each token, cached), `text` (doc.text),
    `sent_starts` (token indices that start a sentence), `ents` (doc.ents, lazy), `verbs`/`nouns`
    (known lemmas from spaCy's lemma_index, possibly empty), `roots` (the tokens that are their
    own head). Slotted, with a hand-written `__init__` (the generated one calls a factory per
    empty field and costs about twice as much); the rules set no other attribute.
    """

    doc: Doc
    caption: str
    tokens: list[Token]  # CachedToken per index
    text: str
    sent_starts: frozenset[int]
    verbs: frozenset[str] = frozenset()
    nouns: frozenset[str] = frozenset()
    kids: list[list[Token]] = field(default_factory=list)  # kids[i]: children of token i, in order
    dep: list[str] = field(default_factory=list)  # dep[i] = tokens[i].dep_ (string attributes are not free)
    pos: list[str] = field(default_factory=list)  # pos[i] = tokens[i].pos_
    roots: list[Token] = field(default_factory=list)  # tokens that are their own head (see release)
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

    def __init__(
        self,
        doc: Doc,
        caption: str,
        tokens: list[Token],
        text: str,
        sent_starts: frozenset[int],
        verbs: frozenset[str] = frozenset(),
        nouns: frozenset[str] = frozenset(),
        kids: list[list[Token]] | None = None,
        dep: list[str] | None = None,
        pos: list[str] | None = None,
        roots: list[Token] | None = None,
    ) -> None:
        """The inputs as given (`kids`/`dep`/`pos`/`roots` default to empty lists); everything
        the rules find starts empty."""
        self.doc, self.caption, self.tokens, self.text, self.sent_starts = doc, caption, tokens, text, sent_starts
        self.verbs, self.nouns = verbs, nouns
        self.kids = [] if kids is None else kids
        self.dep = [] if dep is None else dep
        self.pos = [] if pos is None else pos
        self.roots = [] if roots is None else roots
        self.split_subject, self.amod_verbs, self.pobj_override, self.conj_head = {}, {}, {}, {}
        self.mentions, self.token_mention, self.mention_parts, self.parts = [], {}, {}, set()
        self.redirect, self.property_objects, self.material_complements, self.owned_parts = {}, set(), {}, []
        self.attributes, self.relations, self._ents = {}, {}, None

    @classmethod
    def of(
        cls, doc: Doc, caption: str, verbs: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()
    ) -> "State":
        """A fresh state for `doc`."""
        tokens: list[CachedToken] = []
        kids: list[list[Token]] = []
        dep: list[str] = []
        pos: list[str] = []
        roots: list[CachedToken] = []
        sent_starts: list[int] = [0]
        text: list[str] = []
        strings = _STRINGS
        if len(strings) > 1_000_000:  # a memo of the StringStore, not a second vocabulary
            strings.clear()
        new = CachedToken.__new__
        # One to_array call reads every attribute of every token (one Python object per
        # attribute read otherwise); HEAD and SENT_START come back as unsigned offsets.
        rows = doc.to_array(_attr_ids()).tolist()
        i = at = 0
        try:
            for h, start, d, p, low, lemma, tag, orth, ent, space in rows:
                # (one statement per attribute: cheaper than packing and unpacking a tuple)
                c = new(CachedToken)
                c.i = i
                c._doc = doc
                c._all = tokens
                c.dep_ = d = strings[d]
                c.pos_ = p = strings[p]
                c.lower_ = strings[low]
                c.lemma_ = strings[lemma]
                c.tag_ = strings[tag]
                c.text = orth = strings[orth]
                c.ent_type_ = strings[ent] if ent else ""  # (0: no entity, most tokens)
                c.idx = at  # (Token.idx: the characters of the tokens before it, and their spaces)
                at += len(orth) + space
                c.whitespace_ = space = " " if space else ""
                c.head = i + h if h < _SIGN else i + h - _WRAP  # the head's index until all tokens exist
                text.append(orth)
                text.append(space)
                tokens.append(c)
                kids.append([])
                dep.append(d)
                pos.append(p)
                if start == 1 and i:
                    sent_starts.append(i)
                i += 1
        except KeyError:  # a string new to the memo: add this Doc's strings and start again
            tokens.clear()
            vocab = doc.vocab.strings
            for row in rows:
                for k in row[2:9]:
                    if k not in strings:
                        strings[k] = sys.intern(vocab[k])  # (interned: equal to the rules' literals by identity)
            return cls.of(doc, caption, verbs, nouns)
        for c in tokens:
            h = c.head
            c.head = tokens[h]
            if h != c.i:  # Token.children builds new Token objects on every call
                kids[h].append(c)
            else:
                roots.append(c)
        return cls(
            doc,
            caption,
            tokens,
            "".join(text),  # Doc.text, from the strings read above (Doc.text reads every token again)
            frozenset() if not tokens else _FIRST_ONLY if len(sent_starts) == 1 else frozenset(sent_starts),
            verbs,
            nouns,
            kids,
            dep,
            pos,
            roots,
        )

    @property
    def ents(self) -> tuple:
        """doc.ents, built on first use (most captions name no entity)."""
        if self._ents is None:
            self._ents = tuple(self.doc.ents)
        return self._ents

    def release(self) -> None:
        """Break the reference cycles of the cached tokens (each holds the token list; a root is
        its own head) once the rules are done: the tokens, and the Doc they hold, are then freed at
        once by reference counting instead of piling up for the garbage collector. The state's
        tokens are gone afterwards (`tokens` is empty)."""
        for c in self.roots:  # (the only cycles: every other head chain ends at a root)
            c.head = None
        self.tokens.clear()

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
        if len(self.sent_starts) <= 1:  # one sentence (most captions): it starts at 0
            return 0
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
        norm = _ATTR_NORMAL.get(text)
        if norm is None:  # (a text not seen yet)
            norm = _remember(_ATTR_NORMAL, text, _normal_attribute(text))
        if norm:
            self.attributes[(mention, norm)] = None

    def add_rel(self, subjects: Iterable[int], predicate: str, objects: Iterable[int]) -> None:
        """Record ( s , predicate , o ) for every subject x object pair (no self-loops)."""
        norm = _PREDICATE_NORMAL.get(predicate)
        if norm is None:  # (a text not seen yet)
            norm = _remember(_PREDICATE_NORMAL, predicate, _normal_text(predicate))
        if not norm:
            return
        predicate = norm
        if type(objects) is not list:  # (read once per subject: most callers pass a list)
            objects = list(objects)
        for s in subjects:
            for o in objects:
                if s != o:
                    self.relations[(s, predicate, o)] = None


def _normal_text(text: str) -> str:
    """`text` with its white space runs made single spaces, trimmed, in lower case."""
    return " ".join(text.split()).lower()


def _normal_attribute(text: str) -> str:
    """An attribute as recorded: `_normal_text`, then its canonical form (ATTRIBUTE_CANON)."""
    text = _normal_text(text)
    return ATTRIBUTE_CANON.get(text, text)


#: Predicate / attribute text -> its normal form, for every process: memos of the pure
#: functions above (the rules say the same few dozen words over and over; a dict look-up is
#: cheaper than split, join and lower). Cleared when large, like _STRINGS.
_PREDICATE_NORMAL: dict[str, str] = {}
_ATTR_NORMAL: dict[str, str] = {}


def _remember(memo: dict[str, str], text: str, norm: str) -> str:
    """Store `memo[text] = norm` (clearing a memo grown past 100,000 texts); returns `norm`."""
    if len(memo) >= 100_000:
        memo.clear()
    memo[text] = norm
    return norm
