"""Attributes: adjectives, colours, materials, hyphenated modifiers and counts of each mention."""

from __future__ import annotations

from pipeline.text.lexicon import (
    ADJECTIVE_SUFFIXES,
    ATTRIBUTE_CANON,
    COLOURS,
    MATERIAL_PHRASES,
    DERIVED_ADJECTIVES,
    PART_ADJECTIVES,
    DEGREE_ADVERBS,
    MATERIALS,
    NON_ATTRIBUTE_ADJECTIVES,
    POSITION_ADJECTIVES,
    PROPERTY_NOUNS,
    PORTION_NOUNS,
    QUANTIFIER_ATTRIBUTES,
    REPRESENTATION_NOUNS,
    SHADES,
    LABEL_NUMBER_NOUNS,
)
from pipeline.text.coreference import conjuncts, group, resolve, resolve_group
from pipeline.text.mentions import add_mention, colour_word, hyphen_start, measure_part
from pipeline.text.state import State
from pipeline.text.types import Mention
from pipeline.text.words import NOMINAL_POS, is_animate, is_clothing, parse_number, Token


def adjective_text(st: State, adj: Token) -> str:
    """Attribute text for an adjective token, with shade/degree words kept."""
    start = hyphen_start(st, adj)
    if start < adj.i and not any(st.pos[t.i] == "CCONJ" for t in st.doc[start : adj.i]):  # "heart-shaped"
        return st.doc[start : adj.i + 1].text.lower()
    kids = st.kids[adj.i]
    if not kids:
        return adj.lower_  # (no shade or degree word: the word itself)
    words = [adj.lower_]
    for c in kids:
        if c.i < adj.i and st.dep[c.i] in ("advmod", "amod", "npadvmod", "compound"):
            low = c.lower_
            if (low in SHADES and adj.lower_ in COLOURS) or low in DEGREE_ADVERBS:
                words.insert(0, low)
    return " ".join(words)


#: The dependencies of a modifier that collect_attributes reads as an attribute or a count
#: (every other child of a mention, a determiner or a clause, is passed over at once).
_MODIFIER_DEPS: frozenset[str] = frozenset({"amod", "compound", "nmod", "nummod", "quantmod", "advmod"})


