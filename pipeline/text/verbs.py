"""Verbs and passives: subject-verb-object, verb + preposition, passive agents, copula
complements, participles, stranded objects ("the kite the boy is flying")."""

from __future__ import annotations

from pipeline.text.lexicon import (
    COLOURS,
    LOCATIVE_ADVERBS,
    PROPERTY_NOUNS,
    PART_NOUNS,
    PREP_HEADS,
    PREP_HEAD_CANON,
    RELATIVE_PRONOUNS,
    THING_REFERENCES,
)
from pipeline.text.attributes import adjective_text, set_count
from pipeline.text.coreference import attachment_group, clause_holder, conjuncts, resolve, resolve_group
from pipeline.text.possession import absolute_with, of_relation, stray_prep, with_participle_subject, with_points_back
from pipeline.text.prepositions import adjective_prep_relations, picture_place, subject_in_scene, garment_predicate, prep_head_relations, prep_object, time_object
from pipeline.text.mentions import part_preposition
from pipeline.text.state import State
from pipeline.text.words import ANY_SUBJECT_DEPS, SUBJECT_DEPS, PASSIVE_SUBJECT_DEPS, OBJECT_DEPS, CLAUSE_DEPS, COPULAS, LINKING_VERBS, INTRANSITIVE_BLOCKERS, parse_number, verb_lemma, Token, is_animate, is_body_part, is_clothing, is_plural


def verb_subjects(st: State, verb: Token) -> tuple[list[int], bool]:
    """(subject mentions, is_passive) of a verb, following clauses and coordination."""
    if verb.i in st.amod_verbs:
        return resolve(st, st.tokens[st.amod_verbs[verb.i]]), False
    if verb.i in st.split_subject:
        holder = verb.head.head
        if st.dep[verb.i] == "pobj" and holder.i in st.token_mention and is_animate(holder):
            return resolve(st, holder), False  # "a boy behind cake grinning at ...": the boy grins
        return resolve(st, st.tokens[st.split_subject[verb.i]]), False
    subs: list[int] = []
    passive = False
    kids = st.kids[verb.i]
    nsubjs: list[Token] = []
    others = False  # a passive subject or "there" (most verbs without a subject have neither)
    for c in kids:  # (a plain loop: cheaper than a comprehension for a few children)
        dep = st.dep[c.i]
        if dep in SUBJECT_DEPS:
            nsubjs.append(c)
        elif dep in PASSIVE_SUBJECT_DEPS or dep == "expl":
            others = True
    for c in kids if nsubjs or others else ():
        dep = st.dep[c.i]
        if dep in SUBJECT_DEPS:
            if c.i != nsubjs[-1].i and not any(st.dep[k.i] == "cc" for k in st.kids[c.i]):
                continue  # "the kite the boy is flying"; but "a man ... and a woman ... are walking"
            subs.extend(resolve_group(st, c))
        elif dep in PASSIVE_SUBJECT_DEPS:
            subs.extend(resolve_group(st, c))
            passive = True
        elif dep == "expl":
            for a in st.kids[verb.i]:
                if st.dep[a.i] == "attr":
                    subs.extend(resolve_group(st, a))
    if subs:
        inner = with_participle_subject(st, verb, nsubjs)
        if inner is not None:
            return resolve_group(st, inner), True
        return subs, passive
    if st.dep[verb.i] in CLAUSE_DEPS:
        passive = verb.tag_ == "VBN"
        holder = clause_holder(st, verb)
        if holder.i != verb.head.i:
            return resolve_group(st, holder), passive
        return attachment_group(st, verb.head, verb.i), passive
    hops = 0
    cur = verb
    while (
        st.dep[cur.i] in ("conj", "xcomp", "advcl", "ccomp")
        or (st.dep[cur.i] == "acomp" and st.pos[cur.i] == "ADJ" and hops)  # "is getting ready to serve the ball"
    ) and cur.head.i != cur.i and hops < 5:
        cur = cur.head
        hops += 1
        if cur.i in st.token_mention:
            return [st.token_mention[cur.i]], False
        if st.pos[cur.i] in ("VERB", "AUX"):
            s, p = verb_subjects(st, cur)
            if s:
                return s, (p if st.dep[verb.i] == "conj" else False)
    return [], False


#: Places that, right after another place's object, say where that object is ("standing
#: behind the cake on the table" -> ( cake , on , table )).
CHAIN_PREPOSITIONS: frozenset[str] = frozenset("in on at behind under above below inside".split())
#: Of those, the ones said of the subject after an area it is in ("standing in a paddock
#: behind a fence" -> the horses are behind the fence).
AREA_PREPOSITIONS: frozenset[str] = frozenset("behind above below".split())


#: Prepositions of a path; a place right after a path's object is said of the one moving.
PATH_PREPOSITIONS: frozenset[str] = frozenset("across along through down up past".split())


