"""Prepositions: "cat on the bed", "in front of", "next to", "full of", and prepositional
modifiers of nouns and adjectives."""

from __future__ import annotations

from pipeline.text.lexicon import (
    CONTAINERS_IN,
    CONTAINERS_ON,
    DRINKWARE,
    HAIR,
    PART_NOUNS,
    PICTURE_PLACES,
    PREPOSITION_CANON,
    PURPOSE_PREPOSITIONS,
    TIME_NOUNS,
    PREP_HEADS,
    PREP_HEAD_CANON,
    PROPERTY_NOUNS,
)
from pipeline.text.coreference import attachment_group, conjuncts, resolve, resolve_group
from pipeline.text.mentions import part_noun_prep
from pipeline.text.possession import absent, absolute_with, bare_body_part, companion_of_subject, container_pronoun, inside_with, pronoun_owner, possessed_by_pronoun, location_holder, of_relation, said_by_participle, with_points_back
from pipeline.text.state import State
from pipeline.text.words import PREP_DEPS, verb_lemma, Token, is_animate, is_body_part, is_clothing


def prep_object(st: State, prep: Token) -> tuple[str, list[Token]]:
    """("in front of", [dog]) for a preposition token; objects may be empty."""
    phrase = prep.lower_  # (the words of the predicate, joined: one word unless nested)
    # "in between the tracks": a preposition whose object is another preposition
    inner: Token | None = None
    obj: Token | None = None  # (only the first object is used)
    dep, pos = st.dep, st.pos
    for c in st.kids[prep.i]:  # (one pass: a preposition has one or two children)
        d = dep[c.i]
        if d == "pobj":
            if obj is None:
                obj = c
        elif inner is None and (d == "prep" or d == "pcomp") and pos[c.i] == "ADP":
            inner = c
    if prep.i in st.pobj_override and (
        obj is None or obj.i in st.split_subject or any(k.i in st.amod_verbs for k in st.kids[obj.i])
    ):  # "player in blue hat holding racket": "in" is the hat's (repairs.find_amod_verbs)
        obj = st.pobj_override[prep.i]
    if obj is None and inner is not None:
        phrase = inner.lower_ if phrase == "in" and inner.lower_ == "between" else f"{phrase} {inner.lower_}"
        for c in st.kids[inner.i]:
            if dep[c.i] == "pobj":
                obj = c
                break
    if obj is None:
        return phrase, []
    if obj.lower_ in PART_NOUNS:
        part = part_noun_prep(st, obj)
        if part is not None:
            return part[0], [part[1]]
    return PREPOSITION_CANON.get(phrase, phrase), [obj]


def time_object(objs: list[Token]) -> bool:
    """True when one of a preposition's objects names a time ("on a sunny morning"): no place.
    (A plain loop: cheaper than any() over a generator for the one object most have.)"""
    for o in objs:
        if o.lemma_.lower() in TIME_NOUNS:
            return True
    return False


def picture_place(st: State, prep: Token) -> str | None:
    """"on the left", "to the far right", "in the middle", "in the distance": a preposition
    whose object is a bare picture place (no "of", only a determiner or "far") -> the
    attribute text ("on the left"); else None."""
    if prep.lower_ not in ("on", "to", "at", "in"):
        return None
    for o in st.kids[prep.i]:
        if st.dep[o.i] == "pobj" and o.lower_ in PICTURE_PLACES:
            if all(st.dep[c.i] == "det" or c.lower_ == "far" for c in st.kids[o.i]):
                return PICTURE_PLACES[o.lower_]
    return None


def place_attributes(st: State) -> None:
    """"the bird on the left", "a sign above the train on the left": a picture place is said
    of the closest noun before it (spaCy often hangs it on the first noun of a chain)."""
    for prep in st.tokens:
        if st.dep[prep.i] != "prep" or st.pos[prep.i] != "ADP":
            continue
        place = picture_place(st, prep)
        if place is None:
            continue
        before = [ti for ti in st.token_mention if ti < prep.i]
        if before:
            st.add_attr(st.token_mention[max(before)], place)


