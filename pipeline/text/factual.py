"""SceneGraph <-> FACTUAL's textual format, and the CSV command behind `kg parse-captions`."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from pipeline.text.lexicon import CLOSED_COMPOUNDS, QUOTED_TEXT_NAME
from pipeline.text.types import SceneGraph

#: FACTUAL's gold lemmatises these predicate verbs differently from spaCy.
FACTUAL_VERBS: dict[str, str] = {"lie": "lay"}

#: FACTUAL's gold writes these nouns in one canonical form.
FACTUAL_NOUNS: dict[str, str] = {
    "guy": "person", "dude": "person", "guys": "people", "dudes": "people",
    "cell phone": "cellphone", "cell phones": "cellphones",
    "head band": "headband", "head bands": "headbands", "snow board": "snowboard", "snow boards": "snowboards",
    "pony tail": "ponytail", "pony tails": "ponytails",
    "tshirt": "t-shirt", "tshirts": "t-shirts", "t shirt": "t-shirt", "t shirts": "t-shirts",
    "tee shirt": "t-shirt", "tee shirts": "t-shirts",
    # a personal pronoun no earlier noun explains ("he threw the ball") names a person
    "he": "man", "him": "man", "she": "woman", "her": "woman",
    # two words the caption writes for one thing, written as one ("wet suits" -> wetsuits)
    **{two: one for two, one in CLOSED_COMPOUNDS.items()},
    **{f"{two}s": f"{one}s" for two, one in CLOSED_COMPOUNDS.items()},
}


def _clean(text: str) -> str:
    """One FACTUAL element: no parentheses or commas, single spaces."""
    for ch in "(),":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def _noun(name: str) -> str:
    return FACTUAL_NOUNS.get(name, name)


def _predicate(predicate: str) -> str:
    words = predicate.split()
    if words and words[0] in FACTUAL_VERBS:
        words[0] = FACTUAL_VERBS[words[0]]
    return _clean(" ".join(words))


def to_factual(graph: SceneGraph) -> str:
    """FACTUAL string for a graph: `( man , ride , horse ) , ( horse , is , brown ) , ( fence )`.

    Nouns are written as in the caption (Mention.text; quoted text as its name, "words"), predicates lemmatised, counts as
    digits; a bare `( e )` only for an entity in no other tuple.
    """
    names = {
        m.index: QUOTED_TEXT_NAME if m.lemma == QUOTED_TEXT_NAME else _noun(_clean(m.text.lower()) or _clean(m.lemma.lower()))
        for m in graph.mentions
    }
    segments: list[str] = []
    used: set[int] = set()

    def add(seg: str) -> None:
        if seg not in segments:
            segments.append(seg)

    for r in graph.relations:
        s, o, p = names.get(r.subject), names.get(r.object), _predicate(r.predicate)
        if s and o and p:
            add(f"( {s} , {p} , {o} )")
            used.update((r.subject, r.object))
    for a in graph.attributes:
        e, t = names.get(a.mention), _clean(a.text.lower())
        if e and t:
            add(f"( {e} , is , {t} )")
            used.add(a.mention)
    for m in graph.mentions:
        if m.index not in used and names.get(m.index):
            add(f"( {names[m.index]} )")
    return " , ".join(segments)


def parse_captions_csv(in_path: str | Path, out_path: str | Path, model: str | None = None) -> int:
    """Read a CSV with a `caption` column, write it to `out_path` with a `scene_graph` column
    added (or replaced); all columns and the row order are kept. Returns the row count."""
    from pipeline.text.parser import CaptionParser

    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(in_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if "caption" not in fields:
        raise ValueError(f"{in_path}: no 'caption' column (columns: {fields})")
    parser = CaptionParser(model=model)
    graphs = parser.parse([row.get("caption") for row in rows])
    if "scene_graph" not in fields:
        fields.append("scene_graph")
    for row, graph in zip(rows, graphs):
        row["scene_graph"] = to_factual(graph)
    with open(out_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
