"""Corpora written by the tools people use, built directly (real Ray builds): img2dataset's
Parquet and WebDataset outputs (img2dataset itself, downloading from a local server), a Hugging
Face `datasets` Parquet, and a LAION-style URL list fetched against a local server that
misbehaves in every way the fetcher must handle."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import Replies, graph_root
from pipeline.build import run_build
from pipeline.config import load_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
CAPTIONS = {"astronaut": "an astronaut holding a helmet", "coffee": "a cup of coffee on a saucer",
            "chelsea": "a tabby cat sitting on a rug", "rocket": "a rocket on a launch pad"}


class _Handler(Replies, http.server.SimpleHTTPRequestHandler):
    """Static photos under /img/, plus the misbehaving routes of the URL corpus."""

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        st = self.server.state  # type: ignore[attr-defined]
        with st["lock"]:
            st["hits"][self.path] = hits = st["hits"].get(self.path, 0) + 1
        photo = self.server.photos  # type: ignore[attr-defined]
        if self.path == "/slow.jpg":
            time.sleep(3)
            return self._send(200, photo["coffee"])
        if self.path == "/loop-a":
            return self._send(302, b"", {"Location": "/loop-b"})
        if self.path == "/loop-b":
            return self._send(302, b"", {"Location": "/loop-a"})
        if self.path == "/big.jpg":  # no Content-Length: the size limit must hold while streaming
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(256):
                self.wfile.write(b"\xff" * 4096)
            return None
        if self.path == "/optout.jpg":
            return self._send(200, photo["astronaut"], {"X-Robots-Tag": "noai"})
        if self.path == "/other-bot-optout.jpg":
            return self._send(200, photo["rocket"], {"X-Robots-Tag": "otherbot: noimageai"})
        if self.path == "/flaky.jpg":
            return self._send(429, b"slow down", {"Retry-After": "0"}) if hits == 1 else self._send(200, photo["chelsea"])
        return super().do_GET()


@pytest.fixture(scope="session")
def server(tmp_path_factory, photos):
    www = tmp_path_factory.mktemp("www")
    (www / "img").mkdir()
    for name in PHOTOS:
        (www / "img" / f"{name}.jpg").write_bytes(photos[name])

    class Handler(_Handler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(www), **kw)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.photos = photos  # type: ignore[attr-defined]
    srv.state = {"lock": threading.Lock(), "hits": {}}  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv.state  # type: ignore[attr-defined]
    srv.shutdown()


def _img2dataset() -> str:
    """The img2dataset command: $KG_IMG2DATASET, the Makefile's .venv-img2dataset, or PATH."""
    for cand in (os.environ.get("KG_IMG2DATASET"), str(REPO / ".venv-img2dataset" / "bin" / "img2dataset"), shutil.which("img2dataset")):
        if cand and os.path.exists(cand):
            return cand
    pytest.fail("img2dataset is not installed: `make test` installs it in .venv-img2dataset (or set KG_IMG2DATASET)")


def _build(corpus: str | list[str], out: Path, sets: list[str] = (), runner: str = "ray") -> dict:
    cfg = load_config(REPO / "jobs/configs/sample.yaml", list(sets), out=str(out), runner=runner)
    cfg.corpus = corpus if isinstance(corpus, list) else [corpus]
    run_build(cfg, progress=lambda m: None)
    return json.loads((graph_root(out) / "manifest.json").read_text())


def _table(out: Path, name: str) -> pa.Table:
    return pq.read_table(graph_root(out) / name)