def noun_before(st: State, verb: Token, prep: Token) -> Token | None:
    """"standing next to a bicycle with a basket": spaCy hangs the "with" phrase on the verb;
    when it directly follows another prepositional object of the verb (not a person or
    animal), it belongs to that noun. Returns the noun or None."""
    for other in st.kids[verb.i]:
        if other.i >= prep.i or st.dep[other.i] not in ("prep", "advmod"):
            continue
        for pobj in st.subtree(other):
            if (  # (the edge last: a spaCy read; a token's right edge is never before it)
                st.dep[pobj.i] == "pobj"
                and pobj.i < prep.i
                and pobj.i in st.token_mention
                and pobj.right_edge.i == prep.i - 1
                and not is_animate(pobj)
            ):
                return pobj
    return None


#: Posture and motion verbs whose "up" / "down" FACTUAL leaves out before a place ("sitting
#: down on the ground" -> sit on, "jumping up in the air" -> jump in).
POSTURE_VERBS: frozenset[str] = frozenset("sit lay lie stand jump lean look bend kneel crouch spray squat".split())


#: Verbs of moving that take no object ("the path the man is walking along the river").
MOTION_VERBS: frozenset[str] = frozenset("walk run go come move swim travel head".split())


#: Verbs that move or keep their object somewhere: a place after the object says where the
#: object is ("holding a plate above the water", "carrying a dog in a backpack").
CARRY_VERBS: frozenset[str] = frozenset("hold carry keep raise lift put place balance hang rest".split())


#: ... but not these, said of the subject (a path it moves along, where it is, what for).
NOT_OBJECT_PLACES: frozenset[str] = frozenset("with for like as by to at across along through past toward towards around down up".split())


#: Participles of putting something somewhere: "parked by the building" says where, not who.
PLACING_VERBS: frozenset[str] = frozenset("park locate situate position place leave stack line".split())


def placed_base(lemma: str, base: str) -> str:
    """The verb part of a verb + preposition predicate: `base` without "up" / "down" for a
    posture verb."""
    if lemma in POSTURE_VERBS:
        return " ".join(w for i, w in enumerate(base.split()) if i == 0 or w not in ("up", "down"))
    return base


def wearer_before(st: State, verb: Token, prep: Token) -> Token | None:
    """"ridden by a player in a yellow shirt", "you can see a woman in a pink dress": spaCy
    hangs the garment phrase on the verb; right after the verb's object or agent, a person or
    animal, it says what that one wears. Returns the wearer or None."""
    for c in st.kids[verb.i]:
        cands = [c] if st.dep[c.i] in OBJECT_DEPS else [o for o in st.kids[c.i] if st.dep[o.i] == "pobj"] if st.dep[c.i] == "agent" else []
        for t in cands:
            if t.right_edge.i == prep.i - 1 and t.i in st.token_mention and is_animate(t):
                return t
    return None


def placeable(st: State, noun: Token) -> bool:
    """True for a noun a place can be said of ("standing behind the cake on the table"): not
    a colour, property or body part, nor the object of "with" ("with one foot on the wall")."""
    low = noun.lemma_.lower()
    return not (
        low in COLOURS or low in PROPERTY_NOUNS or is_body_part(noun) or is_clothing(noun)
        or (st.dep[noun.i] == "pobj" and noun.head.lower_ in ("with", "by", "like"))
    )


def _det_gap(st: State, start: int, end: int) -> int:
    """Number of determiners / adjectives between token `start` and the noun at `end`."""
    return sum(1 for t in st.tokens[start:end] if st.dep[t.i] in ("det", "amod", "compound", "nummod", "poss"))


#: Module constants for verb_relations / stranded_target / adjectival_root (a set union in a
#: generator expression is rebuilt for every child).
_OBJECT_OR_DATIVE: frozenset[str] = OBJECT_DEPS | {"dative"}
_CLAUSE_OR_CCOMP: frozenset[str] = CLAUSE_DEPS | {"ccomp"}
_ROOT_PARTICIPLE_BLOCKERS: frozenset[str] = SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS | {"expl", "aux", "auxpass"}
#: Children of a verb that can head "next to", "out of" (verb_relations).
_PREP_HEAD_DEPS: frozenset[str] = frozenset({"advmod", "prep", "acomp", "prt"})


