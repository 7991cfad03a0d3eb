"""Possession and containment: "man's hat", "seat of the toilet", "plate of food",
"bowl with flowers in it", "vase with flowers on the table", "bird has beak" misparsed; and
what a "with" phrase really says: absolute phrases about the holder's body ("with a cup in
his hand", "with one foot on the wall"), a with-object's own participle ("with a surfboard
mounted on its roof"), "with a dash inside", and things that are not there ("without leaves")."""

from __future__ import annotations

from pipeline.text.lexicon import (
    ANIMATE_PRONOUNS,
    EXTENT_NOUNS,
    BODY_PARTS,
    HOLDER_PARTICIPLES,
    CONTAINERS_IN,
    CONTAINERS_ON,
    PART_NOUNS,
    POSSESSIVE_PRONOUNS,
    THING_REFERENCES,
)
from pipeline.text.coreference import earlier_mention, main_subject, resolve, resolve_group
from pipeline.text.mentions import bare_part, part_preposition
from pipeline.text.state import State
from pipeline.text.words import ANY_SUBJECT_DEPS, CLAUSE_DEPS, SUBJECT_DEPS, Token, is_animate, is_body_part, is_clothing, verb_lemma



def possessive_relations(st: State, noun: Token, mention: int) -> None:
    """"man's hat" -> ( man , have , hat ); a body part after a preposition or as a subject
    with a possessive pronoun: "a cup in his hand" -> ( man , have , hand ) (the owner is the
    sentence's subject), and so any thing after "its" but a part noun ("a van with a surfboard
    on its roof" -> ( van , have , roof )). A possessed object of a verb ("raises its head") says no more.
    (rules.relations calls it only for a noun with a "poss" child or a "pobj" noun: nothing fires otherwise.)"""
    for c in st.kids[noun.i]:
        if st.dep[c.i] != "poss":
            continue
        if st.pos[c.i] != "PRON":
            st.add_rel(resolve(st, c, avoid=[mention]), "have", [mention])
        elif c.lower_ in POSSESSIVE_PRONOUNS and st.dep[noun.i] in ("pobj", "nsubj", "nsubjpass") and (
            is_body_part(noun) or (c.lower_ == "its" and noun.lower_ not in PART_NOUNS)
        ):  # "a van with a surfboard on its roof" -> ( van , have , roof )
            owners = [o for o in pronoun_owner(st, c) if o != mention] or earlier_mention(st, c, {mention})
            if c.lower_ != "its" and not any(person_token(st, t) for t, m in st.token_mention.items() if m in owners):
                people = [t for t in st.token_mention if t < c.i and person_token(st, t)]
                if people:  # "a cap on the man ... on his shoulder": "his" is a person's
                    owners = [st.token_mention[max(people)]]
            st.add_rel(owners, "have", [mention])
    if st.dep[noun.i] == "pobj" and bare_body_part(st, noun):  # "a man leaning on a wall with one foot on it" -> ( man , have , foot )
        st.add_rel([o for o in pronoun_owner(st, noun) if o != mention], "have", [mention])


def person_token(st: State, i: int) -> bool:
    """True if token `i` names a person or animal ("woman", "dog") or is a personal pronoun ("she")."""
    tok = st.tokens[i]
    return is_animate(tok) or (st.pos[i] == "PRON" and tok.lower_ in ANIMATE_PRONOUNS)


def bare_body_part(st: State, obj: Token) -> bool:
    """True for "with one foot on the wall", "with hand on mouth": a body part after "with",
    with no article or possessive (a count may stand before it), followed by where it is. The
    part is the holder's own, like "with her foot on the wall"."""
    if st.dep[obj.i] != "pobj" or obj.head.lower_ != "with" or not is_body_part(obj):
        return False
    if any((st.dep[c.i] in ("det", "poss") and c.lower_ != "both") or st.dep[c.i] == "conj" for c in st.kids[obj.i]):
        return False
    places = [c for c in st.kids[obj.i] if st.dep[c.i] == "prep" and c.i > obj.i]
    after = obj.right_edge.i + 1  # "with hand on mouth": spaCy hangs the place on the holder (or above it)
    if not places and after < len(st.tokens) and st.dep[after] == "prep":
        cur, hops = obj.head.head, 0
        while hops < 4 and not places:
            if st.tokens[after].head.i == cur.i:
                places = [st.tokens[after]]
            cur, hops = cur.head, hops + 1
    # a garment after it is what the holder wears ("with short hair in a bikini")
    return any(st.dep[o.i] == "pobj" and not is_clothing(o) for p in places for o in st.kids[p.i])


