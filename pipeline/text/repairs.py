"""Parser repairs: places where spaCy's small model misreads captions, found before mentions.

"a giraffe laying on the ground" (compound that is the subject of an -ing root),
"lady holding baby" (an -ing "adjective" that is a verb), "on cutting board" (a gerund that is
half of a compound noun), "a man with dark hair and a woman", "a man in a shirt and cap", "wearing jeans and a shirt is
watching", "holding a ball and a racket" (a conjunct hung on the wrong noun), "to the right of
a woman in a dress" (a phrase hung on the part noun), "two men, one in a hat" (a distributive).
"""

from __future__ import annotations

from pipeline.text.lexicon import (
    COLOURS,
    ING_NOUNS,
    MATERIALS,
    PART_NOUNS,
    PREP_HEADS,
)
from pipeline.text.coreference import conjuncts
from pipeline.text.state import State
from pipeline.text.words import ANY_SUBJECT_DEPS, NOMINAL_POS, SUBJECT_DEPS, PASSIVE_SUBJECT_DEPS, verb_lemma, Token, is_animate, is_body_part, is_clothing, is_plural


#: Labels one of the repairs of find_misplaced_conjuncts starts from (besides two "nsubj" of one verb).
_LIST_LABELS: frozenset[str] = frozenset({"conj", "appos", "nmod"})