def verb_relations(st: State, verb: Token) -> None:
    """Subject-verb-object, verb+preposition, passive agent, copula relations."""
    lemma = verb_lemma(verb, st.verbs)
    if adjectival_root(st, verb):
        return
    subs, passive = verb_subjects(st, verb)
    if subs and not passive and lemma in PERSON_VERBS:
        subs = [worn_by(st, m) for m in subs]
    is_copula = lemma in COPULAS
    stranded = stranded_target(st, verb)
    if stranded is not None:
        subs = [s for s in subs if s not in stranded[1]] or subs
    # The kinds of the verb's children: each loop over the children below runs only when a
    # child of its kind is there (most verbs have two or three children).
    kinds = {st.dep[c.i] for c in st.kids[verb.i]}
    particles = [
        c.lower_ for c in st.kids[verb.i] if st.dep[c.i] == "prt" and not any(st.dep[o.i] == "pobj" for o in st.kids[c.i])
    ] if "prt" in kinds else []
    # "going down a slope" parsed as a childless preposition + direct object: "go down" + slope
    if "prep" in kinds and "dobj" in kinds:
        for c in st.kids[verb.i]:
            if (
                st.dep[c.i] == "prep" and c.i > verb.i and not st.kids[c.i]
                and any(st.dep[o.i] == "dobj" and o.i == c.right_edge.i + 1 + _det_gap(st, c.i + 1, o.i) for o in st.kids[verb.i])
            ):
                particles.append(c.lower_)
    # "stairs leading up to a building": a childless "up" right before the verb's preposition
    if "prep" in kinds or "advmod" in kinds:
        for c in st.kids[verb.i]:
            if (
                st.dep[c.i] in ("prep", "advmod") and c.lower_ in ("up", "down") and c.i > verb.i and not st.kids[c.i]
                and c.i + 1 < len(st.tokens) and st.dep[c.i + 1] == "prep" and st.tokens[c.i + 1].head.i == verb.i
            ):
                particles.append(c.lower_)
    if lemma == "have" and any(
        c.lower_ == "on" and st.dep[c.i] in ("prt", "advmod", "prep") and not st.kids[c.i]
        for c in st.kids[verb.i]
    ):  # "has a helmet on"
        lemma, particles = "wear", []
    elif lemma == "have" and particles:  # "has their arms up" -> ( arms , is , up )
        for c in st.kids[verb.i]:
            if st.dep[c.i] in OBJECT_DEPS:
                for m in resolve_group(st, c):
                    for prt in particles:
                        st.add_attr(m, prt)
        particles = []
    base = " ".join([lemma, *particles]) if particles else lemma
    agents: list[int] = []
    for c in st.kids[verb.i] if "agent" in kinds else ():
        if st.dep[c.i] == "agent" and lemma in PLACING_VERBS and not any(is_animate(o) for o in st.kids[c.i]):
            predicate, objs = prep_object(st, c)  # "cars are parked by the building": a place, no agent
            st.add_rel(subs, f"{lemma} {predicate}", [m for o in objs for m in resolve_group(st, o, avoid=subs)])
            continue
        if st.dep[c.i] == "agent":
            for o in st.kids[c.i]:
                if st.dep[o.i] == "pobj":
                    agents.extend(resolve_group(st, o))
    before = len(st.relations)
    # Copula complements -> attributes.
    if subs and lemma in LINKING_VERBS and ("acomp" in kinds or "attr" in kinds):
        for c in st.kids[verb.i]:
            if st.dep[c.i] in ("acomp", "attr") and not any(st.dep[d.i] == "expl" for d in st.kids[verb.i]):
                for a in conjuncts(st, c):
                    if st.pos[a.i] in ("ADJ", "VERB") or st.dep[a.i] == "acomp" or a.lower_ in COLOURS or a.i in st.material_complements:
                        for s in subs:
                            st.add_attr(s, adjective_text(st, a))
                            for m in st.material_complements.get(a.i, ()):  # "is green metal"
                                st.add_attr(s, adjective_text(st, st.tokens[m]))
                        adjective_prep_relations(st, a, subs)
                    elif st.pos[a.i] == "NUM":
                        n = parse_number(a.text)
                        if n is not None:
                            for s in subs:
                                set_count(st, s, n)
    if not subs and not agents:
        return
    objects: list[int] = []
    for c in st.kids[verb.i] if not kinds.isdisjoint(OBJECT_DEPS) else ():
        if st.dep[c.i] in OBJECT_DEPS and not (stranded is not None and c.lower_ in RELATIVE_PRONOUNS):
            objects.extend(resolve_group(st, c, avoid=subs))  # "the piano that the girl stands in front of": no object
    if verb.i in st.amod_verbs:
        objects = resolve_group(st, verb.head, avoid=subs)
    place = where_place(st, verb) if stranded is None and "advmod" in kinds else []  # ("where" is an advmod)
    if not objects and not is_copula and lemma != "have" and stranded is None and not place:
        objects = stranded_object(st, verb, subs)
    own_subject = not kinds.isdisjoint(SUBJECT_DEPS)
    if agents and (passive or (verb.tag_ == "VBN" and not own_subject)):
        passive = True
        st.add_rel(agents, base, subs)
    if objects and not is_copula and not (lemma == "have" and has_on_itself(st, verb, subs)):
        st.add_rel(subs, base, objects)
    for c in st.kids[verb.i] if not kinds.isdisjoint(_OBJECT_OR_DATIVE) else ():
        if st.dep[c.i] in _OBJECT_OR_DATIVE and c.lower_ in ("other", "another") and each_other(st, c):
            add_reciprocal(st, subs, base)  # "two cats facing each other" -> ( cats , face , cats )
            break
    if is_copula and not subs:
        return
    # "resting his head on the table": a body part the subject moves is where the place is said of
    direct = [c for c in st.kids[verb.i] if st.dep[c.i] == "dobj"] if "dobj" in kinds else []
    body_object = bool(direct) and all(map(is_body_part, direct))
    consumed: set[int] = set()  # prepositions said of a with-object ("with his hands in his pockets")
    placed = placed_base(lemma, base) if lemma in POSTURE_VERBS else base  # (the verb part of "verb + preposition", read once)
    for prep in st.kids[verb.i] if "prep" in kinds or "prt" in kinds or stranded is not None else ():
        if (st.dep[prep.i] not in ("prep", "prt") and not (stranded is not None and prep.i == stranded[0])) or prep.i in consumed:
            continue
        if picture_place(st, prep) is not None:  # "standing on the left": place_attributes
            continue
        predicate, objs = prep_object(st, prep)
        if stranded is not None and prep.i == stranded[0]:  # "the table the vases are on"
            predicate = stranded[2] or predicate
            if lemma == "have" and objects:  # "the table the man has a cup on"
                st.add_rel(objects, predicate, stranded[1])
            elif is_copula:
                st.add_rel(subs, predicate, stranded[1])
            else:
                st.add_rel(subs, f"{placed_base(lemma, lemma if st.dep[prep.i] != 'prep' else base)} {predicate}", stranded[1])
            continue
        if stranded is not None and objs and all(o.lower_ in RELATIVE_PRONOUNS for o in objs):
            continue  # "the tunnel in which the train is coming from": the stranded one says it
        if time_object(objs):  # "on a sunny morning"
            continue
        carried = pointed_back(st, verb, prep, objs) if objects else None
        if carried is not None:  # "wearing a bow tie with dotted print on it" -> ( print , on , bow tie )
            st.add_rel(resolve_group(st, carried), predicate, objects)
            continue
        if len(objs) == 1 and objs[0].lower_ in _SELF_REFERRING_OBJECTS and self_referring_place(
            st, prep, objs, subs, lemma, predicate, None if is_copula else placed
        ):
            continue  # "books stacked on top of each other", "talking to the woman next to him"
        if lemma == "look" and predicate == "like":  # "rice that looks like mashed potatoes" -> ( rice , like potatoes )
            for o in objs:
                for m in resolve_group(st, o, avoid=subs):
                    for s_ in subs:
                        st.add_attr(s_, f"like {st.mentions[m].text}")
            continue
        if lemma == "shape" and predicate == "like" and verb.tag_ == "VBN":
            shaped_like(st, subs, objs)  # "a chair shaped like a bear" -> ( chair , bear shaped )
            continue
        targets: list[int] = []
        for o in objs:
            targets.extend(resolve_group(st, o, avoid=subs))
        if predicate == "with" and objs and any(
            (
                any(st.dep[c.i] == "poss" and st.pos[c.i] == "PRON" for c in st.kids[o.i])
                and any(st.dep[c.i] == "prep" for c in st.kids[o.i])
            )
            for o in objs
        ):
            continue  # "with his hands in his pockets", "with a fork in her hand": said by the possession and the inner preposition
        wearer = wearer_before(st, verb, prep) if predicate in ("in", "with") and objs and all(map(is_clothing, objs)) else None
        if wearer is not None:  # "ridden by a player in a yellow shirt", "you can see a woman in a pink dress"
            st.add_rel(resolve(st, wearer), "wear", [m for o in objs for m in resolve_group(st, o, avoid=subs)])
            continue
        if predicate == "with" and objs and all(map(is_clothing, objs)) and not is_copula:
            # "standing in the background with a dark hat on", "wearing a jacket with a cap"
            st.add_rel(subs, "wear", [m for o in objs for m in resolve_group(st, o, avoid=subs)])
            continue
        if predicate == "with" and objects and with_points_back(st, verb, prep):
            continue  # "holding an umbrella with a logo on it": the container rule says it
        absolute = predicate == "with" and bool(objs) and all(absolute_with(st, o) for o in objs)
        for o in objs if absolute else ():
            stray = stray_prep(st, o)
            if stray is not None:  # ( hands , in , pockets )
                consumed.add(stray.i)
                inner, inner_objs = prep_object(st, stray)
                st.add_rel(resolve_group(st, o), inner, [m for x in inner_objs for m in resolve_group(st, x)])
        if absolute and all(map(is_body_part, objs)):
            continue  # "standing ... with their arms up": said by the possession
        if absolute:  # "standing in front of a bowl with a fork in her hand"
            st.add_rel(subs, "with", targets)
            continue
        if predicate in CHAIN_PREPOSITIONS and targets:  # "fastened to a wall in a hotel bedroom" -> ( wall , in , bedroom )
            inner = noun_before(st, verb, prep)
            if inner is not None and predicate in AREA_PREPOSITIONS and inner.head.lower_ == "in":
                inner = None
            if inner is not None and inner.head.lower_ in PATH_PREPOSITIONS:
                inner = None  # "walking across the street in a crosswalk": a path; the place is the walker's
            if inner is not None and inner.i not in st.redirect and (predicate == "in" or placeable(st, inner)):
                st.add_rel(resolve(st, inner), predicate, targets)
                if subject_in_scene(st, verb, inner, predicate, objs):  # "sitting at a table in a restaurant"
                    st.add_rel(subs, predicate, targets)
                continue
        # "lying on the couch with his dog": a person or animal is with the subject, not the place
        near = noun_before(st, verb, prep) if predicate == "with" and not all(map(is_animate, objs)) else None
        if near is None and predicate == "with" and lemma == "wear" and objects:
            worn = [c for c in st.kids[verb.i] if st.dep[c.i] in OBJECT_DEPS]
            near = worn[0] if worn else None  # "wearing a jacket with green stripes" -> ( jacket , with , stripes )
        if near is not None and targets:  # "standing next to a bicycle with a basket"
            for o in objs:
                for member in conjuncts(st, o):
                    st.add_rel(resolve(st, near), garment_predicate(st, predicate, member, near), resolve(st, member))
            continue
        if not targets:
            continue
        if lemma == "have" and objects:  # "the man has a glass in his hand"
            st.add_rel(objects, predicate, targets)
        elif lemma == "wear" and objects and objs and all(map(is_clothing, objs)) and predicate != "with":
            st.add_rel(objects, predicate, targets)  # "wearing a white shirt under a vest" -> ( shirt , under , vest )
        elif objects and (lemma in CARRY_VERBS or body_object) and predicate.split()[0] not in NOT_OBJECT_PLACES:
            st.add_rel(objects, predicate, targets)  # "holding a plate above the water" -> ( plate , above , water )
        elif objects and objs and all(map(is_body_part, objs)) and not is_copula and predicate != "with":
            st.add_rel(objects, predicate, targets)  # "wearing a band on his wrist", "holding a cup in her hand" -> ( band , on , wrist )
        elif predicate == "in" and objs and all(map(is_clothing, objs)):
            st.add_rel(subs, "wear", targets)
        elif is_copula:
            st.add_rel(subs, predicate, targets)
        else:
            st.add_rel(subs, f"{placed} {predicate}", targets)
    if place and not any(
        st.kids[p.i] and (st.dep[p.i] == "prep" and p.lower_ not in NON_PLACE_PREPOSITIONS or p.lower_ in PREP_HEADS)
        for p in st.kids[verb.i]
    ):
        # "the pole where two signs are mounted" -> ( signs , mount on , pole ); "the area where
        # people play frisbee" -> ( people , on , area )
        st.add_rel(subs, "on" if is_copula or objects else f"{placed} on", place)
    # "people standing outside" -> ( people , is , outside )
    for adv in st.kids[verb.i] if "advmod" in kinds else ():
        if st.dep[adv.i] == "advmod" and adv.lower_ in LOCATIVE_ADVERBS and not st.kids[adv.i]:
            for s in subs:
                st.add_attr(s, adv.lower_)
    # "walking next to a man", "growing out of the water"
    for adv in st.kids[verb.i] if not kinds.isdisjoint(_PREP_HEAD_DEPS) else ():
        if st.dep[adv.i] in _PREP_HEAD_DEPS and adv.lower_ in PREP_HEADS:
            inner = [p for p in st.kids[adv.i] if st.dep[p.i] == "prep"]
            pred, objs = prep_object(st, inner[0]) if inner else ("", [])
            head_pred = f"{PREP_HEAD_CANON.get(adv.lower_, adv.lower_)} {pred}"
            if self_referring_place(st, adv, objs, subs, lemma, head_pred, None if is_copula else base):
                continue  # "two buses are next to each other", "a hand on the seat next to him"
            prep_head_relations(st, adv, subs, None if is_copula else base)
    # "two women skiing", "man crouched": a participle with nothing attached says a state.
    if (
        len(st.relations) == before
        and not is_copula
        and lemma != "have"
        and verb.tag_ in ("VBG", "VBN")
        and not objects
        and st.dep[verb.i] in ("ROOT", "acl", "relcl")
        and kinds.isdisjoint(INTRANSITIVE_BLOCKERS)
        and not (passive and agents)
    ):
        for s in subs:
            st.add_attr(s, verb.lower_)