def companion_of_subject(st: State, noun: Token, objs: list[Token]) -> bool:
    """True for "the man is in the water with the elephant", "a girl sitting on a bench with her
    dog": a person or animal after "with" on a place the subject is at (the object of a verb's
    preposition, no person itself) is with the subject, not with the place."""
    if not objs or not all(map(is_animate, objs)) or is_animate(noun):
        return False
    return st.dep[noun.i] == "pobj" and st.pos[noun.head.head.i] in ("VERB", "AUX")


def possessed_by_pronoun(st: State, noun: Token) -> bool:
    """True for "its wheels", "her hand": `noun` has a possessive pronoun."""
    return any(st.dep[c.i] == "poss" and c.lower_ in POSSESSIVE_PRONOUNS for c in st.kids[noun.i])


def absolute_with(st: State, obj: Token) -> bool:
    """True when the object of "with" opens an absolute phrase about the holder's own body:
    "with the toothbrush in her mouth", "with their arms up", "with fork in her hand". Its
    relations are said by the inner preposition and the possession ("her mouth"), so no
    ( X , with , obj ) is said; in particular not for the noun spaCy hangs the phrase near."""
    if bare_body_part(st, obj):
        return True
    if possessed_by_pronoun(st, obj) and is_body_part(obj):
        return any(st.dep[c.i] in ("advmod", "prt", "amod", "prep") and c.i > obj.i for c in st.kids[obj.i]) or any(
            st.dep[c.i] in ("advmod", "prt") and c.i > obj.i for c in st.kids[obj.head.head.i]
        ) or stray_prep(st, obj) is not None  # "with their arms up"; not the instrument "eating hay with its trunk"
    stray = None  # "two women with knives in their hands": spaCy hangs the place on the women
    if not any(st.dep[c.i] == "conj" for c in st.kids[obj.i]):  # not "with hair and glasses on his head"
        stray = stray_prep(st, obj)
    for prep in st.kids[obj.i] + ([stray] if stray is not None else []):
        if st.dep[prep.i] == "prep":
            for o in st.kids[prep.i]:
                if st.dep[o.i] == "pobj" and possessed_by_pronoun(st, o) and is_body_part(o):
                    return True
    return False


def stray_prep(st: State, obj: Token) -> Token | None:
    """"wearing a cap with his hands in his pockets": spaCy hangs "in his pockets" on the verb;
    a preposition right after a "with" object, on the same verb, whose own object has a
    possessive pronoun belongs to the with-object. Returns that preposition or None."""
    if st.dep[obj.i] != "pobj" or st.dep[obj.head.i] != "prep":
        return None
    verb = obj.head.head
    for p in st.kids[verb.i]:
        if st.dep[p.i] == "prep" and p.i > obj.i and p.i == obj.right_edge.i + 1:  # (the edge, a spaCy read, last)
            if any(st.dep[o.i] == "pobj" and possessed_by_pronoun(st, o) for o in st.kids[p.i]):
                return p
    return None


def subject_mentions(st: State, subject: Token) -> list[int]:
    """Mentions a subject stands for; "one of them" -> what "them" stands for."""
    found = resolve(st, subject)
    if found:
        return found
    for prep in st.kids[subject.i]:
        if st.dep[prep.i] == "prep" and prep.lower_ == "of":
            for o in st.kids[prep.i]:
                if st.dep[o.i] == "pobj":
                    return resolve(st, o)
    return []


def pronoun_owner(st: State, pron: Token) -> list[int]:
    """Owner of "his/her/its/their": the subject of the nearest clause above the pronoun (a
    participle on a noun is skipped: "a bird has a feather sticking out from its head" ->
    bird; a subject that is an owner's body part hands it on: "the dog's tail is longer than
    its legs" -> dog); else the sentence's subject."""
    cur, hops = pron.head, 0
    while cur.head.i != cur.i and hops < 30:
        if st.pos[cur.i] in ("VERB", "AUX") and st.dep[cur.i] != "acl":
            subjects = [c for c in st.kids[cur.i] if st.dep[c.i] in ANY_SUBJECT_DEPS]
            if subjects:
                owners = part_owner(st, subjects[0]) or subject_mentions(st, subjects[0])
                if owners:
                    return owners
                break
            if st.dep[cur.i] == "relcl":
                return resolve(st, cur.head)
        cur, hops = cur.head, hops + 1
    subjects = [c for c in st.kids[cur.i] if st.dep[c.i] in ANY_SUBJECT_DEPS]
    if subjects:
        owners = part_owner(st, subjects[0]) or subject_mentions(st, subjects[0])
        if owners:
            return owners
    owner = main_subject(st, pron)
    return [owner] if owner is not None else []