def collect_attributes(st: State) -> None:
    """Adjectives, numbers, materials and participles said of each mention."""
    for qi in st.redirect:
        attr = QUANTIFIER_ATTRIBUTES.get(st.tokens[qi].lemma_.lower())
        if attr:
            for m in resolve(st, st.tokens[qi]):
                st.add_attr(m, attr)
        portion = st.tokens[qi]
        shown_as = (portion.lemma_ or portion.text).lower()
        if shown_as in REPRESENTATION_NOUNS and portion.lower_ not in PORTION_NOUNS:  # "a statue of a man" -> man: statue
            for m in resolve(st, portion):
                st.add_attr(m, shown_as)
        elif portion.lower_ in PORTION_NOUNS:  # "two broken pieces of fish" -> fish: pieces, 2, broken
            targets = resolve(st, portion)
            for m in targets:
                st.add_attr(m, portion.lower_)
            shaded: set[int] = set()
            for c in st.kids[portion.i]:
                if c.i in shaded:
                    continue
                if st.dep[c.i] == "nummod" and parse_number(c.text) is not None:
                    for m in targets:
                        set_count(st, m, parse_number(c.text))
                elif st.dep[c.i] == "amod" and st.pos[c.i] in ("ADJ", "VERB") and c.lower_ not in NON_ATTRIBUTE_ADJECTIVES:
                    text = adjective_text(st, c)
                    nxt = st.tokens[c.i + 1] if c.i + 1 < portion.i else None
                    if nxt is not None and c.lower_ in SHADES and nxt.lower_ in COLOURS and nxt.head.i == portion.i:
                        text = f"{c.lower_} {nxt.lower_}"  # "the light blue part of the kite"
                        shaded.add(nxt.i)
                    for m in targets:
                        st.add_attr(m, text)
    parts, amod_verbs, dep = st.parts, st.amod_verbs, st.dep  # (read per modifier: kept local)
    for ti, mi in st.token_mention.items():  # (no mention gets a head token here: not copied)
        head = st.tokens[ti]
        mods = st.kids[ti]  # (in text order; read only)
        own_parts = st.mention_parts.get(ti)
        if own_parts:
            mods = list(mods)
            for part in own_parts:  # "white utility truck"
                mods.extend([c for c in st.kids[st.tokens[part].i] if c.i not in parts])
            if len(mods) > 1:
                mods.sort(key=lambda t: t.i)
        skip: set[int] = set()
        for c in mods:
            if c.i < head.i and c.lower_ in DERIVED_ADJECTIVES and c.i not in skip:
                derived_adjective(st, mi, c, mods, skip)
        for c in mods:
            ci = c.i
            d = dep[ci]
            if d not in _MODIFIER_DEPS or ci in skip or ci in parts or ci in amod_verbs:
                continue  # (a determiner, preposition, clause, ...: no test below takes it)
            low = c.lower_
            if ci < head.i and d in ("amod", "compound", "nmod", "nummod") and (hs := hyphen_start(st, c)) < ci:
                st.add_attr(mi, st.doc[hs : ci + 1].text)  # "two-story house"
                continue
            if d == "nummod" or (d in ("amod", "compound", "quantmod") and st.pos[ci] == "NUM"):
                n = parse_number(c.text)
                if n is not None and ci > head.i and head.lemma_.lower() in LABEL_NUMBER_NOUNS:
                    continue  # "the number 42", "bus number 6010": a label, not a count
                if n is not None and ci == head.i - 2 and measure_part(st, head) is not None:
                    continue  # "two story house": measure_attributes
                if n is not None:
                    set_count(st, mi, n, said=not reciprocal(st, head))
                continue
            if d in ("amod", "compound", "nmod", "advmod") and ci < head.i:
                if d in ("compound", "nmod") and st.pos[ci] in NOMINAL_POS:
                    if ci > 0 and f"{st.tokens[ci - 1].lower_} {low}" in MATERIAL_PHRASES:
                        st.add_attr(mi, f"{st.tokens[ci - 1].lower_} {low}")  # "chain link fence"
                        continue
                    if low in PROPERTY_NOUNS:  # "blue color t-shirt"
                        for a in st.kids[ci]:  # "white/PROPN color bus", "maroon/NOUN color car"
                            if (
                                st.dep[a.i] in ("amod", "compound", "nmod")
                                and a.i < ci
                                and (st.pos[a.i] == "ADJ" or a.lower_ in COLOURS or st.dep[a.i] == "compound")
                                and a.text.isalpha()
                            ):
                                for b in conjuncts(st, a):
                                    st.add_attr(mi, adjective_text(st, b))
                        continue
                    if low in MATERIALS or low in COLOURS or low.endswith(ADJECTIVE_SUFFIXES):
                        st.add_attr(mi, low)
                        for a in conjuncts(st, c)[1:]:  # "an orange & cream colour ground"
                            if a.lower_ not in PROPERTY_NOUNS and a.lower_ not in NON_ATTRIBUTE_ADJECTIVES:
                                st.add_attr(mi, adjective_text(st, a))
                        for a in st.kids[ci]:  # "a tall metal railing": spaCy hangs "tall" on the material
                            if st.dep[a.i] == "amod" and a.i < ci and st.pos[a.i] == "ADJ" and low in MATERIALS:
                                if a.lower_ not in NON_ATTRIBUTE_ADJECTIVES:
                                    st.add_attr(mi, adjective_text(st, a))
                    continue
                if d == "advmod" and low not in COLOURS:
                    continue
                if st.pos[ci] in NOMINAL_POS and d == "amod":
                    if low in MATERIALS or low in COLOURS:
                        st.add_attr(mi, low)
                    continue
                if low in NON_ATTRIBUTE_ADJECTIVES or st.pos[ci] in ("DET", "PRON", "PUNCT"):
                    continue
                if low in POSITION_ADJECTIVES and ci + 1 < head.i and st.pos[ci + 1] != "CCONJ" or (
                    low in POSITION_ADJECTIVES and ci + 1 == head.i
                ):  # "the upper deck": which part, not a property ("dark top and white bottoms": a list)
                    continue
                if low in SHADES and any(s.i == ci + 1 and s.lower_ in COLOURS for s in mods):
                    nxt = st.tokens[ci + 1]
                    st.add_attr(mi, f"{low} {nxt.lower_}")
                    skip.add(nxt.i)
                    continue
                if not (c.text.isalpha() or any(ch.isalpha() for ch in c.text)):  # (isalpha: the usual word, at once)
                    continue
                for a in conjuncts(st, c) if st.kids[ci] else (c,):  # (no children: no conjuncts)
                    if (
                        st.pos[a.i] in ("ADJ", "VERB", "NOUN", "PROPN") or (st.pos[a.i] == "ADV" and st.dep[a.i] == "amod")
                    ) and a.lower_ not in NON_ATTRIBUTE_ADJECTIVES and a.lower_ not in PROPERTY_NOUNS:
                        st.add_attr(mi, adjective_text(st, a))
        head_conj = head.head
        if (
            dep[ti] in ("conj", "appos")
            and (st.pos[head_conj.i] == "ADJ" or head_conj.lower_ in COLOURS)
            and head_conj.i < head.i
            and (st.dep[head_conj.i] in ("ROOT", "conj", "amod") or colour_word(st, head_conj))
            and all(st.dep[k.i] in ("conj", "cc", "punct", "advmod", "prep", "appos") or (st.dep[k.i] == "det" and k.i < a.i) for a in group(st, head_conj) if a.i < head.i for k in st.kids[a.i])
        ):  # "red , white , and blue flag" parsed with the flag as the last conjunct of the colours
            for a in group(st, head_conj):
                if a.i < head.i and (st.pos[a.i] == "ADJ" or a.lower_ in COLOURS) and a.lower_ not in NON_ATTRIBUTE_ADJECTIVES:
                    st.add_attr(mi, adjective_text(st, a))
    # Each pass below can only fire on a dependency (and POS) it names; most captions lack several:
    # a test of the caption's dependencies here saves the pass's loop and its call (one set for
    # the nine tests: cheaper than nine scans of st.dep).
    deps = set(dep)
    if "pobj" in deps:  # the colour is the object of "in"
        colour_phrases(st)
    if "amod" in deps or "compound" in deps or "nmod" in deps:  # the stacked modifier's own dependency
        stacked_modifiers(st)
    if "nummod" in deps:  # measure_part needs a number
        measure_attributes(st)
    if "acl" in deps:  # the participle is an "acl" of its noun
        dressed_participles(st)
    if "dobj" in deps:  # the noun is the participle's object
        participle_premodifiers(st)
    if "conj" in deps and "VERB" in st.pos:  # two coordinated verbs
        bare_coordinated_participles(st)
    if "prt" in deps:  # a particle
        particle_participles(st)
    if "poss" in deps:  # a possessive
        posture_complements(st)