#: Verbs only a person or animal does: a garment is never their subject.
PERSON_VERBS: frozenset[str] = frozenset("look watch stare smile laugh talk walk hold wait eat drink read wave".split())


def worn_by(st: State, mention: int) -> int:
    """The wearer of a garment mention (the closest person or animal up its head chain:
    "a man ... and a striped shirt looking at ...", "a girl in shorts & a white top walks");
    `mention` itself when it is no garment or no wearer is found."""
    tok = None
    for t, m in st.token_mention.items():  # (a plain loop: no generator per subject)
        if m == mention:
            tok = st.tokens[t]
            break
    if tok is None or not is_clothing(tok):
        return mention
    hops = 0
    while tok.head.i != tok.i and hops < 6:
        tok, hops = tok.head, hops + 1
        if tok.i in st.token_mention and is_animate(tok):
            return st.token_mention[tok.i]
    return mention


def has_on_itself(st: State, verb: Token, subs: list[int]) -> bool:
    """"the shirt has a logo on it", "the bread has butter on it": a preposition of "have"
    whose object is a pronoun standing for the subject says where the object is
    ( logo , on , shirt ); the "have" itself adds nothing."""
    holders = [verb] + [c for c in st.kids[verb.i] if st.dep[c.i] in OBJECT_DEPS]
    owned = [m for h in holders[1:] for m in resolve_group(st, h)]
    for prep in (p for h in holders for p in st.kids[h.i]):
        if st.dep[prep.i] != "prep":
            continue
        for o in st.kids[prep.i]:
            if st.dep[o.i] == "pobj" and o.lower_ in THING_REFERENCES and set(resolve(st, o, avoid=owned)) & set(subs):
                return True
    return False


