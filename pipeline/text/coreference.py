"""Coordination and coreference: which mentions a token stands for.

Coordinated nouns ("trees and bushes"), relative pronouns ("a man who sits" -> man),
personal pronouns (nearest earlier mention / sentence subject) and quantifier redirects.
"""

from __future__ import annotations

from typing import Iterable

from pipeline.text.lexicon import (
    ANIMATE_PRONOUNS,
    QUANTIFIER_NOUNS,
    RELATIVE_PRONOUNS,
    THING_PRONOUNS,
    THING_REFERENCES,
)
from pipeline.text.state import State
from pipeline.text.words import ANY_SUBJECT_DEPS, SUBJECT_DEPS, CLAUSE_DEPS, Token, is_animate, is_body_part, is_clothing, is_plural


def group(st: State, tok: Token) -> list[Token]:
    """`tok` and every token coordinated with it ("trees and bushes")."""
    root = tok
    seen = 0
    while (st.dep[root.i] == "conj" or root.i in st.conj_head) and seen < 50:
        head = st.conj_head.get(root.i, root.head.i)
        if head == root.i:
            break
        root = st.tokens[head]
        seen += 1
    return conjuncts(st, root)


def coordinated_below(st: State, tok: Token) -> bool:
    """True when a child of `tok` is coordinated with it (a "conj", or a conjunct the repairs moved)."""
    dep, conj_head = st.dep, st.conj_head
    for c in st.kids[tok.i]:
        if dep[c.i] == "conj" or c.i in conj_head:
            return True
    return False


def conjuncts(st: State, tok: Token) -> list[Token]:
    """`tok` plus the tokens coordinated *below* it (its conj children, recursively)."""
    if not coordinated_below(st, tok):
        return [tok]  # (most tokens)
    kids, dep, conj_head = st.kids, st.dep, st.conj_head  # (read per child: kept local)
    out: list[Token] = []
    stack = [tok]
    while stack and len(out) < 50:
        t = stack.pop()
        out.append(t)
        stack.extend([c for c in kids[t.i] if dep[c.i] == "conj" or c.i in conj_head])
    if len(out) > 1:
        out.sort(key=lambda t: t.i)
    return out


def resolve(st: State, tok: Token, avoid: Iterable[int] = ()) -> list[int]:
    """Mention indices `tok` stands for (quantifiers, pronouns resolved); may be empty."""
    if tok.i not in st.redirect:  # (most tokens: a mention head, or nothing)
        m = st.token_mention.get(tok.i)
        if m is not None:
            return [m]
    seen = 0
    while tok.i in st.redirect and seen < 10:
        tok = st.tokens[st.redirect[tok.i]]
        seen += 1
    if tok.i in st.token_mention:
        return [st.token_mention[tok.i]]
    if st.pos[tok.i] == "PRON" or tok.tag_ in ("WDT", "WP", "PRP", "PRP$"):
        return resolve_pronoun(st, tok, set(avoid))
    return []


