"""Word-level helpers shared by the rule modules: dependency-label classes, numbers, verb lemmas.

Nothing here imports spaCy: tokens are only read through their attributes.
"""

from __future__ import annotations

from typing import Any

from pipeline.text.lexicon import ANIMATE, BODY_PARTS, CLOTHING, NUMBER_WORDS

Token = Any  # spacy.tokens.Token (kept untyped so spaCy is not imported here)
Doc = Any  # spacy.tokens.Doc
NOMINAL_POS = frozenset({"NOUN", "PROPN"})
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "csubjpass"})
#: Active or passive subject.
ANY_SUBJECT_DEPS = SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS
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
    if tok.pos_ != "VERB" and low.endswith("s") and lemma not in verbs:  # "attaches" tagged NNS (lemma "attache")
        for cand in (low[:-1], low[:-2], low[:-3] + "y"):
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




def is_clothing(tok: Token) -> bool:
    """True for a garment noun ("shirt", "shorts", "jeans"), by surface form or lemma."""
    return tok.lower_ in CLOTHING or (tok.lemma_ or "").lower() in CLOTHING


def is_body_part(tok: Token) -> bool:
    """True for a body-part noun ("head", "hands", "hair")."""
    low, lemma = tok.lower_, (tok.lemma_ or "").lower()
    return low in BODY_PARTS or lemma in BODY_PARTS


def is_animate(tok: Token) -> bool:
    """True for a person or animal noun ("woman", "players", "dog") or a PERSON name."""
    return tok.lower_ in ANIMATE or (tok.lemma_ or "").lower() in ANIMATE or tok.ent_type_ == "PERSON"


def is_plural(tok: Token) -> bool | None:
    """Grammatical number of a noun or finite verb: True plural, False singular, None unknown."""
    if tok.tag_ in ("NNS", "NNPS", "VBP"):
        return True
    if tok.tag_ in ("NN", "NNP", "VBZ"):
        return False
    return None
