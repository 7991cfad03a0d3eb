"""The RapidOCR backend alone: it reads a sign painted on a real photo (no photo of a sign can be
downloaded here: see tests/signs.py), with its box on the board; pieces on one line are joined."""

from __future__ import annotations

import pytest

from signs import sign_photo

from pipeline.vision.rapid_ocr import RapidTextReader, TextLine, join_lines


@pytest.fixture(scope="module")
def reader() -> RapidTextReader:
    r = RapidTextReader(threads=1)
    r.load()
    return r


def test_reads_the_sign_with_its_box(reader: RapidTextReader) -> None:
    img, (bx1, by1, bx2, by2) = sign_photo("FISH MARKET")
    (lines,) = reader.read([img])
    assert [ln.text for ln in lines] == ["FISH MARKET"]
    (ln,) = lines
    assert ln.score > 0.8 and bx1 <= ln.x1 < ln.x2 <= bx2 and by1 <= ln.y1 < ln.y2 <= by2


def test_a_photo_without_text_gives_no_lines(reader: RapidTextReader) -> None:
    from skimage import data

    assert reader.read([data.chelsea()]) == [[]]


def test_pieces_on_one_line_are_joined_left_to_right() -> None:
    pieces = [TextLine("MARKET", 0.9, 120, 0, 200, 30), TextLine("FISH", 0.8, 0, 2, 100, 31), TextLine("OPEN", 0.95, 0, 60, 80, 90)]
    assert join_lines(pieces) == [TextLine("FISH MARKET", 0.8, 0, 0, 200, 31), TextLine("OPEN", 0.95, 0, 60, 80, 90)]


def test_registered() -> None:
    from pipeline.core.registry import backends

    r = backends("text reader").get("rapidocr")(min_score=0.7, threads=1)
    assert isinstance(r, RapidTextReader) and r.min_score == 0.7 and r.name == "rapidocr"