def find_misplaced_conjuncts(st: State) -> None:
    """Coordination spaCy hangs on the wrong word, moved in `st.kids` / `st.conj_head`:
    "a man with dark hair and a woman with a scarf are walking" ("woman" coordinated with
    "hair"), lists read as appositions or modifiers, a second object coordinated with the verb,
    a second garment coordinated with its wearer, the last item of a list read as a subject.
    One pass sorts the candidate tokens by label; each repair then reads only its own."""
    if _LIST_LABELS.isdisjoint(st.dep) and st.dep.count("nsubj") < 2:
        return  # no candidate for any repair below (set look-ups and a list scan in C: cheaper than the pass)
    conjs: list[Token] = []
    apposs: list[Token] = []
    nmods: list[Token] = []
    subjects: dict[int, list[Token]] = {}
    for tok in st.tokens:
        dep = st.dep[tok.i]
        if dep == "conj":
            conjs.append(tok)
        elif dep == "appos":
            apposs.append(tok)
        elif dep == "nmod":
            nmods.append(tok)
        elif dep == "nsubj":
            subjects.setdefault(tok.head.i, []).append(tok)
    for tok in conjs:  # a person or animal coordinated with a thing inside a prepositional phrase
        if not is_animate(tok):
            continue
        near = tok.head
        if st.dep[near.i] != "pobj" or is_animate(near) or st.dep[near.head.i] != "prep":
            continue
        outer = near.head.head
        if st.pos[outer.i] not in NOMINAL_POS or not is_animate(outer) or outer.i > tok.i:
            continue
        _move_conjunct(st, tok, near, outer)
    # "wearing a hat, a white shirt and a tie": the second item of a list read as an
    # apposition (it has its own "and"), or "wears a grey hat, a blue shirt": two garments.
    for tok in apposs:
        if st.pos[tok.i] in NOMINAL_POS and (
            any(st.dep[c.i] == "cc" for c in st.kids[tok.i]) or (is_clothing(tok) and is_clothing(tok.head))
        ):
            st.conj_head[tok.i] = tok.head.i
        elif is_clothing(tok) and is_animate(tok.head) and not is_clothing(tok.head):
            # "a man in a red cap, white shirt, black shorts and sneakers": the second garment
            # is read as an apposition of the man; it continues his "in" / "with" garments.
            worn = [
                o
                for p in st.kids[tok.head.i]
                if st.dep[p.i] == "prep" and p.lower_ in ("in", "with") and p.i < tok.i
                for o in st.kids[p.i]
                if st.dep[o.i] == "pobj" and is_clothing(o) and o.right_edge.i == tok.left_edge.i - 2
            ]
            if worn:
                _move_conjunct(st, tok, tok.head, worn[-1])
    # "is wearing glasses and a scarf": spaCy coordinates the second object with the verb.
    for tok in conjs:
        verb = tok.head
        if st.pos[tok.i] not in NOMINAL_POS or st.pos[verb.i] != "VERB" or any(
            st.dep[c.i] in SUBJECT_DEPS or st.dep[c.i] in ("aux", "dobj") for c in st.kids[tok.i]
        ):
            continue
        objects = [c for c in st.kids[verb.i] if st.dep[c.i] == "dobj" and c.i < tok.i]
        if objects and any(st.dep[i] == "cc" for i in range(objects[-1].i + 1, tok.i)):
            _move_conjunct(st, tok, verb, objects[-1])
    # "a blue shirt and brown shoes": spaCy makes the first item a modifier of the last one
    # (it has the "and"); it is a conjunct.
    for tok in nmods:
        if (
            st.pos[tok.i] in NOMINAL_POS
            and tok.head.i > tok.i
            and any(st.dep[c.i] == "cc" and tok.i < c.i < tok.head.i for c in st.kids[tok.i])
        ):
            st.conj_head[tok.i] = tok.head.i
    # "a man in a dark shirt and beige cap": spaCy coordinates the second garment with the
    # man; it belongs with the garment of his "in" / "with" phrase.
    for tok in conjs:
        if not is_clothing(tok) and not any(is_clothing(c) for c in st.kids[tok.i] if st.dep[c.i] == "conj"):
            continue  # (a garment spaCy's list has a word for that no list here names: "shorts, trainers, red cap")
        person = st.tokens[st.conj_head.get(tok.i, tok.head.i)]
        if not is_animate(person) or is_clothing(person):
            continue
        worn = [
            o
            for p in st.kids[person.i]
            if st.dep[p.i] == "prep" and p.lower_ in ("in", "with") and p.i < tok.i
            for o in st.kids[p.i]
            if st.dep[o.i] == "pobj" and is_clothing(o)
        ]
        if worn:
            _move_conjunct(st, tok, person, worn[-1])
            for prep in [c for c in st.kids[tok.i] if st.dep[c.i] == "prep" and c.lower_ not in ("with", "of")]:
                st.kids[tok.i].remove(prep)  # "... and beige cap in the stands": the man is in the stands
                st.kids[person.i].append(prep)
            st.kids[person.i].sort(key=lambda t: t.i)
    # "a black hat on his head and brown pants": a garment coordinated with the body part a
    # garment is on continues the list of garments.
    for tok in conjs:
        part = st.tokens[st.conj_head.get(tok.i, tok.head.i)]
        if not is_clothing(tok) or not is_body_part(part) or is_clothing(part) or st.dep[part.i] != "pobj":
            continue
        garment = part.head.head
        if st.dep[part.head.i] == "prep" and is_clothing(garment) and garment.i < tok.i:
            _move_conjunct(st, tok, part, garment)
    # "holding a tennis ball and a tennis racket", "a cup with a lid and a green straw":
    # spaCy coordinates the last item with the noun that holds the list.
    for tok in conjs:
        near = _list_neighbour(st, tok)
        if near is not None:
            _move_conjunct(st, tok, st.tokens[st.conj_head.get(tok.i, tok.head.i)], near)
    # "a woman wearing high tops, blue jeans, and a purple shirt is watching ...": the list's
    # last item is read as a second subject of the main verb.
    for verb_i, subs in subjects.items():
        if len(subs) < 2:
            continue
        verb = st.tokens[verb_i]
        last = subs[-1]
        left = last.left_edge.i
        if left == 0:
            continue
        cc = st.tokens[left - 1]
        item = cc.head
        if st.dep[cc.i] == "cc" and item.i < left and item.i != verb.i and st.dep[item.i] in ("conj", "dobj", "pobj"):
            _move_conjunct(st, last, verb, item)


def find_part_noun_phrases(st: State) -> None:
    """"to the right of a woman in a blue dress", "in front of a man with a hat": spaCy hangs
    the phrase after the object of a multi-word preposition on the part noun ("right",
    "front"); it belongs to that object. Moved in `st.kids`."""
    for prep in st.tokens:
        if st.dep[prep.i] != "prep":
            continue
        part = prep.head
        if (
            prep.lower_ == "of"
            or part.lower_ not in PART_NOUNS
            or st.dep[part.i] != "pobj"
            or part.i > prep.i
        ):
            continue
        objs = [o for c in st.kids[part.i] if st.dep[c.i] == "prep" and c.lower_ == "of" and c.i < prep.i
                for o in st.kids[c.i] if st.dep[o.i] == "pobj"]
        worn = any(st.dep[o.i] == "pobj" and is_clothing(o) for o in st.kids[prep.i])
        if objs and st.pos[objs[-1].i] in NOMINAL_POS and objs[-1].right_edge.i == prep.i - 1 and not (
            worn and not is_animate(objs[-1])  # "on the back of a bicycle with helmets on": the riders wear them
        ):
            st.kids[part.i].remove(prep)
            st.kids[objs[-1].i].append(prep)
            st.kids[objs[-1].i].sort(key=lambda t: t.i)