def part_owner(st: State, subject: Token) -> list[int]:
    """"the dog's tail is longer than its legs": a subject that is a body part of a named owner
    ("dog's", "of the dog") hands "its" / "his" on to that owner. Returns the owner's mentions or []."""
    if not is_body_part(subject):
        return []
    for c in st.kids[subject.i]:
        if st.dep[c.i] == "poss" and st.pos[c.i] != "PRON":
            return resolve(st, c)
        if st.dep[c.i] == "prep" and c.lower_ == "of":
            for o in st.kids[c.i]:
                if st.dep[o.i] == "pobj" and is_animate(o):
                    return resolve(st, o)
    return []


def have_root_relations(st: State, noun: Token, mention: int) -> None:
    """"the bird has beak" parsed with "has" as an auxiliary of the noun. (rules.relations calls it only
    when a child is an "aux": nothing here fires without one.)"""
    for aux in st.kids[noun.i]:
        if st.dep[aux.i] == "aux" and aux.lemma_.lower() == "have":
            break
    else:
        return
    for c in list(st.kids[noun.i]) + list(st.kids[aux.i]):
        if st.dep[c.i] in SUBJECT_DEPS:
            st.add_rel(resolve_group(st, c), "have", resolve_group(st, noun))


def of_relation(st: State, noun: Token, obj: Token, subs: list[int], targets: list[int]) -> None:
    """"seat of the toilet" -> ( toilet , have , seat ); "plate of food" -> ( food , on , plate )."""
    lemma = noun.lemma_.lower()
    if lemma in CONTAINERS_ON or noun.lower_ in CONTAINERS_ON:
        st.add_rel(targets, "on", subs)
    elif lemma in CONTAINERS_IN or noun.lower_ in CONTAINERS_IN:
        st.add_rel(targets, "in", subs)
    elif lemma not in EXTENT_NOUNS and noun.lower_ not in EXTENT_NOUNS:  # "a body of water": no part
        st.add_rel(targets, "have", subs)


def container_pronoun(st: State, noun: Token, prep: Token, predicate: str, objs: list[Token]) -> bool:
    """"a bowl with flowers in it" -> ( flowers , in , bowl ); True if it applied."""
    if len(objs) != 1:
        return False
    obj = objs[0]
    if obj.lower_ in PART_NOUNS and not any(st.dep[c.i] == "prep" for c in st.kids[obj.i]) and st.dep[obj.i] == "pobj":
        predicate = f"{part_preposition(prep.lower_, obj.lower_)} {obj.lower_} of"  # "on top"
    elif obj.lower_ not in THING_REFERENCES:
        return False
    withs = [
        o
        for p in st.kids[noun.i]
        if st.dep[p.i] == "prep" and p.lower_ == "with" and p.i < prep.i
        for o in st.kids[p.i]
        if st.dep[o.i] == "pobj"
    ]
    if not withs and st.dep[noun.i] == "pobj" and noun.head.lower_ == "with":
        holder = noun.head.head
        if st.pos[holder.i] in ("VERB", "AUX"):  # "holding an umbrella with a logo on it"
            objects = [c for c in st.kids[holder.i] if st.dep[c.i] == "dobj"]
            holder = objects[0] if objects else holder
        if holder.i in st.token_mention:
            st.add_rel(resolve_group(st, noun), predicate, resolve(st, holder))
            return True
        return False
    if not withs:
        return False
    st.add_rel(resolve_group(st, withs[0]), predicate, resolve(st, noun))
    return True


def inside_with(st: State, noun: Token, prep: Token, objs: list[Token]) -> Token | None:
    """"a circle with a white dash inside", "glasses with dark liquid inside of them": the
    "inside" after a with-object says where it is. Returns that "inside" token, or None."""
    if prep.lower_ != "with" or len(objs) != 1:
        return None
    for c in st.kids[objs[0].i]:  # "with a dash inside"
        if st.dep[c.i] == "advmod" and c.lower_ == "inside" and c.i > objs[0].i and not st.kids[c.i]:
            return c
    for c in st.kids[noun.i]:  # "with liquid inside of them": spaCy hangs it on the holder
        if st.dep[c.i] == "advmod" and c.lower_ == "inside" and c.i == objs[0].right_edge.i + 1 and all(
            o.lower_ in THING_REFERENCES for p in st.kids[c.i] for o in st.kids[p.i] if st.dep[o.i] == "pobj"
        ):
            return c
    return None


