"""The graph lock: create-if-absent, heartbeat, stale takeover, and real processes racing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.graph.lock import GraphLock, LockHeld, LockInfo

REPO = Path(__file__).resolve().parents[2]

RACER = r"""
import os, sys, time
from pipeline.graph.lock import GraphLock, LockHeld
go = float(sys.argv[2])
while time.time() < go:
    time.sleep(0.001)
try:
    with GraphLock(sys.argv[1], owner=sys.argv[3], heartbeat_s=0.2):
        print("WON", flush=True)
        while not os.path.exists(sys.argv[1] + ".release"):  # held until every loser has answered
            time.sleep(0.01)
except LockHeld as e:
    print("HELD", e, flush=True)
"""


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _write(path: Path, **kw) -> None:
    now = time.time()
    d = {"owner": "old", "host": socket.gethostname(), "pid": os.getpid(), "started": now, "heartbeat": now, "token": "t"}
    d.update(kw)
    path.write_text(json.dumps(d))


def test_second_holder_is_refused_with_the_holders_name(tmp_path: Path) -> None:
    path = tmp_path / "g.lock"
    with GraphLock(str(path), owner="first"):
        info = LockInfo.from_json(path.read_bytes())
        assert info is not None and info.owner == "first" and info.pid == os.getpid()
        with pytest.raises(LockHeld) as e:
            GraphLock(str(path), owner="second").acquire()
        assert "first" in str(e.value) and f"pid {os.getpid()}" in str(e.value)
    assert not path.exists()  # released
    with GraphLock(str(path), owner="second"):
        assert path.exists()


def test_heartbeat_is_refreshed(tmp_path: Path) -> None:
    path = tmp_path / "g.lock"
    with GraphLock(str(path), heartbeat_s=0.05) as lk:
        first = LockInfo.from_json(path.read_bytes())
        time.sleep(0.3)
        later = LockInfo.from_json(path.read_bytes())
        assert later.heartbeat > first.heartbeat and later.token == first.token and not lk.lost


def test_dead_pid_on_this_host_expires(tmp_path: Path) -> None:
    path = tmp_path / "g.lock"
    _write(path, pid=_dead_pid())
    with GraphLock(str(path), owner="new"):
        assert LockInfo.from_json(path.read_bytes()).owner == "new"
    assert not list(tmp_path.glob("*.stale-*"))


def test_old_heartbeat_elsewhere_expires_fresh_one_does_not(tmp_path: Path) -> None:
    path = tmp_path / "g.lock"
    _write(path, host="other-host", heartbeat=time.time() - 5)
    with pytest.raises(LockHeld, match="other-host"):
        GraphLock(str(path), ttl_s=60).acquire()
    with GraphLock(str(path), owner="new", ttl_s=1):
        assert LockInfo.from_json(path.read_bytes()).owner == "new"


def test_a_lock_taken_over_is_noticed_and_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "g.lock"
    lk = GraphLock(str(path), heartbeat_s=0.05)
    lk.acquire()
    _write(path, owner="thief", token="other")
    time.sleep(0.3)
    assert lk.lost
    lk.release()
    assert LockInfo.from_json(path.read_bytes()).owner == "thief"


@pytest.mark.parametrize("stale_first", [False, True])
def test_processes_racing_for_one_lock(tmp_path: Path, stale_first: bool) -> None:
    path = tmp_path / "g.lock"
    if stale_first:
        _write(path, pid=_dead_pid())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    go = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(path), str(go), f"racer{i}"], env=env,
                              stdout=subprocess.PIPE, text=True) for i in range(4)]
    t_end = time.time() + 60
    while sum(p.poll() is not None for p in procs) < 3 and time.time() < t_end:
        time.sleep(0.05)
    Path(f"{path}.release").touch()
    outs = [p.communicate(timeout=60)[0] for p in procs]
    Path(f"{path}.release").unlink()
    assert sum(o.startswith("WON") for o in outs) == 1, outs
    assert sum(o.startswith("HELD") for o in outs) == 3, outs
    assert all("racer" in o for o in outs if o.startswith("HELD")), outs
    assert not path.exists() and not list(tmp_path.glob("*.stale-*"))