@pytest.fixture(scope="session")
def img2dataset_outputs(server, tmp_path_factory) -> dict[str, Path]:
    """img2dataset run twice on one URL list (three photos and a 404): Parquet and WebDataset."""
    base, _ = server
    d = tmp_path_factory.mktemp("i2d")
    names = ["astronaut", "coffee", "chelsea", "missing"]
    pq.write_table(pa.table({"url": [f"{base}/img/{n}.jpg" for n in names],
                             "caption": [CAPTIONS.get(n, "nothing here") for n in names]}), d / "urls.parquet")
    runs = {}
    for fmt in ("parquet", "webdataset"):  # both at once (separate folders): their start-up overlaps
        runs[fmt] = subprocess.Popen([_img2dataset(), "--url_list", str(d / "urls.parquet"), "--input_format", "parquet",
                                      "--url_col", "url", "--caption_col", "caption", "--output_format", fmt,
                                      "--output_folder", str(d / fmt), "--processes_count", "1", "--thread_count", "4",
                                      "--resize_mode", "no", "--enable_wandb", "False", "--distributor", "multiprocessing"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for p in runs.values():
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    return {fmt: d / fmt for fmt in runs}


@pytest.fixture(scope="session")
def img2dataset_graphs(img2dataset_outputs, tmp_path_factory, model_dir, ray_local) -> dict[str, tuple[Path, dict]]:
    d = tmp_path_factory.mktemp("i2d_graphs")
    # the output folders exactly as img2dataset left them (the webdataset one also holds .parquet
    # metadata); the tar shards are read in Ray tasks, the Parquet output in process (the
    # runners give the same tables: the test compares them), which spares a second Ray build
    runners = {"parquet": "local", "webdataset": "ray"}
    return {fmt: (d / fmt, _build(str(folder), d / fmt, runner=runners[fmt])) for fmt, folder in img2dataset_outputs.items()}


def test_img2dataset_parquet_and_webdataset_give_the_same_graph(img2dataset_graphs) -> None:
    (pq_out, pq_man), (wds_out, wds_man) = img2dataset_graphs["parquet"], img2dataset_graphs["webdataset"]
    assert pq_man["corpus_layout"]["layout"] == "img2dataset" and pq_man["corpus_layout"]["id_column"] == "key"
    assert wds_man["corpus_layout"]["layout"] == "webdataset" and wds_man["corpus_layout"]["text_columns"] == ["txt"]
    assert [Path(i["path"]).suffix for i in wds_man["inputs"]] == [".tar"]
    for t in ("captions", "regions", "mentions", "entities", "edges"):
        assert _table(pq_out, t).equals(_table(wds_out, t)), f"{t} differs between img2dataset's Parquet and WebDataset outputs"
    keep = ["image_id", "corpus_id", "corpus_ids", "width", "height"]
    assert _table(pq_out, "images").select(keep).equals(_table(wds_out, "images").select(keep))
    images = _table(pq_out, "images").to_pylist()
    assert len(images) == 3 and {i["corpus_id"] for i in images} == {"000000000", "000000001", "000000002"}
    assert json.loads(images[0]["extra_json"])["url"].startswith("http://127.0.0.1")  # img2dataset's columns pass through
    assert "url" in json.loads(_table(wds_out, "images").to_pylist()[0]["extra_json"])["json"]  # .json passes through
    texts = {c["text"] for c in _table(pq_out, "captions").to_pylist()}
    assert CAPTIONS["coffee"] in texts
    # the failed download stays accounted for, with img2dataset's own status and error
    (q,) = _table(pq_out, "quarantine").to_pylist()
    assert (q["corpus_id"], q["reason"]) == ("000000003", "source_failed_to_download") and "404" in q["detail"]
    stats = json.loads((graph_root(pq_out) / "stats" / "stages.json").read_text())
    assert stats[0] == {"stage": "read", "rows": 0, "busy_seconds": 0.0, "quarantined": {"source_failed_to_download": 1}}
    assert "read" not in {s["stage"] for s in json.loads((graph_root(wds_out) / "stats" / "stages.json").read_text())}
    assert _table(wds_out, "quarantine").num_rows == 0
    (a,) = pq_man["accounting"]
    assert (a["rows_in"], a["rows_in_graph"], a["rows_quarantined"], a["balanced"]) == (4, 3, 1, True)
    (b,) = wds_man["accounting"]
    assert (b["rows_in"], b["rows_in_graph"], b["rows_quarantined"], b["balanced"]) == (3, 3, 0, True)


def test_hugging_face_datasets_parquet_builds_with_one_command(tmp_path: Path, photos, model_dir, monkeypatch) -> None:
    from datasets import Dataset, Features, Image, Sequence, Value

    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "rocket.jpg").write_bytes(photos["rocket"])
    ds = Dataset.from_dict(
        {"id": [101, 102, 103],
         "image": [{"bytes": photos["coffee"], "path": "coffee.jpg"}, {"bytes": photos["chelsea"], "path": "chelsea.jpg"},
                   "rocket.jpg"],  # the last one a path only, as datasets keeps local files
         "captions": [[CAPTIONS["coffee"]], [CAPTIONS["chelsea"], "a cat looking at the camera"], [CAPTIONS["rocket"]]]},
        features=Features({"id": Value("int64"), "image": Image(), "captions": Sequence(Value("string"))}))
    monkeypatch.chdir(tmp_path / "imgs")  # datasets keeps the relative path of a local image file
    ds.to_parquet(str(tmp_path / "hf.parquet"))
    (row,) = [r for r in pq.read_table(tmp_path / "hf.parquet").to_pylist() if r["id"] == 103]
    assert row["image"] == {"bytes": None, "path": "rocket.jpg"}
    out = tmp_path / "graph"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "-c", str(REPO / "jobs/configs/sample.yaml"),
                        "--corpus", str(tmp_path / "hf.parquet"), "--image-root", str(tmp_path / "imgs"), "--out", str(out),
                        "--runner", "local"], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "corpus layout: huggingface (id <- id; image <- image; text <- captions)" in r.stderr
    man = json.loads((graph_root(out) / "manifest.json").read_text())
    assert man["corpus_layout"]["layout"] == "huggingface" and man["config"]["decode"]["text_columns"] == ["captions"]
    images = _table(out, "images").to_pylist()
    assert sorted(i["corpus_id"] for i in images) == ["101", "102", "103"]  # integer ids kept as text
    assert _table(out, "quarantine").num_rows == 0
    texts = {c["text"] for c in _table(out, "captions").to_pylist()}
    assert {CAPTIONS["chelsea"], "a cat looking at the camera", CAPTIONS["rocket"]} <= texts
    ents = {(e["type"], e["name"]) for e in _table(out, "entities").to_pylist()}
    assert ("concept", "cat") in ents and ("concept", "rocket") in ents