#: Words that pick one member out of a plural noun ("two men, one in a blue jacket").
DISTRIBUTIVES: frozenset[str] = frozenset("one other another".split())


def find_distributives(st: State) -> None:
    """"two men, one in a blue jacket and one in a black jacket", "two people skiing, one in a
    hat": "one" / "the other" with a phrase of its own stands for the plural noun it picks
    from; recorded in `st.redirect` so its phrases are said of that noun."""
    low = st.text.lower()
    if "one" not in low and "other" not in low:  # (two searches of the text: no such word; "another" holds "other")
        return
    for tok in st.tokens:
        if tok.lower_ not in DISTRIBUTIVES or not any(st.dep[c.i] == "prep" for c in st.kids[tok.i]):
            continue
        first = st.first_conjunct(tok, limit=5)
        target = None
        if st.dep[first.i] == "appos":
            target = first.head
        elif st.dep[first.i] in ("dobj", "npadvmod") and st.pos[first.head.i] == "VERB":
            target = next((c for c in st.kids[first.head.i] if st.dep[c.i] in SUBJECT_DEPS), None)
        if target is not None and target.i < tok.i and st.pos[target.i] in NOMINAL_POS and is_plural(target):
            st.redirect[tok.i] = target.i


def _list_neighbour(st: State, tok: Token) -> Token | None:
    """The object a nominal conjunct `tok` really continues, or None.

    `tok` hangs on an earlier noun H, right after an object N inside H's phrase ("a man
    holding a ball and a racket": H = man, N = ball). It belongs to N when the "and" before
    it is N's (spaCy's own split vote), or when N is the object of a "with" on H and `tok`,
    a thing with no phrase of its own, extends that list ("a cup with a lid and a straw").
    A person after a "with" phrase ("a man with a hat and a woman") stays with H.
    """
    head = st.tokens[st.conj_head.get(tok.i, tok.head.i)]
    if head.i >= tok.i or st.pos[tok.i] not in NOMINAL_POS or st.pos[head.i] not in NOMINAL_POS:
        return None
    p = tok.left_edge.i - 1
    cc = None
    while p > head.i and st.dep[p] in ("punct", "cc"):
        if st.dep[p] == "cc":
            cc = st.tokens[p]
        p -= 1
    if p <= head.i or cc is None and st.dep[p + 1] != "punct":
        return None
    near = st.tokens[p]
    if st.pos[near.i] not in NOMINAL_POS or st.dep[near.i] not in ("dobj", "pobj", "conj"):
        return None
    up, hops = near, 0  # N must sit inside H's phrase
    while up.i != head.i and up.head.i != up.i and hops < 20:
        up, hops = st.tokens[st.conj_head.get(up.i, up.head.i)], hops + 1
    if up.i != head.i:
        return None
    if (is_animate(tok) and not is_animate(near)) or (is_clothing(tok) and is_body_part(near)):
        return None  # "a man with a hat and a woman", "a hat on his head and brown pants"
    if any(st.dep[c.i] in ("prep", "acl", "relcl") and c.lower_ != "of" for c in st.kids[tok.i]):
        return None  # "a cup on the table and a plate on the chair": a phrase of its own
    if cc is not None and cc.head.i == near.i:
        return near
    if cc is not None and _singular_subject(st, head):
        return near  # "a boy holding a ball and a bottle is standing": one subject
    if cc is None and not any(st.dep[c.i] == "cc" for c in st.kids[tok.i]):
        return None  # "buildings with windows, back-dropping a train": no list
    first = st.first_conjunct(near)
    if (
        st.dep[first.i] == "pobj"
        and first.head.lower_ == "with"
        and first.head.head.i == head.i
    ):
        return near
    return None


