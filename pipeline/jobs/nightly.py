"""`kg nightly`: bring a graph up to date with a corpus folder, safely, from a scheduler.

One run:

1. lists the corpus files and hashes them (sha256), reads the current version's manifest
   (through :class:`pipeline.graph.store.GraphStore`, which follows ``CURRENT``) and compares
   (path, hash) with the version's recorded ``inputs``; with nothing new it says so and exits 0;
2. takes the graph lock (:mod:`pipeline.graph.lock`, ``<graph>.lock``); a live holder makes it
   exit 75 naming the holder; a dead holder's lock is taken over;
3. plans again under the lock and runs the incremental update (``kg build --update``): only
   new or changed files go through the stages, their contributions are kept with the graph,
   the union is re-merged and published as a new version (the last ``keep`` are kept);
4. prints one JSON summary line on stdout (for log collectors), whatever happened.

A run killed at any point leaves the current version as it was; the next run finds the shards
the killed one finished (their completion markers, in the graph's contributions) and does only
the rest, so nothing is redone or doubled and the result equals an uninterrupted run.

Exit status (for schedulers): see :data:`EXIT_CODES`.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from pipeline.graph.lock import GraphLock, LockHeld, lock_path_for

EXIT_OK = 0  # graph updated, or nothing new
EXIT_ERROR = 1  # an unexpected error (a bug, storage failure): see the log
EXIT_BAD_INPUT = 2  # bad config, corpus or graph path
EXIT_ACCOUNTING = 3  # rows went missing: nothing was published
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the graph lock; try again later
EXIT_INTERRUPTED = 130  # SIGINT / SIGTERM

EXIT_CODES = {
    EXIT_OK: "ok: graph updated, or nothing new",
    EXIT_ERROR: "unexpected error (see the log)",
    EXIT_BAD_INPUT: "bad config, corpus or graph path",
    EXIT_ACCOUNTING: "accounting failed: rows in != rows in graph + quarantined; nothing published",
    EXIT_LOCKED: "another run holds the graph lock (EX_TEMPFAIL: retry later); the holder is named",
    EXIT_INTERRUPTED: "interrupted (SIGINT/SIGTERM); the next run completes the work",
}

Progress = Callable[[str], None]


class NightlyError(ValueError):
    """Bad corpus / graph path for a nightly run (one line; exit 2)."""


@dataclass(frozen=True)
class CorpusEntry:
    """One corpus file as a nightly run sees it."""

    path: str
    size: int
    sha256: str


@dataclass
class NightlyPlan:
    """The corpus files, the hashes the graph already holds, and the files not in it yet."""

    corpus: list[CorpusEntry]
    known: set[tuple[str, str]]  # (path, sha256) of the current version's inputs
    graph_exists: bool

    @property
    def new(self) -> list[CorpusEntry]:
        """Corpus files not among the graph's inputs with this content (new or changed)."""
        return [c for c in self.corpus if (c.path, c.sha256) not in self.known]


@dataclass
class NightlySummary:
    """The JSON line a run ends with."""

    status: str  # updated | nothing_new | locked | failed | interrupted
    exit: int
    graph: str
    corpus: str
    corpus_files: int = 0
    new_files: list[str] = field(default_factory=list)
    mode: str = "update"  # how the graph was changed: an incremental update (kg build --update)
    version: str | None = None  # the version published
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    holder: dict[str, Any] | None = None
    error: str | None = None

    def line(self) -> str:
        """The summary as one JSON line (``kind: kg-nightly``)."""
        return json.dumps({"kind": "kg-nightly", **asdict(self)}, sort_keys=True, default=str)


# -- the corpus and the graph ------------------------------------------------------------------
def list_corpus(spec: str) -> list[CorpusEntry]:
    """The corpus files (Parquet or WebDataset .tar, as the build finds them) with size and sha256:
    a local file/folder/glob, or a pyarrow filesystem URI (``s3://bucket/corpus``). Raises
    NightlyError when nothing is there."""
    from pipeline.io.corpus import CorpusError, file_size_and_sha256, find_corpus_files

    try:
        files = find_corpus_files(spec)
        out = [CorpusEntry(p, *file_size_and_sha256(p)) for p in files]
    except CorpusError as e:
        raise NightlyError(str(e)) from None
    except OSError as e:
        raise NightlyError(f"{redact(spec)}: cannot list the corpus ({e})") from None
    if not out:
        raise NightlyError(f"{redact(spec)}: no corpus files")
    return out


def redact(spec: str) -> str:
    """A path or URI fit for logs and the summary line (no credentials)."""
    from pipeline.io.corpus import redact_uri

    return redact_uri(spec)


