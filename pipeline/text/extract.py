"""Rules that turn one parsed spaCy Doc into a SceneGraph (works on any Doc-like object).

Nothing here imports spaCy: the functions only read token attributes (`pos_`, `dep_`,
`head`, `children`, `lemma_`, ...), so the module is cheap to import in Ray workers.
"""

from __future__ import annotations

from typing import Any, Iterable

from pipeline.text.lexicon import (
    ADJECTIVE_SUFFIXES,
    BODY_PARTS,
    ATTRIBUTE_CANON,
    ANIMATE_PRONOUNS,
    CLOTHING,
    COLOURS,
    CONTAINERS_IN,
    CONTAINERS_ON,
    DEGREE_ADVERBS,
    ENTITY_LABELS,
    ING_NOUNS,
    LOCATIVE_ADVERBS,
    MATERIALS,
    NON_ATTRIBUTE_ADJECTIVES,
    NUMBER_WORDS,
    PART_NOUNS,
    PART_PREPOSITION,
    PREPOSITION_CANON,
    POSITION_WORDS,
    PREP_HEADS,
    PROPERTY_NOUNS,
    QUANTIFIER_ATTRIBUTES,
    QUANTIFIER_NOUNS,
    RELATIVE_PRONOUNS,
    SHADES,
    THING_PRONOUNS,
)
from pipeline.text.types import Attribute, Mention, Relation, SceneGraph

Token = Any  # spacy.tokens.Token (kept untyped so spaCy is not imported here)
Doc = Any

NOMINAL_POS = frozenset({"NOUN", "PROPN"})
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "csubjpass"})
OBJECT_DEPS = frozenset({"dobj", "obj", "dative", "oprd"})
CLAUSE_DEPS = frozenset({"acl", "relcl"})
COPULAS = frozenset({"be"})
LINKING_VERBS = frozenset({"be", "look", "seem", "appear", "become", "remain", "stay", "get", "feel"})
PREP_DEPS = frozenset({"prep", "agent"})
INTRANSITIVE_BLOCKERS = frozenset(
    {"prep", "agent", "dobj", "ccomp", "xcomp", "advcl", "acomp", "attr", "prt", "conj", "dative", "oprd"}
)


def parse_number(text: str) -> int | None:
    """'two' -> 2, '12' -> 12, '1,000' -> 1000; None if `text` is not a plain number."""
    low = text.lower().replace(",", "")
    if low in NUMBER_WORDS:
        return NUMBER_WORDS[low]
    if low.isdigit() and len(low) <= 6:
        return int(low)
    return None


_VOWELS = frozenset("aeiou")


def verb_lemma(tok: Token, verbs: frozenset[str] = frozenset()) -> str:
    """Lemma of a verb token, repairing rule-lemmatizer slips ("riding" -> "ride", not "rid").

    `verbs` is the set of known verb lemmas (spaCy's lemma_index); without it the spaCy lemma
    is returned unchanged.
    """
    lemma = (tok.lemma_ or tok.text).lower()
    low = tok.lower_
    if not verbs or not lemma.isalpha():
        return lemma
    if tok.pos_ != "VERB" and low.endswith("ing") and low not in verbs:  # "grazing" tagged NN
        stem = low[:-3]
        for cand in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
            if cand in verbs:
                return cand
    with_e = lemma + "e"
    if with_e not in verbs:
        return lemma
    if low.startswith(with_e) and low != with_e:  # "rides", "taped"
        return with_e
    if (
        low == lemma + "ing"
        and len(lemma) >= 3
        and lemma[-1] not in _VOWELS | {"w", "x", "y"}
        and lemma[-2] in _VOWELS
        and lemma[-3] not in _VOWELS
        and sum(ch in _VOWELS for ch in lemma) == 1
    ):  # monosyllable CVC + ing without doubling: "riding", "shining"
        return with_e
    return lemma


