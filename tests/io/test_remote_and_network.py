"""No network unless the config allows it; remote images only when allowed (served on loopback)."""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import write_corpus, graph_root

from pipeline.build import run_build
from pipeline.config import load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def image_server(tmp_path: Path, photos):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "coffee.jpg").write_bytes(photos["coffee"])

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path / "www"), **kw)

        def log_message(self, *a):  # quiet
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture()
def no_outside_network(monkeypatch):
    """Fail any connection to a non-loopback address made in this process."""
    real = socket.socket.connect
    tried: list = []

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) and self.family != socket.AF_UNIX:
            tried.append(address)
            raise OSError(f"network access attempted: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return tried


def _build(tmp_path: Path, url: str, allow: bool, private: bool = True):
    corpus = write_corpus(tmp_path / "c.parquet", [{"id": "remote", "image_path": f"{url}/coffee.jpg", "text": "a cup of coffee"}],
                          pa.schema([("id", pa.string()), ("image_path", pa.string()), ("text", pa.string())]))
    out = tmp_path / f"g{allow}{private}"
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]", f"decode.allow_remote={str(allow).lower()}",
                                                          f"decode.fetch.allow_private_addresses={str(private).lower()}"],
                      out=str(out), runner="local")
    cfg.corpus = [str(corpus)]
    run_build(cfg, progress=lambda m: None)
    return out


def test_remote_images_are_refused_by_default(tmp_path, image_server, model_dir, no_outside_network) -> None:
    out = _build(tmp_path, image_server, allow=False)
    (q,) = pq.read_table(graph_root(out) / "quarantine").to_pylist()
    assert q["reason"] == "remote_disabled"
    assert no_outside_network == []


def test_remote_images_are_fetched_when_allowed(tmp_path, image_server, model_dir) -> None:
    out = _build(tmp_path, image_server, allow=True)
    assert pq.read_table(graph_root(out) / "quarantine").num_rows == 0
    (img,) = pq.read_table(graph_root(out) / "images").to_pylist()
    assert (img["width"], img["height"]) == (600, 400)


def test_loopback_is_refused_unless_allowed(tmp_path, image_server, model_dir) -> None:
    out = _build(tmp_path, image_server, allow=True, private=False)
    (q,) = pq.read_table(graph_root(out) / "quarantine").to_pylist()
    assert q["reason"] == "private_address" and "127.0.0.1" in q["detail"]