#: Prepositions of a "where" clause's verb that say no place of their own ("where men sit with their rods").
NON_PLACE_PREPOSITIONS: frozenset[str] = frozenset("with after during for of like since until".split())


def pointed_back(st: State, verb: Token, prep: Token, objs: list[Token]) -> Token | None:
    """"wearing a bow tie with dotted print on it": spaCy hangs "on it" on the verb; right after
    the object of a "with" on the verb's object, a place whose object is "it" / "them" says where
    that with-object is on the verb's object. Returns the with-object, or None."""
    if len(objs) != 1 or objs[0].lower_ not in ("it", "them"):
        return None
    for obj in st.kids[verb.i]:
        if st.dep[obj.i] not in OBJECT_DEPS:
            continue
        for w in st.kids[obj.i]:
            if st.dep[w.i] == "prep" and w.lower_ == "with":
                for o in st.kids[w.i]:
                    if st.dep[o.i] == "pobj" and o.right_edge.i == prep.i - 1 and o.i in st.token_mention:
                        return o
    return None


def each_other(st: State, tok: Token) -> bool:
    """True for "other" in "each other" and "another" in "one another"."""
    low = tok.lower_
    if low == "other":
        return any(st.dep[c.i] == "det" and c.lower_ == "each" for c in st.kids[tok.i])
    return low == "another" and tok.i > 0 and st.tokens[tok.i - 1].lower_ == "one"


