"""Alt-text framing ("a photo of ...") is not an entity of the scene."""

from __future__ import annotations

import pytest

from pipeline.text.factual import to_factual
from pipeline.text.parser import blank_frame


@pytest.mark.parametrize("caption,graph", [
    ("a photo of two horses and a person", "( horses , is , 2 ) , ( person )"),
    ("an image of a cat on a bed", "( cat , on , bed )"),
    ("a black and white photo of a man in a dark coat", "( man , wear , coat ) , ( coat , is , dark )"),
    ("photo of a dog", "( dog )"),
])
def test_frame_is_dropped(caption_parser, caption: str, graph: str) -> None:
    (g,) = caption_parser.parse([caption])
    assert to_factual(g) == graph
    assert all(caption[m.start:m.end] == m.text for m in g.mentions)


def test_frame_inside_the_scene_is_kept(caption_parser) -> None:
    (g,) = caption_parser.parse(["a man holding a photo of his son"])
    assert "photo" in {m.lemma for m in g.mentions}
    assert blank_frame("a photo of") == "a photo of"  # nothing left to say: keep it
