"""Faults: a model actor killed mid-run, a driver killed mid-run then --resume, a failed write.
Each run is compared with an undisturbed run of the same corpus: the tables must be identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import jpeg, graph_root

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.graph.merge import TABLES

REPO = Path(__file__).resolve().parents[2]
N_ROWS = 24  # size is not the point: enough shards that a kill lands mid-run
RESUME_SHARD_ROWS = 4  # small shards finish one by one, so a kill lands between the first and the last
N_SHARDS = N_ROWS // RESUME_SHARD_ROWS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """24 distinct real photos (crops of scikit-image photos), 4 rows per row group."""
    import numpy as np
    import pyarrow as pa
    from skimage import data

    srcs = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    caps = ["an astronaut holding a white helmet", "a red cup of coffee on a table", "a cat with green eyes", "a white rocket on a pad"]
    rows = []
    for i in range(N_ROWS):
        a = srcs[i % 4]
        crop = a[i % 7: a.shape[0] - (i % 5), i % 11:]
        rows.append({"id": f"r{i:03d}", "image": jpeg(np.ascontiguousarray(crop)), "text": caps[i % 4]})
    path = tmp_path_factory.mktemp("faults") / "corpus.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=RESUME_SHARD_ROWS)  # shards are whole row groups
    return path


def _cfg(corpus: Path, out: Path, runner: str = "ray"):
    small = [f"{st}.resources.batch_size=8" for st in ("decode", "detect", "caption", "extract", "ground")]
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["decode.text_columns=[text]", "shard_rows=8", *small], out=str(out), runner=runner)
    cfg.corpus = [str(corpus)]
    return cfg


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory, model_dir) -> Path:
    out = tmp_path_factory.mktemp("ref") / "graph"
    run_build(_cfg(corpus, out, "local"), progress=lambda m: None)
    return out


def assert_same_graph(a: Path, b: Path) -> None:
    for t in TABLES:
        assert pq.read_table(graph_root(a) / t).equals(pq.read_table(graph_root(b) / t)), f"table {t} differs"


def _markers(out: Path) -> int:
    return len(list(out.glob("contributions/*/*.done")))  # shard completion markers


def test_killed_model_actor_is_restarted_and_output_is_identical(corpus, reference, tmp_path, ray_local) -> None:
    from ray._private import state  # GCS actor table: works without the dashboard

    out = tmp_path / "graph"
    result: dict = {}

    def build() -> None:
        try:
            result["res"] = run_build(_cfg(corpus, out), progress=lambda m: None)
        except BaseException as e:  # noqa: BLE001 - reported below
            result["error"] = e

    t = threading.Thread(target=build)
    t.start()
    killed: list[str] = []
    first_seen: dict[str, float] = {}
    deadline = time.time() + 120
    while time.time() < deadline and not killed and t.is_alive():
        if _markers(out) < N_ROWS // 8:  # the run is not over
            for aid, a in state.actors().items():
                if a["State"] == "ALIVE" and "_StageActor" in a["ActorClassName"] and a.get("Pid"):
                    # a model stage's actor (detect or extract) that has been working for a while
                    if time.time() - first_seen.setdefault(aid, time.time()) > 1.0 or _markers(out) >= 1:
                        os.kill(a["Pid"], signal.SIGKILL)
                        killed.append(a["ActorClassName"])
                        break
        time.sleep(0.02)
    t.join(300)
    assert killed, "the run ended before an actor could be killed mid-run"
    assert "error" not in result, result.get("error")
    assert_same_graph(reference, out)
    acc = json.loads((graph_root(out) / "manifest.json").read_text())["accounting"]
    assert acc[0]["rows_in"] == N_ROWS == acc[0]["rows_in_graph"]


def test_killed_driver_then_resume_gives_identical_output(corpus, reference, tmp_path, ray_local) -> None:
    out = tmp_path / "graph"
    args = [sys.executable, "-m", "pipeline.cli", "build", "-c", str(REPO / "jobs/configs/sample.yaml"), "--corpus", str(corpus),
            "--out", str(out), "--set", "decode.text_columns=[text]", "--set", f"shard_rows={RESUME_SHARD_ROWS}", "--set", "ray.num_cpus=2"]
    for st in ("decode", "detect", "caption", "extract", "ground"):
        args += ["--set", f"{st}.resources.batch_size=8"]
    env = {**os.environ, "RAY_ADDRESS": ""}
    p = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 180
    while time.time() < deadline and p.poll() is None and _markers(out) < 1:
        time.sleep(0.01)
    assert p.poll() is None, "the build ended before the driver could be killed mid-run"
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(30)
    done_before = _markers(out)  # counted once the driver is dead: what --resume finds
    assert 1 <= done_before < N_SHARDS, f"{done_before} of {N_SHARDS} shards done when the driver died"
    assert not (graph_root(out) / "manifest.json").exists()
    # the driver died with its own Ray; --resume runs as a driver on the session's Ray (as a job on
    # a cluster would: RAY_ADDRESS), which spares starting another
    env["RAY_ADDRESS"] = ray_local.get_runtime_context().gcs_address
    r = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{N_ROWS} rows in 1 file(s), {N_SHARDS} shard(s), {done_before} already done" in r.stderr, r.stderr[-2000:]
    m = json.loads((graph_root(out) / "manifest.json").read_text())
    assert m["resumed"] is True
    assert m["accounting"][0]["rows_in_graph"] == N_ROWS
    assert_same_graph(reference, out)


def test_failed_write_publishes_nothing(corpus, reference, tmp_path, monkeypatch) -> None:
    import pipeline.graph.merge as merge_mod

    out = tmp_path / "graph"
    real_write = merge_mod._write

    def failing(con, sql, path, *args, **kwargs):
        if path.parent.name == "edges":
            raise OSError("disk full (simulated)")
        return real_write(con, sql, path, *args, **kwargs)

    monkeypatch.setattr(merge_mod, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        run_build(_cfg(corpus, out, "local"), progress=lambda m: None)
    assert not (graph_root(out) / "manifest.json").exists()
    assert not any((out / t).exists() for t in TABLES)
    # the finished shards are kept: --resume completes the build without redoing them
    monkeypatch.setattr(merge_mod, "_write", real_write)
    res = run_build(_cfg(corpus, out, "local"), progress=lambda m: None, resume=True)
    assert res.counts["images"] > 0
    assert_same_graph(reference, out)