def noun_prep_relations(st: State, noun: Token, subjects: list[int]) -> None:
    """Relations from prepositions attached to a noun ("cat on the bed"). (rules.relations calls it for a
    mention token only when a child is a "prep" / "agent": nothing here fires without one.)"""
    dep = st.dep  # (read per child: kept local)
    for prep in st.kids[noun.i]:
        if dep[prep.i] not in PREP_DEPS or prep.i < noun.i:
            continue
        if picture_place(st, prep) is not None:  # "the man on the left": place_attributes
            continue
        predicate, objs = prep_object(st, prep)
        if not objs:
            continue
        if time_object(objs):  # "a bus on a snowy day"
            continue
        if predicate in PURPOSE_PREPOSITIONS:  # "a sheet of glass for a car window": a purpose, not a scene relation
            continue
        subs = attachment_group(st, noun, prep.i)
        nearer = chain_holder(st, noun, prep)
        if nearer is not None:
            subs = resolve(st, nearer)
        holder = location_holder(st, noun, prep, objs)
        if holder is not None:
            subs = resolve(st, holder)
        if predicate == "with" and companion_of_subject(st, noun, objs):
            subs = pronoun_owner(st, noun) or subs  # "the man is in the water with the elephant": the man is with it
        if absent(st, prep, objs):  # "a tree without leaves": nothing is said of what is not there
            continue
        if container_pronoun(st, noun, prep, predicate, objs):
            continue
        if inside_with(st, noun, prep, objs) is not None:  # "a circle with a dash inside" -> ( dash , inside , circle )
            st.add_rel(resolve_group(st, objs[0]), "inside", resolve(st, noun))
            continue
        if predicate == "with" and len(objs) == 1 and said_by_participle(st, noun, objs[0]):
            continue  # "a vehicle with a surfboard mounted on its roof": ( surfboard , mount on , roof )
        if predicate == "with" and with_points_back(st, noun, prep):
            continue
        if predicate == "with" and all(absolute_with(st, o) and not is_clothing(o) for o in objs):
            continue  # "a bowl with fork in her hand", "a man with a cup in his hand": said by the inner place and the possession
        if predicate == "with" and st.dep[noun.i] == "dobj" and not is_animate(noun) and all(map(is_body_part, objs)):
            continue  # "holds a rod with both hands": the hands hold, the rod has none
        for obj in objs:
            if predicate == "of":
                if st.redirect.get(noun.i) == obj.i:  # "two sets of table and chair": the quantifier's own list, no part
                    continue
                own = resolve(st, noun)
                of_relation(st, noun, obj, own, resolve_group(st, obj, avoid=own))
                continue
            if scene_of_place(st, noun, predicate, obj):  # "sitting on the edge in water": the sitter is in it too
                from pipeline.text.verbs import verb_subjects  # (verbs imports this module)

                st.add_rel(verb_subjects(st, noun.head.head)[0], predicate, resolve_group(st, obj))
            for member in conjuncts(st, obj):
                targets = resolve(st, member, avoid=subs)
                if targets and predicate == "on" and is_clothing(noun) and is_animate(member):
                    st.add_rel(targets, "wear", subs)  # "a black cap on the man" -> ( man , wear , cap )
                elif targets:
                    st.add_rel(subs, garment_predicate(st, predicate, member, noun), targets)