#: What one takes when taking a photo: "a man taking a picture" -> ( man , is , taking photo ).
PHOTO_NOUNS: frozenset[str] = frozenset("photo photos picture pictures photograph photographs pic pics snapshot".split())


def photo_taking(st: State) -> None:
    """After the relations: "a man taking a photo at a field" is the man's activity
    ( man , is , taking photo ), not a relation to the photo; the verb's other phrases are the
    man's own ( man , at , field ), and what it is taken with is held ( man , hold , phone )."""
    takes = []
    for s, p, o in st.relations:  # (a plain loop: a comprehension is a call of its own, for a few relations)
        if p == "take" and st.mentions[o].lemma in PHOTO_NOUNS:
            takes.append((s, o))
    if not takes:
        return
    for s, o in takes:
        del st.relations[(s, "take", o)]
        st.add_attr(s, "taking photo")
    subjects = {s for s, _ in takes}
    for key in [k for k in st.relations if k[0] in subjects and k[1].startswith("take ")]:
        del st.relations[key]
        rest = key[1][len("take ") :]
        st.add_rel([key[0]], "hold" if rest == "with" else rest, [key[2]])  # the camera or phone is held


def participle_premodifiers(st: State) -> None:
    """"folded paper beneath cup", "showing windows and domesticated animal": spaCy reads a
    participle right before its noun as a verb with that noun as object; when the verb has no
    subject or auxiliary and nothing before it could be one, it is the noun's attribute
    ( paper , is , folded ). -ing words only at the caption's start or after a determiner or
    adjective ("intersecting streets"), where a verb reading is unlikely."""
    for ti, mi in st.token_mention.items():
        if ti == 0 or st.dep[ti] != "dobj":
            continue
        v = st.tokens[ti - 1]
        if st.pos[v.i] != "VERB" or v.tag_ not in ("VBN", "VBD", "VBG") or st.tokens[ti].head.i != v.i:
            continue
        if any(c.i < v.i or st.dep[c.i] in ("nsubj", "nsubjpass", "dative") for c in st.kids[v.i]):
            continue  # "skateboarder doing tricks": a word before the verb may be its subject
        prev = st.tokens[v.i - 1] if v.i > 0 else None
        if prev is not None and (st.pos[prev.i] in NOMINAL_POS or st.pos[prev.i] in ("PRON", "VERB", "AUX")):
            continue
        if v.tag_ == "VBG" and prev is not None and st.pos[prev.i] not in ("DET", "ADJ"):
            continue
        st.add_attr(mi, v.lower_)


