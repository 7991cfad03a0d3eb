"""Captions -> FACTUAL tuples, one construction per case (real spaCy model, no mocks).

Each case lists tuples the graph must contain (`must`) and, optionally, tuples it must not
contain (`never`). Tuples are written as FACTUAL segments: "man , ride , horse".
"""

from __future__ import annotations

import re

import pytest

from pipeline.text.factual import to_factual


def segments(factual: str) -> set[str]:
    """'( man , ride , horse ) , ( horse )' -> {'man , ride , horse', 'horse'}."""
    return {" ".join(s.split()).lower() for s in re.findall(r"\(([^()]*)\)", factual)}


CASES: list[tuple[str, set[str], set[str]]] = [
    # entities: compounds kept, plurals, numbers as attributes
    ("a tennis racket leaning against a wall", {"tennis racket , lean against , wall"}, set()),
    ("the fire hydrant is red", {"fire hydrant , is , red"}, {"fire hydrant"}),
    ("two horses grazing in a field", {"horses , graze in , field", "horses , is , 2"}, set()),
    ("three tennis rackets on the bench", {"tennis rackets , on , bench", "tennis rackets , is , 3"}, set()),
    ("one person in the kitchen", {"person , in , kitchen"}, {"person , is , 1"}),
    ("a bunch of bananas on the counter", {"bananas , on , counter"}, {"bunch"}),
    # attributes: adjectives, colours, materials, participles, copula, conjunctions
    ("a parked car near the curb", {"car , is , parked", "car , near , curb"}, set()),
    ("the sky is blue", {"sky , is , blue"}, set()),
    ("a red and white sign", {"sign , is , red", "sign , is , white"}, set()),
    ("the bus is red and white", {"bus , is , red", "bus , is , white"}, set()),
    ("a wooden bench under a tree", {"bench , is , wooden", "bench , under , tree"}, set()),
    ("a metal pole next to a stone wall", {"pole , is , metal", "wall , is , stone", "pole , next to , wall"}, set()),
    ("a dark blue car parked on the street", {"car , is , dark blue", "car , park on , street"}, set()),
    ("a partly cloudy sky over the sea", {"sky , is , partly cloudy", "sky , over , sea"}, set()),
    ("a small white dog with a red collar",
     {"dog , is , small", "dog , is , white", "collar , is , red", "dog , with , collar"}, set()),
    ("the wall is white in color", {"wall , is , white"}, {"color"}),
    ("two women skiing", {"women , is , 2", "women , is , skiing"}, set()),
    # verb relations with subject and object
    ("a man riding a brown horse", {"man , ride , horse", "horse , is , brown"}, {"man , rid , horse"}),
    ("a man holding an umbrella", {"man , hold , umbrella"}, set()),
    ("the boy throws the ball to the dog", {"boy , throw , ball", "boy , throw to , dog"}, set()),
    ("an old man sitting on a park bench reading a newspaper",
     {"man , sit on , park bench", "man , read , newspaper", "man , is , old"}, set()),
    ("he is holding a bat", {"man , hold , bat"}, {"he , hold , bat"}),  # FACTUAL names an unexplained "he" a man
    ("the bird has a yellow beak", {"bird , have , beak", "beak , is , yellow"}, set()),
    # prepositions on nouns and verbs, multi-word prepositions
    ("a lamp in front of the window", {"lamp , in front of , window"}, {"front"}),
    ("a man standing in front of a building", {"man , stand in front of , building"}, set()),
    ("a dog sleeping next to the sofa", {"dog , sleep next to , sofa"}, set()),
    ("a vase on top of the table", {"vase , on top of , table"}, {"top"}),
    ("pigeons at the top of the roof", {"pigeons , on top of , roof"}, set()),
    ("a sticker on the side of the van", {"sticker , on side of , van"}, set()),
    ("weeds growing out of the cracks", {"weeds , grow out of , cracks"}, set()),
    ("a bottle in between the glasses", {"bottle , between , glasses"}, set()),
    ("a laptop sitting on a desk beside a phone", {"laptop , sit on , desk", "laptop , sit beside , phone"}, set()),
    # copula + preposition
    ("the cat is on the bed", {"cat , on , bed"}, {"cat , be on , bed"}),
    ("the bush that is behind the bench", {"bush , behind , bench"}, set()),
    ("there are two dogs on the grass", {"dogs , on , grass", "dogs , is , 2"}, set()),
    # passives
    ("grass eaten by horses", {"horses , eat , grass"}, set()),
    ("a wooden fence surrounded by tall grass", {"grass , surround , fence", "fence , is , wooden"}, set()),
    ("a table covered with books", {"table , cover with , books"}, set()),
    ("five boats tied to the pier", {"boats , tie to , pier", "boats , is , 5"}, set()),
    # relative and participle clauses
    ("the woman who is riding a bike", {"woman , ride , bike"}, set()),
    ("a boy that is flying a kite", {"boy , fly , kite"}, set()),
    ("a bird perched on a branch", {"bird , perch on , branch"}, set()),
    # possession and "with"
    ("the man's hat is black", {"man , have , hat", "hat , is , black"}, set()),
    ("a man with a hat", {"man , wear , hat"}, {"man , with , hat"}),
    ("a dog with a red ball", {"dog , with , ball", "ball , is , red"}, set()),
    ("the handle of the door", {"door , have , handle"}, set()),
    ("a bowl of soup", {"soup , in , bowl"}, set()),
    ("a plate of cookies", {"cookies , on , plate"}, set()),
    ("a girl in a pink dress", {"girl , wear , dress", "dress , is , pink"}, set()),
    ("a bucket with sand in it", {"sand , in , bucket"}, set()),
    # conjunctions distributed to subjects and objects
    ("a man and a woman holding umbrellas", {"man , hold , umbrellas", "woman , hold , umbrellas"}, set()),
    ("cars and trucks parked on the road", {"cars , park on , road", "trucks , park on , road"}, set()),
    ("a pizza topped with cheese and tomatoes", {"pizza , top with , cheese", "pizza , top with , tomatoes"}, set()),
    ("a woman wearing a black and white dress",
     {"woman , wear , dress", "dress , is , black", "dress , is , white"}, set()),
    # stranded prepositions / fronted objects (region-description style)
    ("the shelf the books are on", {"books , on , shelf"}, set()),
    ("the kite the boy is flying", {"boy , fly , kite"}, set()),
    # containers and parts said with a pronoun or a bare part noun
    ("a mug with coffee in it", {"coffee , in , mug"}, {"mug , with , coffee"}),
    ("a table with a lamp on top", {"lamp , on top of , table"}, {"top"}),
    ("the woman has a phone in her hand", {"woman , have , phone", "phone , in , hand"}, set()),
    # collective nouns, locative adverbs, hyphenated words, canonical prepositions
    ("group of kids playing soccer", {"kids , play , soccer", "kids , is , group of"}, {"group"}),
    ("kids standing outside", {"kids , is , outside"}, set()),
    ("a sandwich inside of a paper bag", {"sandwich , inside , bag", "bag , is , paper"}, set()),
    ("a white two-story building", {"building , is , two-story", "building , is , white"}, set()),
    ("man in a gray t-shirt", {"man , wear , t-shirt", "t-shirt , is , gray"}, set()),
    ("the window beneath the roof", {"window , under , roof"}, set()),
    # tagger slips: nouns read as verbs and back
    ("cat laying on a bed", {"cat , lay on , bed"}, set()),
    ("boy holding kite", {"boy , hold , kite"}, set()),
    # bare entities
    ("a lone tree", {"tree , is , lone"}, {"tree"}),
    ("bicycle", {"bicycle"}, set()),
]


