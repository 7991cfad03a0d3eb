"""Mentions and named entities: which tokens head an entity, its compound name and NER label.

Also quantifier nouns ("a bunch of bananas" -> bananas) and part nouns ("in front of",
"on top of") that are not entities themselves.
"""

from __future__ import annotations

from typing import Any

from pipeline.text.lexicon import (
    ADJECTIVE_SUFFIXES,
    COLOURS,
    ENTITY_LABELS,
    ING_NOUNS,
    MATERIALS,
    PART_NOUNS,
    PART_PREPOSITION,
    PART_PREPOSITION_KEPT,
    PICTURE_PLACES,
    SIDE_PREPOSITION,
    POSITION_WORDS,
    PROPERTY_NOUNS,
    PORTION_NOUNS,
    QUANTIFIER_NOUNS,
)
from pipeline.text.repairs import gerund_compound
from pipeline.text.state import State
from pipeline.text.types import Mention
from pipeline.text.words import NOMINAL_POS, SUBJECT_DEPS, PASSIVE_SUBJECT_DEPS, OBJECT_DEPS, PREP_DEPS, parse_number, Token


def hyphen_start(st: State, tok: Token) -> int:
    """Index of the first token of the hyphenated word ending at `tok` ("two-story")."""
    i = tok.i
    while (
        i >= 2
        and st.tokens[i - 1].text == "-"
        and st.tokens[i - 1].whitespace_ == ""
        and st.tokens[i - 2].whitespace_ == ""
        and st.tokens[i - 2].text != "-"
        and tok.i - i < 8
    ):
        i -= 2
    return i


