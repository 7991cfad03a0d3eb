"""Grounding mentions in regions by id: label words, counts, one region per mention per caption,
min score, and text read from the image grounded where it was read (caption spans)."""

from __future__ import annotations

from pipeline.graph.grounding import ground
from pipeline.graph.records import Caption, Mention, Region, TextSpan, entity_id


def region(rid: str, label: str, score: float) -> Region:
    return Region(rid, label, score, 0.0, 0.0, 10.0, 10.0, "det", entity_id("concept", label))


def mention(mid: str, cid: str, name: str, type_: str = "concept", count: int | None = None, start: int = 0, end: int = 1) -> Mention:
    return Mention(mid, cid, entity_id(type_, name), name, type_, name, start, end, count, "corpus")


def test_label_words_counts_and_scores() -> None:
    regions = [region("r1", "person", 0.9), region("r2", "person", 0.5), region("r3", "horse", 0.8), region("r4", "horse", 0.1)]
    caps = [Caption("c1", "two men ride a pony", "corpus"), Caption("c2", "a man", "model:x")]
    ms = [mention("m1", "c1", "man", count=2), mention("m2", "c1", "pony"), mention("m3", "c2", "man"),
          mention("m4", "c1", "Anna", type_="PERSON"), mention("m5", "c1", "Paris", type_="GPE")]
    got = {(g.mention_id, g.region_id, g.score) for g in ground(caps, ms, regions, min_score=0.3)}
    # m1 takes both persons (count 2), so Anna finds none left in c1; r4 is below min_score;
    # c2 is another caption: its man may use the best person again; a place never grounds
    assert got == {("m1", "r1", 0.9), ("m1", "r2", 0.5), ("m2", "r3", 0.8), ("m3", "r1", 0.9)}


def test_text_read_from_the_image_grounds_where_it_was_read() -> None:
    regions = [region("t1", "text", 0.95), region("t2", "text", 0.2), region("p", "person", 0.9)]
    cap = Caption("c", "fish market. person", "ocr", (TextSpan(0, 11, "t1"), TextSpan(13, 19, "t2")))
    ms = [mention("m1", "c", "fish market", start=0, end=11), mention("m2", "c", "person", start=13, end=19)]
    got = {(g.mention_id, g.region_id) for g in ground([cap], ms, regions, min_score=0.3)}
    # the market is grounded in the sign it was read from; "person" was read from a region below
    # min_score and is not grounded by its label in a detected person either
    assert got == {("m1", "t1")}