def clause_holder(st: State, clause: Token) -> Token:
    """The noun a relative or participial clause really says something about.

    spaCy hangs the clause on the nearest noun; it belongs to the noun that noun's
    preposition hangs on when
    - the near noun is a garment or body part and the outer one is not ("a girl in a dress
      sitting on a bench", "a man in brown pants, grey coat and black hat standing ..."), or
      a garment on a person ("a cap on the man walking down the hill"),
    - the near noun is not a person or animal and the outer one is ("a boy in the background
      wearing shorts"; the clause's own subject or object is left alone),
    - the clause's verb agrees in number with the outer noun only ("wires on a table that are
      attached to a computer").
    Returns `clause.head` when none applies.
    """
    near = clause.head
    near_worn = is_clothing(near)
    if near_worn and not any(st.dep[c.i] in SUBJECT_DEPS for c in st.kids[clause.i]):
        for prep in st.kids[near.i]:  # "a cap on the man walking down the hill"
            wearers = [o for o in st.kids[prep.i] if st.dep[o.i] == "pobj" and is_animate(o)] if prep.lower_ == "on" else []
            if wearers and wearers[0].i in st.token_mention:
                return wearers[0]
    owner = possessor_on(st, near, clause)
    if owner is not None:  # "the sunglasses on the man's face that is in the carriage"
        return owner
    wear = near.head
    if (
        near_worn
        and st.dep[near.i] == "dobj"
        and wear.lemma_.lower() == "wear"
        and st.dep[wear.i] in CLAUSE_DEPS
        and wear.head.i in st.token_mention
        and not any(st.dep[c.i] in SUBJECT_DEPS for c in st.kids[clause.i])
    ):  # "a man wearing glasses standing behind the cake": the wearer stands
        return wear.head
    root, hops = near, 0  # "with a grey hood, a black hat on his head and brown pants standing": the list's first item
    while (st.dep[root.i] == "conj" or (st.dep[root.i] == "appos" and is_clothing(root))) and root.head.i != root.i and hops < 10:
        root, hops = root.head, hops + 1
    if st.dep[root.i] != "pobj" or st.dep[root.head.i] != "prep":
        return near
    outer = root.head.head
    if outer.i in st.redirect and st.redirect[outer.i] < near.i:  # "a bunch of wires on a table that are ..."
        outer = st.tokens[st.redirect[outer.i]]
    if outer.i not in st.token_mention or outer.i == near.i:
        return near
    if (is_clothing(near) or is_body_part(near)) and not (is_clothing(outer) or is_body_part(outer)):
        return outer
    own_subject = any(st.dep[c.i] in SUBJECT_DEPS and c.lower_ not in RELATIVE_PRONOUNS for c in st.kids[clause.i])
    if not own_subject and clause.tag_ == "VBG" and is_animate(outer) and not is_animate(near):
        return outer
    verb_number = None
    for t in [clause] + [c for c in st.kids[clause.i] if st.dep[c.i] in ("aux", "auxpass")]:
        if is_plural(t) is not None:
            verb_number = is_plural(t)
    if (
        verb_number is not None
        and is_plural(near) is not None
        and is_plural(near) != verb_number
        and is_plural(outer) == verb_number
        and any(c.lower_ in RELATIVE_PRONOUNS for c in st.kids[clause.i])
    ):
        return outer
    return near


def possessor_on(st: State, near: Token, clause: Token) -> Token | None:
    """"raiders symbol on the man's shirt who is holding footballs", "sunglasses on the man's
    face that is in the carriage": a clause after "X on the man's garment / body part" that only
    a person or animal does ("who", or being somewhere) is said of the possessor. Returns it or None."""
    who = False
    for c in st.kids[clause.i]:  # (a plain loop: cheaper than a comprehension for a few children)
        if c.lower_ == "who":
            who = True
            break
    applies = who or (  # "who", or being somewhere (read only without "who")
        clause.lemma_.lower() == "be" and any(st.dep[c.i] == "prep" and c.lower_ in ("in", "on", "at") for c in st.kids[clause.i])
    )
    if not applies or any(st.dep[c.i] in SUBJECT_DEPS and c.lower_ not in RELATIVE_PRONOUNS for c in st.kids[clause.i]):
        return None
    worn = [near] + [o for prep in st.kids[near.i] if st.dep[prep.i] == "prep" and prep.lower_ == "on" and prep.i < clause.i
                     for o in st.kids[prep.i] if st.dep[o.i] == "pobj"]
    for o in worn:
        if is_clothing(o) or is_body_part(o):
            for p in st.kids[o.i]:
                if st.dep[p.i] == "poss" and is_animate(p) and p.i in st.token_mention:
                    return p
    return None