def _singular_subject(st: State, noun: Token) -> bool:
    """True when `noun` is the singular subject of a verb that agrees with it alone ("a boy
    ... and a bottle is standing": a coordinated subject would take "are")."""
    if st.dep[noun.i] not in ANY_SUBJECT_DEPS or is_plural(noun) is not False:
        return False
    verb = noun.head
    number = [is_plural(t) for t in [verb] + [c for c in st.kids[verb.i] if st.dep[c.i] in ("aux", "auxpass")]]
    return False in number and True not in number


def find_adjective_list_roots(st: State) -> None:
    """"red, white and blue flag on the pole": spaCy makes the first adjective of a list the
    root, the noun its last conjunct and hangs the noun's places on the adjective; the places
    after the noun are moved to the noun in the cached tree."""
    if "ADJ" not in st.pos:
        return  # (a list scan in C: no adjective to be a root)
    for root in st.tokens:
        if st.dep[root.i] != "ROOT" or st.pos[root.i] != "ADJ":
            continue
        nouns = [t for t in conjuncts(st, root) if st.pos[t.i] in NOMINAL_POS and t.i != root.i]
        if not nouns:
            continue
        noun = nouns[-1]
        moved = [
            p for p in st.kids[root.i]
            if p.i > noun.i and (st.dep[p.i] == "prep" or (st.dep[p.i] == "advmod" and p.lower_ in PREP_HEADS))
        ]
        for prep in moved:
            st.kids[root.i].remove(prep)
            st.kids[noun.i].append(prep)
        if moved:
            st.kids[noun.i].sort(key=lambda t: t.i)


def _move_conjunct(st: State, tok: Token, old_head: Token, new_head: Token) -> None:
    """Re-hang `tok` as a conjunct of `new_head` in the cached tree."""
    st.kids[old_head.i].remove(tok)
    st.kids[new_head.i].append(tok)
    st.kids[new_head.i].sort(key=lambda t: t.i)
    st.conj_head[tok.i] = new_head.i


#: A verb's own subject or auxiliary (a module constant: a set union in a generator is rebuilt per child).
_SPLIT_BLOCKERS: frozenset[str] = SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"aux", "expl"}


def find_split_subjects(st: State) -> None:
    """"a giraffe laying on the ground": spaCy makes "giraffe" a compound of an -ing root;
    the compound is really the subject of that verb. Likewise an -ing "noun" after a
    preposition ("a boy behind cake grinning at ...": the preposition's object is "cake")."""
    if not st.verbs or "ing" not in st.text.lower():  # (one search of the text: no token can end in "ing")
        return
    dep = st.dep
    for tok in st.tokens:
        d = dep[tok.i]
        if d != "ROOT" and d != "pobj":  # cheap exit: the only labels the test below lets through
            continue
        low = tok.lower_
        if not low.endswith("ing") or low in ING_NOUNS:
            continue
        placed = d == "pobj" and st.pos[tok.head.i] == "ADP" and tok.i not in st.pobj_override
        if d != "ROOT" and not placed:
            continue
        if verb_lemma(tok, st.verbs) == low:
            continue
        if any(st.dep[c.i] in _SPLIT_BLOCKERS for c in st.kids[tok.i]):
            continue
        comps = [
            c
            for c in st.kids[tok.i]
            if c.i == tok.i - 1
            and (st.dep[c.i] in ("compound", "npadvmod", "advmod") or (placed and st.dep[c.i] == "amod"))
            and (st.pos[c.i] in NOMINAL_POS or (c.lower_ in st.nouns and not c.lower_.endswith("ly")))
        ]
        if comps:
            st.split_subject[tok.i] = comps[0].i
            if placed:  # "a boy behind cake grinning at ...": the preposition's object is the noun
                st.pobj_override[tok.head.i] = comps[0]


