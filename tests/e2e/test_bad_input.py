"""Every kind of broken or odd row, one each, through the real pipeline: each lands where it
should (graph or quarantine, with the expected reason) and the counts add up per file."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from helpers import jpeg, write_corpus, graph_root

from pipeline.build import run_build
from pipeline.config import load_config

REPO = Path(__file__).resolve().parents[2]


def _png(im: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    im.save(b, "PNG", **kw)
    return b.getvalue()


def _bomb_png(w: int = 50_000, h: int = 50_000) -> bytes:
    """A PNG whose header claims w x h pixels (a decompression bomb's calling card)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _exif_rotated() -> bytes:
    """A 40x20 JPEG whose EXIF says 'rotate 90': it is 20x40 when shown."""
    im = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    b = io.BytesIO()
    im.save(b, "JPEG", exif=exif.tobytes())
    return b.getvalue()


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory, photos) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("bad")
    root = d / "images"
    root.mkdir()
    (root / "ok.jpg").write_bytes(photos["coffee"])
    (root / "notes.jpg").write_text("this is a text file, not a JPEG\n")
    outside = d / "secret.jpg"
    outside.write_bytes(photos["chelsea"])
    os.symlink(outside, root / "escape.jpg")
    good = photos["rocket"]
    pal = Image.new("P", (16, 16))
    pal.putpalette([i % 256 for i in range(768)])
    pal.info["transparency"] = 0
    rows = [
        # (id, image bytes, image_path, text, expected reason or None)
        ("ok-bytes", good, None, "a rocket on a launch pad", None),
        ("ok-path", None, "ok.jpg", "a cup of coffee", None),
        ("corrupt", good[: len(good) // 3], None, "truncated jpeg", "decode_error"),
        ("zero", b"", None, "zero bytes", "empty_image"),
        ("textfile", None, "notes.jpg", "a text file named .jpg", "not_an_image"),
        ("svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>", None, "vector image", "not_an_image"),
        ("bomb", _bomb_png(), None, "a decompression bomb", "too_many_pixels"),
        ("missing", None, "nope/missing.jpg", "a missing file", "missing_file"),
        ("traversal", None, "../../etc/passwd", "path traversal", "path_outside_roots"),
        ("absolute", None, "/etc/passwd", "absolute path", "path_outside_roots"),
        ("symlink", None, "escape.jpg", "symlink leaving the root", "path_outside_roots"),
        ("url", None, "https://example.com/cat.jpg", "remote image", "remote_disabled"),
        ("noimage", None, None, "no image at all", "missing_image"),
        ("null-caption", good, None, None, None),
        ("empty-caption", good, None, "", None),
        ("long-caption", good, None, ("a red horse near a tall fence " * 3400)[:100_000], None),
        ("emoji", good, None, "a 🐎 horse 🐴 on the 🌾 grass", None),
        ("rtl", good, None, "حصان بني يركض في الحقل a brown horse", None),
        ("escapes", good, None, 'a <script>alert("x")</script> sign, "quoted", ]]> and\nnewline\x00nul', None),
        ("dup", good, None, "first of two rows with one id", None),
        ("dup", photos["coffee"], None, "second row with the same id", "duplicate_id"),
        ("", good, None, "an empty id", "missing_id"),
        ("cmyk", _cmyk(), None, "cmyk", None),
        ("gray16", _png(Image.fromarray(np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 30)), None, "16-bit", None),
        ("palette", _png(pal), None, "palette with transparency", None),
        ("rgba", _png(Image.new("RGBA", (10, 12), (0, 0, 255, 128))), None, "alpha", None),
        ("gray", jpeg(np.full((30, 50), 128, np.uint8)), None, "grayscale", None),
        ("rotated", _exif_rotated(), None, "exif rotated", None),
        ("tiny", _png(Image.new("RGB", (1, 1), (1, 2, 3))), None, "one pixel", None),
    ]
    schema = pa.schema([("id", pa.string()), ("image", pa.binary()), ("image_path", pa.string()), ("text", pa.string())])
    main = write_corpus(d / "bad.parquet", [dict(zip(("id", "image", "image_path", "text"), r[:4])) for r in rows], schema)
    # invalid UTF-8 captions need a binary text column: a second file
    utf = write_corpus(d / "utf8.parquet", [{"id": "bad-utf8", "image": good, "text": b"caf\xe9 \xff\xfe horse"}],
                       pa.schema([("id", pa.string()), ("image", pa.binary()), ("text", pa.binary())]))
    expected = {r[0]: r[4] for r in rows if r[0] != "dup"}
    expected["bad-utf8"] = None
    return d, root, expected


def _cmyk() -> bytes:
    b = io.BytesIO()
    Image.new("CMYK", (12, 8), (0, 255, 255, 0)).save(b, "JPEG")
    return b.getvalue()


@pytest.fixture(scope="module")
def bad_graph(bad_corpus, tmp_path_factory, model_dir, ray_local) -> Path:
    d, root, _ = bad_corpus
    out = tmp_path_factory.mktemp("badout") / "graph"
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]"], out=str(out), runner="ray")
    cfg.corpus = [str(d / "bad.parquet"), str(d / "utf8.parquet")]
    cfg.decode.image_roots = [str(root)]
    run_build(cfg, progress=lambda m: None)
    return out


def test_each_bad_row_lands_where_it_should(bad_graph: Path, bad_corpus) -> None:
    _, _, expected = bad_corpus
    q = pq.read_table(graph_root(bad_graph) / "quarantine").to_pylist()
    got = {r["corpus_id"]: r["reason"] for r in q if r["corpus_id"] != "dup"}
    assert got == {k: v for k, v in expected.items() if v}
    dups = [r for r in q if r["corpus_id"] == "dup"]
    assert [(r["reason"], r["source_row"]) for r in dups] == [("duplicate_id", 20)]
    in_graph = {cid for r in pq.read_table(graph_root(bad_graph) / "images").to_pylist() for cid in r["corpus_ids"]}
    assert in_graph == {k for k, v in expected.items() if v is None} | {"dup"}


def test_accounting_adds_up_per_file(bad_graph: Path) -> None:
    m = json.loads((graph_root(bad_graph) / "manifest.json").read_text())
    acc = {Path(a["file"]).name: a for a in m["accounting"]}
    assert acc["bad.parquet"]["rows_in"] == 29 == acc["bad.parquet"]["rows_in_graph"] + acc["bad.parquet"]["rows_quarantined"]
    assert acc["utf8.parquet"] == {**acc["utf8.parquet"], "rows_in": 1, "rows_in_graph": 1, "rows_quarantined": 0}
    assert all(a["balanced"] for a in m["accounting"])


def test_odd_images_decode_correctly(bad_graph: Path) -> None:
    imgs = {r["corpus_id"]: r for r in pq.read_table(graph_root(bad_graph) / "images").to_pylist()}
    assert (imgs["rotated"]["width"], imgs["rotated"]["height"]) == (20, 40)
    assert (imgs["tiny"]["width"], imgs["tiny"]["height"]) == (1, 1)
    assert (imgs["cmyk"]["width"], imgs["cmyk"]["height"]) == (12, 8)
    assert (imgs["gray16"]["width"], imgs["gray16"]["height"]) == (64, 32)


def test_strange_captions_survive(bad_graph: Path) -> None:
    caps = {r["text"] for r in pq.read_table(graph_root(bad_graph) / "captions").to_pylist()}
    assert 'a <script>alert("x")</script> sign, "quoted", ]]> and\nnewline\x00nul' in caps
    assert "a 🐎 horse 🐴 on the 🌾 grass" in caps
    assert "caf\ufffd \ufffd\ufffd horse" in caps
    assert any(len(c) == 100_000 or len(c) == len(("a red horse near a tall fence " * 3400)[:100_000].strip()) for c in caps)
