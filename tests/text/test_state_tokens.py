"""State.of reads every token attribute once (CachedToken): what the rules read must be what
spaCy says, token for token, on real parses."""

from __future__ import annotations

import pytest

from pipeline.text.state import State

CAPTIONS = [
    "A man in a red shirt is riding a brown horse on the beach.",
    "Two dogs play. They are running   near   John Smith's car in New York!",
    "a `` stop '' sign, a t-shirt and 12 bananas",
    "",
    "Ünïcode café: naïve résumé ☕ next to the 2nd-floor window",
]
CACHED = ("i", "dep_", "pos_", "lower_", "lemma_", "tag_", "text", "idx", "whitespace_", "ent_type_")


@pytest.mark.parametrize("caption", CAPTIONS)
def test_cached_tokens_read_like_spacy_tokens(caption_parser, caption: str) -> None:
    doc = caption_parser.nlp(caption)
    st = State.of(doc, caption)
    assert len(st.tokens) == len(doc)
    assert st.text == doc.text
    assert st.sent_starts == frozenset(t.i for t in doc if t.is_sent_start or t.i == 0)
    for c, t in zip(st.tokens, doc):
        assert [getattr(c, a) for a in CACHED] == [getattr(t, a) for a in CACHED]
        assert (st.dep[c.i], st.pos[c.i]) == (t.dep_, t.pos_)
        assert c.head is st.tokens[t.head.i]
        assert c.left_edge is st.tokens[t.left_edge.i] and c.right_edge is st.tokens[t.right_edge.i]
        assert [k.i for k in st.kids[c.i]] == [k.i for k in t.children]
        assert [k.i for k in c.children] == [k.i for k in t.children]
        assert (c.is_punct, c.like_num, c.norm_, c.is_sent_start) == (t.is_punct, t.like_num, t.norm_, t.is_sent_start)
        assert c.token == t and len(c) == len(t) and str(c) == str(t)