def looks_like_noun(st: State, tok: Token) -> bool:
    """True if `tok` should head a mention."""
    if tok.i in st.split_subject:
        return False
    if tok.i in st.split_subject.values() or tok.i in st.amod_verbs.values():
        return True
    pos = st.pos[tok.i]
    if pos not in NOMINAL_POS and pos != "VERB" and tok.tag_ != "VBG":
        return False  # cheap exit: only nouns, verbs and -ing words can head a mention
    if pos in NOMINAL_POS:
        if st.dep[tok.i] == "compound" and st.pos[tok.head.i] in NOMINAL_POS and tok.head.i > tok.i:
            return False
        if st.dep[tok.i] == "amod" and st.pos[tok.head.i] in NOMINAL_POS and tok.head.i == tok.i + 1:
            return False
        if st.dep[tok.i] == "npadvmod" and (
            st.pos[tok.head.i] == "ADJ"
            or (
                st.pos[tok.head.i] == "VERB"
                and (
                    tok.i > tok.head.i
                    or st.dep[tok.head.i] not in ("ROOT", "relcl", "ccomp")
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
        st.dep[tok.i] == "ROOT"
        and tok.tag_ == "VBG"
        and tok.lower_ in ING_NOUNS
        and not any(st.dep[c.i] in SUBJECT_DEPS | OBJECT_DEPS | {"aux", "expl"} for c in st.kids[tok.i])
    ):
        return True
    # "leaves on the tree are green": a verb-tagged word in a noun slot.
    if (
        st.pos[tok.i] == "VERB"
        and (
            st.dep[tok.i] in ("nsubj", "nsubjpass", "dobj", "pobj")
            or (st.dep[tok.i] == "conj" and st.pos[tok.head.i] in NOMINAL_POS)
        )
        and tok.tag_ in ("VBZ", "VBP", "VB", "NN", "NNS")
        and not any(st.dep[c.i] in SUBJECT_DEPS | OBJECT_DEPS | {"aux", "auxpass"} for c in st.kids[tok.i])
    ):
        return True
    # "cupcakes with white frosting": a modified gerund object of a preposition.
    if (
        tok.tag_ == "VBG"
        and st.dep[tok.i] == "pobj"
        and any(st.dep[c.i] in ("amod", "det", "compound") and c.i < tok.i for c in st.kids[tok.i])
        and not any(st.dep[c.i] in OBJECT_DEPS for c in st.kids[tok.i])
    ):
        return True
    # A caption-initial "verb" with no subject is almost always a mis-tagged noun.
    if (
        tok.i in st.sent_starts
        and st.dep[tok.i] == "ROOT"
        and st.pos[tok.i] == "VERB"
        and tok.tag_ in ("VB", "VBP")
        and not any(st.dep[c.i] in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"expl"} for c in st.kids[tok.i])
        and not any(st.dep[c.i] in OBJECT_DEPS for c in st.kids[tok.i])
    ):
        return True
    return False


def compound_tokens(st: State, head: Token) -> list[Token]:
    """Contiguous compound modifiers left of `head` kept in its name ("tennis racket")."""
    start = hyphen_start(st, head)  # "t-shirt": the head word itself is hyphenated
    parts: list[Token] = [st.tokens[i] for i in range(head.i - 1, start - 1, -1)]
    pos = start - 1
    while pos >= 0:
        t = st.tokens[pos]
        if hyphen_start(st, t) < t.i:  # "chain-link fence": a hyphenated modifier
            break
        if t.head.i != head.i and not (t.head.i in {p.i for p in parts}):
            break
        low = t.lower_
        if st.dep[t.i] == "amod" and low in POSITION_WORDS and t.head.i == head.i:
            parts.append(t)
            pos -= 1
            continue
        if st.dep[t.i] == "compound" or (st.dep[t.i] == "amod" and st.pos[t.i] in NOMINAL_POS):
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


def build_mentions(st: State) -> None:
    """Create one Mention per entity head (compounds, names, quantifiers resolved)."""
    for tok in st.tokens:
        has_kids = bool(st.kids[tok.i])
        if not has_kids and st.dep[tok.i] != "pobj":
            continue  # the rules below need a child ("of", a possessor) or a preposition's object
        low, lemma = tok.lower_, tok.lemma_.lower()
        # Quantifier and portion nouns point at their "of" object.
        if has_kids and (low in QUANTIFIER_NOUNS or lemma in QUANTIFIER_NOUNS or low in PORTION_NOUNS):
            for prep in st.kids[tok.i]:
                if st.dep[prep.i] == "prep" and prep.lower_ == "of":
                    objs = [c for c in st.kids[prep.i] if st.dep[c.i] == "pobj"]
                    if objs:
                        st.redirect[tok.i] = objs[0].i
        if has_kids and low in PART_NOUNS and st.pos[tok.i] in NOMINAL_POS and st.dep[tok.i] != "pobj" and tok.i not in st.redirect:
            for prep in st.kids[tok.i]:  # "the back of a bus with stripes": the part says where, the bus is the thing
                if st.dep[prep.i] == "prep" and prep.lower_ == "of":
                    objs = [c for c in st.kids[prep.i] if st.dep[c.i] == "pobj"]
                    if objs and not only_names_part(st, tok, objs[0]):
                        st.redirect[tok.i] = objs[0].i
        if st.dep[tok.i] != "pobj":
            continue
        if low in PART_NOUNS and tok.i not in st.redirect:  # "leaning into the elephant's side" -> the elephant
            owners = [c for c in st.kids[tok.i] if st.dep[c.i] == "poss" and st.pos[c.i] in NOMINAL_POS]
            if owners:
                st.redirect[tok.i] = owners[0].i
        if lemma in PROPERTY_NOUNS and st.pos[tok.head.head.i] == "ADJ":  # "white in color"
            st.property_objects.add(tok.i)
    for tok in st.tokens:
        if tok.i in st.redirect:
            continue
        if not looks_like_noun(st, tok):
            continue
        if tok.lower_ in PART_NOUNS and (part_noun_prep(st, tok) is not None or bare_part(tok)):
            continue
        if tok.lower_ in PICTURE_PLACES and bare_part(tok):  # "in the distance": a place attribute
            continue
        if tok.i in st.property_objects:
            continue
        parts = compound_tokens(st, tok)
        gerund = gerund_compound(st, tok)
        if gerund is not None and not parts:
            parts = [gerund]
            st.pobj_override[gerund.head.i] = tok
        st.parts.update(p.i for p in parts)
        st.mention_parts[tok.i] = [p.i for p in parts]
        start_tok = parts[0] if parts else tok
        label = "concept"
        start, end = start_tok.idx, tok.idx + len(tok.text)
        text = st.text[start:end]
        prefix = "".join(p.lower_ + p.whitespace_ for p in parts)  # "tennis ", "t-"
        head_lemma = (tok.lemma_ or tok.text).lower()
        if st.pos[tok.i] == "VERB":  # mis-tagged noun: keep as written
            head_lemma = tok.lower_
        if tok.ent_type_ in ENTITY_LABELS:
            ent = next((e for e in st.ents if e.start <= tok.i < e.end), None)
            if ent is not None and ent.root.i == tok.i and is_name(ent):
                label = ent.label_
                if ent.start < start_tok.i and all(st.pos[t.i] == "PROPN" for t in ent):
                    start_tok = ent[0]
                    start = start_tok.idx
                    text = st.text[start:end]
                lemma = " ".join(text.split())
                idx = len(st.mentions)
                st.mentions.append(Mention(idx, text, lemma, label, start, end))
                st.token_mention[tok.i] = idx
                continue
        lemma = " ".join((prefix + head_lemma).split())
        idx = len(st.mentions)
        st.mentions.append(Mention(idx, text, lemma, label, start, end))
        st.token_mention[tok.i] = idx


def only_names_part(st: State, part: Token, owner: Token) -> bool:
    """True for a caption that names nothing but a part of a thing ("corner of a wooden
    building"): then the part is the entity."""
    if st.dep[part.i] != "ROOT":
        return False
    plain = ("det", "amod", "compound", "nummod", "punct", "poss", "case")
    return all(st.dep[c.i] in plain or c.lower_ == "of" for c in st.kids[part.i]) and all(
        st.dep[c.i] in plain for c in st.kids[owner.i]
    )


def add_mention(st: State, tok: Token, start: int = 0, end: int | None = None) -> int:
    """A mention for characters [start:end] of `tok` that no token heads ("hair" of
    "haired"); returns its index."""
    end = len(tok.text) if end is None else end
    text = tok.text[start:end]
    idx = len(st.mentions)
    st.mentions.append(Mention(idx, text, text.lower(), "concept", tok.idx + start, tok.idx + end))
    return idx


def bare_part(tok: Token) -> bool:
    """"on top", "in front": a part noun with no "of" and no modifiers (not an entity)."""
    return (
        tok.dep_ == "pobj"
        and tok.head.pos_ == "ADP"
        and all(c.dep_ == "det" for c in tok.children)
    )


def is_name(ent: Any) -> bool:
    """True if an NER span looks like a real name, not a tagged common phrase ("gray wall")."""
    if any(t.lower_ in COLOURS or t.pos_ not in NOMINAL_POS for t in ent):
        return False
    return all(t.pos_ == "PROPN" for t in ent) or any(ch.isupper() for ch in ent.text)


def part_noun_prep(st: State, tok: Token) -> tuple[str, Token] | None:
    """For "front" in "in front of the dog": ("in front of", dog-token); else None."""
    if st.dep[tok.i] != "pobj" or st.dep[tok.head.i] not in PREP_DEPS:
        return None
    for c in st.kids[tok.i]:
        if st.dep[c.i] == "prep" and c.lower_ == "of":
            objs = [o for o in st.kids[c.i] if st.dep[o.i] == "pobj"]
            if objs:
                low = tok.lower_
                if low == "side":  # "on the left side of" -> "at the left of"
                    sides = [a.lower_ for a in st.kids[tok.i] if st.dep[a.i] == "amod" and a.lower_ in SIDE_PREPOSITION]
                    if sides:
                        return SIDE_PREPOSITION[sides[0]], objs[0]
                if low in SIDE_PREPOSITION:  # "to the left of"
                    return SIDE_PREPOSITION[low], objs[0]
                prep = tok.head.lower_
                if prep not in PART_PREPOSITION_KEPT.get(low, ()):
                    prep = PART_PREPOSITION.get(low, prep)
                return f"{prep} {low} of", objs[0]
    return None
