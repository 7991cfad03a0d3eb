"""Mentions and named entities: which tokens head an entity, its compound name and NER label.

Also quantifier nouns ("a bunch of bananas" -> bananas) and part nouns ("in front of",
"on top of") that are not entities themselves.
"""

from __future__ import annotations

from typing import Any

from pipeline.text.lexicon import (
    ADJECTIVE_NAMES,
    ADJECTIVE_SUFFIXES,
    CLOSED_COMPOUNDS,
    MATERIAL_PHRASES,
    COLOURS,
    ENTITY_LABELS,
    GENERIC_PEOPLE,
    ING_NOUNS,
    LABEL_NOUNS,
    MATERIALS,
    PART_NOUNS,
    PART_PREPOSITION,
    PART_PREPOSITION_KEPT,
    PICTURE_PLACES,
    MARKING_NOUNS,
    MARKING_PLACES,
    REPRESENTATION_NOUNS,
    SIDE_PREPOSITION,
    SHADES,
    POSITION_WORDS,
    POSITION_NAMES,
    SIDE_WORDS,
    PROPERTY_NOUNS,
    PORTION_NOUNS,
    QUANTIFIER_NOUNS,
    NON_ENTITY_NOUNS,
    QUOTE_CHARS,
    TIME_NOUNS,
    SAYING_VERBS,
    QUOTED_TEXT_NAME,
    TEXT_NOUNS,
    THING_PARTS,
    KIND_COMPOUNDS,
    ANIMATE,
    BODY_PARTS,
)
from pipeline.text.repairs import gerund_compound
from pipeline.text.state import State
from pipeline.text.words import LINKING_VERBS, NOMINAL_POS, SUBJECT_DEPS, PASSIVE_SUBJECT_DEPS, OBJECT_DEPS, PREP_DEPS, parse_number, Token


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


def colour_word(st: State, tok: Token) -> bool:
    """True for a colour (or, in a coordination of modifiers, a material) that spaCy tagged as
    a noun but that says how something looks: "red and silver carts", "red white and blue
    logo", "a clock that is gold", "written in blue". Such a word is an attribute, never an entity."""
    low = tok.lower_
    dep = st.dep[tok.i]
    if dep != "conj" and low not in COLOURS and low not in MATERIALS:
        return False
    if low in COLOURS and leads_coordinated_noun(st, tok):
        return True  # "carrying a grey and blue backpack", "silver , metal shelves"
    if any(st.dep[c.i] in ("det", "poss", "prep", "nummod") for c in st.kids[tok.i]):
        return False  # "the red of the sunset", "a metal with ..." name a thing
    if low in COLOURS and dep in ("amod", "nmod", "compound") and tok.head.i > tok.i and st.pos[tok.head.i] in NOMINAL_POS:
        return True  # "red/PROPN white and blue circle logo"
    if dep == "conj":
        root = st.first_conjunct(tok.head, limit=10)
        if st.dep[root.i] in ("amod", "nmod", "compound", "advmod", "acomp", "attr", "oprd") and (
            root.lower_ in COLOURS or root.lower_ in MATERIALS or st.pos[root.i] == "ADJ"
        ):
            if root.head.i > tok.i and st.pos[root.head.i] in NOMINAL_POS:
                return True  # "red and silver carts", "black, brown and white goat", "orange & cream colour ground"
            return low in COLOURS or low in MATERIALS  # "painted green and silver"
        return False
    if low in COLOURS and dep == "ROOT" and any(
        st.dep[c.i] == "appos" and c.i > tok.i and st.pos[c.i] in NOMINAL_POS for c in st.kids[tok.i]
    ):
        return True  # "grey/NOUN , concrete , tall towers/appos"
    if low in COLOURS and dep in ("attr", "acomp", "oprd") and st.pos[tok.head.i] in ("AUX", "VERB"):
        return tok.head.lemma_.lower() in LINKING_VERBS  # "a clock that is gold and white"
    if low in MATERIALS and dep == "attr" and st.pos[tok.head.i] in ("AUX", "VERB") and tok.head.lemma_.lower() in LINKING_VERBS:
        st.material_complements[tok.i] = [  # "the cage is green metal": metal and green said of the cage
            c.i for c in st.kids[tok.i] if st.dep[c.i] == "amod" and (st.pos[c.i] == "ADJ" or c.lower_ in COLOURS)
        ]
        return True
    if dep == "compound" and tok.head.i > tok.i and st.pos[tok.head.i] == "VERB" and tok.head.lower_ in ING_NOUNS:
        return True  # "metal railing" with the railing read as a verb
    if low in COLOURS and dep == "pobj" and tok.head.lower_ == "in":
        return not any(c.i < tok.i and st.dep[c.i] == "amod" for c in st.kids[tok.i])  # "written in blue"
    return False