def graph_inputs(graph: str) -> list[dict] | None:
    """The ``inputs`` recorded in the graph's current version (path, rows, bytes, sha256 each),
    or None when there is no graph there yet (no folder, an empty one, or only the work of a
    first run that was killed). Raises NightlyError for a folder that is something else."""
    from pipeline.core.storage import Storage, StorageError
    from pipeline.graph.store import GraphError, GraphStore

    try:
        entries = set(Storage.open(graph).list())
    except StorageError as e:
        raise NightlyError(str(e)) from None
    if not entries - {"contributions", "versions"} and "CURRENT" not in entries:
        return None
    try:
        with GraphStore.open(graph) as store:
            return list(store.manifest.get("inputs") or [])
    except GraphError as e:
        raise NightlyError(f"{e} (move it away or point --graph elsewhere)") from None


def plan_nightly(corpus: str, graph: str) -> NightlyPlan:
    """Which corpus files are new to the graph (by content hash)."""
    entries = list_corpus(corpus)
    inputs = graph_inputs(graph)
    return NightlyPlan(entries, {(i["path"], i["sha256"]) for i in inputs or [] if i.get("sha256")}, inputs is not None)


# -- updating ----------------------------------------------------------------------------------------
def update_graph(cfg: Any, graph: str, corpus: str, progress: Progress) -> tuple[str | None, dict[str, int]]:
    """Run the incremental update of `graph` with the files of `corpus` (call with the lock
    held); returns the version published and its counts."""
    from pipeline.build import run_build

    cfg.out = graph
    cfg.corpus = [corpus]
    res = run_build(cfg, progress=progress, update=True)
    return res.version, dict(res.counts)


def run_nightly(corpus: str, graph: str, cfg: Any, progress: Progress, owner: str = "kg nightly",
                lock_ttl_s: float | None = None) -> NightlySummary:
    """One nightly run (see the module doc); never raises for expected failures: the summary's
    ``exit`` is the process's exit status."""
    from pipeline.build import AccountingError
    from pipeline.config import ConfigError
    from pipeline.core.stage import StageError
    from pipeline.io.corpus import CorpusError

    t0 = time.perf_counter()
    s = NightlySummary("failed", EXIT_ERROR, redact(graph), redact(corpus))
    try:
        plan = plan_nightly(corpus, graph)
        s.corpus_files = len(plan.corpus)
        if plan.graph_exists and not plan.new:
            progress(f"nothing new: all {len(plan.corpus)} corpus file(s) are in the graph")
            s.status, s.exit = "nothing_new", EXIT_OK
            return s
        kw = {} if lock_ttl_s is None else {"ttl_s": lock_ttl_s}
        with GraphLock(lock_path_for(graph), owner=owner, **kw):
            plan = plan_nightly(corpus, graph)  # again: a run that held the lock may have done it
            s.corpus_files = len(plan.corpus)
            s.new_files = [redact(c.path) for c in plan.new]
            if plan.graph_exists and not plan.new:
                progress("nothing new: another run brought the graph up to date")
                s.status, s.exit = "nothing_new", EXIT_OK
                return s
            progress(f"{len(plan.new)} new corpus file(s) of {len(plan.corpus)}: updating {graph}")
            s.version, s.counts = update_graph(cfg, graph, corpus, progress)
        s.status, s.exit = "updated", EXIT_OK
    except LockHeld as e:
        s.status, s.exit, s.error = "locked", EXIT_LOCKED, str(e)
        s.holder = asdict(e.info) if e.info else None
    except (NightlyError, CorpusError, ConfigError, StageError) as e:
        s.status, s.exit, s.error = "failed", EXIT_BAD_INPUT, str(e)
    except AccountingError as e:
        s.status, s.exit, s.error = "failed", EXIT_ACCOUNTING, f"accounting failed: {e}"
    except KeyboardInterrupt:
        s.status, s.exit, s.error = "interrupted", EXIT_INTERRUPTED, "interrupted"
    except Exception as e:  # noqa: BLE001 - the scheduler gets a status and a summary line regardless
        s.status, s.exit, s.error = "failed", EXIT_ERROR, f"{type(e).__name__}: {e}"
    finally:
        s.seconds = round(time.perf_counter() - t0, 3)
    return s


def main_nightly(corpus: str, graph: str, cfg: Any, lock_ttl_s: float | None = None) -> int:
    """CLI body: progress on stderr, errors as one line on stderr, the JSON summary on stdout."""
    import signal

    def _term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    s = run_nightly(corpus, graph, cfg, lambda m: print(f"[kg] {m}", file=sys.stderr, flush=True),
                    lock_ttl_s=lock_ttl_s)
    if s.error:
        print(f"kg nightly: {s.error}", file=sys.stderr, flush=True)
    print(s.line(), flush=True)
    return s.exit
