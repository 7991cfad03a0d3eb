"""URL fetching against a real local HTTP server: per-host limit, retries, size limit, redirects,
opt-outs, address checks."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from helpers import Replies
from pipeline.io.fetch import FetchOptions, _checked_address, fetch_urls, is_disallowed
from pipeline.io.images import ImageRejected


class _Handler(Replies, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    state: dict = {}

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        st = self.server.state  # type: ignore[attr-defined]
        with st["lock"]:
            st["hits"][self.path] = st["hits"].get(self.path, 0) + 1
            st["now"] += 1
            st["peak"] = max(st["peak"], st["now"])
            hits = st["hits"][self.path]
        try:
            if self.path.startswith("/slow/"):
                time.sleep(0.2)
                self._send(200, b"x" * 10)
            elif self.path == "/flaky":
                self._send(503, b"busy", {"Retry-After": "0"}) if hits == 1 else self._send(200, b"ok")
            elif self.path == "/always429":
                self._send(429, b"no", {"Retry-After": "0"})
            elif self.path == "/big":
                self.send_response(200)
                self.end_headers()  # no Content-Length: the limit must hold while streaming
                for _ in range(64):
                    self.wfile.write(b"y" * 4096)
            elif self.path == "/bigdeclared":
                self._send(200, b"z" * 5000)
            elif self.path == "/hop3":
                self._send(302, b"", {"Location": "/hop2"})
            elif self.path == "/hop2":
                self._send(302, b"", {"Location": "/hop1"})
            elif self.path == "/hop1":
                self._send(302, b"", {"Location": "/slow/done"})
            elif self.path == "/optout-scoped":
                self._send(200, b"img", {"X-Robots-Tag": "otherbot: noai"})
            elif self.path == "/optout-ours":
                self._send(200, b"img", {"X-Robots-Tag": "kg-pipeline: noimageai, nofollow"})
            else:
                self._send(404, b"not here")
        finally:
            with st["lock"]:
                st["now"] -= 1


@pytest.fixture()
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.state = {"lock": threading.Lock(), "hits": {}, "now": 0, "peak": 0}  # type: ignore[attr-defined]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv.state  # type: ignore[attr-defined]
    srv.shutdown()


OPTS = FetchOptions(allow_private_addresses=True, backoff_s=0.01, retries=2)


def test_per_host_limit_holds(server) -> None:
    base, state = server
    urls = [f"{base}/slow/{i}" for i in range(8)]
    got = fetch_urls(urls, OPTS.model_copy(update={"per_host": 2, "threads": 8}), 5.0, 1000)
    assert all(v == b"x" * 10 for v in got.values()) and len(got) == 8
    assert state["peak"] == 2


def test_failures_have_their_own_reason(server) -> None:
    base, state = server
    got = fetch_urls([f"{base}/{p}" for p in ("flaky", "always429", "big", "bigdeclared", "hop3", "missing",
                                              "optout-scoped", "optout-ours")],
                     OPTS.model_copy(update={"max_redirects": 2}), 5.0, 4096)
    by = {u.rsplit("/", 1)[1]: (v.reason if isinstance(v, ImageRejected) else v) for u, v in got.items()}
    assert by == {"flaky": b"ok", "always429": "http_429", "big": "too_large", "bigdeclared": "too_large",
                  "hop3": "too_many_redirects", "missing": "http_404", "optout-scoped": b"img", "optout-ours": "opted_out"}
    assert state["hits"]["/flaky"] == 2 and state["hits"]["/always429"] == 3  # one try + two retries


def test_private_addresses_are_refused_unless_allowed() -> None:
    for host in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "localhost"):
        with pytest.raises(ImageRejected) as e:
            _checked_address(host, 80, allow_private=False)
        assert e.value.reason == "private_address", host
    assert _checked_address("127.0.0.1", 80, allow_private=True) == "127.0.0.1"
    assert _checked_address("8.8.8.8", 80, allow_private=False) == "8.8.8.8"  # a literal: no lookup, no connection
    got = fetch_urls(["http://127.0.0.1:9/x", "ftp://example.org/x"], FetchOptions(), 1.0, 100)
    assert [v.reason for v in got.values()] == ["private_address", "bad_url"]


def test_x_robots_tag_rule_is_img2datasets() -> None:
    d = ["noai", "noimageai", "noindex", "noimageindex"]
    assert is_disallowed(["noai"], "kg-pipeline", d)
    assert is_disallowed(["NoImageAI, nofollow"], "kg-pipeline", d)
    assert is_disallowed(["kg-pipeline: noai"], "kg-pipeline", d)
    assert not is_disallowed(["otherbot: noai"], "kg-pipeline", d)
    assert not is_disallowed(["nofollow", "noarchive"], "kg-pipeline", d)
    assert not is_disallowed([], "kg-pipeline", d)