def add_reciprocal(st: State, subs: list[int], predicate: str) -> None:
    """( boats , next to , boats ) for each subject of "next to each other": FACTUAL writes a
    reciprocal as a relation of the plural noun with itself (State.add_rel drops self-loops)."""
    predicate = " ".join(predicate.split()).lower()
    heads = {m: t for t, m in st.token_mention.items() if m in subs}
    for s in subs:
        if s in heads and is_plural(st.tokens[heads[s]]) is False and st.dep[heads[s]] not in ANY_SUBJECT_DEPS:
            continue  # "two cats in front of a window facing each other": not the window (a clause misplaced)
        st.relations[(s, predicate, s)] = None


def self_referring_place(
    st: State, prep: Token, objs: list[Token], subs: list[int], lemma: str, predicate: str, verb: str | None
) -> bool:
    """The two places of a verb (`lemma`, written `verb` before the predicate; None for a copula)
    that are not the subject's plain place; True when one was recorded:
    - "next to each other": the plural subject related to itself (`add_reciprocal`),
    - "talking to the woman next to him": the noun before the place, relative to the subject
      (`back_reference`; not for "have")."""
    if len(objs) == 1 and each_other(st, objs[0]):
        add_reciprocal(st, subs, predicate if verb is None else f"{verb} {predicate}")
        return True
    near = back_reference(st, prep, objs, subs) if lemma != "have" else None
    if near is not None:
        st.add_rel(resolve(st, near), predicate, subs)
        return True
    return False


#: Object pronouns that can point back to a clause's own subject ("the woman next to him").
BACK_PRONOUNS: frozenset[str] = frozenset("him her them it himself herself themselves itself".split())
#: The only objects self_referring_place can act on ("each other", "one another", a back
#: pronoun): a cheap test before the call in verb_relations.
_SELF_REFERRING_OBJECTS: frozenset[str] = BACK_PRONOUNS | {"other", "another"}