def with_points_back(st: State, noun: Token, prep: Token) -> bool:
    """True for "bowl with flowers in it" / "cake with a candle on top": the with-object's
    own relation to the noun is said later, so ( X , with , Y ) is left out."""
    refs = THING_REFERENCES
    stack = [(prep, False)]  # a bare part inside a clause is not the holder's ("with a beak, perched on the side")
    while stack:
        t, in_clause = stack.pop()
        if t.i != prep.i and st.dep[t.i] == "pobj" and (
            t.lower_ in refs or (t.lower_ in PART_NOUNS and bare_part(st, t) and not in_clause)
        ):
            return True
        for c in st.kids[t.i]:  # (a plain loop: cheaper than extend over a generator)
            stack.append((c, in_clause or st.dep[c.i] in CLAUSE_DEPS))
    for p in st.kids[noun.i]:
        if st.dep[p.i] == "prep" and p.i > prep.i:
            nested = [t for q in st.kids[p.i] if st.dep[q.i] == "prep" for t in st.kids[q.i]]  # "inside of them"
            for t in st.kids[p.i] + nested:
                if st.dep[t.i] == "pobj" and (t.lower_ in refs or (t.lower_ in PART_NOUNS and bare_part(st, t))):
                    return True
    return False


def with_participle_subject(st: State, verb: Token, nsubjs: list[Token]) -> Token | None:
    """"a vehicle with a surfboard mounted on its roof": a bare past participle as the root right
    after a "with" object of its subject is said of that object (the surfboard is mounted), not of
    the subject spaCy gives it; so is a past form spaCy reads as a finite verb when its place
    points back at the holder ("a fence with cups stuck in it"). Returns that with-object, or None."""
    if st.dep[verb.i] != "ROOT" or len(nsubjs) != 1:
        return None
    if verb.tag_ != "VBN" and not (verb.tag_ == "VBD" and points_back(st, verb)):
        return None
    if verb_lemma(verb, st.verbs) in HOLDER_PARTICIPLES or any(st.dep[c.i] in ("aux", "auxpass") for c in st.kids[verb.i]):
        return None
    for prep in st.kids[nsubjs[0].i]:
        if st.dep[prep.i] == "prep" and prep.lower_ == "with":
            objs = [o for o in st.kids[prep.i] if st.dep[o.i] == "pobj"]
            if objs and objs[-1].right_edge.i == verb.i - 1 and not is_animate(objs[-1]):
                return objs[-1]
    return None


def points_back(st: State, verb: Token) -> bool:
    """True when a preposition of `verb` has "it" / "them" as its object ("stuck in it")."""
    return any(
        st.dep[o.i] == "pobj" and o.lower_ in THING_REFERENCES
        for p in st.kids[verb.i]
        if st.dep[p.i] == "prep"
        for o in st.kids[p.i]
    )


def said_by_participle(st: State, noun: Token, obj: Token) -> bool:
    """True for "a vehicle with a surfboard mounted on its roof": the with-object `obj` of
    `noun` is the subject of the participle after it, whose place says where it is; no
    ( vehicle , with , surfboard ) is said."""
    verb = noun.head
    inner = with_participle_subject(st, verb, [noun]) if st.dep[noun.i] in SUBJECT_DEPS else None
    if inner is None or inner.i != obj.i:
        return False
    nsubjs = [c for c in st.kids[verb.i] if st.dep[c.i] in SUBJECT_DEPS]
    return len(nsubjs) == 1 and any(
        st.dep[p.i] == "prep" and any(st.dep[o.i] == "pobj" for o in st.kids[p.i]) for p in st.kids[verb.i]
    )


def absent(st: State, prep: Token, objs: list[Token]) -> bool:
    """True for "a tree without leaves", "a tree with no leaves": the object is not there, so
    nothing is said of it and the holder."""
    if prep.lower_ == "without":
        return True
    return prep.lower_ == "with" and bool(objs) and all(
        any(st.dep[c.i] == "det" and c.lower_ == "no" for c in st.kids[o.i]) for o in objs
    )


def location_holder(st: State, noun: Token, prep: Token, objs: list[Token]) -> Token | None:
    """"vase with flowers on the table", "mug of coffee on the table": spaCy hangs the
    location on the inner noun; it belongs to the outer one. Returns the outer noun or None."""
    if prep.lower_ in ("with", "of") or st.dep[noun.i] != "pobj":
        return None
    inner_prep = noun.head
    outer = inner_prep.head
    if outer.i in st.token_mention and absent(st, inner_prep, [noun]):
        return outer  # "a tree without leaves in the foreground": the tree is there
    if outer.i not in st.token_mention or st.dep[outer.i] not in ("ROOT", "nsubj", "nsubjpass"):
        return None
    if inner_prep.lower_ == "with":
        if any(st.pos[o.i] == "PRON" or o.lower_ in PART_NOUNS or o.lemma_.lower() in BODY_PARTS for o in objs):
            return None
        if any(st.dep[c.i] == "poss" for c in st.kids[noun.i]):  # "with its paw on ..."
            return None
        return outer
    if inner_prep.lower_ == "of" and (
        outer.lemma_.lower() in CONTAINERS_IN | CONTAINERS_ON or outer.lower_ in CONTAINERS_IN | CONTAINERS_ON
    ):
        return outer
    return None
