"""Versions of a graph on storage: complete versions side by side and a ``CURRENT`` pointer.

Layout (any :class:`~pipeline.core.storage.Storage`: a local folder, ``s3://`` ...)::

    <graph>/CURRENT                 one line: the id of the live version
    <graph>/versions/<id>/          one version: <table>/part-*.parquet, stats/, manifest.json
    <graph>/contributions/ exports/ (not touched here)

A writer asks :meth:`Versions.new_id` for an id, writes the tables (and ``stats/``) under
:meth:`Versions.folder`, then calls :meth:`Versions.publish`, which

1. writes ``manifest.json`` inside the version, last: a version folder is complete exactly
   when its manifest is there;
2. switches ``CURRENT`` to the new id: one atomic write (a rename on a local disk, a
   server-side copy on object stores), the commit point;
3. prunes: complete versions beyond ``keep`` (oldest first, never the current one), then
   incomplete version folders older than the one just published (left by crashed runs), the
   temp files of CURRENT writes that crashed (``.CURRENT.<pid>.<hex>.tmp``: a publish killed
   between writing its temp file and moving it into place), and the root-level tables of a
   graph written by earlier releases (see below).

A crash at any point leaves a readable graph: before step 2 the previous version is current
and untouched (the new folder is either incomplete, and removed by the next publish, or a
complete version that simply is not current); after it the new version is current. A removal
deletes the version's manifest first, so a half-removed version is an incomplete folder that
the next publish removes. Readers (:class:`pipeline.graph.store.GraphStore`) read ``CURRENT``
once and then only that version's files.

Every write and removal of :meth:`publish` / :meth:`prune` goes through one hook
(``Versions(..., on_step=f)``: ``f(step)`` is called before each step, with step names
``manifest``, ``current``, ``remove <id>: manifest.json``, ``remove <id>: folder``,
``remove <temp>``, ``legacy manifest.json``, ``legacy tables``), which the crash tests use to stop a
publish at every step.

**Graphs of earlier releases** (plain layout: ``manifest.json`` and the tables at the root, no
``CURRENT``) are read as they are. Publishing a version into such a folder works like any
publish; once ``CURRENT`` names the new version, the old root-level ``manifest.json`` (first),
tables and ``stats/`` are removed (``contributions/``, ``exports/`` and anything else stay).
They are not kept as a version: the new version is built from the same inputs and more.

One writer at a time (the nightly run's :mod:`pipeline.graph.lock`); any number of readers.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from pipeline.core.storage import Storage
from pipeline.graph.store import TABLES

CURRENT = "CURRENT"
VERSIONS = "versions"
MANIFEST = "manifest.json"
#: what an earlier release wrote at the root of a graph (removed once CURRENT takes over)
LEGACY_ROOT = (MANIFEST, *TABLES, "stats")

_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_id_lock = threading.Lock()
_last_stamp = ""


class VersionError(ValueError):
    """A bad version id, a version that is not there or not complete, a bad `keep` (one line)."""


@dataclass(frozen=True)
class VersionInfo:
    """One complete version, as :meth:`Versions.list` gives it (from its manifest)."""

    id: str
    created: str  # manifest "created" (ISO 8601, UTC)
    inputs: int  # number of input files (manifest "inputs")
    counts: dict[str, int] = field(default_factory=dict)  # manifest "counts": rows per table ...
    current: bool = False


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z"


class Versions:
    """The versions of the graph at `graph` (a Storage, a local path or a URI).

    `on_step`, when given, is called with each step's name before the step runs (see the
    module docstring); an exception it raises stops the publish there, as a crash would.
    """

    def __init__(self, graph: "Storage | str | os.PathLike", on_step: Callable[[str], None] | None = None) -> None:
        self.storage = graph if isinstance(graph, Storage) else Storage.open(graph)
        self.on_step = on_step

    def __repr__(self) -> str:
        return f"Versions({self.storage.display!r})"

    # -- ids -------------------------------------------------------------------------------
    @staticmethod
    def new_id() -> str:
        """A new version id, e.g. ``20261130T031500.123Z-3fa9c2``: UTC time to the millisecond,
        then 6 random hex digits. Ids sort by time; within one process each new id sorts after
        the previous one (the time is moved on by a millisecond when the clock has not)."""
        global _last_stamp
        with _id_lock:
            now = datetime.now(timezone.utc)
            stamp = _stamp(now)
            if stamp <= _last_stamp:
                last = datetime.strptime(_last_stamp, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc)
                stamp = _stamp(last.fromtimestamp(last.timestamp() + 0.001, timezone.utc))
            _last_stamp = stamp
        return f"{stamp}-{secrets.token_hex(3)}"

    def _check(self, vid: str) -> str:
        if not isinstance(vid, str) or not _ID.match(vid) or vid in (".", ".."):
            raise VersionError(f"{self.storage.display}: not a version id: {vid!r}")
        return vid

    def folder(self, vid: str) -> Storage:
        """The folder of version `vid` (``versions/<vid>``), where its tables are written."""
        return self.storage.child(VERSIONS, self._check(vid))

    # -- reading ---------------------------------------------------------------------------
    def current(self) -> str | None:
        """The id CURRENT names (``versions/`` prefix and whitespace dropped), or None without CURRENT."""
        try:
            text = self.storage.read_text(CURRENT)
        except FileNotFoundError:
            return None
        return text.strip().removeprefix(f"{VERSIONS}/").strip("/") or None

    def ids(self) -> list[str]:
        """Every version folder's id, complete or not, oldest first."""
        return [n for n in self.storage.list(VERSIONS) if _ID.match(n)]

    def is_complete(self, vid: str) -> bool:
        """True when version `vid` has its manifest.json (written last by :meth:`publish`)."""
        return self.storage.is_file(f"{VERSIONS}/{self._check(vid)}/{MANIFEST}")

    def manifest(self, vid: str) -> dict[str, Any]:
        """manifest.json of version `vid`; VersionError when it is missing (no such or incomplete version)."""
        try:
            data = self.storage.read_json(f"{VERSIONS}/{self._check(vid)}/{MANIFEST}")
        except FileNotFoundError:
            raise VersionError(f"{self.storage.display}: no complete version {vid!r}") from None
        except ValueError as e:
            raise VersionError(f"{self.storage.display}: version {vid!r}: manifest.json is not JSON ({e})") from None
        if not isinstance(data, dict):
            raise VersionError(f"{self.storage.display}: version {vid!r}: manifest.json is not an object")
        return data

    def list(self) -> list[VersionInfo]:
        """The complete versions (manifest present), oldest first, the current one flagged."""
        cur = self.current()
        out = []
        for vid in self.ids():
            try:
                m = self.manifest(vid)
            except VersionError:
                continue  # incomplete (being written, or left by a crash)
            inputs = m.get("inputs", [])
            counts = m.get("counts") if isinstance(m.get("counts"), dict) else {}
            out.append(VersionInfo(vid, str(m.get("created", "")),
                                   len(inputs) if isinstance(inputs, list) else int(inputs or 0),
                                   dict(counts), vid == cur))
        return out

    def legacy_manifest(self) -> dict[str, Any] | None:
        """The root-level manifest.json of a graph in the plain layout of earlier releases
        (no CURRENT), or None."""
        if self.current() is not None:
            return None
        data = self.storage.read_json(MANIFEST, default=None)
        return data if isinstance(data, dict) else None

    def is_graph(self) -> bool:
        """True when the folder holds a graph: CURRENT, a versions/ folder, or a plain-layout manifest.json."""
        return (self.storage.is_file(CURRENT) or bool(self.ids()) or self.storage.is_file(MANIFEST))

    # -- writing ---------------------------------------------------------------------------
    def _step(self, name: str, action: Callable[[], None]) -> None:
        if self.on_step is not None:
            self.on_step(name)
        action()

    def publish(self, vid: str, manifest: dict[str, Any], keep: int = 3) -> list[str]:
        """Make version `vid` the current one and prune; returns the ids removed.

        The caller has written every table (``<table>/part-*.parquet``) and ``stats/`` under
        :meth:`folder`. Writes `manifest` (a copy, with ``version`` set to `vid` and ``created``
        to now when absent) as the version's manifest.json, then switches CURRENT, then
        :meth:`prune` keeps the last `keep` complete versions. VersionError (nothing written)
        when `keep` < 1, `vid` is not a version id or already published, or a table is missing.
        """
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise VersionError(f"keep must be a whole number of at least 1 (got {keep!r})")
        folder = self.folder(vid)
        if self.is_complete(vid):
            raise VersionError(f"{self.storage.display}: version {vid} is already published")
        present = set(folder.list())
        missing = [t for t in TABLES if t not in present]
        if missing:
            raise VersionError(f"{folder.display}: table {', '.join(missing)} missing: write every table before publishing")
        man = {**manifest, "version": vid}
        man.setdefault("created", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        self._step("manifest", lambda: folder.write_json(MANIFEST, man))
        self._step("current", lambda: self.storage.write_text(CURRENT, vid + "\n"))
        return self.prune(keep)

    def prune(self, keep: int = 3) -> list[str]:
        """Remove complete versions beyond the last `keep` (oldest first, never the current
        one), incomplete version folders older than the current version, stale temp files of
        CURRENT (see :meth:`stale_current_temps`) and the root-level tables of the plain layout;
        returns the version ids removed. Does nothing while CURRENT is missing or names an
        incomplete version."""
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise VersionError(f"keep must be a whole number of at least 1 (got {keep!r})")
        cur = self.current()
        if cur is None or not _ID.match(cur) or not self.is_complete(cur):
            return []
        ids = self.ids()
        complete = [v for v in ids if self.is_complete(v)]
        removed: list[str] = []
        extra = len(complete) - keep
        for vid in complete:
            if extra <= 0:
                break
            if vid == cur:
                continue
            self._remove(vid, complete=True)
            removed.append(vid)
            extra -= 1
        for vid in ids:
            if vid not in complete and vid < cur:
                self._remove(vid, complete=False)
                removed.append(vid)
        for tmp in self.stale_current_temps(cur):
            self._step(f"remove {tmp}", lambda tmp=tmp: self.storage.delete(tmp))
        # the plain layout's root: its manifest first (a half-removed root is no graph), then the rest
        at_root = set(self.storage.list())
        if MANIFEST in at_root:
            self._step(f"legacy {MANIFEST}", lambda: self.storage.delete(MANIFEST))
        rest = [n for n in LEGACY_ROOT[1:] if n in at_root]
        if rest:
            self._step("legacy tables", lambda: self._delete_all(rest))
        return sorted(removed)

    def stale_current_temps(self, cur: str) -> "list[str]":
        """The temp files of CURRENT writes (``.CURRENT.<pid>.<hex>.tmp``) left by publishes that
        crashed, given the current id `cur`: those naming a version not newer than `cur` (a
        publish that lost, or whose move on an object store copied but did not delete) or no
        version at all (a write cut short). One naming a newer version is a publish in flight
        and is kept."""
        stale = []
        for tmp in self.storage.temps(CURRENT):
            try:
                vid = self.storage.read_text(tmp).strip().removeprefix(f"{VERSIONS}/").strip("/")
            except FileNotFoundError:
                continue  # moved into place meanwhile
            except UnicodeDecodeError:
                vid = ""
            if not (_ID.match(vid) and vid > cur):
                stale.append(tmp)
        return stale

    def _delete_all(self, names: "list[str]") -> None:
        for name in names:
            self.storage.delete(name)

    def _remove(self, vid: str, complete: bool) -> None:
        rel = f"{VERSIONS}/{vid}"
        if complete:  # made incomplete first: a crash half-way leaves a folder the next prune removes
            self._step(f"remove {vid}: {MANIFEST}", lambda: self.storage.delete(f"{rel}/{MANIFEST}"))
        self._step(f"remove {vid}: folder", lambda: self.storage.delete(rel))


__all__ = ["Versions", "VersionInfo", "VersionError", "CURRENT", "VERSIONS", "MANIFEST"]