def leads_coordinated_noun(st: State, tok: Token) -> bool:
    """True for a colour that spaCy made the head of a coordination ending in a noun ("a grey
    and blue backpack", "blue and tan skateboard", "silver , metal shelves"): no modifier of its
    own but the phrase's determiner, and only "and", commas, adjectives and compounds up to that noun."""
    kids = st.kids[tok.i]
    if any(st.dep[c.i] not in ("cc", "punct", "conj", "det") or (st.dep[c.i] == "det" and c.i > tok.i) for c in kids):
        return False
    nouns = [c for c in kids if st.dep[c.i] == "conj" and st.pos[c.i] in NOMINAL_POS and c.i > tok.i]
    if not nouns:
        return False
    between = st.tokens[tok.i + 1 : nouns[0].i]
    return all(
        st.pos[t.i] in ("CCONJ", "PUNCT", "ADJ") or t.lower_ in COLOURS or t.lower_ in MATERIALS or (st.dep[t.i] == "compound" and t.head.i == nouns[0].i)
        for t in between
    )


#: Dependents that make a word a verb, for looks_like_noun (module constants: a set union in a
#: generator expression is rebuilt for every child).
_ROOT_NOUN_BLOCKERS: frozenset[str] = SUBJECT_DEPS | OBJECT_DEPS | {"aux", "expl"}
_NOUN_SLOT_BLOCKERS: frozenset[str] = SUBJECT_DEPS | OBJECT_DEPS | {"aux", "auxpass"}
_INITIAL_VERB_BLOCKERS: frozenset[str] = SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"expl"}


#: First words of CLOSED_COMPOUNDS ("wet" of "wet suit"): the pair is looked up only after one.
_CLOSED_FIRST_WORDS: frozenset[str] = frozenset(k.split(" ", 1)[0] for k in CLOSED_COMPOUNDS)


