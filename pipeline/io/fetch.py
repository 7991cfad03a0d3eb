"""Fetching images by URL, politely and safely (only when `decode.allow_remote: true`).

- per-host concurrency limit (per worker process) and a thread pool per batch;
- a deadline per attempt (connect, headers and body), a size limit while streaming;
- retries with exponential backoff on 429 and 5xx (`Retry-After` honoured, capped);
- redirects followed by hand, bounded, loops detected;
- `X-Robots-Tag` opt-outs (`noai`, `noimageai`, `noindex`, `noimageindex`) honoured the way
  img2dataset does (a directive applies when it has no user-agent token or ours);
- private, loopback, link-local and other non-global addresses refused unless
  `decode.fetch.allow_private_addresses: true`: the host is resolved, every address checked,
  the connection made to a checked address (no second lookup), and every redirect target
  checked the same way.

Every failure is an ImageRejected with its own reason: `http_<status>`, `timeout`,
`too_large`, `opted_out`, `redirect_loop`, `too_many_redirects`, `private_address`,
`dns_error`, `connection_error`, `bad_url`.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field

from pipeline.io.images import ImageRejected

REDIRECTS = (301, 302, 303, 307, 308)


class FetchOptions(BaseModel):
    """The `decode.fetch` config section (the timeout is decode.remote_timeout_s, the size
    limit decode.max_bytes)."""

    model_config = ConfigDict(extra="forbid")

    per_host: int = Field(4, ge=1)  # concurrent requests to one host, per worker process
    threads: int = Field(16, ge=1)  # concurrent requests per batch
    retries: int = Field(2, ge=0)  # further attempts after a 429 or 5xx
    backoff_s: float = Field(0.5, ge=0)  # first wait before a retry; doubles each time
    max_backoff_s: float = Field(10.0, ge=0)  # cap on waits, Retry-After included
    max_redirects: int = Field(5, ge=0)
    user_agent_token: str = "kg-pipeline"  # named in the User-Agent; X-Robots-Tag "token: directive" applies to it
    disallowed_header_directives: list[str] = ["noai", "noimageai", "noindex", "noimageindex"]
    allow_private_addresses: bool = False  # allow loopback/private/link-local targets (tests, trusted intranets)


def is_disallowed(values: Iterable[str], user_agent_token: str | None, directives: Iterable[str]) -> bool:
    """True when an `X-Robots-Tag` header value forbids use: a directive in `directives`,
    either unscoped or scoped to `user_agent_token` (img2dataset's rule)."""
    wanted = {d.lower() for d in directives}
    token = user_agent_token.lower() if user_agent_token else None
    for value in values:
        parts = value.split(":", 1)
        found = [x.strip().lower() for x in parts[-1].split(",")]
        scope = parts[0].strip().lower() if len(parts) == 2 else None
        if (scope is None or scope == token) and any(x in wanted for x in found):
            return True
    return False


_host_locks: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_host_locks_guard = threading.Lock()


def _host_slot(host: str, limit: int) -> threading.BoundedSemaphore:
    with _host_locks_guard:
        sem = _host_locks.get((host, limit))
        if sem is None:
            sem = _host_locks[(host, limit)] = threading.BoundedSemaphore(limit)
        return sem


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """An address of `host` to connect to; every resolved address must be global unless allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise ImageRejected("dns_error", f"{host}: {e}") from None
    addrs = [info[4][0] for info in infos]
    if not addrs:
        raise ImageRejected("dns_error", f"{host}: no address")
    if not allow_private:
        for a in addrs:
            ip = ipaddress.ip_address(a.split("%", 1)[0])
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
                ip = ip.ipv4_mapped
            if not ip.is_global or ip.is_multicast:
                raise ImageRejected("private_address", f"{host} resolves to {a}, a non-public address (decode.fetch.allow_private_addresses is off)")
    return addrs[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP connection to a checked address (the Host header keeps the name)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS connection to a checked address, verifying the certificate for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _Retry(Exception):
    def __init__(self, reason: str, detail: str, wait: float | None) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.wait = reason, detail, wait


def _attempt(url: str, opts: FetchOptions, timeout_s: float, max_bytes: int) -> bytes:
    """One GET of `url` with redirects; raises ImageRejected, or _Retry on 429/5xx."""
    seen = {url}
    for _ in range(opts.max_redirects + 1):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageRejected("bad_url", f"{url[:200]}: only http(s) URLs are fetched")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ImageRejected("bad_url", f"{url[:200]}: bad port") from None
        address = _checked_address(parts.hostname, port, opts.allow_private_addresses)
        deadline = time.monotonic() + timeout_s
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = cls(parts.hostname, port, address, timeout_s)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            with _host_slot(parts.hostname.lower(), opts.per_host):
                conn.request("GET", target, headers={
                    "User-Agent": f"Mozilla/5.0 (compatible; {opts.user_agent_token})",
                    "Accept": "image/*,*/*;q=0.5", "Accept-Encoding": "identity"})
                resp = conn.getresponse()
                status = resp.status
                if status in REDIRECTS:
                    loc = resp.getheader("Location")
                    if not loc:
                        raise ImageRejected(f"http_{status}", f"{url[:200]}: redirect without Location")
                    nxt = urllib.parse.urljoin(url, loc)
                    if nxt in seen:
                        raise ImageRejected("redirect_loop", f"{url[:200]} redirects back to {nxt[:200]}")
                    seen.add(nxt)
                    url = nxt
                    continue
                if status == 429 or status >= 500:
                    raise _Retry(f"http_{status}", f"{url[:200]}: HTTP {status}", _retry_after(resp.getheader("Retry-After")))
                if status != 200:
                    raise ImageRejected(f"http_{status}", f"{url[:200]}: HTTP {status} {resp.reason}"[:300])
                if opts.disallowed_header_directives and is_disallowed(
                        resp.headers.get_all("X-Robots-Tag") or [], opts.user_agent_token, opts.disallowed_header_directives):
                    raise ImageRejected("opted_out", f"{url[:200]}: X-Robots-Tag {'; '.join(resp.headers.get_all('X-Robots-Tag'))[:100]}")
                length = resp.getheader("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise ImageRejected("too_large", f"{url[:200]}: Content-Length {length} exceeds {max_bytes} bytes")
                return _read_body(resp, conn, url, deadline, max_bytes)
        except (TimeoutError, socket.timeout):
            raise ImageRejected("timeout", f"{url[:200]}: no answer within {timeout_s:g} s") from None
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise ImageRejected("connection_error", f"{url[:200]}: {type(e).__name__}: {str(e)[:150]}") from None
        finally:
            conn.close()
    raise ImageRejected("too_many_redirects", f"more than {opts.max_redirects} redirects, last {url[:200]}")


def _read_body(resp: http.client.HTTPResponse, conn: http.client.HTTPConnection, url: str, deadline: float, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    got = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if conn.sock is not None:
            conn.sock.settimeout(left)
        chunk = resp.read(min(1 << 16, max_bytes + 1 - got))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        got += len(chunk)
        if got > max_bytes:
            raise ImageRejected("too_large", f"{url[:200]}: body exceeds {max_bytes} bytes")


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def fetch_url(url: str, opts: FetchOptions, timeout_s: float, max_bytes: int) -> bytes:
    """The body of `url` (at most `max_bytes`), retrying 429/5xx with backoff; raises ImageRejected."""
    wait = opts.backoff_s
    for attempt in range(opts.retries + 1):
        try:
            return _attempt(url, opts, timeout_s, max_bytes)
        except _Retry as r:
            if attempt == opts.retries:
                raise ImageRejected(r.reason, f"{r.detail} after {attempt + 1} attempts") from None
            time.sleep(min(opts.max_backoff_s, r.wait if r.wait is not None else wait))
            wait *= 2
    raise AssertionError("unreachable")


def fetch_urls(urls: Iterable[str], opts: FetchOptions, timeout_s: float, max_bytes: int) -> dict[str, bytes | ImageRejected]:
    """Fetch distinct `urls` concurrently (`opts.threads`, at most `opts.per_host` per host);
    each maps to its bytes or the ImageRejected that says why not."""
    todo = list(dict.fromkeys(urls))
    if not todo:
        return {}

    def one(u: str) -> bytes | ImageRejected:
        try:
            return fetch_url(u, opts, timeout_s, max_bytes)
        except ImageRejected as e:
            return e

    with ThreadPoolExecutor(max_workers=min(opts.threads, len(todo))) as pool:
        return dict(zip(todo, pool.map(one, todo)))


def is_remote(path: object) -> bool:
    """True for an http(s) URL."""
    return isinstance(path, str) and path[:8].lower().startswith(("http://", "https://"))


def fetch_batch(images: Iterable[object], paths: Iterable[object], opts: FetchOptions, timeout_s: float,
                max_bytes: int) -> dict[str, bytes | ImageRejected]:
    """Fetch the URLs of a decode batch's rows that have no image bytes (`images`, `paths`:
    the batch's image and image_path values); see fetch_urls."""
    urls = [p for b, p in zip(images, paths) if is_remote(p) and not (isinstance(b, (bytes, bytearray, memoryview)) and len(b) > 0)]
    return fetch_urls(urls, opts, timeout_s, max_bytes)


def take(fetched: dict[str, bytes | ImageRejected], url: str) -> bytes:
    """The bytes fetched for `url`, or raise its ImageRejected."""
    got = fetched.get(url)
    if got is None:
        raise ImageRejected("fetch_failed", f"{url[:200]}: not fetched")
    if isinstance(got, ImageRejected):
        raise ImageRejected(got.reason, got.detail)
    return got
