"""One parsed spaCy Doc -> SceneGraph: the rule modules run in a fixed, documented order.

Rule order (each step only adds to the `State`; later steps read what earlier ones found):

1. `repairs`      - parser repairs: "-ing" roots whose compound is their subject ("a giraffe
                    laying"), "-ing" adjectives that are verbs ("lady holding baby"), people
                    coordinated inside a "with" phrase ("a man with a hat and a woman"),
                    list items hung on the list's holder ("holding a ball and a racket"),
                    phrases hung on a part noun ("to the right of a woman in a dress"),
                    "one in a hat and one in a helmet" standing for the plural noun before,
                    places hung on the first adjective of a list ("red, white and blue
                    flag on the pole").
2. `mentions`     - entity heads, compounds and names; quantifier / part nouns redirected
                    ("bunch of bananas" -> bananas).
3. `attributes`   - adjectives, colours, materials, counts said of each mention;
   `prepositions.place_attributes` - picture places ("the bird on the left") of the closest noun.
4. relations, token by token in text order:
   - a mention token: `prepositions.noun_prep_relations` ("cat on the bed", with "of" and
     containers handled by `possession`), `possession.possessive_relations` ("man's hat"),
     `prepositions.modifier_relations` ("cup full of coffee"),
     `possession.have_root_relations` ("bird has beak" misparsed);
   - a verb (or a verb-like AUX / repaired root): `verbs.verb_relations` (subject-verb-object,
     passives and agents, verb + preposition, copula complements);
   - a quantifier noun: its own prepositions ("piles of snow on the ground").
5. attributes that became relation heads ("next", "full") are dropped.

Pronouns, relative pronouns and coordination are resolved on demand by `coreference`.
Nothing here imports spaCy: the rules only read token attributes.
"""

from __future__ import annotations

from pipeline.text.attributes import collect_attributes, photo_taking
from pipeline.text.coreference import resolve
from pipeline.text.lexicon import LOCATIVE_ADVERBS, PREP_HEADS
from pipeline.text.mentions import build_mentions
from pipeline.text.possession import have_root_relations, possessive_relations
from pipeline.text.prepositions import modifier_relations, noun_prep_relations, place_attributes
from pipeline.text.repairs import (
    find_adjective_list_roots,
    find_amod_verbs,
    find_distributives,
    find_fronted_compounds,
    find_misplaced_conjuncts,
    find_noun_verbs,
    find_part_noun_phrases,
    find_split_subjects,
)
from pipeline.text.state import State
from pipeline.text.types import Attribute, Relation, SceneGraph
from pipeline.text.verbs import verb_relations
from pipeline.text.words import PREP_DEPS, Doc


def relations(st: State) -> None:
    """Step 4: relations from every token, in text order."""
    token_mention, redirect, pos, dep, kids = st.token_mention, st.redirect, st.pos, st.dep, st.kids  # (read per token: kept local)
    for tok in st.tokens:
        i = tok.i
        mi = token_mention.get(i)  # (read now: resolving a pronoun adds its token)
        if mi is not None:
            # One scan of the children says which of the four passes can find anything: each
            # does nothing unless a child has the label tested here (their own first tests; the
            # relation passes change no child or label). Most mention tokens call one or none.
            prep = poss = mod = aux = False
            for c in kids[i]:
                d = dep[c.i]
                if d in PREP_DEPS:
                    prep = True
                elif d == "poss":
                    poss = True
                elif d == "amod" or d == "advmod":
                    mod = True
                elif d == "aux":
                    aux = True
            if prep:
                noun_prep_relations(st, tok, [mi])
            if poss or dep[i] == "pobj":  # (possessive_relations also reads a "pobj" noun itself)
                possessive_relations(st, tok, mi)
            if mod:
                modifier_relations(st, tok, mi)
            if aux:
                have_root_relations(st, tok, mi)
        elif pos[i] == "VERB" or (pos[i] == "AUX" and dep[i] not in ("aux", "auxpass")) or i in st.split_subject:
            verb_relations(st, tok)
        if i in redirect:  # "piles of snow on the ground": relations of the quantifier
            noun_prep_relations(st, tok, resolve(st, tok))


def to_graph(st: State) -> SceneGraph:
    """Step 5: the SceneGraph of a finished state."""
    attributes, relations = st.attributes, st.relations  # (many captions have none: no list built then)
    attrs = tuple([Attribute(m, t) for (m, t) in attributes if t not in PREP_HEADS or t in LOCATIVE_ADVERBS]) if attributes else ()
    rels = tuple([Relation(s, p, o) for (s, p, o) in relations]) if relations else ()
    return SceneGraph(st.caption, tuple(st.mentions), attrs, rels)


def doc_to_graph(
    doc: Doc, caption: str, verbs: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()
) -> SceneGraph:
    """Scene graph of one parsed caption; `caption` is stored as the graph's caption.

    `verbs`/`nouns`: known verb and noun lemmas (spaCy's lemma_index) used to repair tagging
    and lemmatizer slips ("riding" -> "ride", "railing" is a noun); optional.
    """
    st = State.of(doc, caption, verbs, nouns)
    find_split_subjects(st)
    find_noun_verbs(st)
    find_amod_verbs(st)
    find_misplaced_conjuncts(st)
    find_part_noun_phrases(st)
    find_distributives(st)
    find_fronted_compounds(st)
    find_adjective_list_roots(st)
    build_mentions(st)
    collect_attributes(st)
    place_attributes(st)
    relations(st)
    photo_taking(st)
    graph = to_graph(st)
    st.release()  # (frees the tokens and the Doc now, not at the next garbage collection)
    return graph
