"""Layouts and the column mapping: recognised layouts, explicit keys winning, integer and derived
ids, WebDataset .tar shards, one-line errors. Real Parquet and real tar files, no Ray."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import ConfigError, load_config, to_dict
from pipeline.io.corpus import CorpusError, find_corpus_files
from pipeline.io.layouts import CorpusMapping, detect_layout, open_corpus
from helpers import graph_root

HF_IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def _write(path: Path, table: pa.Table, row_group_size: int | None = None) -> str:
    pq.write_table(table, path, row_group_size=row_group_size)
    return str(path)


def _rows(corpus) -> list[dict]:
    out = []
    for shard in corpus.plan_shards(shard_rows=2):
        from pipeline.io.shards import read_shard

        for df in read_shard(shard, 2):
            out.extend(df.to_dict("records"))
    return out


def _missing(v) -> bool:
    return v is None or v is pd.NA


def test_layouts_are_recognised(photos) -> None:
    jpg = photos["coffee"]
    assert detect_layout(pa.schema([("id", pa.string()), ("image", pa.binary())])) == "kg"
    assert detect_layout(pa.schema([("key", pa.string()), ("jpg", pa.binary()), ("caption", pa.string())])) == "img2dataset"
    assert detect_layout(pa.schema([("id", pa.int64()), ("image", HF_IMAGE)])) == "huggingface"
    assert detect_layout(pa.schema([("URL", pa.string()), ("TEXT", pa.string())])) == "urls"
    assert detect_layout(None) == "webdataset"
    assert jpg  # the fixture is real


def test_img2dataset_parquet_is_mapped_and_failed_downloads_keep_their_status(tmp_path: Path, photos) -> None:
    f = _write(tmp_path / "00000.parquet", pa.table({
        "caption": ["a cup of coffee", "lost"], "url": ["http://x/a.jpg", "http://x/b.jpg"], "key": ["000000000", "000000001"],
        "status": ["success", "failed_to_download"], "error_message": [None, "HTTP Error 404: File not found"],
        "jpg": pa.array([photos["coffee"], None], pa.binary())}))
    corpus = open_corpus([f], CorpusMapping(), ["text"])
    m = corpus.mapping
    assert (m.layout, m.id_column, m.image_column, m.text_columns, m.url_column) == ("img2dataset", "key", "jpg", ["caption"], None)
    a, b = _rows(corpus)
    assert a["id"] == "000000000" and a["image"] == photos["coffee"] and a["url"] == "http://x/a.jpg" and a["caption"] == "a cup of coffee"
    assert b["quarantine_reason"] == "source_failed_to_download" and "404" in b["quarantine_detail"]
    assert corpus.describe() == ["corpus layout: img2dataset (id <- key; image <- jpg; text <- caption)"]


def test_explicit_mapping_wins_and_integer_ids_are_text(tmp_path: Path, photos) -> None:
    f = _write(tmp_path / "c.parquet", pa.table({
        "id": pa.array([10, 11], pa.int64()), "serial": pa.array([7, 8], pa.int32()),
        "image": [photos["coffee"], photos["chelsea"]], "alt": ["a cup", "a cat"], "text": ["ignored", "ignored"]}), row_group_size=1)
    detected = open_corpus([f], CorpusMapping(), ["text"])
    assert detected.mapping.id_column == "id" and [r["id"] for r in _rows(detected)] == ["10", "11"]
    cfg = load_config(None, ["input.id_column=serial", "input.text_columns=alt"])
    chosen = open_corpus([f], cfg.input, ["text"])
    assert chosen.mapping.id_column == "serial" and chosen.mapping.text_columns == ["alt"]
    assert chosen.mapping.explicit == ["id_column", "text_columns"]
    rows = _rows(chosen)
    assert [r["id"] for r in rows] == ["7", "8"] and [r["id_original"] for r in rows] == [10, 11]
    assert [r["kg_row"] for r in rows] == [0, 1]


def test_ids_are_derived_only_when_asked(tmp_path: Path, photos) -> None:
    f = _write(tmp_path / "noid.parquet", pa.table({"image": [photos["coffee"]] * 3, "text": ["a", "b", "c"]}))
    with pytest.raises(CorpusError, match=r"noid\.parquet: column 'id' is missing .*input\.derive_ids=true"):
        open_corpus([f], CorpusMapping(), ["text"])
    corpus = open_corpus([f], CorpusMapping(derive_ids=True), ["text"])
    assert [r["id"] for r in _rows(corpus)] == ["noid.parquet#0", "noid.parquet#1", "noid.parquet#2"]


def test_hugging_face_image_struct_gives_bytes_or_path(tmp_path: Path, photos) -> None:
    img = pa.array([{"bytes": photos["coffee"], "path": "coffee.jpg"}, {"bytes": None, "path": "cat.jpg"}], HF_IMAGE)
    f = _write(tmp_path / "hf.parquet", pa.table({"id": pa.array([1, 2], pa.int64()), "image": img,
                                                   "captions": pa.array([["a cup"], ["a cat", "a tabby"]], pa.list_(pa.string()))}))
    corpus = open_corpus([f], CorpusMapping(), ["text"])
    assert (corpus.mapping.layout, corpus.mapping.image_column, corpus.mapping.text_columns) == ("huggingface", "image", ["captions"])
    a, b = _rows(corpus)
    assert (a["id"], a["image"], b["id"], b["image_path"]) == ("1", photos["coffee"], "2", "cat.jpg")
    assert _missing(b["image"])


def _tar(path: Path, members: list[tuple[str, bytes]]) -> str:
    with tarfile.open(path, "w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return str(path)


def test_webdataset_tar_is_one_shard_keys_become_ids(tmp_path: Path, photos) -> None:
    (tmp_path / "shards").mkdir()
    t = _tar(tmp_path / "shards" / "00000.tar", [
        ("a/0001.jpg", photos["coffee"]), ("a/0001.txt", b"a cup of coffee"), ("a/0001.json", b'{"url": "http://x/1",\n "w": 1}'),
        ("a/0002.png", photos["chelsea"]), ("a/0002.txt", b"a cat"),
        ("a/0003.txt", b"text only"),
    ])
    (tmp_path / "shards" / "00000.parquet").write_bytes(b"img2dataset writes metadata beside the tar")
    assert find_corpus_files(str(tmp_path / "shards")) == [t]  # the .tar files are the corpus
    corpus = open_corpus([t], CorpusMapping(), ["text"])
    assert corpus.inputs[0].rows == 3 and corpus.mapping.layout == "webdataset" and corpus.mapping.text_columns == ["txt"]
    (shard,) = corpus.plan_shards(shard_rows=1)
    assert shard.rows == 3
    rows = _rows(corpus)
    assert [r["id"] for r in rows] == ["a/0001", "a/0002", "a/0003"]
    assert rows[0]["image"] == photos["coffee"] and rows[1]["image"] == photos["chelsea"] and rows[0]["txt"] == "a cup of coffee"
    assert rows[0]["json"] == '{"url":"http://x/1","w":1}'
    assert _missing(rows[2]["image"])


def test_one_line_errors(tmp_path: Path, photos) -> None:
    f = _write(tmp_path / "c.parquet", pa.table({"key": ["a"], "jpg": [photos["coffee"]], "caption": ["x"]}))
    for mapping, words in [
        (CorpusMapping(id_column="nope"), "column 'nope' (input.id_column) is missing"),
        (CorpusMapping(text_columns=["nope"]), "column 'nope' (input.text_columns) is missing"),
        (CorpusMapping(image_column="caption"), "column 'caption' has type string, expected binary"),
        (CorpusMapping(layout="webdataset"), "not a .tar"),
    ]:
        with pytest.raises(CorpusError) as e:
            open_corpus([f], mapping, ["text"])
        assert words in str(e.value) and "c.parquet" in str(e.value) and "\n" not in str(e.value)



def test_files_of_one_corpus_may_map_differently(tmp_path: Path, photos) -> None:
    f = _write(tmp_path / "a.parquet", pa.table({"key": ["a"], "jpg": [photos["coffee"]], "caption": ["a cup"]}))
    g = _write(tmp_path / "b.parquet", pa.table({"id": ["b"], "image": [photos["chelsea"]], "text": ["a cat"]}))
    corpus = open_corpus([f, g], CorpusMapping(), ["text"])
    assert [m.layout for m in corpus.mappings.values()] == ["img2dataset", "kg"]
    assert corpus.text_columns == ["caption", "text"]
    assert [r["id"] for r in _rows(corpus)] == ["a", "b"]
    entry = corpus.manifest_entry()
    assert entry["layout"] == "img2dataset" and [g["files"] for g in entry["by_files"]] == [[f], [g]]
    assert len(corpus.describe()) == 2


@pytest.mark.parametrize("sets,words", [
    (["input.layout=parquet"], "input.layout"),
    (["input.nope=1"], "input.nope"),
    (["input.id_column=key", "input.derive_ids=true"], "not both"),
    (["decode.fetch.per_host=0"], "decode.fetch.per_host"),
])
def test_config_errors_name_the_key(sets, words) -> None:
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        load_config(None, sets)


def test_mapping_and_fetch_options_in_the_resolved_config() -> None:
    cfg = load_config(None, ["input.id_column=123", "decode.fetch.retries=5"])
    d = to_dict(cfg)
    assert d["input"]["id_column"] == "123" and d["decode"]["fetch"]["retries"] == 5
    assert d["decode"]["fetch"]["disallowed_header_directives"] == ["noai", "noimageai", "noindex", "noimageindex"]


def test_filesystem_uris_are_read_through_pyarrow_fs(tmp_path: Path, photos) -> None:
    (tmp_path / "s").mkdir()
    t = _tar(tmp_path / "s" / "00000.tar", [("k1.jpg", photos["coffee"]), ("k1.txt", b"a cup")])
    _write(tmp_path / "s" / "meta.parquet", pa.table({"id": ["m"], "image": [photos["coffee"]]}))
    uri = (tmp_path / "s").as_uri()
    assert find_corpus_files(uri) == [Path(t).as_uri()]
    assert find_corpus_files(f"{uri}/*.parquet") == [(tmp_path / "s" / "meta.parquet").as_uri()]
    corpus = open_corpus(find_corpus_files(uri), CorpusMapping(), ["text"])
    from pipeline.core.ids import file_sha256

    assert corpus.inputs[0].sha256 == file_sha256(t) and corpus.inputs[0].bytes == Path(t).stat().st_size
    (row,) = _rows(corpus)
    assert (row["id"], row["image"], row["txt"], row["kg_file"]) == ("k1", photos["coffee"], "a cup", Path(t).as_uri())
    with pytest.raises(CorpusError, match="no such file or folder"):
        find_corpus_files(f"{uri}/nothing")


def test_uris_are_recorded_without_credentials(tmp_path: Path) -> None:
    from pipeline.io.corpus import redact_uri

    uri = "s3://b/cc/?endpoint_override=http://127.0.0.1:9000&scheme=http&access_key=AKID&secret_key=SK&session_token=ST"
    assert redact_uri(uri) == "s3://b/cc/?endpoint_override=http://127.0.0.1:9000&scheme=http"
    assert redact_uri("s3://AKID:SK@b/x.tar?region=eu-west-1") == "s3://b/x.tar?region=eu-west-1"
    assert redact_uri("gs://b/x.tar?access_token=T") == "gs://b/x.tar"
    assert redact_uri(str(tmp_path / "a b.parquet")) == str(tmp_path / "a b.parquet")
    # an error about a URI names it without its secrets
    with pytest.raises(CorpusError) as e:
        find_corpus_files((tmp_path / "nothing").as_uri() + "?secret_key=SK")
    assert "SK" not in str(e.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=2048), st.builds(lambda n, b: _tar_bytes(n, b), st.text(max_size=20), st.binary(max_size=64))))
def test_any_tar_bytes_are_read_or_an_error_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.tar"
    path.write_bytes(data)
    try:
        corpus = open_corpus([str(path)], CorpusMapping(), ["text"])
    except CorpusError as e:
        assert "x.tar" in str(e) and "\n" not in str(e)
        return
    rows = _rows(corpus)
    assert len(rows) == corpus.inputs[0].rows and all(isinstance(r["id"], str) for r in rows)


def _tar_bytes(name: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo(name.replace("\x00", "") or "x")
        info.size = len(body)
        tf.addfile(info, io.BytesIO(body))
    return buf.getvalue()


@pytest.mark.slow
def test_tar_shards_resume_after_an_interrupted_build(tmp_path: Path, photos) -> None:
    from pipeline.build import run_build

    class Stop(Exception):
        pass

    d = tmp_path / "shards"
    d.mkdir()
    for i, name in enumerate(("coffee", "chelsea")):
        _tar(d / f"{i:05d}.tar", [(f"{name}.jpg", photos[name]), (f"{name}.txt", f"a photo of {name}".encode())])

    def cfg(out: Path):
        c = load_config(None, ["detect.backend=none", "caption.backend=none"], out=str(out), runner="local")
        c.corpus = [str(d)]
        return c

    seen: list[str] = []

    def stop_after_first_shard(msg: str) -> None:
        seen.append(msg)
        if msg.startswith("1/2 rows"):
            raise Stop

    with pytest.raises(Stop):
        run_build(cfg(tmp_path / "g"), progress=stop_after_first_shard)
    assert len(list((tmp_path / "g").glob("contributions/*/*.done"))) == 1
    said: list[str] = []
    run_build(cfg(tmp_path / "g"), progress=said.append, resume=True)
    assert any("1 already done" in m for m in said)
    run_build(cfg(tmp_path / "fresh"), progress=lambda m: None)
    for t in ("images", "captions", "entities", "edges"):
        assert pq.read_table(graph_root(tmp_path / "g") / t).equals(pq.read_table(graph_root(tmp_path / "fresh") / t)), t