def resolve_pronoun(st: State, tok: Token, avoid: set[int]) -> list[int]:
    """Antecedent of a pronoun: relative -> modified noun, it -> nearest earlier noun."""
    low = tok.lower_
    if low in RELATIVE_PRONOUNS:
        clause = tok.head
        hops = 0
        while st.dep[clause.i] not in CLAUSE_DEPS and clause.head.i != clause.i and hops < 5:
            clause = clause.head
            hops += 1
        if st.dep[clause.i] in CLAUSE_DEPS and clause.head.i != tok.i:
            return resolve(st, clause_holder(st, clause), avoid)
        return []
    if low in THING_REFERENCES:
        holder = have_subject(st, tok) or other_clause_subject(st, tok, avoid)
        if holder:
            return holder
    if low in ("they", "them"):
        everyone = previous_subjects(st, tok, avoid)
        if len(everyone) > 1:  # "a man wears a hat, a woman wears a scarf. they look happy"
            return everyone
    if low in ANIMATE_PRONOUNS | THING_PRONOUNS:
        previous = previous_subject(st, tok, avoid)
        if previous is not None:
            return [previous]
    if low in ANIMATE_PRONOUNS:
        subject = main_subject(st, tok)
        if subject is not None and subject not in avoid:
            person = earlier_person(st, tok, subject, avoid) if low in PERSONAL_PRONOUNS or worn_or_part(st, subject) else None
            if person is not None:
                return [person]
            if not (low in PERSONAL_PRONOUNS and tok.tag_ == "PRP" and not animate_mention(st, subject)):
                return [subject]  # "an apple on the table while she cuts it": "she" is no apple
        else:
            person = earlier_person(st, tok, -1, avoid) if low in PERSONAL_PRONOUNS else None
            if person is not None:  # "a bag lies next to her": the person before, not the bag
                return [person]
            found = earlier_mention(st, tok, avoid)
            if found:
                return found
    if low in THING_PRONOUNS:
        found = earlier_whole(st, tok, avoid) or earlier_mention(st, tok, avoid)
        if found:
            return found
    if low in ANIMATE_PRONOUNS | THING_PRONOUNS and tok.tag_ == "PRP":
        return [pronoun_mention(st, tok)]
    return []


def animate_mention(st: State, mention: int) -> bool:
    """True when `mention` names a person or animal (or is a personal pronoun's own mention)."""
    return any(
        m == mention and (is_animate(st.tokens[t]) or st.tokens[t].lower_ in ANIMATE_PRONOUNS) for t, m in st.token_mention.items()
    )


def worn_or_part(st: State, mention: int) -> bool:
    """True when `mention` is a body part or a garment ("a person's head ... as they walk"):
    no "they" stands for it."""
    return any(m == mention and (is_body_part(st.tokens[t]) or is_clothing(st.tokens[t])) for t, m in st.token_mention.items())


#: Pronouns that only stand for a person or animal ("he", "her"; not "they", "their").
PERSONAL_PRONOUNS: frozenset[str] = frozenset("he him his she her hers".split())


def earlier_person(st: State, tok: Token, subject: int, avoid: set[int]) -> int | None:
    """"the face of a young man as he catches a ball": when the sentence's subject is a
    thing, a personal pronoun stands for the closest person or animal before it; None when
    the subject is one (or no person comes before the pronoun)."""
    best: tuple[int, int] | None = None
    best_subject: tuple[int, int] | None = None  # "a girl reads a book about dogs. a bag lies next to her": the girl
    for ti, mi in st.token_mention.items():
        if mi == subject and is_animate(st.tokens[ti]):
            return None
        if ti < tok.i and mi not in avoid and is_animate(st.tokens[ti]):
            if best is None or ti > best[0]:
                best = (ti, mi)
            if st.dep[ti] in SUBJECT_DEPS and (best_subject is None or ti > best_subject[0]):
                best_subject = (ti, mi)
    if best_subject is not None and st.sentence_start(best_subject[0]) < st.sentence_start(tok.i):
        return best_subject[1]
    return best[1] if best else None


def have_subject(st: State, tok: Token) -> list[int]:
    """"the table has a bowl of fruit on it": "it" after a preposition in a "have" clause
    (on the verb or on its object) is the subject of "have"; [] if that does not apply."""
    if st.dep[tok.i] != "pobj":
        return []
    up = tok.head.head
    if st.dep[up.i] in ("dobj", "conj") and st.pos[up.i] in ("NOUN", "PROPN"):
        up = st.first_conjunct(up).head
    if st.pos[up.i] not in ("VERB", "AUX") or up.lemma_.lower() != "have":
        return []
    for c in st.kids[up.i]:
        if st.dep[c.i] in SUBJECT_DEPS:
            return resolve_group(st, c)
    return []