def back_reference(st: State, prep: Token, objs: list[Token], subs: list[int]) -> Token | None:
    """"talking to the woman next to him", "leaning on a wall with a foot on the wall behind
    him": a place of the verb whose object is a pronoun for the verb's own subject says where
    the noun right before it is, relative to the subject. Returns that noun, or None."""
    if len(objs) != 1 or objs[0].lower_ not in BACK_PRONOUNS or not subs or prep.i == 0:
        return None
    before = prep.i - 1
    if st.dep[before] == "punct" and before > 0:
        before -= 1
    if before not in st.token_mention or st.token_mention[before] in subs:
        return None
    if not set(resolve(st, objs[0])) & set(subs):
        return None
    return st.tokens[before]


def where_place(st: State, verb: Token) -> list[int]:
    """"the pole where the signs are mounted", "the chair where the kid is sitting": the
    mentions of the noun right before a "where" that opens `verb`'s clause ([] if none)."""
    for c in st.kids[verb.i]:
        if c.lower_ == "where" and st.dep[c.i] == "advmod" and c.i < verb.i and c.i > 0:
            before = c.i - 1
            if st.dep[before] == "punct" and before > 0:
                before -= 1
            if before in st.token_mention:
                return [st.token_mention[before]]
            if st.dep[before] == "cc" and st.dep[verb.i] == "conj" and verb.head.i < verb.i:
                return where_place(st, verb.head)  # "... and where the others are sitting"
    return []


#: Children of a verb that leave it no stranded object (stranded_object).
_STRANDED_OBJECT_BLOCKERS: frozenset[str] = frozenset({"prt", "agent", "xcomp", "ccomp", "acomp"})


def stranded_object(st: State, verb: Token, subs: list[int]) -> list[int]:
    """"the waves the surfer is riding", "rope the man is holding": the object of a
    transitive verb is the noun the clause hangs on (or a noun stranded before it)."""
    if verb.tag_ != "VBG":
        return []
    subjects: list[Token] = []
    for c in st.kids[verb.i]:  # (one pass: a blocking child, or the subjects)
        dep = st.dep[c.i]
        if dep in _STRANDED_OBJECT_BLOCKERS:
            return []
        if dep in SUBJECT_DEPS:
            subjects.append(c)
    if not subjects or subjects[-1].lower_ in RELATIVE_PRONOUNS or st.pos[subjects[-1].i] == "PRON":
        return []
    preps = [c for c in st.kids[verb.i] if st.dep[c.i] == "prep"]
    if any(o.lower_ in RELATIVE_PRONOUNS for p in preps for o in st.kids[p.i]):
        return []  # "the skateboard that the boy is stepping on": the gap is the preposition's
    if preps and (st.dep[verb.i] != "relcl" or verb_lemma(verb, st.verbs) in POSTURE_VERBS | MOTION_VERBS):
        return []  # "the undershirt the man is wearing under his shirt"; not "the bench the man sits on in the park"
    if st.dep[verb.i] == "relcl" and len(subjects) == 1:
        return [m for m in resolve(st, verb.head) if m not in subs]
    if st.dep[verb.i] == "ROOT":
        fronted = fronted_nouns(st, verb, subjects[-1])
        if fronted:
            return [m for m in resolve(st, gap_noun(st, fronted[0], subjects[-1])) if m not in subs]
    return []


def gap_noun(st: State, noun: Token, subject: Token) -> Token:
    """"the white strings on the jacket the kid is wearing": the clause before `subject` is said
    of the last noun of `noun`'s place chain right before it (the jacket), not of `noun`."""
    hops = 0
    while hops < 5:
        hops += 1
        inner = [
            o for p in st.kids[noun.i] if st.dep[p.i] == "prep" and p.lower_ != "of"
            for o in st.kids[p.i] if st.dep[o.i] == "pobj" and o.right_edge.i == subject.left_edge.i - 1
        ]
        if not inner or inner[0].i not in st.token_mention:
            return noun
        noun = inner[0]
    return noun


def fronted_nouns(st: State, verb: Token, subject: Token) -> list[Token]:
    """Nouns put before a clause's subject ("the kite the boy is flying")."""
    return [
        c
        for c in st.kids[verb.i]
        if st.dep[c.i] in ("npadvmod", "nsubj", "dep") and c.i < subject.i
        and (c.i in st.token_mention or c.i in st.redirect or c.lower_ in PART_NOUNS)
    ]


#: Prepositions that can be left at the end of a clause as an adverb ("the box the cat is on").
STRANDABLE: frozenset[str] = frozenset("on in onto into at under behind inside over off from to through".split())


def clause_end(st: State, verb: Token) -> int:
    """Index of the last token of `verb`'s phrase, trailing punctuation left out."""
    end = verb.right_edge.i
    while end > verb.i and st.dep[end] == "punct":
        end -= 1
    return end