def chain_holder(st: State, noun: Token, prep: Token) -> Token | None:
    """"the pizza on the plate on the table": spaCy hangs every phrase of a chain on its
    first noun; a place right after another place's object says where that object is
    ( plate , on , table ). Returns that nearer noun, or None. A garment or body part ("a man
    in a red shirt on a skateboard"), a "with" phrase and a container's "of" ("a plate of
    food on a counter") keep the first noun; a "with" / "of" phrase itself is left alone."""
    if prep.lower_ in ("with", "of"):
        return None
    first = None  # the one preposition of `noun` before `prep` (a plain loop: most have none)
    for p in st.kids[noun.i]:
        if st.dep[p.i] == "prep" and p.i < prep.i:
            if first is not None:
                return None
            first = p
    if first is None:
        return None
    if picture_place(st, first) is not None:
        return None
    if first.lower_ == "with":  # "a person with hand on mouth" -> ( hand , on , mouth )
        for part in st.kids[first.i]:
            if st.dep[part.i] == "pobj" and part.right_edge.i == prep.i - 1 and bare_body_part(st, part):
                return part if part.i in st.token_mention else None
    if first.lower_ == "with" and not any(
        st.dep[o.i] == "pobj" and is_body_part(o) and possessed_by_pronoun(st, o) for o in st.kids[prep.i]
    ):
        return None  # but "a man with glasses on his head" -> ( glasses , on , head )
    if first.lower_ == "of" and noun.lemma_.lower() in CONTAINERS_IN | CONTAINERS_ON:
        return None  # "a plate of food on a counter", "a picture of a dog on the wall": the holder
    pobjs = [o for o in st.kids[first.i] if st.dep[o.i] == "pobj"]
    if not pobjs or pobjs[-1].right_edge.i != prep.i - 1:
        return None
    _, objs = prep_object(st, first)
    if len(objs) != 1 or objs[0].i not in st.token_mention or any(st.pos[o.i] == "PRON" for o in st.kids[prep.i]):
        return None
    near = objs[0]
    if first.lower_ == "with":  # "with facial hair and glasses on his head": the last item
        near = [c for c in conjuncts(st, near) if c.i in st.token_mention][-1]
    if (is_clothing(near) and first.lower_ != "with") or is_body_part(near) or near.lemma_.lower() in TIME_NOUNS:
        return None
    return near


def garment_predicate(st: State, predicate: str, obj: Token, holder: Token) -> str:
    """"man in a red shirt", "man with a hat" -> wear; "man with dark hair", "a dog with
    a black nose" (a person's or animal's body part) -> have."""
    if predicate in ("in", "with") and is_clothing(obj) and (is_animate(holder) or obj.lower_ not in DRINKWARE):
        return "wear"  # "wine in the glasses" stays "in"
    if predicate == "with" and (obj.lemma_.lower() in HAIR or (is_body_part(obj) and is_animate(holder))):
        return "have"
    if predicate == "with" and possessed_by_pronoun(st, obj) and not is_animate(obj):
        return "have"  # "an airplane with its wheels out"
    return predicate


def prep_head_relations(st: State, head: Token, subs: list[int], verb: str | None) -> None:
    """Relations through "next to", "close to", "out of" headed by `head`."""
    for prep in st.kids[head.i]:
        if st.dep[prep.i] != "prep":
            continue
        predicate, objs = prep_object(st, prep)
        targets: list[int] = []
        for o in objs:
            targets.extend(resolve_group(st, o, avoid=subs))
        if targets:
            pred = f"{PREP_HEAD_CANON.get(head.lower_, head.lower_)} {predicate}"
            pred = PREPOSITION_CANON.get(pred, pred)
            st.add_rel(subs, f"{verb} {pred}" if verb else pred, targets)


#: Prepositions after an adjective that compare rather than place ("as long as its neck",
#: "orange like the dress"): no scene relation ("taller than" is said whole).
COMPARISON_PREPOSITIONS: frozenset[str] = frozenset({"as", "like"})