def other_clause_subject(st: State, tok: Token, avoid: set[int]) -> list[int]:
    """"a table has a bowl on it and a cat sleeps under it": "it" in a clause joined to an
    earlier one ("and", "while", "as") stands for that clause's subject when its own clause has
    another subject; [] if that does not apply."""
    if low_pronoun_target(tok) is None:
        return []
    verb, hops = tok.head, 0
    while st.pos[verb.i] not in ("VERB", "AUX") and verb.head.i != verb.i and hops < 6:
        verb, hops = verb.head, hops + 1
    if st.dep[verb.i] not in ("conj", "advcl") or verb.head.i == verb.i:
        return []
    own = [c for c in st.kids[verb.i] if st.dep[c.i] in SUBJECT_DEPS]
    other = [c for c in st.kids[verb.head.i] if st.dep[c.i] in ANY_SUBJECT_DEPS]
    if not own or not other or (st.pos[own[0].i] == "PRON" and own[0].lower_ not in PERSONAL_PRONOUNS):
        return []  # but "hay hanging out of its mouth as he eats it": "he" is not "it"
    found = [m for m in resolve_group(st, other[0]) if m not in avoid]
    mine = set(resolve_group(st, own[0]))
    return [] if set(found) & mine else found


def low_pronoun_target(tok: Token) -> str | None:
    """"it" / "them" as the object of a verb or preposition (not a subject); else None."""
    return tok.lower_ if tok.dep_ in ("pobj", "dobj") else None


def previous_subject(st: State, tok: Token, avoid: set[int]) -> int | None:
    """"... a dog. It is brown": a pronoun that opens its sentence (no mention before it in
    the sentence) stands for the subject of the previous sentence; None if that does not apply."""
    start = st.sentence_start(tok.i)
    if start == 0 or any(start <= ti < tok.i for ti in st.token_mention):
        return None
    subject = main_subject(st, st.tokens[start - 1])
    if subject is None:
        found = earlier_mention(st, tok, avoid)
        return found[0] if found else None
    return subject if subject not in avoid else None


def previous_subjects(st: State, tok: Token, avoid: set[int]) -> list[int]:
    """Subjects of every clause of the previous sentence, for a sentence-opening "they"."""
    start = st.sentence_start(tok.i)
    if start == 0 or any(start <= ti < tok.i for ti in st.token_mention):
        return []
    before = st.sentence_start(start - 1)
    out: list[int] = []
    for verb in st.tokens[before:start]:
        if st.pos[verb.i] in ("VERB", "AUX") and st.dep[verb.i] in ("ROOT", "conj", "ccomp"):
            for c in st.kids[verb.i]:
                if st.dep[c.i] in SUBJECT_DEPS:
                    out.extend(m for m in resolve_group(st, c) if m not in avoid and m not in out)
    return out


def pronoun_mention(st: State, tok: Token) -> int:
    """A mention for an unresolvable personal pronoun ("he is holding a bat")."""
    if tok.i not in st.token_mention:
        st.add_mention(tok.text, tok.lower_, tok.idx, tok.idx + len(tok.text), head=tok.i)
    return st.token_mention[tok.i]


def earlier_mention(st: State, tok: Token, avoid: set[int]) -> list[int]:
    """The closest mention before `tok` not in `avoid`."""
    best: tuple[int, int] | None = None
    for ti, mi in st.token_mention.items():
        if ti < tok.i and mi not in avoid and (best is None or ti > best[0]):
            best = (ti, mi)
    return [best[1]] if best else []


def earlier_whole(st: State, tok: Token, avoid: set[int]) -> list[int]:
    """"a puppy with its short legs while it sleeps": a subject "it" stands for the closest
    earlier mention that is no body part (an owner's legs do not sleep); [] if not a subject."""
    if st.dep[tok.i] not in SUBJECT_DEPS:
        return []
    parts = {m for t, m in st.token_mention.items() if t < tok.i and owned_part(st, st.tokens[t])}
    return earlier_mention(st, tok, avoid | parts) if parts else []


def owned_part(st: State, noun: Token) -> bool:
    """True for a body part, a noun with an owner ("its belly", "the dog's collar") or what a
    person or animal is "with" ("a cat with long whiskers and a fluffy tail")."""
    if is_body_part(noun) or any(st.dep[c.i] == "poss" for c in st.kids[noun.i]):
        return True
    first = st.first_conjunct(noun)
    prep = first.head
    return st.dep[first.i] == "pobj" and prep.lower_ == "with" and is_animate(prep.head)