def dangling_preposition(st: State, verb: Token) -> tuple[Token, Token | None] | None:
    """The preposition left without object at the end of `verb`'s clause: (preposition, None)
    for "the table the vases are on", (preposition, part noun) for "the counter the man is
    standing in front of" ("in" with "front of" and no object after "of"); else None."""
    found = False  # (cheap test first: most verbs have no candidate, and the clause's end costs a spaCy read)
    for c in st.kids[verb.i]:
        if c.i <= verb.i:
            continue
        below = st.kids[c.i]
        if not below:
            found = st.dep[c.i] == "prep" or (st.dep[c.i] in ("prt", "advmod") and c.lower_ in STRANDABLE)
        elif st.dep[c.i] == "prep":
            for p in below:  # (a plain loop, no list: a preposition has one or two children)
                if p.lower_ in PART_NOUNS:
                    found = True
                    break
        if found:
            break
    else:
        return None
    end = clause_end(st, verb)
    for c in st.kids[verb.i]:
        if c.i <= verb.i or c.i > end:
            continue
        dep = st.dep[c.i]
        if c.i == end and not st.kids[c.i] and (dep == "prep" or (dep in ("prt", "advmod") and c.lower_ in STRANDABLE)):
            return c, None
        if dep == "prep":
            for part in st.kids[c.i]:
                if st.dep[part.i] == "pobj" and part.lower_ in PART_NOUNS and any(
                    k.i == end and k.lower_ == "of" and not st.kids[k.i] for k in st.kids[part.i]
                ):
                    return c, part
    return None


def stranded_target(st: State, verb: Token) -> tuple[int, list[int], str | None] | None:
    """"the table the vases are on", "tracks the trolley is driving on", "the counter the man
    is standing in front of", "the back of the chair the kid is sitting on": a preposition left
    without object at the end of a clause; returns (preposition index, its objects, the
    predicate when it is not the preposition's own: "in front of", "on back of")."""
    found = dangling_preposition(st, verb)
    if found is None:
        return None
    prep, part = found
    predicate = f"{part_preposition(prep.lower_, part.lower_)} {part.lower_} of" if part is not None else None
    own_subjects = [c for c in st.kids[verb.i] if st.dep[c.i] in ANY_SUBJECT_DEPS]
    if st.dep[verb.i] in _CLAUSE_OR_CCOMP and own_subjects and verb.head.i != verb.i:
        targets = resolve(st, verb.head)
        return (prep.i, targets, predicate) if targets else None
    if own_subjects:
        fronted = fronted_nouns(st, verb, own_subjects[-1])
        if fronted:
            holder = fronted[0] if fronted[0].lower_ in PART_NOUNS else gap_noun(st, fronted[0], own_subjects[-1])
            if holder.lower_ in PART_NOUNS and part is None:  # "the back of the chair the kid is sitting on"
                owners = [o for k in st.kids[holder.i] if st.dep[k.i] == "prep" and k.lower_ == "of" for o in st.kids[k.i] if st.dep[o.i] == "pobj"]
                if owners:
                    holder = owners[0]
                    predicate = f"{part_preposition(prep.lower_, fronted[0].lower_)} {fronted[0].lower_} of"
            targets = resolve_group(st, holder)
            return (prep.i, targets, predicate) if targets else None
    return None


def adjectival_root(st: State, verb: Token) -> bool:
    """Caption-initial "knitted wallet with face": a participle misread as a verb whose
    object is really the head noun. Adds the attribute and relations; True if it applied."""
    if not (
        st.dep[verb.i] == "ROOT"
        and verb.i in st.sent_starts
        and verb.tag_ in ("VBD", "VBN")
        and not any(st.dep[c.i] in _ROOT_PARTICIPLE_BLOCKERS for c in st.kids[verb.i])
    ):
        return False
    objs = [c for c in st.kids[verb.i] if st.dep[c.i] == "dobj" and c.i in st.token_mention]
    if not objs:
        return False
    obj = objs[0]
    mentions = resolve_group(st, obj)
    for m in mentions:
        st.add_attr(m, verb.lower_)
    for prep in st.kids[verb.i]:
        if st.dep[prep.i] != "prep":
            continue
        predicate, pobjs = prep_object(st, prep)
        targets: list[int] = []
        for o in pobjs:
            targets.extend(resolve_group(st, o, avoid=mentions))
        if predicate == "of":
            for o in pobjs:
                of_relation(st, obj, o, mentions, targets)
        else:
            st.add_rel(mentions, predicate, targets)
    return True


def shaped_like(st: State, subs: list[int], objs: list[Token]) -> None:
    """"a chair shaped like a bear", "poles shaped like a letter": the shape is an attribute
    of the subject ( chair , bear shaped ), named by the object's noun (its adjectives dropped)."""
    for o in objs:
        m = st.token_mention.get(o.i)
        if m is None:
            continue
        for s in subs:
            st.add_attr(s, f"{st.mentions[m].lemma} shaped")
