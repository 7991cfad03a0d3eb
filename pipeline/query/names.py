"""Finding entities by the names users type, with the build's own normalisation.

A name is tried as written (case and spacing ignored); if no entity has it, it goes through the
caption parser the build uses (spaCy lemmas: "Giraffes" -> giraffe, "tennis rackets" -> tennis
racket), so spaCy is loaded only when the plain lookup fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipeline.graph.store import GraphStore


class UnknownName(LookupError):
    """No entity has this name; `suggestions` holds the nearest names in the graph."""

    def __init__(self, name: str, suggestions: list[str], what: str = "entity") -> None:
        self.name, self.suggestions = name, suggestions
        hint = f"; nearest: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}")


@dataclass(frozen=True)
class Entity:
    """One row of the entities table."""

    entity_id: str
    name: str
    type: str
    mention_count: int
    region_count: int
    image_count: int


def squeeze(name: str) -> str:
    """Lower case, single spaces."""
    return " ".join(name.lower().split())


@lru_cache(maxsize=1)
def _parser():
    from pipeline.text.parser import CaptionParser

    p = CaptionParser()
    p.setup()
    return p


def name_variants(name: str) -> list[str]:
    """Normalised forms of `name` to look up, most literal first: as typed, then the caption
    parser's lemma of it (the same normalisation the build applies to caption mentions)."""
    out = [squeeze(name)]
    try:
        p = _parser()
    except RuntimeError:  # no spaCy model: the literal form only
        return out
    for text in (name, name.lower()):
        g = p.parse([text])[0]
        for m in g.mentions:
            out.append(squeeze(m.lemma))
        # a bare word the parser did not see as a noun: lemma of its last token
        doc = p.nlp(text.lower())
        if len(doc):
            toks = list(doc)
            out.append(squeeze("".join(t.lower_ + t.whitespace_ for t in toks[:-1]) + (toks[-1].lemma_ or toks[-1].text)))
    seen: set[str] = set()
    return [v for v in out if v and not (v in seen or seen.add(v))]


def predicate_variants(text: str) -> list[str]:
    """Normalised forms of a relation predicate: as typed, then lemmatised ("riding on" -> "ride on")."""
    out = [squeeze(text)]
    try:
        p = _parser()
    except RuntimeError:
        return out
    from pipeline.text.words import verb_lemma

    doc = p.nlp(text.lower())
    out.append(squeeze(" ".join(verb_lemma(t, p.verbs) if t.pos_ in ("VERB", "AUX") else (t.lemma_ or t.text) for t in doc)))
    out.append(squeeze(" ".join(verb_lemma(t, p.verbs) for t in doc)))
    seen: set[str] = set()
    return [v for v in out if v and not (v in seen or seen.add(v))]


_COLS = "entity_id, name, type, mention_count, region_count, image_count"


def _lookup(store: GraphStore, names: list[str], type_: str | None) -> list[Entity]:
    where = "lower(name) = ?" + (" AND type = ?" if type_ else "")
    for n in names:
        rows = store.sql(
            f"SELECT {_COLS} FROM entities WHERE {where} ORDER BY mention_count + region_count DESC, entity_id",
            [n, type_] if type_ else [n],
        ).fetchall()
        if rows:
            return [Entity(*r) for r in rows]
    return []


def suggest(store: GraphStore, name: str, n: int = 5) -> list[str]:
    """The `n` entity names nearest to `name` (Jaro-Winkler, then frequency)."""
    rows = store.sql(
        "SELECT name FROM (SELECT name, max(jaro_winkler_similarity(lower(name), ?)) AS sim, "
        "sum(mention_count + region_count) AS freq FROM entities GROUP BY name) "
        "WHERE sim > 0.6 ORDER BY sim DESC, freq DESC, name LIMIT ?",
        [squeeze(name), n],
    ).fetchall()
    return [r[0] for r in rows]


def find_entities(store: GraphStore, name: str, type_: str | None = None) -> list[Entity]:
    """Entities called `name` (after normalisation), most frequent first; [] if none."""
    found = _lookup(store, [squeeze(name)], type_)
    if found:
        return found
    return _lookup(store, name_variants(name)[1:], type_)


def resolve(store: GraphStore, name: str, type_: str | None = None) -> Entity:
    """The entity `name` denotes (most frequent one when several types share it); raises
    UnknownName with the nearest names when there is none."""
    found = find_entities(store, name, type_)
    if not found:
        raise UnknownName(name, suggest(store, name))
    return found[0]