def looks_like_noun(st: State, tok: Token) -> bool:
    """True if `tok` should head a mention."""
    i = tok.i
    pos = st.pos[i]
    split, amod = st.split_subject, st.amod_verbs
    if split or amod:  # subjects the repairs found (most captions have none)
        if i in split:
            return False
        if i in split.values() or i in amod.values():
            return True
    if pos in NOMINAL_POS:
        if st.pobj_override and any(t.i == i for t in st.pobj_override.values()):
            return True  # "looking toward camera holding food": the preposition's real object (repairs)
        dep = st.dep[i]
        if dep == "compound" and st.pos[tok.head.i] in NOMINAL_POS and tok.head.i > i:
            return False
        if dep == "amod" and st.pos[tok.head.i] in NOMINAL_POS and tok.head.i == i + 1:
            return False
        if dep == "npadvmod" and (
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
        if not (tok.text.isalnum() or any(ch.isalnum() for ch in tok.text)):  # (isalnum: the usual word, at once)
            return False
        low = tok.lower_
        if colour_word(st, tok):
            return False
        if low in NON_ENTITY_NOUNS and not any(st.dep[c.i] == "compound" for c in st.kids[i]):
            return False  # "all the way across", "to the right"; not "a door way"
        if dep == "pobj" and tok.lemma_.lower() in TIME_NOUNS and st.pos[tok.head.i] == "ADP":
            return False  # "on a snowy day", "in the daytime": when, not a thing
        return True
    if pos != "VERB" and tok.tag_ != "VBG":
        return False  # only nouns, verbs and -ing words can head a mention
    # "awning on the building", "metal railing": an -ing noun read as a verb
    if (
        st.dep[tok.i] == "ROOT"
        and tok.tag_ == "VBG"
        and tok.lower_ in ING_NOUNS
        and not any(st.dep[c.i] in _ROOT_NOUN_BLOCKERS for c in st.kids[tok.i])
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
        and not any(st.dep[c.i] in _NOUN_SLOT_BLOCKERS for c in st.kids[tok.i])
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
        and not any(st.dep[c.i] in _INITIAL_VERB_BLOCKERS for c in st.kids[tok.i])
        and not any(st.dep[c.i] in OBJECT_DEPS for c in st.kids[tok.i])
    ):
        return True
    return False


def compound_tokens(st: State, head: Token) -> list[Token]:
    """Contiguous compound modifiers left of `head` kept in its name ("tennis racket")."""
    i = head.i
    if i == 0 or (st.dep[i - 1] not in ("amod", "compound") and st.tokens[i - 1].text != "-"):
        return []  # (cheap exit: the word before is no modifier or hyphen, most often a determiner)
    if head.lower_ in GENERIC_PEOPLE and st.pos[head.i] == "NOUN":
        return []  # "tennis guy", "hair guy", "pants person": the modifier only describes the person
    start = hyphen_start(st, head)  # "t-shirt": the head word itself is hyphenated
    parts: list[Token] = [st.tokens[i] for i in range(head.i - 1, start - 1, -1)] if start < head.i else []
    pos = start - 1
    while pos >= 0:
        t = st.tokens[pos]
        if st.dep[t.i] not in ("amod", "compound") and t.text != "-":
            break  # (cheap exit: every test below needs one of these; most often a determiner)
        if hyphen_start(st, t) < t.i:  # "chain-link fence": a hyphenated modifier
            break
        if t.head.i != head.i and not (t.head.i in {p.i for p in parts}):
            break
        low = t.lower_
        if st.dep[t.i] == "amod" and t.head.i == head.i and t.i == head.i - 1 - len(parts) and (
            f"{low} {(head.lemma_ or head.text).lower()}" in ADJECTIVE_NAMES
        ):  # "hot dog", "polar bear": an adjective that is part of the name
            parts.append(t)
            pos -= 1
            continue
        if st.dep[t.i] == "amod" and low in POSITION_WORDS and t.head.i == head.i and named_side(st, low, head):
            parts.append(t)
            pos -= 1
            continue
        if st.dep[t.i] == "compound" or (st.dep[t.i] == "amod" and st.pos[t.i] in NOMINAL_POS):
            if low in MATERIALS or low in COLOURS or low in PROPERTY_NOUNS or parse_number(low) is not None:
                break
            if t.i > 0 and f"{st.tokens[t.i - 1].lower_} {low}" in MATERIAL_PHRASES:
                break  # "chain link fence": the fence, of chain link (attributes)
            if low.endswith(ADJECTIVE_SUFFIXES) and t.head.i == head.i:
                break
            if not (t.text.isalnum() or any(ch.isalnum() for ch in t.text)):
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
    while parts and not (parts[0].text.isalnum() or any(ch.isalnum() for ch in parts[0].text)):
        parts.pop(0)
    return parts


#: The words (lower_) and lemmas the first rules of build_mentions test, each of its rules one
#: of these sets: any other token passes with two set tests.
_REDIRECT_WORDS: frozenset[str] = QUANTIFIER_NOUNS | PORTION_NOUNS | PART_NOUNS
_REDIRECT_LEMMAS: frozenset[str] = QUANTIFIER_NOUNS | REPRESENTATION_NOUNS | PROPERTY_NOUNS
#: Part nouns and picture places: a head among them may name where, not a thing.
_PLACE_WORDS: frozenset[str] = PART_NOUNS | frozenset(PICTURE_PLACES)


def build_mentions(st: State) -> None:
    """Create one Mention per entity head (compounds, names, quantifiers resolved)."""
    # One pass over the tokens: the redirects and property objects found for a token (its own
    # index only) come before the mention test of that same token, as two passes would have it.
    spans = quoted_spans(st)
    quoted = {i for a, b in spans for i in range(a, b)} if spans else ()
    dep, pos, tokens = st.dep, st.pos, st.tokens
    redirect = st.redirect
    for tok in tokens:
        i = tok.i
        kids = st.kids[i]
        is_object = dep[i] == "pobj"
        # the rules below need a child ("of", a possessor) or a preposition's object, and one of their words
        if (kids or is_object) and (tok.lower_ in _REDIRECT_WORDS or tok.lemma_.lower() in _REDIRECT_LEMMAS):
            low, lemma = tok.lower_, tok.lemma_.lower()
            # Quantifier and portion nouns point at their "of" object.
            if kids and (low in QUANTIFIER_NOUNS or lemma in QUANTIFIER_NOUNS or low in PORTION_NOUNS or lemma in REPRESENTATION_NOUNS):
                for prep in kids:
                    if st.dep[prep.i] == "prep" and prep.lower_ == "of":
                        objs = [c for c in st.kids[prep.i] if st.dep[c.i] == "pobj"]
                        if objs:
                            redirect[i] = objs[0].i
            if kids and low in PART_NOUNS and pos[i] in NOMINAL_POS and not is_object and i not in redirect:
                for prep in kids:  # "the back of a bus with stripes": the part says where, the bus is the thing
                    if st.dep[prep.i] == "prep" and prep.lower_ == "of":
                        objs = [c for c in st.kids[prep.i] if st.dep[c.i] == "pobj"]
                        if objs and not only_names_part(st, tok, objs[0]):
                            redirect[i] = objs[0].i
            if is_object:
                if low in PART_NOUNS and i not in redirect:  # "leaning into the elephant's side" -> the elephant
                    owners = [c for c in kids if st.dep[c.i] == "poss" and st.pos[c.i] in NOMINAL_POS]
                    if owners:
                        redirect[i] = owners[0].i
                if lemma in PROPERTY_NOUNS and pos[tok.head.head.i] == "ADJ":  # "white in color"
                    st.property_objects.add(i)
        if i in redirect or i in quoted:
            continue
        if not looks_like_noun(st, tok):
            continue
        low = tok.lower_
        if low in _PLACE_WORDS:  # (one set test for the two below)
            if low in PART_NOUNS and (part_noun_prep(st, tok) is not None or bare_part(st, tok)):
                continue
            if low in PICTURE_PLACES and bare_part(st, tok):  # "in the distance": a place attribute
                continue
        if i in st.property_objects:
            continue
        parts = compound_tokens(st, tok)
        says = brand = None
        if parts:  # (the helpers below read the compound's parts: none of them fires without)
            if len(parts) == 1 and parts[0].lower_ in LABEL_NOUNS and parts[0].whitespace_:
                # "the word rescue", "the brand kia": the word is the thing, what follows is its text
                word = parts[0]
                st.parts.add(word.i)
                st.mention_parts[i] = [word.i]
                st.add_mention(word.text, word.lower_, word.idx, word.idx + len(word.text), head=i)
                continue
            if measure_part(st, tok) is not None:  # "two story house": the number counts the stories
                parts = []
            while parts and adjective_part(st, parts[0], tok):  # "round clock", "small hill": said of the thing
                parts = parts[1:]
            if stacked_nouns(st, parts):  # "bus stop sign", "tennis court wall": the thing is the last noun
                parts = []
            says = marking_text(st, tok, parts)
            if says is not None:  # "a stop sign": a sign that says stop
                parts = []
            brand = unknown_modifier(st, tok, parts)
            if brand is not None:  # "a gatorade cup": a cup, of the brand (attribute)
                parts = []
            shown = represented(st, tok, parts)
            if shown is not None:  # "an elephant statue": an elephant that is a statue
                thing, kind = shown
                st.parts.add(thing.i)
                st.mention_parts[i] = [thing.i]
                start, end = thing.idx, thing.idx + len(thing.text)  # named (and written) as the thing shown
                mi = st.add_mention(thing.text, (thing.lemma_ or thing.text).lower(), start, end, head=i)
                st.add_attr(mi, kind)
                continue
            owner = compound_owner(st, tok, parts)
            if owner is not None:  # "car window" -> ( car , have , window )
                parts = []
                o = st.add_mention(owner.text, (owner.lemma_ or owner.text).lower(), owner.idx, owner.idx + len(owner.text), head=owner.i)
                st.owned_parts.append((o, i))
        elif i:
            prev = tokens[i - 1]
            if prev.head.i == i and prev.lower_ in _CLOSED_FIRST_WORDS:
                closed = CLOSED_COMPOUNDS.get(f"{prev.lower_} {tok.lemma_.lower()}")
                if closed is not None:  # "a wet suit" is a wetsuit, not a suit that is wet
                    st.parts.add(prev.i)
                    st.mention_parts[i] = [prev.i]
                    start, end = prev.idx, tok.idx + len(tok.text)  # the text is the caption's ("wet suit"), the name one word
                    st.add_mention(st.text[start:end], closed, start, end, head=i)
                    continue
        if not parts and dep[i] == "dobj":  # (gerund_compound reads only a gerund's object)
            gerund = gerund_compound(st, tok)
            if gerund is not None:
                parts = [gerund]
                st.pobj_override[gerund.head.i] = tok
        if parts:
            st.mention_parts[i] = part_ids = [p.i for p in parts]
            st.parts.update(part_ids)
            start_tok = parts[0]
            prefix = "".join([p.lower_ + p.whitespace_ for p in parts])  # "tennis ", "t-"
        else:
            st.mention_parts[i] = []
            start_tok = tok
            prefix = ""
        start, end = start_tok.idx, tok.idx + len(tok.text)
        text = st.text[start:end]
        if pos[i] == "VERB":  # mis-tagged noun: keep as written
            head_lemma = low
        else:
            head_lemma = (tok.lemma_ or tok.text).lower()
        if tok.ent_type_ in ENTITY_LABELS:
            for ent in st.ents:  # (a plain loop: the first entity that holds the token)
                if ent.start <= i < ent.end:
                    break
            else:
                ent = None
            if ent is not None and is_name(st, ent) and ent.root.i == i:  # (the cached tokens' test first)
                label = ent.label_
                if ent.start < start_tok.i and all(st.pos[t.i] == "PROPN" for t in ent):
                    start_tok = ent[0]
                    start = start_tok.idx
                    text = st.text[start:end]
                st.add_mention(text, " ".join(text.split()), start, end, label, head=i)
                continue
        name = prefix + head_lemma
        if not name.isalnum():  # (a plain word has no spaces to normalise)
            name = " ".join(name.split())
        mi = st.add_mention(text, name, start, end, "concept", head=i)
        if says is not None:
            st.add_attr(mi, says)
        if brand is not None:
            st.add_attr(mi, brand)
    if spans:
        quoted_text(st, spans)
    for o, ti in st.owned_parts:  # "car window" -> ( car , have , window )
        if ti in st.token_mention:
            st.add_rel([o], "have", [st.token_mention[ti]])


def named_side(st: State, word: str, head: Token) -> bool:
    """True when a position word (POSITION_WORDS) belongs in the head's name: "left" and "right"
    always ("left hand"); "front", "back" and "rear" only in a known name (POSITION_NAMES: "the
    front door") or for a part named with its owner ("the front legs of a horse"). Else it is an
    attribute of the thing: "the back zebra", "a leaf on the rear wing" -> ( wing , is , rear )."""
    if word in SIDE_WORDS or f"{word} {(head.lemma_ or head.text).lower()}" in POSITION_NAMES:
        return True
    return any(st.dep[c.i] == "prep" and c.lower_ == "of" for c in st.kids[head.i])


def adjective_part(st: State, part: Token, head: Token) -> bool:
    """True for an adjective spaCy hung on a noun as a compound right after another adjective of
    the noun ("a black round clock", "black sequin dress"): an attribute of the thing, not part
    of its name (position words and adjective names such as "hot dog" stay in the name)."""
    low = part.lower_
    return (
        st.dep[part.i] == "compound"
        and st.pos[part.i] == "ADJ"
        and part.tag_ == "JJ"
        and low not in POSITION_WORDS
        and f"{low} {(head.lemma_ or head.text).lower()}" not in ADJECTIVE_NAMES
        and part.text.isalpha()
        and part.i > 0
        and st.dep[part.i - 1] == "amod"
        and st.tokens[part.i - 1].head.i == head.i  # after another adjective: not "the skate park"
    )


def stacked_nouns(st: State, parts: list[Token]) -> bool:
    """True for two or more separate nouns stacked before a head noun ("bus stop sign",
    "restaurant dessert menu", "coca cola cup"): FACTUAL names such a thing by its head alone
    (a two-word compound such as "tennis racket" keeps its name; so does one led by an -ing
    noun, "living room couch", whose first two words name a place)."""
    if len(parts) < 2 or parts[0].lower_.endswith("ing"):
        return False
    nouns = 0
    for p in parts:
        if st.dep[p.i] != "compound" or st.pos[p.i] not in NOMINAL_POS or not p.text.isalpha() or not p.whitespace_:
            return False  # "t-shirt", "ec-flp": a hyphenated word is one name
        nouns += 1
    return nouns >= 2


def marking_text(st: State, head: Token, parts: list[Token]) -> str | None:
    """"a stop sign", "the starbucks logo", "a jp morgan chase advertisement": what the nouns
    before a marking noun (MARKING_NOUNS) say it shows, as its attribute; None for anything else."""
    if not parts or (head.lemma_ or head.text).lower() not in MARKING_NOUNS:
        return None
    for p in parts:
        if st.dep[p.i] != "compound" or st.pos[p.i] not in NOMINAL_POS or not p.text.isalpha():
            return None
        if p.lower_ in SHADES or p.lower_ in MATERIALS or p.lower_ in MARKING_PLACES:
            return None  # "neon signs", "road sign": what it is made of or where it stands, a kind of sign
    return " ".join(p.lower_ for p in parts)


def unknown_modifier(st: State, head: Token, parts: list[Token]) -> str | None:
    """"a gatorade cup", "the wii remote", "the moving train": the one noun before a head noun when
    the model's noun and verb lemma tables (st.nouns, st.verbs) know neither it nor its lemma -- a
    brand, a name, a participle or a misspelt word, which FACTUAL gives as an attribute of the plain
    thing ( cup , is , gatorade ). None for a known word ("tennis racket", "parking lot"), an
    adjective name ("hot dog") or a model without the tables."""
    if len(parts) != 1 or not st.nouns:
        return None
    p = parts[0]
    low = p.lower_
    if not p.text.isalpha() or not (
        (st.pos[p.i] in NOMINAL_POS and st.dep[p.i] in ("compound", "amod"))
        or (st.pos[p.i] == "ADJ" and st.dep[p.i] == "compound")  # "her samsung/ADJ phone"
    ):
        return None
    if low in st.nouns or low in st.verbs or f"{low} {(head.lemma_ or head.text).lower()}" in ADJECTIVE_NAMES:
        return None
    lemma = (p.lemma_ or low).lower()
    if lemma in st.nouns or lemma in st.verbs:
        return None
    return low


def represented(st: State, head: Token, parts: list[Token]) -> tuple[Token, str] | None:
    """"an elephant statue", "a hippo figurine": (the thing shown, what it is made as) for a
    representation noun (REPRESENTATION_NOUNS) after one plain noun; else None."""
    lemma = (head.lemma_ or head.text).lower()
    if lemma not in REPRESENTATION_NOUNS or len(parts) != 1:
        return None
    thing = parts[0]
    if st.dep[thing.i] != "compound" or st.pos[thing.i] != "NOUN" or not thing.text.isalpha():
        return None
    return thing, lemma


def measure_part(st: State, head: Token) -> tuple[Token, Token] | None:
    """"two story house", "five lane road": a number above one before a singular compound noun
    of a singular head counts the compound (FACTUAL: house is two-story), not the head.
    Returns (the compound token, the number token), else None."""
    i = head.i
    if i < 2 or st.dep[i - 1] != "compound" or st.dep[i - 2] != "nummod":  # cheap exit first
        return None
    part, num = st.tokens[i - 1], st.tokens[i - 2]
    if part.head.i != i or num.head.i not in (i, i - 1) or head.tag_ != "NN" or part.tag_ != "NN":
        return None
    if not part.text.isalpha() or (parse_number(num.text) or 0) < 2:
        return None
    return part, num


def compound_owner(st: State, head: Token, parts: list[Token]) -> Token | None:
    """The owner in a one-word noun compound that names a part of it: "car window", "shirt
    sleeves", "computer screen" (THING_PARTS), "duck eye", "birds wings", "elephants mouth" (a
    body part of an animal, or of a plural noun: a possessive without its apostrophe). None when
    the two words are one known noun ("ponytail") or the first names a kind ("garage door")."""
    if len(parts) != 1:
        return None
    x = parts[0]
    xl, yl = x.lower_, head.lower_
    if st.dep[x.i] != "compound" or st.pos[x.i] != "NOUN" or x.head.i != head.i or not x.text.isalpha():
        return None
    if xl in KIND_COMPOUNDS or f"{xl}{yl}" in st.nouns or f"{xl}{(head.lemma_ or yl).lower()}" in st.nouns:
        return None
    if yl in THING_PARTS and xl not in ANIMATE:
        return x
    if yl in BODY_PARTS and (xl in ANIMATE or (x.tag_ == "NNS" and xl.endswith("s"))):
        return x
    return None


def quoted_spans(st: State) -> list[tuple[int, int]]:
    """Token ranges [start, end) of text quoted inside a caption ("a sign that says `` stop ''"),
    quote marks excluded; a quote around the whole caption is not one."""
    text = st.text
    if '"' not in text and "`" not in text and "''" not in text:
        # most captions quote nothing: no per-token look. A mark is a token of quote characters
        # other than a lone "'" (a possessive, "dogs '"): it holds '"', '`' or "''". (A substring
        # test per mark: several times cheaper than isdisjoint.)
        return []
    marks = [t.i for t in st.tokens if t.text and set(t.text) <= QUOTE_CHARS and t.text not in ("'", "'s")]
    if len(marks) < 2:
        return []
    spans: list[tuple[int, int]] = []
    start: int | None = None
    k = 0
    while k < len(marks):
        j = k
        while j + 1 < len(marks) and marks[j + 1] == marks[j] + 1:  # "` `" is one mark
            j += 1
        if start is None:
            start = marks[j] + 1
        else:
            if marks[k] > start:
                spans.append((start, marks[k]))
            start = None
        k = j + 1
    words = [t.i for t in st.tokens if any(ch.isalnum() for ch in t.text)]
    return [(a, b) for a, b in spans if any(not a <= i < b for i in words)]


def quoted_text(st: State, spans: list[tuple[int, int]]) -> None:
    """Quoted text is what is written on a thing, not things: "the word `` nationals '' on the
    uniform" -> the word is on the uniform; "a sign that says `` no parking ''", "a
    `` have a nice day '' sign" -> ( words , on , sign ); "`` dent '' written on it" -> words."""
    for a, b in spans:
        inside = range(a, b)
        roots = [i for i in inside if st.tokens[i].head.i not in inside or st.tokens[i].head.i == i]
        roots = [i for i in roots if any(ch.isalnum() for ch in st.tokens[i].text)]
        if not roots:
            continue
        root = st.tokens[roots[0]]
        before = a - 1
        while before >= 0 and set(st.tokens[before].text) <= QUOTE_CHARS:
            before -= 1
        if before >= 0 and before in st.token_mention and st.tokens[before].lemma_.lower() in TEXT_NOUNS:
            st.token_mention.setdefault(root.i, st.token_mention[before])  # "the word `` stop '' on ..."
            continue
        text = st.text[st.tokens[a].idx : st.tokens[b - 1].idx + len(st.tokens[b - 1].text)]
        after = b
        while after < len(st.tokens) and set(st.tokens[after].text) <= QUOTE_CHARS:
            after += 1
        holder: list[int] = []
        register = False
        if after < len(st.tokens) and after in st.token_mention and after not in range(a, b) and st.pos[after] in NOMINAL_POS:
            holder = [st.token_mention[after]]  # "a `` one way '' sign"
        else:
            verb = root.head
            if verb.i != root.i and verb.lemma_.lower() in SAYING_VERBS:
                subjects = [c for c in st.kids[verb.i] if st.dep[c.i] in SUBJECT_DEPS]
                if st.dep[verb.i] in ("relcl", "acl") and verb.head.i in st.token_mention:
                    holder = [st.token_mention[verb.head.i]]
                elif subjects and subjects[0].i in st.token_mention:
                    holder = [st.token_mention[subjects[0].i]]
            else:
                register = st.dep[root.i] in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | OBJECT_DEPS | {"pobj"}
        if not holder and not register:
            continue
        idx = st.add_mention(text, QUOTED_TEXT_NAME, st.tokens[a].idx, st.tokens[a].idx + len(text), head=root.i if register else None)
        st.add_rel([idx], "on", holder)


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
    return st.add_mention(text, text.lower(), tok.idx + start, tok.idx + end)


def part_preposition(written: str, part: str) -> str:
    """The preposition FACTUAL writes before part noun `part` when the caption wrote `written`
    ("at the top of" -> on top of, "at the front of" -> in front of; "in the back of" and "on the
    front of" keep theirs: PART_PREPOSITION_KEPT)."""
    if written in PART_PREPOSITION_KEPT.get(part, ()):
        return written
    return PART_PREPOSITION.get(part, written)


def bare_part(st: State, tok: Token) -> bool:
    """"on top", "in front": a part noun with no "of" and no modifiers (not an entity)."""
    return (
        st.dep[tok.i] == "pobj"
        and st.pos[tok.head.i] == "ADP"
        and all(st.dep[c.i] == "det" or (c.lower_ == "of" and not st.kids[c.i]) for c in st.kids[tok.i])
    )  # "of" without object: "the counter the man stands in front of"


def is_name(st: State, ent: Any) -> bool:
    """True if an NER span of the state's Doc looks like a real name, not a tagged common phrase
    ("gray wall"). (Read from the cached tokens: a spaCy Span yields new Token objects.)"""
    toks = st.tokens[ent.start : ent.end]
    proper = True
    for t in toks:
        p = st.pos[t.i]
        if t.lower_ in COLOURS or p not in NOMINAL_POS:
            return False
        if p != "PROPN":
            proper = False
    if proper:
        return True
    last = toks[-1]
    return any(ch.isupper() for ch in st.text[toks[0].idx : last.idx + len(last.text)])  # (the Span's text)


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
                return f"{part_preposition(tok.head.lower_, low)} {low} of", objs[0]
    return None