class _GraphBuilder:
    """Collects mentions, attributes and relations for one Doc."""

    def __init__(
        self, doc: Doc, caption: str, verbs: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()
    ) -> None:
        self.doc = doc
        self.caption = caption
        self.tokens: list[Token] = list(doc)  # cached: building Token objects is not free
        self.text: str = doc.text  # cached: Doc.text joins every token on each access
        self.sent_starts: frozenset[int] = frozenset(t.i for t in self.tokens if t.is_sent_start or t.i == 0)
        self.ents = tuple(doc.ents)
        self.verbs = verbs
        self.nouns = nouns
        self.split_subject: dict[int, int] = {}  # "-ing" root -> compound token that is its subject
        self.amod_verbs: dict[int, int] = {}  # "-ing" adjective -> token that is its subject
        self.parts: set[int] = set()  # tokens that are part of a compound entity name
        self.property_objects: set[int] = set()  # "color" in "white in color"
        self.pobj_override: dict[int, Token] = {}  # preposition index -> its real object
        self.mention_parts: dict[int, list[int]] = {}  # head index -> compound part indices
        self.mentions: list[Mention] = []
        self.token_mention: dict[int, int] = {}  # head token index -> mention index
        self.redirect: dict[int, int] = {}  # quantifier noun index -> target token index
        self.attributes: dict[tuple[int, str], None] = {}
        self.relations: dict[tuple[int, str, int], None] = {}

    # ------------------------------------------------------------------ helpers

    def group(self, tok: Token) -> list[Token]:
        """`tok` and every token coordinated with it ("trees and bushes")."""
        root = tok
        seen = 0
        while root.dep_ == "conj" and root.head.i != root.i and seen < 50:
            root = root.head
            seen += 1
        out: list[Token] = []
        stack = [root]
        while stack and len(out) < 50:
            t = stack.pop()
            out.append(t)
            stack.extend(c for c in t.children if c.dep_ == "conj")
        out.sort(key=lambda t: t.i)
        return out

    def conjuncts(self, tok: Token) -> list[Token]:
        """`tok` plus the tokens coordinated *below* it (its conj children, recursively)."""
        out: list[Token] = []
        stack = [tok]
        while stack and len(out) < 50:
            t = stack.pop()
            out.append(t)
            stack.extend(c for c in t.children if c.dep_ == "conj")
        out.sort(key=lambda t: t.i)
        return out

    def resolve(self, tok: Token, avoid: Iterable[int] = ()) -> list[int]:
        """Mention indices `tok` stands for (quantifiers, pronouns resolved); may be empty."""
        seen = 0
        while tok.i in self.redirect and seen < 10:
            tok = self.tokens[self.redirect[tok.i]]
            seen += 1
        if tok.i in self.token_mention:
            return [self.token_mention[tok.i]]
        if tok.pos_ == "PRON" or tok.tag_ in ("WDT", "WP", "PRP", "PRP$"):
            return self.resolve_pronoun(tok, set(avoid))
        return []

    def resolve_pronoun(self, tok: Token, avoid: set[int]) -> list[int]:
        """Antecedent of a pronoun: relative -> modified noun, it -> nearest earlier noun."""
        low = tok.lower_
        if low in RELATIVE_PRONOUNS:
            clause = tok.head
            hops = 0
            while clause.dep_ not in CLAUSE_DEPS and clause.head.i != clause.i and hops < 5:
                clause = clause.head
                hops += 1
            if clause.dep_ in CLAUSE_DEPS and clause.head.i != tok.i:
                return self.resolve(clause.head, avoid)
            return []
        if low in ANIMATE_PRONOUNS:
            subject = self.main_subject(tok)
            if subject is not None and subject not in avoid:
                return [subject]
            found = self.earlier_mention(tok, avoid)
            if found:
                return found
        if low in THING_PRONOUNS:
            found = self.earlier_mention(tok, avoid)
            if found:
                return found
        if low in ANIMATE_PRONOUNS | THING_PRONOUNS and tok.tag_ == "PRP":
            return [self.pronoun_mention(tok)]
        return []

    def pronoun_mention(self, tok: Token) -> int:
        """A mention for an unresolvable personal pronoun ("he is holding a bat")."""
        if tok.i not in self.token_mention:
            idx = len(self.mentions)
            text = tok.lower_
            self.mentions.append(Mention(idx, tok.text, text, "concept", tok.idx, tok.idx + len(tok.text)))
            self.token_mention[tok.i] = idx
        return self.token_mention[tok.i]

    def earlier_mention(self, tok: Token, avoid: set[int]) -> list[int]:
        """The closest mention before `tok` not in `avoid`."""
        best: tuple[int, int] | None = None
        for ti, mi in self.token_mention.items():
            if ti < tok.i and mi not in avoid and (best is None or ti > best[0]):
                best = (ti, mi)
        return [best[1]] if best else []

    def main_subject(self, tok: Token) -> int | None:
        """Mention of the subject (or root noun) of the sentence holding `tok`."""
        root, hops = tok, 0
        while root.head.i != root.i and hops < 200:
            root, hops = root.head, hops + 1
        if root.i in self.token_mention:
            return self.token_mention[root.i]
        for c in root.children:
            if c.dep_ in SUBJECT_DEPS and c.i in self.token_mention:
                return self.token_mention[c.i]
        return None

    def resolve_group(self, tok: Token, avoid: Iterable[int] = ()) -> list[int]:
        """Mentions for `tok` and its coordinated nouns below it."""
        out: list[int] = []
        for t in self.conjuncts(tok):
            for m in self.resolve(t, avoid):
                if m not in out:
                    out.append(m)
        return out

    def attachment_group(self, tok: Token, attach_at: int, avoid: Iterable[int] = ()) -> list[int]:
        """Mentions a modifier at position `attach_at` of `tok` applies to.

        A modifier after a whole coordination ("trees and bushes growing ...") applies to every
        conjunct; one in the middle applies to `tok` only.
        """
        members = self.group(tok)
        if len(members) > 1 and attach_at > members[-1].i and tok.i in (members[0].i, members[-1].i):
            toks = members
        else:
            toks = [tok]
        out: list[int] = []
        for t in toks:
            for m in self.resolve(t, avoid):
                if m not in out:
                    out.append(m)
        return out

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

    # ------------------------------------------------------------------ mentions

    def looks_like_noun(self, tok: Token) -> bool:
        """True if `tok` should head a mention."""
        if tok.i in self.split_subject:
            return False
        if tok.i in self.split_subject.values() or tok.i in self.amod_verbs.values():
            return True
        if tok.pos_ in NOMINAL_POS:
            if tok.dep_ == "compound" and tok.head.pos_ in NOMINAL_POS and tok.head.i > tok.i:
                return False
            if tok.dep_ == "amod" and tok.head.pos_ in NOMINAL_POS and tok.head.i == tok.i + 1:
                return False
            if tok.dep_ == "npadvmod" and (
                tok.head.pos_ == "ADJ"
                or (
                    tok.head.pos_ == "VERB"
                    and (
                        tok.i > tok.head.i
                        or tok.head.dep_ not in ("ROOT", "relcl", "ccomp")
                        or tok.whitespace_ == ""
                        or tok.lower_ in COLOURS
                        or tok.lower_ in MATERIALS
                    )
                )
            ):
                return False
            if not any(ch.isalnum() for ch in tok.text):
                return False
            return True
        # "awning on the building", "metal railing": an -ing noun read as a verb
        if (
            tok.dep_ == "ROOT"
            and tok.tag_ == "VBG"
            and tok.lower_ in ING_NOUNS
            and not any(c.dep_ in SUBJECT_DEPS | OBJECT_DEPS | {"aux", "expl"} for c in tok.children)
        ):
            return True
        # "leaves on the tree are green": a verb-tagged word in a noun slot.
        if (
            tok.pos_ == "VERB"
            and (
                tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj")
                or (tok.dep_ == "conj" and tok.head.pos_ in NOMINAL_POS)
            )
            and tok.tag_ in ("VBZ", "VBP", "VB", "NN", "NNS")
            and not any(c.dep_ in SUBJECT_DEPS | OBJECT_DEPS | {"aux", "auxpass"} for c in tok.children)
        ):
            return True
        # "cupcakes with white frosting": a modified gerund object of a preposition.
        if (
            tok.tag_ == "VBG"
            and tok.dep_ == "pobj"
            and any(c.dep_ in ("amod", "det", "compound") and c.i < tok.i for c in tok.children)
            and not any(c.dep_ in OBJECT_DEPS for c in tok.children)
        ):
            return True
        # A caption-initial "verb" with no subject is almost always a mis-tagged noun.
        if (
            tok.i in self.sent_starts
            and tok.dep_ == "ROOT"
            and tok.pos_ == "VERB"
            and tok.tag_ in ("VB", "VBP")
            and not any(c.dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"expl"} for c in tok.children)
            and not any(c.dep_ in OBJECT_DEPS for c in tok.children)
        ):
            return True
        return False

    def compound_tokens(self, head: Token) -> list[Token]:
        """Contiguous compound modifiers left of `head` kept in its name ("tennis racket")."""
        start = self.hyphen_start(head)  # "t-shirt": the head word itself is hyphenated
        parts: list[Token] = [self.tokens[i] for i in range(head.i - 1, start - 1, -1)]
        pos = start - 1
        while pos >= 0:
            t = self.tokens[pos]
            if self.hyphen_start(t) < t.i:  # "chain-link fence": a hyphenated modifier
                break
            if t.head.i != head.i and not (t.head.i in {p.i for p in parts}):
                break
            low = t.lower_
            if t.dep_ == "amod" and low in POSITION_WORDS and t.head.i == head.i:
                parts.append(t)
                pos -= 1
                continue
            if t.dep_ == "compound" or (t.dep_ == "amod" and t.pos_ in NOMINAL_POS):
                if low in MATERIALS or low in COLOURS or low in PROPERTY_NOUNS or parse_number(low) is not None:
                    break
                if low.endswith(ADJECTIVE_SUFFIXES) and t.head.i == head.i:
                    break
                if not any(ch.isalnum() for ch in t.text):
                    break
                parts.append(t)
                pos -= 1
                continue
            if t.text == "-" and parts:  # "t - shirt" style hyphen inside a compound
                parts.append(t)
                pos -= 1
                continue
            break
        parts.reverse()
        while parts and not any(ch.isalnum() for ch in parts[0].text):
            parts.pop(0)
        return parts

    def find_amod_verbs(self) -> None:
        """"lady holding baby": spaCy makes "holding" an adjective of "baby" with "lady" as its
        modifier; the -ing word is really a verb between subject and object."""
        for tok in self.tokens:
            if tok.dep_ != "amod" or tok.tag_ != "VBG" or tok.head.i <= tok.i:
                continue
            subj = [
                c for c in tok.children
                if c.i == tok.i - 1 and c.dep_ in ("npadvmod", "nmod", "compound", "nsubj") and c.pos_ in NOMINAL_POS
            ]
            if not subj and tok.i > 0:
                prev = self.tokens[tok.i - 1]
                if prev.pos_ in NOMINAL_POS and prev.head.i == tok.head.i and prev.dep_ in ("nmod", "compound"):
                    subj = [prev]
            if subj and subj[0].lower_ not in MATERIALS and subj[0].lower_ not in COLOURS:
                self.amod_verbs[tok.i] = subj[0].i

    def find_split_subjects(self) -> None:
        """"a giraffe laying on the ground": spaCy makes "giraffe" a compound of an -ing root;
        the compound is really the subject of that verb."""
        if not self.verbs:
            return
        for tok in self.tokens:
            low = tok.lower_
            if not (tok.dep_ == "ROOT" and low.endswith("ing") and low not in ING_NOUNS):
                continue
            if verb_lemma(tok, self.verbs) == low:
                continue
            if any(c.dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"aux", "expl"} for c in tok.children):
                continue
            comps = [
                c
                for c in tok.children
                if c.i == tok.i - 1
                and c.dep_ in ("compound", "npadvmod", "advmod")
                and (c.pos_ in NOMINAL_POS or (c.lower_ in self.nouns and not c.lower_.endswith("ly")))
            ]
            if comps:
                self.split_subject[tok.i] = comps[0].i

    def build_mentions(self) -> None:
        """Create one Mention per entity head (compounds, names, quantifiers resolved)."""
        self.find_split_subjects()
        self.find_amod_verbs()
        # Quantifier nouns point at their "of" object.
        for tok in self.tokens:
            if tok.lower_ in QUANTIFIER_NOUNS or tok.lemma_.lower() in QUANTIFIER_NOUNS:
                for prep in tok.children:
                    if prep.dep_ == "prep" and prep.lower_ == "of":
                        objs = [c for c in prep.children if c.dep_ == "pobj"]
                        if objs:
                            self.redirect[tok.i] = objs[0].i
        for tok in self.tokens:  # "leaning into the elephant's side" -> the elephant
            if tok.lower_ in PART_NOUNS and tok.dep_ == "pobj" and tok.i not in self.redirect:
                owners = [c for c in tok.children if c.dep_ == "poss" and c.pos_ in NOMINAL_POS]
                if owners:
                    self.redirect[tok.i] = owners[0].i
        for tok in self.tokens:
            if tok.dep_ == "pobj" and tok.lemma_.lower() in PROPERTY_NOUNS and tok.head.head.pos_ == "ADJ":
                self.property_objects.add(tok.i)
        for tok in self.tokens:
            if tok.i in self.redirect:
                continue
            if not self.looks_like_noun(tok):
                continue
            if tok.lower_ in PART_NOUNS and (self.part_noun_prep(tok) is not None or self.bare_part(tok)):
                continue
            if tok.i in self.property_objects:
                continue
            parts = self.compound_tokens(tok)
            gerund = self.gerund_compound(tok)
            if gerund is not None and not parts:
                parts = [gerund]
                self.pobj_override[gerund.head.i] = tok
            self.parts.update(p.i for p in parts)
            self.mention_parts[tok.i] = [p.i for p in parts]
            start_tok = parts[0] if parts else tok
            label = "concept"
            start, end = start_tok.idx, tok.idx + len(tok.text)
            text = self.text[start:end]
            prefix = "".join(p.lower_ + p.whitespace_ for p in parts)  # "tennis ", "t-"
            head_lemma = (tok.lemma_ or tok.text).lower()
            if tok.pos_ == "VERB":  # mis-tagged noun: keep as written
                head_lemma = tok.lower_
            if tok.ent_type_ in ENTITY_LABELS:
                ent = next((e for e in self.ents if e.start <= tok.i < e.end), None)
                if ent is not None and ent.root.i == tok.i and self.is_name(ent):
                    label = ent.label_
                    if ent.start < start_tok.i and all(t.pos_ == "PROPN" for t in ent):
                        start_tok = ent[0]
                        start = start_tok.idx
                        text = self.text[start:end]
                    lemma = " ".join(text.split())
                    idx = len(self.mentions)
                    self.mentions.append(Mention(idx, text, lemma, label, start, end))
                    self.token_mention[tok.i] = idx
                    continue
            lemma = " ".join((prefix + head_lemma).split())
            idx = len(self.mentions)
            self.mentions.append(Mention(idx, text, lemma, label, start, end))
            self.token_mention[tok.i] = idx

    @staticmethod
    def bare_part(tok: Token) -> bool:
        """"on top", "in front": a part noun with no "of" and no modifiers (not an entity)."""
        return (
            tok.dep_ == "pobj"
            and tok.head.pos_ == "ADP"
            and all(c.dep_ == "det" for c in tok.children)
        )

    def gerund_compound(self, tok: Token) -> Token | None:
        """"on cutting board": spaCy reads "cutting" as a gerund with object "board"; return the
        gerund when it is really the first half of a compound noun, else None."""
        if tok.dep_ != "dobj" or tok.i == 0:
            return None
        ger = self.tokens[tok.i - 1]
        if (
            ger.tag_ == "VBG"
            and tok.head.i == ger.i
            and ger.dep_ == "pcomp"
            and ger.head.pos_ == "ADP"
            and len(list(ger.children)) == 1
        ):
            return ger
        return None

    @staticmethod
    def is_name(ent: Any) -> bool:
        """True if an NER span looks like a real name, not a tagged common phrase ("gray wall")."""
        if any(t.lower_ in COLOURS or t.pos_ not in NOMINAL_POS for t in ent):
            return False
        return all(t.pos_ == "PROPN" for t in ent) or any(ch.isupper() for ch in ent.text)

    def part_noun_prep(self, tok: Token) -> tuple[str, Token] | None:
        """For "front" in "in front of the dog": ("in front of", dog-token); else None."""
        if tok.dep_ != "pobj" or tok.head.dep_ not in PREP_DEPS:
            return None
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                objs = [o for o in c.children if o.dep_ == "pobj"]
                if objs:
                    low = tok.lower_
                    prep = PART_PREPOSITION.get(low, tok.head.lower_)
                    return f"{prep} {low} of", objs[0]
        return None

    # ------------------------------------------------------------------ attributes

    def hyphen_start(self, tok: Token) -> int:
        """Index of the first token of the hyphenated word ending at `tok` ("two-story")."""
        i = tok.i
        while (
            i >= 2
            and self.tokens[i - 1].text == "-"
            and self.tokens[i - 1].whitespace_ == ""
            and self.tokens[i - 2].whitespace_ == ""
            and self.tokens[i - 2].text != "-"
            and tok.i - i < 8
        ):
            i -= 2
        return i

    def adjective_text(self, adj: Token) -> str:
        """Attribute text for an adjective token, with shade/degree words kept."""
        start = self.hyphen_start(adj)
        if start < adj.i and not any(t.pos_ == "CCONJ" for t in self.doc[start : adj.i]):  # "heart-shaped"
            return self.doc[start : adj.i + 1].text.lower()
        words = [adj.lower_]
        for c in adj.children:
            if c.i < adj.i and c.dep_ in ("advmod", "amod", "npadvmod", "compound"):
                low = c.lower_
                if (low in SHADES and adj.lower_ in COLOURS) or low in DEGREE_ADVERBS:
                    words.insert(0, low)
        return " ".join(words)

    def collect_attributes(self) -> None:
        """Adjectives, numbers, materials and participles said of each mention."""
        for qi in self.redirect:
            attr = QUANTIFIER_ATTRIBUTES.get(self.tokens[qi].lemma_.lower())
            if attr:
                for m in self.resolve(self.tokens[qi]):
                    self.add_attr(m, attr)
        for ti, mi in list(self.token_mention.items()):
            head = self.tokens[ti]
            mods = list(head.children)
            for part in self.mention_parts.get(ti, ()):  # "white utility truck"
                mods.extend(c for c in self.tokens[part].children if c.i not in self.parts)
            mods.sort(key=lambda t: t.i)
            skip: set[int] = set()
            for c in mods:
                if c.i in skip or c.i in self.parts or c.i in self.amod_verbs:
                    continue
                low = c.lower_
                hs = self.hyphen_start(c)
                if hs < c.i and c.i < head.i and c.dep_ in ("amod", "compound", "nmod", "nummod"):
                    self.add_attr(mi, self.doc[hs : c.i + 1].text)  # "two-story house"
                    continue
                if c.dep_ == "nummod" or (c.dep_ in ("amod", "compound", "quantmod") and c.pos_ == "NUM"):
                    n = parse_number(c.text)
                    if n is not None:
                        self.set_count(mi, n)
                    continue
                if c.dep_ in ("amod", "compound", "nmod", "advmod") and c.i < head.i:
                    if c.dep_ in ("compound", "nmod") and c.pos_ in NOMINAL_POS:
                        if low in PROPERTY_NOUNS:  # "blue color t-shirt"
                            for a in c.children:
                                if a.dep_ == "amod" and a.pos_ == "ADJ":
                                    self.add_attr(mi, self.adjective_text(a))
                            continue
                        if low in MATERIALS or low in COLOURS or low.endswith(ADJECTIVE_SUFFIXES):
                            self.add_attr(mi, low)
                        continue
                    if c.dep_ == "advmod" and low not in COLOURS:
                        continue
                    if c.pos_ in NOMINAL_POS and c.dep_ == "amod":
                        if low in MATERIALS or low in COLOURS:
                            self.add_attr(mi, low)
                        continue
                    if low in NON_ATTRIBUTE_ADJECTIVES or c.pos_ in ("DET", "PRON", "PUNCT"):
                        continue
                    if low in SHADES and any(s.i == c.i + 1 and s.lower_ in COLOURS for s in mods):
                        nxt = self.tokens[c.i + 1]
                        self.add_attr(mi, f"{low} {nxt.lower_}")
                        skip.add(nxt.i)
                        continue
                    if not any(ch.isalpha() for ch in c.text):
                        continue
                    for a in self.conjuncts(c):
                        if a.pos_ in ("ADJ", "VERB", "NOUN", "PROPN") and a.lower_ not in NON_ATTRIBUTE_ADJECTIVES:
                            self.add_attr(mi, self.adjective_text(a))

    def set_count(self, mention: int, n: int) -> None:
        m = self.mentions[mention]
        if m.count is None:
            self.mentions[mention] = Mention(m.index, m.text, m.lemma, m.label, m.start, m.end, n)
        if n != 1:
            self.add_attr(mention, str(n))

    # ------------------------------------------------------------------ relations

    def prep_object(self, prep: Token) -> tuple[str, list[Token]]:
        """("in front of", [dog]) for a preposition token; objects may be empty."""
        words = [prep.lower_]
        # "in between the tracks": a preposition whose object is another preposition
        inner = [c for c in prep.children if c.dep_ in ("prep", "pcomp") and c.pos_ == "ADP"]
        objs = [c for c in prep.children if c.dep_ == "pobj"]
        if not objs and prep.i in self.pobj_override:
            objs = [self.pobj_override[prep.i]]
        if not objs and inner:
            nested = inner[0]
            if prep.lower_ == "in" and nested.lower_ == "between":
                words = []
            words.append(nested.lower_)
            objs = [c for c in nested.children if c.dep_ == "pobj"]
            prep = nested
        if not objs:
            return " ".join(words), []
        obj = objs[0]
        if obj.lower_ in PART_NOUNS:
            part = self.part_noun_prep(obj)
            if part is not None:
                return part[0], [part[1]]
        phrase = " ".join(words)
        return PREPOSITION_CANON.get(phrase, phrase), [obj]

    def noun_prep_relations(self, noun: Token, subjects: list[int]) -> None:
        """Relations from prepositions attached to a noun ("cat on the bed")."""
        for prep in noun.children:
            if prep.dep_ not in PREP_DEPS or prep.i < noun.i:
                continue
            predicate, objs = self.prep_object(prep)
            if not objs:
                continue
            subs = self.attachment_group(noun, prep.i)
            holder = self.location_holder(noun, prep, objs)
            if holder is not None:
                subs = self.resolve(holder)
            if self.container_pronoun(noun, prep, predicate, objs):
                continue
            if predicate == "with" and self.with_points_back(noun, prep):
                continue
            for obj in objs:
                if predicate == "of":
                    own = self.resolve(noun)
                    self.of_relation(noun, obj, own, self.resolve_group(obj, avoid=own))
                    continue
                targets = self.resolve_group(obj, avoid=subs)
                if not targets:
                    continue
                pred = predicate
                if predicate == "in" and obj.lemma_.lower() in CLOTHING:
                    pred = "wear"
                self.add_rel(subs, pred, targets)

    def location_holder(self, noun: Token, prep: Token, objs: list[Token]) -> Token | None:
        """"vase with flowers on the table", "mug of coffee on the table": spaCy hangs the
        location on the inner noun; it belongs to the outer one. Returns the outer noun or None."""
        if prep.lower_ in ("with", "of") or noun.dep_ != "pobj":
            return None
        inner_prep = noun.head
        outer = inner_prep.head
        if outer.i not in self.token_mention or outer.dep_ not in ("ROOT", "nsubj", "nsubjpass"):
            return None
        if inner_prep.lower_ == "with":
            if any(o.pos_ == "PRON" or o.lower_ in PART_NOUNS or o.lemma_.lower() in BODY_PARTS for o in objs):
                return None
            if any(c.dep_ == "poss" for c in noun.children):  # "with its paw on ..."
                return None
            return outer
        if inner_prep.lower_ == "of" and (
            outer.lemma_.lower() in CONTAINERS_IN | CONTAINERS_ON or outer.lower_ in CONTAINERS_IN | CONTAINERS_ON
        ):
            return outer
        return None

    def with_points_back(self, noun: Token, prep: Token) -> bool:
        """True for "bowl with flowers in it" / "cake with a candle on top": the with-object's
        own relation to the noun is said later, so ( X , with , Y ) is left out."""
        refs = THING_PRONOUNS | {"them"}
        for t in prep.subtree:
            if t.i != prep.i and t.dep_ == "pobj" and (t.lower_ in refs or (t.lower_ in PART_NOUNS and self.bare_part(t))):
                return True
        for p in noun.children:
            if p.dep_ == "prep" and p.i > prep.i:
                for t in p.children:
                    if t.dep_ == "pobj" and (t.lower_ in refs or (t.lower_ in PART_NOUNS and self.bare_part(t))):
                        return True
        return False

    def container_pronoun(self, noun: Token, prep: Token, predicate: str, objs: list[Token]) -> bool:
        """"a bowl with flowers in it" -> ( flowers , in , bowl ); True if it applied."""
        if len(objs) != 1:
            return False
        obj = objs[0]
        if obj.lower_ in PART_NOUNS and not any(c.dep_ == "prep" for c in obj.children) and obj.dep_ == "pobj":
            predicate = f"{PART_PREPOSITION.get(obj.lower_, prep.lower_)} {obj.lower_} of"  # "on top"
        elif obj.lower_ not in THING_PRONOUNS | {"them"}:
            return False
        withs = [
            o
            for p in noun.children
            if p.dep_ == "prep" and p.lower_ == "with" and p.i < prep.i
            for o in p.children
            if o.dep_ == "pobj"
        ]
        if not withs and noun.dep_ == "pobj" and noun.head.lower_ == "with":
            holder = noun.head.head
            if holder.i in self.token_mention:
                self.add_rel(self.resolve_group(noun), predicate, self.resolve(holder))
                return True
            return False
        if not withs:
            return False
        self.add_rel(self.resolve_group(withs[0]), predicate, self.resolve(noun))
        return True

    def of_relation(self, noun: Token, obj: Token, subs: list[int], targets: list[int]) -> None:
        """"seat of the toilet" -> ( toilet , have , seat ); "plate of food" -> ( food , on , plate )."""
        lemma = noun.lemma_.lower()
        if lemma in CONTAINERS_ON or noun.lower_ in CONTAINERS_ON:
            self.add_rel(targets, "on", subs)
        elif lemma in CONTAINERS_IN or noun.lower_ in CONTAINERS_IN:
            self.add_rel(targets, "in", subs)
        else:
            self.add_rel(targets, "have", subs)

    def verb_subjects(self, verb: Token) -> tuple[list[int], bool]:
        """(subject mentions, is_passive) of a verb, following clauses and coordination."""
        if verb.i in self.amod_verbs:
            return self.resolve(self.tokens[self.amod_verbs[verb.i]]), False
        if verb.i in self.split_subject:
            return self.resolve(self.tokens[self.split_subject[verb.i]]), False
        subs: list[int] = []
        passive = False
        nsubjs = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        for c in verb.children:
            if c.dep_ in SUBJECT_DEPS:
                if c is not nsubjs[-1] and c.i != nsubjs[-1].i:  # "the kite the boy is flying"
                    continue
                subs.extend(self.resolve_group(c))
            elif c.dep_ in PASSIVE_SUBJECT_DEPS:
                subs.extend(self.resolve_group(c))
                passive = True
            elif c.dep_ == "expl":
                for a in verb.children:
                    if a.dep_ == "attr":
                        subs.extend(self.resolve_group(a))
        if subs:
            return subs, passive
        if verb.dep_ in CLAUSE_DEPS:
            passive = verb.tag_ == "VBN"
            return self.attachment_group(verb.head, verb.i), passive
        hops = 0
        cur = verb
        while cur.dep_ in ("conj", "xcomp", "advcl", "ccomp") and cur.head.i != cur.i and hops < 5:
            cur = cur.head
            hops += 1
            if cur.i in self.token_mention:
                return [self.token_mention[cur.i]], False
            if cur.pos_ in ("VERB", "AUX"):
                s, p = self.verb_subjects(cur)
                if s:
                    return s, (p if verb.dep_ == "conj" else False)
        return [], False

    def verb_relations(self, verb: Token) -> None:
        """Subject-verb-object, verb+preposition, passive agent, copula relations."""
        lemma = verb_lemma(verb, self.verbs)
        if self.adjectival_root(verb):
            return
        subs, passive = self.verb_subjects(verb)
        is_copula = lemma in COPULAS
        stranded = self.stranded_target(verb)
        if stranded is not None:
            subs = [s for s in subs if s not in stranded[1]] or subs
        particles = [
            c.lower_ for c in verb.children if c.dep_ == "prt" and not any(o.dep_ == "pobj" for o in c.children)
        ]
        if lemma == "have" and any(
            c.lower_ == "on" and c.dep_ in ("prt", "advmod", "prep") and not list(c.children)
            for c in verb.children
        ):  # "has a helmet on"
            lemma, particles = "wear", []
        elif lemma == "have" and particles:  # "has their arms up" -> ( arms , is , up )
            for c in verb.children:
                if c.dep_ in OBJECT_DEPS:
                    for m in self.resolve_group(c):
                        for prt in particles:
                            self.add_attr(m, prt)
            particles = []
        base = " ".join([lemma] + particles)
        agents: list[int] = []
        for c in verb.children:
            if c.dep_ == "agent":
                for o in c.children:
                    if o.dep_ == "pobj":
                        agents.extend(self.resolve_group(o))
        before = len(self.relations)
        # Copula complements -> attributes.
        if subs and lemma in LINKING_VERBS:
            for c in verb.children:
                if c.dep_ in ("acomp", "attr") and not any(d.dep_ == "expl" for d in verb.children):
                    for a in self.conjuncts(c):
                        if a.pos_ in ("ADJ", "VERB") or (a.dep_ == "acomp"):
                            for s in subs:
                                self.add_attr(s, self.adjective_text(a))
                            self.adjective_prep_relations(a, subs)
                        elif a.pos_ == "NUM":
                            n = parse_number(a.text)
                            if n is not None:
                                for s in subs:
                                    self.set_count(s, n)
        if not subs and not agents:
            return
        objects: list[int] = []
        for c in verb.children:
            if c.dep_ in OBJECT_DEPS:
                objects.extend(self.resolve_group(c, avoid=subs))
        if verb.i in self.amod_verbs:
            objects = self.resolve_group(verb.head, avoid=subs)
        if not objects and not is_copula and lemma != "have":
            objects = self.stranded_object(verb, subs)
        own_subject = any(c.dep_ in SUBJECT_DEPS for c in verb.children)
        if agents and (passive or (verb.tag_ == "VBN" and not own_subject)):
            passive = True
            self.add_rel(agents, base, subs)
        if objects and not is_copula:
            self.add_rel(subs, base, objects)
        if is_copula and not subs:
            return
        for prep in verb.children:
            if prep.dep_ not in ("prep", "prt"):
                continue
            predicate, objs = self.prep_object(prep)
            targets: list[int] = []
            for o in objs:
                targets.extend(self.resolve_group(o, avoid=subs))
            if stranded is not None and prep.i == stranded[0]:
                targets = stranded[1]
                if prep.dep_ == "prt":
                    base = lemma
            if not targets:
                continue
            if lemma == "have" and objects:  # "the man has a glass in his hand"
                self.add_rel(objects, predicate, targets)
            elif predicate == "in" and all(o.lemma_.lower() in CLOTHING for o in objs):
                self.add_rel(subs, "wear", targets)
            elif is_copula:
                self.add_rel(subs, predicate, targets)
            else:
                self.add_rel(subs, f"{base} {predicate}", targets)
        # "people standing outside" -> ( people , is , outside )
        for adv in verb.children:
            if adv.dep_ == "advmod" and adv.lower_ in LOCATIVE_ADVERBS and not list(adv.children):
                for s in subs:
                    self.add_attr(s, adv.lower_)
        # "walking next to a man", "growing out of the water"
        for adv in verb.children:
            if adv.dep_ in ("advmod", "prep", "acomp", "prt") and adv.lower_ in PREP_HEADS:
                self.prep_head_relations(adv, subs, None if is_copula else base)
        # "two women skiing", "man crouched": a participle with nothing attached says a state.
        if (
            len(self.relations) == before
            and not is_copula
            and lemma != "have"
            and verb.tag_ in ("VBG", "VBN")
            and not objects
            and verb.dep_ in ("ROOT", "acl", "relcl")
            and not any(c.dep_ in INTRANSITIVE_BLOCKERS for c in verb.children)
            and not (passive and agents)
        ):
            for s in subs:
                self.add_attr(s, verb.lower_)

    def stranded_object(self, verb: Token, subs: list[int]) -> list[int]:
        """"the waves the surfer is riding", "rope the man is holding": the object of a
        transitive verb is the noun the clause hangs on (or a noun stranded before it)."""
        if verb.tag_ != "VBG" or any(c.dep_ in ("prep", "prt", "agent", "xcomp", "ccomp", "acomp") for c in verb.children):
            return []
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        if not subjects or subjects[-1].lower_ in RELATIVE_PRONOUNS or subjects[-1].pos_ == "PRON":
            return []
        if verb.dep_ == "relcl" and len(subjects) == 1:
            return [m for m in self.resolve(verb.head) if m not in subs]
        if verb.dep_ == "ROOT":
            fronted = self.fronted_nouns(verb, subjects[-1])
            if fronted:
                return [m for m in self.resolve(fronted[0]) if m not in subs]
        return []

    def fronted_nouns(self, verb: Token, subject: Token) -> list[Token]:
        """Nouns put before a clause's subject ("the kite the boy is flying")."""
        return [
            c
            for c in verb.children
            if c.dep_ in ("npadvmod", "nsubj", "dep") and c.i < subject.i and c.i in self.token_mention
        ]

    def stranded_target(self, verb: Token) -> tuple[int, list[int]] | None:
        """"the table the vases are on", "tracks the trolley is driving on": a preposition left
        without object at the end of a clause; returns (preposition index, its objects)."""
        dangling = [
            c
            for c in verb.children
            if c.dep_ in ("prep", "prt") and c.i > verb.i and not list(c.children)
            and c.i == verb.right_edge.i
        ]
        if not dangling:
            return None
        prep = dangling[0]
        if prep.dep_ == "prt" and verb.dep_ not in CLAUSE_DEPS | {"ccomp"}:
            return None
        own_subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS]
        if verb.dep_ in CLAUSE_DEPS | {"ccomp"} and own_subjects and verb.head.i != verb.i:
            targets = self.resolve(verb.head)
            return (prep.i, targets) if targets else None
        if own_subjects:
            fronted = self.fronted_nouns(verb, own_subjects[-1])
            if fronted:
                targets = self.resolve_group(fronted[0])
                return (prep.i, targets) if targets else None
        return None

    def adjectival_root(self, verb: Token) -> bool:
        """Caption-initial "knitted wallet with face": a participle misread as a verb whose
        object is really the head noun. Adds the attribute and relations; True if it applied."""
        if not (
            verb.dep_ == "ROOT"
            and verb.i in self.sent_starts
            and verb.tag_ in ("VBD", "VBN")
            and not any(c.dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"expl", "aux", "auxpass"} for c in verb.children)
        ):
            return False
        objs = [c for c in verb.children if c.dep_ == "dobj" and c.i in self.token_mention]
        if not objs:
            return False
        obj = objs[0]
        mentions = self.resolve_group(obj)
        for m in mentions:
            self.add_attr(m, verb.lower_)
        for prep in verb.children:
            if prep.dep_ != "prep":
                continue
            predicate, pobjs = self.prep_object(prep)
            targets: list[int] = []
            for o in pobjs:
                targets.extend(self.resolve_group(o, avoid=mentions))
            if predicate == "of":
                for o in pobjs:
                    self.of_relation(obj, o, mentions, targets)
            else:
                self.add_rel(mentions, predicate, targets)
        return True

    def prep_head_relations(self, head: Token, subs: list[int], verb: str | None) -> None:
        """Relations through "next to", "close to", "out of" headed by `head`."""
        for prep in head.children:
            if prep.dep_ != "prep":
                continue
            predicate, objs = self.prep_object(prep)
            targets: list[int] = []
            for o in objs:
                targets.extend(self.resolve_group(o, avoid=subs))
            if targets:
                pred = f"{head.lower_} {predicate}"
                pred = PREPOSITION_CANON.get(pred, pred)
                self.add_rel(subs, f"{verb} {pred}" if verb else pred, targets)

    def adjective_prep_relations(self, adj: Token, subs: list[int]) -> None:
        """"full of people", "covered in snow" on an adjective -> relation from its subjects."""
        for prep in adj.children:
            if prep.dep_ != "prep":
                continue
            predicate, objs = self.prep_object(prep)
            targets: list[int] = []
            for o in objs:
                if o.lemma_.lower() in PROPERTY_NOUNS:
                    continue
                targets.extend(self.resolve_group(o, avoid=subs))
            if not targets:
                continue
            if adj.lower_ in PREP_HEADS:  # "full of", "close to"
                self.add_rel(subs, f"{adj.lower_} {predicate}", targets)
            elif adj.tag_ == "VBN" or adj.pos_ == "VERB":  # "covered in snow"
                self.add_rel(subs, f"{verb_lemma(adj, self.verbs)} {predicate}", targets)
            else:  # "high in the air"
                self.add_rel(subs, predicate, targets)

    def have_root_relations(self, noun: Token, mention: int) -> None:
        """"the bird has beak" parsed with "has" as an auxiliary of the noun."""
        auxes = [c for c in noun.children if c.dep_ == "aux" and c.lemma_.lower() == "have"]
        if not auxes:
            return
        for c in list(noun.children) + list(auxes[0].children):
            if c.dep_ in SUBJECT_DEPS:
                self.add_rel(self.resolve_group(c), "have", self.resolve_group(noun))

    def possessive_relations(self, noun: Token, mention: int) -> None:
        """"man's hat" -> ( man , have , hat )."""
        for c in noun.children:
            if c.dep_ == "poss" and c.pos_ != "PRON":
                owners = self.resolve(c, avoid=[mention])
                self.add_rel(owners, "have", [mention])

    def modifier_relations(self, noun: Token, mention: int) -> None:
        """Adjectives on a noun that head a preposition ("cup full of coffee")."""
        for c in noun.children:
            if c.dep_ in ("amod", "advmod") and c.lower_ in PREP_HEADS:
                self.prep_head_relations(c, self.attachment_group(noun, c.i), None)
            elif c.dep_ == "amod":
                self.adjective_prep_relations(c, [mention])

    def build(self) -> SceneGraph:
        self.build_mentions()
        self.collect_attributes()
        for tok in self.tokens:
            if tok.i in self.token_mention:
                mi = self.token_mention[tok.i]
                self.noun_prep_relations(tok, [mi])
                self.possessive_relations(tok, mi)
                self.modifier_relations(tok, mi)
                self.have_root_relations(tok, mi)
            elif (
                tok.pos_ == "VERB"
                or (tok.pos_ == "AUX" and tok.dep_ not in ("aux", "auxpass"))
                or tok.i in self.split_subject
            ):
                self.verb_relations(tok)
            if tok.i in self.redirect:  # "piles of snow on the ground": relations of the quantifier
                self.noun_prep_relations(tok, self.resolve(tok))
        # Drop adjectives that became part of a relation head ("next", "full").
        attrs = tuple(
            Attribute(m, t) for (m, t) in self.attributes if t not in PREP_HEADS or t in LOCATIVE_ADVERBS
        )
        rels = tuple(Relation(s, p, o) for (s, p, o) in self.relations)
        return SceneGraph(self.caption, tuple(self.mentions), attrs, rels)


def doc_to_graph(
    doc: Doc, caption: str, verbs: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()
) -> SceneGraph:
    """Scene graph of one parsed caption; `caption` is stored as the graph's caption.

    `verbs`/`nouns`: known verb and noun lemmas (spaCy's lemma_index) used to repair tagging
    and lemmatizer slips ("riding" -> "ride", "railing" is a noun); optional.
    """
    return _GraphBuilder(doc, caption, verbs, nouns).build()
