"""A lock file on a graph's storage, so that two nightly runs never write one graph at once.

The lock is one small JSON file (by default ``<graph>.lock``, beside the graph folder, so that
swapping the graph folder does not move it) holding the owner, host, pid, start time and a
heartbeat that a daemon thread refreshes every ``heartbeat_s`` seconds::

    with GraphLock("/data/graphs/main.lock", owner="nightly"):
        ...                                   # LockHeld is raised when someone else holds it

Taking the lock is an atomic create-if-absent (a complete temp file hard-linked to the lock
path on a local file system: the link fails when the lock exists). A lock
whose holder died expires and is taken over: on the same host when its pid is gone, anywhere
when its heartbeat is older than ``ttl_s``. A takeover moves the stale file aside with an atomic
rename and checks that what it moved is the stale lock it judged (two processes taking over the
same stale lock: one wins, the other sees the winner's lock and gets LockHeld).

Paths are local paths or pyarrow filesystem URIs (``s3://``, ``gs://`` ...). Object stores have
no create-if-absent through pyarrow: there the lock is written, read back and compared (a
narrow window remains in which two starters can both believe they won; schedule nightly runs
from one place when the graph lives on an object store).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

#: Seconds between heartbeats, and the age after which a heartbeat counts as dead.
HEARTBEAT_S = 30.0
TTL_S = 600.0


class LockHeld(RuntimeError):
    """Someone else holds the lock; ``.info`` is their LockInfo (message names the holder)."""

    def __init__(self, path: str, info: "LockInfo | None") -> None:
        self.path, self.info = path, info
        who = info.describe() if info else "an unreadable lock file"
        super().__init__(f"{path}: graph is locked by {who}")


@dataclass
class LockInfo:
    """What a lock file holds."""

    owner: str
    host: str
    pid: int
    started: float
    heartbeat: float
    token: str

    def describe(self) -> str:
        """One line naming the holder, e.g. ``nightly (pid 4242 on node-3, since 2026-01-01T02:00:00Z)``."""
        since = datetime.fromtimestamp(self.started, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.owner} (pid {self.pid} on {self.host}, since {since})"

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> "LockInfo | None":
        try:
            d = json.loads(data)
            return cls(str(d["owner"]), str(d["host"]), int(d["pid"]), float(d["started"]),
                       float(d["heartbeat"]), str(d["token"]))
        except (ValueError, KeyError, TypeError):
            return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class _Local:
    """Lock file operations on a local path."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))

    def create(self, data: bytes) -> bool:
        """Write a complete temp file, then hard-link it to the lock path: the link fails when
        the lock exists, and a reader never sees a half-written lock."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = f"{self.path}.{uuid.uuid4().hex[:8]}.new"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        return True

    def read(self) -> bytes | None:
        try:
            with open(self.path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def replace(self, data: bytes) -> None:
        tmp = f"{self.path}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path)

    def move_aside(self) -> str | None:
        """Rename the lock file to a unique name; returns it, or None when it was gone."""
        aside = f"{self.path}.stale-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return None
        return aside

    def restore(self, aside: str) -> None:
        try:
            os.link(aside, self.path)  # only when no new lock appeared meanwhile
        except FileExistsError:
            pass
        os.unlink(aside)

    def read_path(self, p: str) -> bytes:
        with open(p, "rb") as f:
            return f.read()

    def delete(self, p: str | None = None) -> None:
        try:
            os.unlink(p or self.path)
        except FileNotFoundError:
            pass


class _Remote(_Local):
    """Lock file operations on a pyarrow filesystem (no atomic create-if-absent: write, read back)."""

    def __init__(self, uri: str) -> None:  # noqa: D107 - no super(): no local path
        import pyarrow.fs as pafs

        self.fs, self.path = pafs.FileSystem.from_uri(uri)

    def _exists(self, p: str) -> bool:
        import pyarrow.fs as pafs

        return self.fs.get_file_info(p).type == pafs.FileType.File

    def _write(self, p: str, data: bytes) -> None:
        with self.fs.open_output_stream(p) as f:
            f.write(data)

    def create(self, data: bytes) -> bool:
        if self._exists(self.path):
            return False
        self._write(self.path, data)
        return self.read() == data

    def read(self) -> bytes | None:
        return self.read_path(self.path) if self._exists(self.path) else None

    def replace(self, data: bytes) -> None:
        self._write(self.path, data)

    def move_aside(self) -> str | None:
        aside = f"{self.path}.stale-{uuid.uuid4().hex[:8]}"
        try:
            self.fs.move(self.path, aside)
        except (FileNotFoundError, OSError):
            return None
        return aside

    def restore(self, aside: str) -> None:
        if not self._exists(self.path):
            self.fs.move(aside, self.path)
        else:
            self.delete(aside)

    def read_path(self, p: str) -> bytes:
        with self.fs.open_input_stream(p) as f:
            return f.read()

    def delete(self, p: str | None = None) -> None:
        try:
            self.fs.delete_file(p or self.path)
        except (FileNotFoundError, OSError):
            pass


def lock_path_for(graph: str) -> str:
    """The lock file of a graph: ``<graph>.lock`` beside the graph folder (path or URI)."""
    return graph.rstrip("/") + ".lock"


class GraphLock:
    """The lock at `path` (local path or URI), held from :meth:`acquire` to :meth:`release`
    (or as a context manager). ``owner`` names the holder in messages (e.g. ``kg nightly``)."""

    def __init__(self, path: str, owner: str = "kg", ttl_s: float = TTL_S, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.path = path
        self.owner = owner
        self.ttl_s = ttl_s
        self.heartbeat_s = heartbeat_s
        self._io: _Local = _Remote(path) if "://" in path else _Local(path)
        self._info: LockInfo | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False  # set when the heartbeat found the lock taken over by someone else

    # -- inspecting ------------------------------------------------------------------------
    def holder(self) -> LockInfo | None:
        """The current lock file's contents, or None when there is no lock."""
        data = self._io.read()
        return None if data is None else LockInfo.from_json(data)

    def is_stale(self, info: LockInfo | None, now: float | None = None) -> bool:
        """True when the holder is dead: pid gone on this host, or heartbeat older than the TTL.
        An unreadable lock file counts as stale once the file is older than the TTL (not known
        here: treated as held)."""
        if info is None:
            return False
        now = time.time() if now is None else now
        if info.host == socket.gethostname() and not _pid_alive(info.pid):
            return True
        return now - info.heartbeat > self.ttl_s

    # -- taking and giving back ------------------------------------------------------------------
    def acquire(self) -> LockInfo:
        """Take the lock, taking over a stale one; raises LockHeld naming a live holder."""
        now = time.time()
        info = LockInfo(self.owner, socket.gethostname(), os.getpid(), now, now, uuid.uuid4().hex)
        for _ in range(3):
            if self._io.create(info.to_json()):
                self._info = info
                self._start_heartbeat()
                return info
            data = self._io.read()
            if data is None:
                continue  # released meanwhile: try again
            cur = LockInfo.from_json(data)
            if not self.is_stale(cur):
                raise LockHeld(self.path, cur)
            aside = self._io.move_aside()
            if aside is None:
                continue
            if self._io.read_path(aside) != data:  # moved someone's fresh lock, not the stale one
                self._io.restore(aside)
                raise LockHeld(self.path, self.holder())
            self._io.delete(aside)
        raise LockHeld(self.path, self.holder())

    def release(self) -> None:
        """Stop the heartbeat and delete the lock file if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._info is not None:
            cur = self.holder()
            if cur is not None and cur.token == self._info.token:
                self._io.delete()
            self._info = None

    def __enter__(self) -> "GraphLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="graph-lock-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            info = self._info
            if info is None:
                return
            cur = self.holder()
            if cur is None or cur.token != info.token:
                self.lost = True
                return
            info.heartbeat = time.time()
            try:
                self._io.replace(info.to_json())
            except OSError:
                pass  # storage hiccup: the next beat tries again