def particle_participles(st: State) -> None:
    """"the person sitting down", "a lady that is kneeling down": an -ing verb whose only phrase
    is a particle says its noun's state ( person , is , sitting ); the particle is dropped."""
    for v in st.tokens:
        if v.tag_ != "VBG" or st.pos[v.i] != "VERB" or not any(st.dep[c.i] == "prt" for c in st.kids[v.i]):
            continue
        dep = st.dep[v.i]
        if dep in ("acl", "relcl") and v.head.i < v.i:
            holder = v.head
        else:
            subj = [c for c in st.kids[v.i] if st.dep[c.i] == "nsubj" and c.i < v.i]
            if not subj:
                continue
            holder = subj[0]
        if any(
            st.dep[c.i] not in ("prt", "aux", "nsubj", "punct", "cc", "conj", "advmod")
            or (st.dep[c.i] == "prt" and c.lower_ not in ("down", "up", "out"))
            for c in st.kids[v.i]
        ):
            continue
        for m in resolve(st, holder):
            st.add_attr(m, v.lower_)


def posture_complements(st: State) -> None:
    """"with his hands out", "with their arms up", "with her mouth open", "has his hands folded":
    a possessed noun followed by a particle, adjective or participle that spaCy hung elsewhere
    (on the verb, or as the clause's root) says the noun's state ( hands , is , out )."""
    for ti, mi in st.token_mention.items():
        if ti + 1 >= len(st.tokens) or st.dep[ti] not in ("pobj", "dobj"):
            continue
        t = st.tokens[ti + 1]
        tag = t.tag_
        if tag != "RP" and tag not in ("JJ", "VBN", "VBD"):
            continue  # (cheap exit first: most nouns are followed by something else)
        if not any(st.dep[c.i] == "poss" for c in st.kids[ti]):
            continue
        noun = st.tokens[ti]
        if st.dep[ti] == "pobj" and noun.head.lower_ != "with":
            continue
        if st.dep[ti] == "dobj" and noun.head.lemma_.lower() != "have":
            continue
        if tag == "RP":
            if st.dep[t.i] not in ("advmod", "prt") or t.head.i > t.i:
                continue
        elif st.dep[t.i] != "ROOT" or any(st.dep[c.i] in ("dobj", "prep", "prt") and c.i > t.i for c in st.kids[t.i]):
            continue  # "with her mouth open": spaCy made the state the root ("closed the door" is not one)
        st.add_attr(mi, t.lower_)


def bare_coordinated_participles(st: State) -> None:
    """"a person standing and holding a racket", "a group of kids sitting and waving at ...": the
    first of two coordinated participles that has no phrase of its own is the state of its noun
    ( person , is , standing ); the second keeps its relations (verb rules)."""
    for v in st.tokens:
        if v.tag_ != "VBG" or st.pos[v.i] != "VERB":
            continue
        dep = st.dep[v.i]
        if dep == "acl":
            holder = v.head
            if holder.i > v.i:
                continue
        elif dep == "ROOT":
            subj = [c for c in st.kids[v.i] if st.dep[c.i] == "nsubj" and c.i < v.i]
            if not subj:
                continue
            holder = subj[0]
        else:
            continue
        kids = [c for c in st.kids[v.i] if c.i != holder.i]
        if not any(st.dep[c.i] == "conj" and st.pos[c.i] == "VERB" and c.i > v.i for c in kids):
            continue
        if any(st.dep[c.i] not in ("cc", "conj", "punct") or c.i < v.i for c in kids):
            continue
        for m in resolve(st, holder):
            st.add_attr(m, v.lower_)