@pytest.mark.parametrize("caption,must,never", CASES, ids=[c[0] for c in CASES])
def test_caption_tuples(caption_parser, caption: str, must: set[str], never: set[str]) -> None:
    graph = caption_parser.parse([caption])[0]
    got = segments(to_factual(graph))
    assert must <= got, f"missing {sorted(must - got)}; got {sorted(got)}"
    assert not (never & got), f"unexpected {sorted(never & got)}; got {sorted(got)}"


def test_exact_factual_string(caption_parser) -> None:
    graph = caption_parser.parse(["two women playing frisbee on the beach"])[0]
    assert segments(to_factual(graph)) == {
        "women , play , frisbee", "women , play on , beach", "women , is , 2"
    }


def test_mentions_lemmas_counts_and_offsets(caption_parser) -> None:
    caption = "two tennis rackets next to three horses"
    graph = caption_parser.parse([caption])[0]
    by_text = {m.text: m for m in graph.mentions}
    rackets, horses = by_text["tennis rackets"], by_text["horses"]
    assert (rackets.lemma, rackets.count, rackets.label) == ("tennis racket", 2, "concept")
    assert (horses.lemma, horses.count) == ("horse", 3)
    for m in graph.mentions:
        assert caption[m.start:m.end] == m.text
    rel = {(graph.mentions[r.subject].lemma, r.predicate, graph.mentions[r.object].lemma) for r in graph.relations}
    assert ("tennis racket", "next to", "horse") in rel


def test_named_entities_are_typed(caption_parser) -> None:
    graph = caption_parser.parse(["Barack Obama speaking with reporters in Paris"])[0]
    labels = {m.text: m.label for m in graph.mentions}
    assert labels.get("Barack Obama") == "PERSON"
    assert labels.get("Paris") == "GPE"
    assert labels.get("reporters") == "concept"


def test_bare_entity_only_when_unused(caption_parser) -> None:
    graph = caption_parser.parse(["a cat and a dog"])[0]
    assert segments(to_factual(graph)) == {"cat", "dog"}
    graph = caption_parser.parse(["a black cat and a dog"])[0]
    assert segments(to_factual(graph)) == {"cat , is , black", "dog"}
