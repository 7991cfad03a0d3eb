"""`kg nightly` end to end as a scheduler runs it: real corpora, real builds (in-process runner),
real processes, a real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import write_corpus

from pipeline.graph.lock import GraphLock, lock_path_for
from pipeline.graph.store import TABLES, GraphStore

REPO = Path(__file__).resolve().parents[2]
SET = ["--set", "decode.text_columns=[text]", "--set", "shard_rows=1"]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, photos) -> dict[str, Path]:
    """Two corpus files (written outside any corpus folder; tests copy them in)."""
    d = tmp_path_factory.mktemp("files")
    a = write_corpus(d / "a.parquet", [
        {"id": "rider", "image": photos["coffee"], "text": "a man riding a brown horse"},
        {"id": "astro", "image": photos["astronaut"], "text": "an astronaut holding a helmet"},
    ])
    b = write_corpus(d / "b.parquet", [
        {"id": "cat", "image": photos["chelsea"], "text": "a cat sitting on a red sofa"},
        {"id": "rocket", "image": photos["rocket"], "text": "a rocket on a launch pad"},
    ])
    return {"a": a, "b": b}


def _nightly(corpus: Path, graph: Path, *extra: str, wait: bool = True, env: dict | None = None):
    cmd = [sys.executable, "-m", "pipeline.cli", "nightly", "--corpus", str(corpus), "--graph", str(graph),
           "-c", str(REPO / "jobs/configs/sample.yaml"), "--runner", "local", *SET, *extra]
    e = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    if not wait:
        return subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=600)


def _summary(stdout: str) -> dict:
    last = stdout.strip().splitlines()[-1]
    d = json.loads(last)
    assert d["kind"] == "kg-nightly"
    return d


def _tables(graph: Path, corpus: Path) -> dict[str, list[str]]:
    """Every table's rows (as sorted JSON), with the corpus folder in source paths written CORPUS."""
    with GraphStore.open(graph) as g:
        return {t: sorted(json.dumps(r, sort_keys=True, default=str).replace(str(corpus), "CORPUS")
                          for r in g.read_table(t).to_pylist())
                for t in TABLES}


@pytest.fixture(scope="module")
def reference(corpora, tmp_path_factory, model_dir) -> dict[str, list[str]]:
    """The tables of one plain build of both files."""
    from pipeline.build import run_build
    from pipeline.config import load_config

    out = tmp_path_factory.mktemp("ref") / "graph"
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]", "shard_rows=1"],
                      out=str(out), runner="local")
    cfg.corpus = [str(corpora["a"]), str(corpora["b"])]
    run_build(cfg, progress=lambda m: None)
    return _tables(out, corpora["a"].parent)


def _link(corpora: dict[str, Path], folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / f"{n}.parquet").write_bytes(corpora[n].read_bytes())
    return folder


def test_nightly_twice_then_nothing_new(corpora, reference, tmp_path: Path, model_dir) -> None:
    corpus, graph = _link(corpora, tmp_path / "corpus", "a"), tmp_path / "graphs" / "main"
    r = _nightly(corpus, graph)
    assert r.returncode == 0, r.stderr
    s = _summary(r.stdout)
    assert s["status"] == "updated" and len(s["new_files"]) == 1 and s["counts"]["images"] == 2

    r = _nightly(corpus, graph)
    assert r.returncode == 0 and "nothing new" in r.stderr
    assert _summary(r.stdout)["status"] == "nothing_new"

    _link(corpora, corpus, "b")
    r = _nightly(corpus, graph)
    assert r.returncode == 0, r.stderr
    s = _summary(r.stdout)
    assert s["status"] == "updated" and [Path(p).name for p in s["new_files"]] == ["b.parquet"]
    assert s["mode"] == "update" and s["version"] == (graph / "CURRENT").read_text().strip()
    # only the new file went through the stages; a's rows came from its kept contribution
    assert "1 new, 0 changed, 0 removed, 1 unchanged file(s)" in r.stderr and "2 rows in 1 file(s)" in r.stderr
    assert _tables(graph, corpus) == reference
    assert not Path(lock_path_for(str(graph))).exists()
    assert sorted(p.name for p in graph.parent.iterdir()) == ["main"]  # no temp folders left


