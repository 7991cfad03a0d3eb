"""The bundled sample corpus and the derived bench corpus, written to real files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from pipeline.io.sample import SAMPLE_IMAGES, SampleImage, write_bench_corpus, write_sample_corpus


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_corpus(tmp_path_factory.mktemp("sample"))


def test_sample_records_are_well_formed() -> None:
    assert len(SAMPLE_IMAGES) >= 12
    assert all(isinstance(s, SampleImage) for s in SAMPLE_IMAGES)
    assert len({s.id for s in SAMPLE_IMAGES}) == len(SAMPLE_IMAGES)
    for s in SAMPLE_IMAGES:
        assert 1 <= len(s.captions) <= 3, s.id
        assert all(c.strip() for c in s.captions), s.id
        assert s.license.strip(), s.id
    with pytest.raises(AttributeError):
        SAMPLE_IMAGES[0].id = "x"  # type: ignore[misc]


def test_sample_corpus_rows(sample_file: Path) -> None:
    assert sample_file.name == "sample.parquet"
    rows = pq.read_table(sample_file).to_pylist()
    assert len(rows) >= 12
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert "skimage-astronaut" in ids
    for r in rows:
        img = Image.open(io.BytesIO(r["image"]))
        img.load()
        assert img.format in ("JPEG", "PNG"), r["id"]
        assert 64 <= min(img.size) and max(img.size) <= 2048, (r["id"], img.size)
        assert 1 <= len(r["captions"]) <= 3, r["id"]
        assert r["text"] == r["captions"][0]
        assert r["license"] and r["source"]
    astro = next(r for r in rows if r["id"] == "skimage-astronaut")
    assert Image.open(io.BytesIO(astro["image"])).size == (512, 512)
    assert astro["source"] == "skimage.data.astronaut"


def test_sample_corpus_passes_input_contract(sample_file: Path) -> None:
    from pipeline.io.corpus import check_corpus

    (cf,) = check_corpus([str(sample_file)], text_columns=("text", "captions"))
    assert cf.rows == len(SAMPLE_IMAGES)


def test_sample_corpus_is_byte_identical(sample_file: Path, tmp_path: Path) -> None:
    again = write_sample_corpus(tmp_path / "again.parquet")
    assert again == tmp_path / "again.parquet"
    assert again.read_bytes() == sample_file.read_bytes()


def test_sample_corpus_path_mode(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    p = write_sample_corpus(out, fmt="path")
    assert p == out / "sample.parquet"
    t = pq.read_table(p)
    assert "image" not in t.column_names and "image_path" in t.column_names
    root = out.resolve()
    for rid, rel in zip(t.column("id").to_pylist(), t.column("image_path").to_pylist()):
        assert not Path(rel).is_absolute()
        f = (out / rel).resolve()
        assert f.is_relative_to(root) and f.is_file(), rel
        assert f.stem == rid
        with Image.open(f) as img:
            img.verify()


def test_bad_fmt_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample_corpus(tmp_path, fmt="url")


def test_bench_corpus(tmp_path: Path) -> None:
    p = write_bench_corpus(tmp_path / "a", n=50, seed=1, max_side=320, row_group_rows=16)
    pf = pq.ParquetFile(p)
    assert pf.metadata.num_rows == 50
    assert pf.metadata.num_row_groups == 4
    rows = pf.read().to_pylist()
    assert len({hashlib.sha256(r["image"]).digest() for r in rows}) == 50
    assert len({r["id"] for r in rows}) == 50
    captions = {s.loader: set(s.captions) for s in SAMPLE_IMAGES}
    for r in rows:
        assert r["text"] in captions[r["source"]]
        assert r["captions"] == [r["text"]]
        w, h = Image.open(io.BytesIO(r["image"])).size
        assert max(w, h) <= 320 and min(w, h) >= 16
    # same seed: same bytes; other seed: other images
    assert write_bench_corpus(tmp_path / "b", n=50, seed=1, max_side=320, row_group_rows=16).read_bytes() == p.read_bytes()
    other = pq.read_table(write_bench_corpus(tmp_path / "c", n=50, seed=2, max_side=320, row_group_rows=16))
    assert other.column("image").to_pylist() != [r["image"] for r in rows]