def dressed_participles(st: State) -> None:
    """"a man standing in a red shirt", "a man standing with black shoes on", "a girl smiling to
    the right of ...": a participle of a person whose only phrases say what the person wears or
    on which side it is is also its state ( man , is , standing ); the garment and the side are
    the verb rules' relations."""
    dep, kids = st.dep, st.kids
    for ti, mi in st.token_mention.items():
        for v in kids[ti]:
            vi = v.i
            if dep[vi] != "acl" or vi < ti or st.pos[vi] != "VERB" or v.tag_ != "VBG" or not is_animate(st.tokens[ti]):
                continue
            preps = [c for c in kids[vi] if dep[c.i] == "prep"]
            if not preps or any(dep[c.i] not in ("prep", "punct", "advmod") for c in kids[vi]):
                continue
            worn = [p for p in preps if p.lower_ in ("in", "with") and any(dep[o.i] == "pobj" and is_clothing(o) for o in kids[p.i])]
            rest = [p for p in preps if p not in worn]  # "with black shoes on", "to the left of a ladder"
            if all(all(dep[o.i] == "pobj" and o.lower_ in ("left", "right") for o in kids[p.i]) for p in rest):
                st.add_attr(mi, v.lower_)


def measure_attributes(st: State) -> None:
    """"two story house" -> ( house , is , two-story ), "five lane road" -> five-lane (the name
    is the head alone: mentions.measure_part)."""
    for ti, mi in st.token_mention.items():
        found = measure_part(st, st.tokens[ti])
        if found is not None:
            part, num = found
            st.add_attr(mi, f"{num.lower_}-{part.lower_}")


def stacked_modifiers(st: State) -> None:
    """"black pointy roof", "metal yellow cage", "scrubby green brush", "grey metal railing":
    spaCy hangs the first of two stacked modifiers on the second; each is said of the noun. Only adjectives, colours and
    materials right before a modifier that is itself an attribute of a mention; shades and
    degree words ("dark brown", "partly cloudy") stay with their adjective (adjective_text)."""
    for ti, mi in st.token_mention.items():
        for c in st.kids[ti]:
            if c.i > ti:
                break  # (kids are in text order: the rest follow the noun too)
            if not st.kids[c.i] or st.kids[c.i][0].i > c.i:  # cheap exit: nothing stacked (kids are in text order)
                continue
            said = st.dep[c.i] == "amod" and (mi, adjective_text(st, c)) in st.attributes
            material = st.dep[c.i] in ("compound", "nmod") and c.lower_ in MATERIALS  # "grey metal railing"
            if c.i > ti or not (said or (material and (mi, ATTRIBUTE_CANON.get(c.lower_, c.lower_)) in st.attributes)):
                continue
            for g in st.kids[c.i]:
                low = g.lower_
                if (
                    g.i < c.i
                    and st.dep[g.i] in ("amod", "npadvmod", "compound", "nmod")
                    and (st.pos[g.i] == "ADJ" or low in COLOURS or low in MATERIALS)
                    and g.text.isalpha()
                    and low not in SHADES
                    and low not in DEGREE_ADVERBS
                    and low not in NON_ATTRIBUTE_ADJECTIVES
                    and hyphen_start(st, c) == c.i
                    and not (st.pos[g.i] == "ADJ" and low not in COLOURS and c.lower_.endswith("ed"))  # "middle aged"
                ):
                    st.add_attr(mi, adjective_text(st, g))


def colour_phrases(st: State) -> None:
    """"the word written in blue", "a brand name in red": a colour after "in" is an attribute
    of the thing the phrase is said of (the noun, or the subject of the verb it hangs on)."""
    for tok in st.tokens:
        if tok.lower_ not in COLOURS or st.dep[tok.i] != "pobj" or tok.i in st.token_mention or not colour_word(st, tok):
            continue
        holder = tok.head.head
        if holder.i in st.token_mention:
            owners = resolve_group(st, holder)
        elif st.pos[holder.i] in ("VERB", "AUX"):
            if st.dep[holder.i] in ("acl", "relcl"):
                owners = resolve_group(st, holder.head)
            else:
                owners = [m for c in st.kids[holder.i] if st.dep[c.i] in ("nsubj", "nsubjpass") for m in resolve_group(st, c)]
        else:
            owners = []
        if owners and st.dep[tok.head.i] == "prep" and holder.i in st.token_mention and is_animate(holder):
            # "a man in blue" -> ( man , wear , clothes ) , ( clothes , is , blue )
            clothes = st.add_mention("clothes", "clothes", tok.idx, tok.idx + len(tok.text))
            st.add_rel(owners, "wear", [clothes])
            owners = [clothes]
        for colour in conjuncts(st, tok):
            if colour.lower_ in COLOURS:
                for m in owners:
                    st.add_attr(m, adjective_text(st, colour))