def adjective_prep_relations(st: State, adj: Token, subs: list[int]) -> None:
    """"full of people", "covered in snow" on an adjective -> relation from its subjects."""
    for prep in st.kids[adj.i]:
        if st.dep[prep.i] != "prep":
            continue
        predicate, objs = prep_object(st, prep)
        targets: list[int] = []
        for o in objs:
            if o.lemma_.lower() in PROPERTY_NOUNS:
                continue
            targets.extend(resolve_group(st, o, avoid=subs))
        if not targets:
            continue
        if adj.lower_ in PREP_HEADS:  # "full of", "close to"
            st.add_rel(subs, f"{PREP_HEAD_CANON.get(adj.lower_, adj.lower_)} {predicate}", targets)
        elif adj.tag_ == "VBN" or st.pos[adj.i] == "VERB":  # "covered in snow"
            st.add_rel(subs, f"{verb_lemma(adj, st.verbs)} {predicate}", targets)
        elif predicate == "than":  # "taller than the girl" -> ( boy , taller than , girl ); not "other than"
            if adj.tag_ in ("JJR", "RBR"):
                st.add_rel(subs, f"{adj.lower_} than", targets)
        elif predicate == "with" and objs and all(map(is_clothing, objs)):  # "ready with his life vest"
            st.add_rel(subs, "wear", targets)
        elif predicate not in COMPARISON_PREPOSITIONS and predicate not in PURPOSE_PREPOSITIONS:  # "high in the air"
            st.add_rel(subs, predicate, targets)


def modifier_relations(st: State, noun: Token, mention: int) -> None:
    """Adjectives on a noun that head a preposition ("cup full of coffee"). (rules.relations calls it
    only when a child is an "amod" / "advmod": nothing here fires without one.)"""
    inside: list[Token | None] | None = None  # (found on the first adjective / adverb: most nouns have none)
    for c in st.kids[noun.i]:
        dep = st.dep[c.i]
        if dep != "amod" and dep != "advmod":
            continue
        if inside is None:
            inside = []
            for p in st.kids[noun.i]:
                if p.lower_ == "with":
                    inside.append(inside_with(st, noun, p, prep_object(st, p)[1]))
        if inside and any(t is not None and t.i == c.i for t in inside):  # "glasses with liquid inside of them": said with the "with" phrase
            continue
        if c.lower_ in PREP_HEADS:
            prep_head_relations(st, c, attachment_group(st, noun, c.i), None)
        elif dep == "amod":
            adjective_prep_relations(st, c, [mention])


#: Rooms, buildings and grounds a whole scene is "in" ("at a table in a restaurant").
SCENE_NOUNS: frozenset[str] = frozenset(
    """
    restaurant cafe diner bar pub kitchen bathroom bedroom room office airport station terminal
    classroom library shop store market hallway lobby church museum snow water
    """.split()
)
#: Prepositions of a verb's first place phrase that a scene "in" phrase can follow.
SCENE_PLACE_PREPOSITIONS: frozenset[str] = frozenset("at on by near beside".split())


def subject_in_scene(st: State, verb: Token, inner: Token, predicate: str, objs: list[Token]) -> bool:
    """"two people sitting at a table in a restaurant": an "in" phrase naming a room, building
    or ground after the verb's own place phrase holds for the verb's subject too (the table is
    in the restaurant, and so are the people); False otherwise."""
    return (
        predicate == "in" and bool(objs) and st.dep[inner.i] == "pobj" and inner.head.head.i == verb.i
        and inner.head.lower_ in SCENE_PLACE_PREPOSITIONS and all(o.lemma_.lower() in SCENE_NOUNS for o in objs)
    )


def scene_of_place(st: State, noun: Token, predicate: str, obj: Token) -> bool:
    """"benches standing on wooden steps in a paneled room": an "in" phrase naming a room,
    building or ground on the object of a verb's place phrase holds for the verb's subject too."""
    return (
        predicate == "in" and obj.lemma_.lower() in SCENE_NOUNS and st.dep[noun.i] == "pobj"
        and noun.head.lower_ in SCENE_PLACE_PREPOSITIONS and st.pos[noun.head.head.i] in ("VERB", "AUX")
    )