def main_subject(st: State, tok: Token) -> int | None:
    """Mention of the subject (or root noun) of the sentence holding `tok`."""
    root, hops = tok, 0
    while root.head.i != root.i and hops < 200:
        root, hops = root.head, hops + 1
    if root.i in st.token_mention:
        return st.token_mention[root.i]
    for c in st.kids[root.i]:
        if st.dep[c.i] in SUBJECT_DEPS and c.i in st.token_mention:
            return st.token_mention[c.i]
    return None


def lone_mention(st: State, tok: Token) -> int | None:
    """The mention of `tok` when it is a mention head, no quantifier, with nothing coordinated
    below it (most tokens: then `resolve_group` and `attachment_group` are [it]); else None."""
    if tok.i in st.redirect:
        return None
    m = st.token_mention.get(tok.i)
    if m is not None and coordinated_below(st, tok):
        return None
    return m


def resolve_alone(st: State, tok: Token, avoid: Iterable[int] = ()) -> list[int]:
    """`resolve` of a token with no conjuncts, each mention once (in order)."""
    found = resolve(st, tok, avoid)
    return found if len(found) < 2 else list(dict.fromkeys(found))


def resolve_group(st: State, tok: Token, avoid: Iterable[int] = ()) -> list[int]:
    """Mentions for `tok` and its coordinated nouns below it."""
    m = lone_mention(st, tok)
    if m is not None:  # (most tokens)
        return [m]
    members = conjuncts(st, tok)
    if tok.i in st.redirect:
        members += quantified_list(st, tok)
    if len(members) == 1:  # (most tokens: no list)
        return resolve_alone(st, tok, avoid)
    out: list[int] = []
    for t in members:
        for m in resolve(st, t, avoid):
            if m not in out:
                out.append(m)
    return out


def quantified_list(st: State, tok: Token) -> list[Token]:
    """"three sets of cups and saucers": the nouns listed after the first one of a quantifier's
    'of' object (here [saucers]), so the quantifier's verb holds for each; [] otherwise."""
    target = st.redirect.get(tok.i)
    if target is None or tok.lower_ not in QUANTIFIER_NOUNS and tok.lemma_.lower() not in QUANTIFIER_NOUNS:
        return []
    return conjuncts(st, st.tokens[target])[1:]


def attachment_group(st: State, tok: Token, attach_at: int, avoid: Iterable[int] = ()) -> list[int]:
    """Mentions a modifier at position `attach_at` of `tok` applies to.

    A modifier after a whole coordination ("trees and bushes growing ...") applies to every
    conjunct; one in the middle applies to `tok` only, and so does the last one when an earlier
    conjunct has its own prepositional phrase ("a cup on the table and a plate on the chair").
    """
    if st.dep[tok.i] != "conj" and tok.i not in st.conj_head:  # (`group`'s climb up the conjuncts skipped for a token that is none: most)
        m = lone_mention(st, tok)
        if m is not None:
            return [m]
        members = conjuncts(st, tok)
    else:
        members = group(st, tok)
    if len(members) == 1:  # (no coordination: the modifier is `tok`'s alone)
        return resolve_alone(st, tok, avoid)
    own_modifiers = st.dep[attach_at] == "prep" and any(  # "a phone in her hand and a bag on her shoulder": each has its own
        st.dep[c.i] == "prep" for m in members[:-1] for c in st.kids[m.i] if c.i > m.i and c.i < members[-1].i
    ) or st.dep[attach_at] == "acl" and any(  # "people on a street and trash piled in boxes"
        st.dep[c.i] == "prep" and c.lower_ not in ("with", "of")
        for m in members[:-1] for c in st.kids[m.i] if c.i > m.i and c.i < members[-1].i
    )
    if len(members) > 1 and attach_at > members[-1].i and tok.i in (members[0].i, members[-1].i) and not own_modifiers:
        toks = members
    else:
        toks = [tok]
    out: list[int] = []
    for t in toks:
        for m in resolve(st, t, avoid):
            if m not in out:
                out.append(m)
    return out