def test_lock_held_gives_75_naming_the_holder(corpora, tmp_path: Path, model_dir) -> None:
    corpus, graph = _link(corpora, tmp_path / "corpus", "a"), tmp_path / "graph"
    with GraphLock(lock_path_for(str(graph)), owner="nightly-on-node-7"):
        r = _nightly(corpus, graph)
    assert r.returncode == 75, r.stderr
    assert "nightly-on-node-7" in r.stderr and f"pid {os.getpid()}" in r.stderr
    s = _summary(r.stdout)
    assert s["status"] == "locked" and s["holder"]["owner"] == "nightly-on-node-7"
    assert not graph.exists()


def test_two_runs_at_once_one_builds_one_is_refused(corpora, reference, tmp_path: Path, model_dir) -> None:
    corpus, graph = _link(corpora, tmp_path / "corpus", "a", "b"), tmp_path / "graph"
    p1 = _nightly(corpus, graph, wait=False)
    lock = Path(lock_path_for(str(graph)))
    t_end = time.time() + 120
    while not lock.exists() and p1.poll() is None and time.time() < t_end:
        time.sleep(0.05)
    r2 = _nightly(corpus, graph)
    out1, err1 = p1.communicate(timeout=600)
    assert p1.returncode == 0, err1
    # the second either met the lock (75) or, when the first had already finished, found nothing new
    assert (r2.returncode, _summary(r2.stdout)["status"]) in [(75, "locked"), (0, "nothing_new")], r2.stderr
    assert _tables(graph, corpus) == reference


def test_sigkilled_run_is_completed_by_the_next(corpora, reference, tmp_path: Path, model_dir) -> None:
    corpus, graph = _link(corpora, tmp_path / "corpus", "a"), tmp_path / "graph"
    assert _nightly(corpus, graph).returncode == 0
    a_done = len(list(graph.glob("contributions/*/*.done")))  # a's shards
    _link(corpora, corpus, "b")
    p = _nightly(corpus, graph, wait=False)
    t_end = time.time() + 300
    while time.time() < t_end and p.poll() is None and len(list(graph.glob("contributions/*/*.done"))) == a_done:
        time.sleep(0.02)
    assert p.poll() is None, "the run ended before it could be killed"
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert Path(lock_path_for(str(graph))).exists()  # the dead run's lock is left behind ...
    assert len(_tables(graph, corpus)["images"]) == 2  # ... and the live version is intact
    done = len(list(graph.glob("contributions/*/*.done"))) - a_done
    r = _nightly(corpus, graph)  # ... and the next run takes the lock over (pid gone) and finishes
    assert r.returncode == 0, r.stderr
    assert _summary(r.stdout)["status"] == "updated"
    assert f"{done} already done" in r.stderr  # finished shards are not redone
    assert _tables(graph, corpus) == reference
    assert sorted(p.name for p in tmp_path.iterdir() if "graph" in p.name) == ["graph"]


def test_bad_input_exits_2_with_a_summary(corpora, tmp_path: Path) -> None:
    r = _nightly(tmp_path / "nope", tmp_path / "graph")
    assert r.returncode == 2 and "nope" in r.stderr
    assert _summary(r.stdout)["status"] == "failed"
    (tmp_path / "notagraph").mkdir()
    (tmp_path / "notagraph" / "notes.txt").write_text("not a graph")
    r = _nightly(_link(corpora, tmp_path / "c", "a"), tmp_path / "notagraph")
    assert r.returncode == 2 and "notagraph" in r.stderr and "not a complete graph" in r.stderr