def test_url_corpus_fetches_politely_and_quarantines_each_failure(server, tmp_path: Path, model_dir, ray_local) -> None:
    base, state = server
    rows = [  # LAION metadata style: URL, TEXT and an integer SAMPLE_ID
        (1, "/img/coffee.jpg", CAPTIONS["coffee"]), (2, "/img/missing.jpg", "gone"), (3, "/slow.jpg", "too slow"),
        (4, "/loop-a", "round and round"), (5, "/big.jpg", "far too big"), (6, "/optout.jpg", "opted out"),
        (7, "/flaky.jpg", CAPTIONS["chelsea"]), (8, "/other-bot-optout.jpg", CAPTIONS["rocket"]),
    ]
    corpus = tmp_path / "laion.parquet"
    pq.write_table(pa.table({"SAMPLE_ID": pa.array([r[0] for r in rows], pa.int64()), "URL": [base + r[1] for r in rows],
                             "TEXT": [r[2] for r in rows]}), corpus)
    out = tmp_path / "graph"
    t0 = time.perf_counter()
    man = _build(str(corpus), out, ["decode.allow_remote=true", "decode.fetch.allow_private_addresses=true",
                                    "decode.remote_timeout_s=1", "decode.max_bytes=300000", "decode.fetch.backoff_s=0.05"])
    assert time.perf_counter() - t0 < 120
    assert man["corpus_layout"]["layout"] == "urls" and man["corpus_layout"]["url_column"] == "URL"
    q = {r["corpus_id"]: r["reason"] for r in _table(out, "quarantine").to_pylist()}
    assert q == {"2": "http_404", "3": "timeout", "4": "redirect_loop", "5": "too_large", "6": "opted_out"}
    images = {i["corpus_id"]: i for i in _table(out, "images").to_pylist()}
    assert set(images) == {"1", "7", "8"}
    assert images["7"]["source_uri"] == f"{base}/flaky.jpg" and state["hits"]["/flaky.jpg"] == 2  # 429, then 200
    assert (images["1"]["width"], images["1"]["height"]) == (600, 400)
    (a,) = man["accounting"]
    assert (a["rows_in"], a["rows_in_graph"], a["rows_quarantined"], a["balanced"]) == (8, 3, 5, True)


def test_webdataset_shards_on_object_storage(img2dataset_outputs, img2dataset_graphs, tmp_path: Path, model_dir, monkeypatch) -> None:
    """img2dataset's .tar on S3 (moto server on 127.0.0.1), read through pyarrow.fs with the
    credentials in the URI: the same graph, and the credentials are written nowhere (manifest,
    kg_file, image URIs, stats, progress lines)."""
    import boto3
    from moto.server import ThreadedMotoServer

    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    try:
        host, port = srv.get_host_and_port()
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            monkeypatch.delenv(k, raising=False)
        key_id, secret = "AKIAKGSECRETID0000", "kg-secret-value-xyz"
        s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key=secret)
        s3.create_bucket(Bucket="corpora")
        for f in sorted(img2dataset_outputs["webdataset"].iterdir()):
            s3.put_object(Bucket="corpora", Key=f"cc/{f.name}", Body=f.read_bytes())
        uri = f"s3://{key_id}:{secret}@corpora/cc/?endpoint_override=http://{host}:{port}&scheme=http&region=us-east-1"
        out = tmp_path / "graph"
        cfg = load_config(REPO / "jobs/configs/sample.yaml", [], out=str(out), runner="local")
        cfg.corpus = [uri]
        lines: list[str] = []
        run_build(cfg, progress=lines.append)
    finally:
        srv.stop()
    man = json.loads((graph_root(out) / "manifest.json").read_text())
    (inp,) = man["inputs"]
    assert inp["path"] == f"s3://corpora/cc/00000.tar?endpoint_override=http://{host}:{port}&scheme=http&region=us-east-1"
    assert man["corpus_layout"]["layout"] == "webdataset"
    assert set(pq.read_table(graph_root(out) / "images", columns=["source_file"]).column(0).to_pylist()) == {inp["path"]}
    written = [p.read_bytes() for p in out.rglob("*") if p.is_file()] + [m.encode() for m in lines]
    assert not [w for w in written if key_id.encode() in w or secret.encode() in w]
    local_out, local_man = img2dataset_graphs["webdataset"]
    assert inp["sha256"] == local_man["inputs"][0]["sha256"] and inp["rows"] == 3
    for t in ("captions", "regions", "mentions", "entities", "edges"):
        assert _table(out, t).equals(_table(local_out, t)), t