def find_amod_verbs(st: State) -> None:
    """"lady holding baby": spaCy makes "holding" an adjective of "baby" with "lady" as its
    modifier; the -ing word is really a verb between subject and object."""
    if "amod" not in st.dep:
        return  # (a list scan in C: no candidate)
    for tok in st.tokens:
        if st.dep[tok.i] != "amod" or tok.tag_ != "VBG" or tok.head.i <= tok.i:
            continue
        subj = [
            c for c in st.kids[tok.i]
            if c.i == tok.i - 1 and st.dep[c.i] in ("npadvmod", "nmod", "compound", "nsubj") and st.pos[c.i] in NOMINAL_POS
        ]
        if not subj and tok.i > 0:
            prev = st.tokens[tok.i - 1]
            if st.pos[prev.i] in NOMINAL_POS and prev.head.i == tok.head.i and st.dep[prev.i] in ("nmod", "compound"):
                subj = [prev]
        if subj and subj[0].lower_ not in MATERIALS and subj[0].lower_ not in COLOURS:
            holder = _phrase_holder(st, tok.head) if not is_animate(subj[0]) else None
            if holder is not None:  # "player in blue hat holding racket": the player holds, "in" is the hat's
                st.amod_verbs[tok.i] = holder.i
                st.pobj_override[tok.head.head.i] = subj[0]
                continue
            st.amod_verbs[tok.i] = subj[0].i


def _phrase_holder(st: State, noun: Token) -> Token | None:
    """"tennis player in blue hat holding racket", "two men looking toward camera holding food":
    spaCy reads "hat holding racket" as one noun phrase, the object of the preposition. When that
    noun is the object of a preposition of a person or animal (or of a participle of one), that one
    is the subject of the "-ing" word. Returns it, or None."""
    if st.dep[noun.i] != "pobj" or st.dep[noun.head.i] != "prep":
        return None
    up = noun.head.head
    if st.pos[up.i] == "VERB" and st.dep[up.i] in ("acl", "relcl"):
        up = up.head
    return up if is_animate(up) and up.i < noun.i else None


def gerund_compound(st: State, tok: Token) -> Token | None:
    """"on cutting board": spaCy reads "cutting" as a gerund with object "board"; return the
    gerund when it is really the first half of a compound noun, else None."""
    if st.dep[tok.i] != "dobj" or tok.i == 0:
        return None
    ger = st.tokens[tok.i - 1]
    if (
        ger.tag_ == "VBG"
        and tok.head.i == ger.i
        and st.dep[ger.i] == "pcomp"
        and st.pos[ger.head.i] == "ADP"
        and len(list(st.kids[ger.i])) == 1
    ):
        return ger
    return None


#: Verbs of position or motion whose last word is a stranded preposition in a caption like
#: "ground giraffes are standing on" (the ground they stand on).
STRANDING_VERBS: frozenset[str] = frozenset(
    "sit stand lie lay lean rest walk run fly surf ride drive park float sail skate ski swim graze perch hang".split()
)


def find_fronted_compounds(st: State) -> None:
    """"ground giraffes are standing on", "blue sky bird is flying in": a caption that opens
    with the place, no determiner, then the subject and a verb ending on its preposition. spaCy
    reads the place as a compound of the subject; it is a noun of its own, fronted before the
    clause (verbs.stranded_target takes it as the preposition's object). Re-hung in `st.kids`
    as a "dep" child of the verb (`st.dep` changed for that token only)."""
    end = len(st.tokens) - 1
    while end > 0 and st.dep[end] == "punct":
        end -= 1
    prep = st.tokens[end]
    verb = prep.head
    if (
        end < 3
        or prep.tag_ != "IN"
        or st.kids[prep.i]
        or st.dep[prep.i] not in ("prep", "prt", "advmod")
        or st.dep[verb.i] != "ROOT"
        or verb_lemma(verb, st.verbs) not in STRANDING_VERBS
    ):
        return
    subjects = [c for c in st.kids[verb.i] if st.dep[c.i] in SUBJECT_DEPS and c.i < verb.i]
    if len(subjects) != 1 or any(st.dep[c.i] == "appos" for c in st.kids[subjects[0].i]):
        return
    subject = subjects[0]
    if any(not (t.head.i == verb.i and st.dep[t.i] in ("aux", "auxpass", "neg", "advmod")) for t in st.tokens[subject.right_edge.i + 1 : verb.i]):
        return  # the subject's phrase must run up to the verb ("tall tree branch little bird is sitting on" is no such caption)
    fronted = [c for c in st.kids[subject.i] if st.dep[c.i] in ("compound", "nmod") and st.pos[c.i] in NOMINAL_POS and c.i < subject.i]
    if not fronted or not all(st.dep[t.i] in ("amod", "compound", "nmod") for t in st.tokens[: fronted[-1].i]):
        return  # "the tennis player is holding on": a determiner opens a plain compound name
    place = fronted[-1]
    st.kids[subject.i].remove(place)
    st.kids[verb.i].append(place)
    st.kids[verb.i].sort(key=lambda t: t.i)
    st.dep[place.i] = "dep"