def derived_adjective(st: State, mention: int, adj: Token, mods: list[Token], skip: set[int]) -> None:
    """"dark colored bowl" -> ( bowl , is , dark colored ); "blonde haired woman" ->
    ( woman , have , hair ) , ( hair , is , blonde ) (also "white faced", "long legged");
    a plain colour + "colored" is the colour. The words right before the "-ed"
    adjective belong to it; they are marked in `skip`."""
    ids = {m.i for m in mods}
    run: list[Token] = []
    j = adj.i - 1
    while j >= 0 and j in ids and st.dep[st.tokens[j].i] in ("amod", "compound", "advmod", "npadvmod", "nmod"):
        if not st.tokens[j].text.isalpha():
            break
        if run and not (st.tokens[j].lower_ in SHADES and run[0].lower_ in COLOURS):
            break  # one word, or a shade + colour: "rasta colored", "dark brown haired"
        run.insert(0, st.tokens[j])
        j -= 1
    run = [t for t in run if t.lower_ not in NON_ATTRIBUTE_ADJECTIVES] or run
    run += [c for c in st.kids[adj.i] if c.i < adj.i and c.text.isalpha() and c.i not in {t.i for t in run}]
    run.sort(key=lambda t: t.i)
    skip.update(t.i for t in run)
    skip.add(adj.i)
    words = " ".join(t.lower_ for t in run)
    low = adj.lower_
    if low in PART_ADJECTIVES:  # the part is an entity: "haired"[0:4] is "hair"
        part = add_mention(st, adj, 0, PART_ADJECTIVES[low])
        st.add_rel([mention], "have", [part])
        if words:
            st.add_attr(part, words)
    elif low in ("colored", "coloured") and len(run) == 1 and run[0].lower_ in COLOURS:
        for colour in conjuncts(st, run[0]):  # "white and yellow colored" -> white, yellow
            st.add_attr(mention, colour.lower_)
            skip.add(colour.i)
    else:
        st.add_attr(mention, f"{words} {low}" if words else low)


def set_count(st: State, mention: int, n: int, said: bool = True) -> None:
    """Record count `n` of a mention; also as an attribute ("2") unless `said` is False."""
    m = st.mentions[mention]
    if m.count is None:
        st.mentions[mention] = Mention(m.index, m.text, m.lemma, m.label, m.start, m.end, n)
    if n != 1 and said:
        st.add_attr(mention, str(n))


#: Word pairs that relate a sentence's members to each other (reciprocal).
_RECIPROCAL_PAIRS: frozenset[tuple[str, str]] = frozenset({("each", "other"), ("one", "another"), ("side", "by")})
#: Their second words (a pair is looked up only after one).
_RECIPROCAL_SECONDS: frozenset[str] = frozenset(second for _, second in _RECIPROCAL_PAIRS)


def reciprocal(st: State, noun: Token) -> bool:
    """True when the sentence of `noun` relates its members to each other ("two buses next
    to each other", "two women sitting together"): FACTUAL then writes the pair as one
    thing related to itself, with no count."""
    if len(st.sent_starts) <= 1:  # one sentence (most captions): all the tokens
        sentence = st.tokens
    else:
        start = st.sentence_start(noun.i)
        end = min((s for s in st.sent_starts if s > noun.i), default=len(st.tokens))
        sentence = st.tokens[start:end]
    prev = ""
    for t in sentence:  # (one pass, no list of words or pairs: the first match answers)
        word = t.lower_
        if word == "together" or (word in _RECIPROCAL_SECONDS and (prev, word) in _RECIPROCAL_PAIRS):
            return True
        prev = word
    return False
