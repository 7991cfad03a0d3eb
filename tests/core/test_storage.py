"""Storage on the local disk and on a real S3 server (moto): the same operations, atomic writes,
and no secret in what is shown."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest

from pipeline.core.storage import Storage, StorageError


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> Storage:
    if request.param == "local":
        return Storage.open(tmp_path / "root")
    s3 = request.getfixturevalue("s3")
    return Storage.open(s3.bucket() + "/root")


def test_round_trip_list_delete(store: Storage) -> None:
    assert store.list() == [] and not store.exists("a")
    store.write_json("a/b.json", {"x": 1})
    store.write_text("a/c.txt", "hé")
    store.write_parquet("t/p0.parquet", pa.table({"v": [1, 2]}))
    assert store.read_json("a/b.json") == {"x": 1} and store.read_text("a/c.txt") == "hé"
    assert store.list() == ["a", "t"] and store.list("a") == ["b.json", "c.txt"]
    assert [p.rsplit("/", 1)[1] for p in store.files("", ".parquet")] == ["p0.parquet"]
    assert store.read_json("missing.json", default=None) is None
    with pytest.raises(FileNotFoundError):
        store.read_bytes("missing.json")
    sub = pickle.loads(pickle.dumps(store.child("a")))  # what a Ray task receives
    assert sub.list() == ["b.json", "c.txt"] and sub.read_json("b.json") == {"x": 1}
    store.delete("a")
    assert store.list() == ["t"]
    store.delete("a")  # already gone: no error


def test_failed_write_leaves_the_old_file(store: Storage) -> None:
    store.write_text("f.txt", "old")
    with pytest.raises(RuntimeError):
        with store.open_output("f.txt") as f:
            f.write(b"half")
            raise RuntimeError("crash mid-write")
    assert store.read_text("f.txt") == "old"
    assert store.list() == ["f.txt"]  # no temp file shown


def test_display_has_no_secret() -> None:
    s = Storage.open("s3://KEYID:SECRET@bucket/g?endpoint_override=http://127.0.0.1:1")
    assert "SECRET" not in s.display and s.display.startswith("s3://bucket/g")


def test_bad_uri_is_one_line() -> None:
    with pytest.raises(StorageError, match="nosuchfs://x/y: cannot open"):
        Storage.open("nosuchfs://x/y")