#: Labels of the noun before a noun-tagged verb that find_noun_verbs reads as its subject.
_NOUN_VERB_SUBJECT_DEPS: frozenset[str] = frozenset({"compound", "amod", "nsubj"})
#: Determiners that count one: "a white top walks" is one top that walks, not a "top walks".
_SINGULAR_DETS: frozenset[str] = frozenset("a an one this that each every".split())
#: Dependents that show a noun-tagged word acts as a verb ("walks near", "attaches to", "pointing in").
_VERB_KID_DEPS: frozenset[str] = frozenset({"prep", "advmod", "acl", "xcomp", "prt", "agent"})
#: Dependents that show a noun-tagged word already has its own subject or owner (built once, not per child).
_OWN_SUBJECT_DEPS: frozenset[str] = SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"aux", "expl", "poss"}
#: Dependents before the subject that are the subject's own ("a pink top", "the garden hose").
_NOUN_KID_DEPS: frozenset[str] = frozenset({"det", "amod", "nummod", "compound", "nmod", "poss"})


def find_noun_verbs(st: State) -> None:
    """"a white top walks near a van", "where the pole attaches to the wall", "an arrow pointing
    in the right direction": spaCy tags the verb as a noun with the noun before it as its
    compound, making one entity ("top walks"). When the word is a verb form (a known verb lemma,
    "-s" or "-ing"), its compound is the noun right before it, and it has a verb's dependent
    (a preposition, an adverb, a clause), the compound is read as the subject of that verb."""
    if not st.verbs or _NOUN_VERB_SUBJECT_DEPS.isdisjoint(st.dep):
        return  # (set look-ups in C: no token can be the subject compound below)
    for tok in st.tokens:
        tag = tok.tag_
        # A verb form first: "-s" tagged NNS or "-ing" tagged NN (the word's own tag and
        # suffix are the cheapest tests, and the "-ing" one rules out most nouns at once).
        if tag == "NNS":
            if not tok.lower_.endswith("s"):
                continue
        elif tag != "NN" or not tok.lower_.endswith("ing"):
            continue
        if tok.i == 0 or tok.i in st.split_subject:
            continue
        prev = st.tokens[tok.i - 1]
        if prev.head.i != tok.i or st.dep[prev.i] not in _NOUN_VERB_SUBJECT_DEPS:
            continue  # ("where the rubber hose attaches to": a subject, the verb tagged NNS)
        if (st.pos[prev.i] not in NOMINAL_POS or st.dep[prev.i] == "amod") and prev.lower_ not in st.nouns:
            continue  # ("a pink top walks": "top" tagged as an adjective)
        low = tok.lower_
        kids = st.kids[tok.i]
        for c in kids:  # (a plain loop: a generator in any() costs more than the test)
            if c.i > tok.i and st.dep[c.i] in _VERB_KID_DEPS:
                break
        else:
            continue  # no verb's dependent after it
        if any(st.dep[c.i] in _OWN_SUBJECT_DEPS and c.i != prev.i for c in kids):
            continue
        if tag == "NNS":  # (ends in "s")
            lemma = next((c for c in (low[:-1], low[:-2], low[:-3] + "y") if c in st.verbs), "")
            if not lemma:
                continue  # ("attaches": spaCy's noun lemma is "attache")
            if lemma in COLOURS or prev.lower_ in MATERIALS or prev.lower_ in COLOURS:
                continue  # "metal shelves on the wall"
            if lemma in st.nouns and not any(st.dep[c.i] == "det" and c.lower_ in _SINGULAR_DETS for c in kids):
                continue  # "cake slices on it": a plural noun unless one thing is counted
        elif low in ING_NOUNS or verb_lemma(tok, st.verbs) == low:  # (tagged NN, ends in "ing")
            continue
        st.split_subject[tok.i] = prev.i
        moved = [c for c in kids if c.i < prev.i and st.dep[c.i] in _NOUN_KID_DEPS]
        if moved:  # "a pink top walks": the adjectives and determiner belong to the subject
            st.kids[tok.i] = [c for c in kids if c.i >= prev.i]
            st.kids[prev.i] = sorted(list(st.kids[prev.i]) + moved, key=lambda t: t.i)
