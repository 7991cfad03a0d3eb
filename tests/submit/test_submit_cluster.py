"""`kg submit` / `kg jobs` against a real Ray head started here (127.0.0.1, free ports, token
authentication on, its own temp dir), stopped at the end. One head for the module."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from helpers import write_corpus, graph_root

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SID = re.compile(r"kg-build-\d{8}-\d{4}-[0-9a-f]{8}")


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _pids_using(tmp: str) -> list[int]:
    """Processes whose command line names our head's temp dir (only those we started)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if tmp.encode() in (d / "cmdline").read_bytes():
                    out.append(int(d.name))
            except OSError:
                pass
    return out


@pytest.fixture(scope="module")
def head(model_dir, tmp_path_factory):
    """(dashboard url, token, env for clients) of a fresh local head with token auth on."""
    tmp = tempfile.mkdtemp(prefix="kgr-", dir="/tmp")  # short: Ray's unix socket paths have a length limit
    port, dash, client_port, agent, metrics = _free_ports(5)
    token = secrets.token_hex(16)
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": token, "KG_MODEL_DIR": str(model_dir), "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.Popen(
        [str(VENV_BIN / "ray"), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
         "--port", str(port), "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash),
         "--ray-client-server-port", str(client_port), "--dashboard-agent-listen-port", str(agent),
         "--metrics-export-port", str(metrics), "--num-cpus", "2", "--temp-dir", tmp,
         "--include-dashboard", "true", "--disable-usage-stats"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp)
    url = f"http://127.0.0.1:{dash}"
    home = tmp_path_factory.mktemp("home")  # no ~/.ray/auth_token of the machine's user leaks in
    cenv = {**os.environ, "PYTHONPATH": str(REPO), "RAY_AUTH_TOKEN": token, "HOME": str(home)}
    for k in ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH"):
        cenv.pop(k, None)
    try:
        import urllib.request

        t_end = time.time() + 180
        req = urllib.request.Request(f"{url}/api/jobs/", headers={"Authorization": f"Bearer {token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:  # the job API is up once it lists jobs
            try:
                with opener.open(req, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > t_end:
                pytest.fail("the Ray head did not come up within 3 minutes")
            time.sleep(0.5)
        yield url, token, cenv
    finally:
        # our head only: the `ray start --block` process and whatever names our temp dir
        for sig, grace in ((signal.SIGTERM, 3), (signal.SIGKILL, 10)):
            for pid in [proc.pid, *_pids_using(tmp)]:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            t_end = time.time() + grace
            while time.time() < t_end and (proc.poll() is None or _pids_using(tmp)):
                time.sleep(0.2)
        proc.wait(timeout=10)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, photos) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    write_corpus(d / "c.parquet", [
        {"id": "rider", "image": photos["coffee"], "text": "a man riding a brown horse"},
        {"id": "cat", "image": photos["chelsea"], "text": "a cat sitting on a sofa"},
        {"id": "astro", "image": photos["astronaut"], "text": "an astronaut holding a helmet"},
    ])
    return d


def _kg(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _build_args(corpus: Path, out: Path) -> list[str]:
    return ["-c", str(REPO / "jobs/configs/sample.yaml"), "--", "build", "--corpus", str(corpus),
            "--out", str(out), "--set", "decode.text_columns=[text]"]


def test_submitted_build_is_followed_to_the_end(head, corpus, tmp_path: Path) -> None:
    from pipeline.graph.store import GraphStore

    url, _, env = head
    out = tmp_path / "graph"
    r = _kg(env, "submit", "--address", url, *_build_args(corpus, out), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    sid = SID.search(r.stderr).group(0)
    assert f"{sid} SUCCEEDED" in r.stderr
    assert "3 in = 3 in graph + 0 quarantined" in r.stdout  # the driver's output, followed
    with GraphStore.open(out) as g:
        assert g.read_table("images").num_rows == 3
        names = set(g.read_table("entities").column("name").to_pylist())
        assert {"man", "horse", "cat"} <= names
        assert g.manifest["config"]["runner"] == "ray"
    r = _kg(env, "jobs", "list", "--address", url)
    assert r.returncode == 0 and sid in r.stdout and "SUCCEEDED" in r.stdout
    r = _kg(env, "jobs", "status", sid, "--address", url)
    assert r.returncode == 0 and r.stdout.startswith(f"{sid} SUCCEEDED")
    r = _kg(env, "jobs", "logs", sid, "--address", url)
    assert "accounting" in r.stdout


def _start_following(env: dict, url: str, corpus: Path, out: Path) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "submit", "--address", url, *_build_args(corpus, out)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL)
    lines = []
    for line in p.stderr:
        lines.append(line)
        m = SID.search(line)
        if m and "submitted" in line:
            return p, m.group(0)
    raise AssertionError("no submission id: " + "".join(lines)[-2000:])


def _job_status(url: str, token: str, sid: str) -> str:
    """The job's status straight from the Jobs REST API (a poll costs no `kg` process start-up;
    `kg jobs status` itself is checked in the tests)."""
    import json
    import urllib.request

    req = urllib.request.Request(f"{url}/api/jobs/{sid}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as resp:
        return json.load(resp)["status"]


def _wait_running(env: dict, url: str, sid: str) -> None:
    t_end = time.time() + 120
    while time.time() < t_end:
        if _job_status(url, env["RAY_AUTH_TOKEN"], sid) == "RUNNING":
            return
        time.sleep(0.1)
    raise AssertionError(f"{sid} never ran")


def test_stop_a_job_and_ctrl_c_detaches(head, corpus, tmp_path: Path) -> None:
    url, _, env = head
    p1, sid1 = _start_following(env, url, corpus, tmp_path / "g1")
    p2, sid2 = _start_following(env, url, corpus, tmp_path / "g2")
    _wait_running(env, url, sid1)
    _wait_running(env, url, sid2)
    # Ctrl-C without a terminal: detaches, says so, the job goes on
    p2.send_signal(signal.SIGINT)
    rest2 = p2.stderr.read()
    assert p2.wait(timeout=60) == 130, rest2
    assert "detached (stdin is not a terminal)" in rest2 and f"kg jobs stop {sid2}" in rest2
    assert "RUNNING" in _kg(env, "jobs", "status", sid2, "--address", url).stdout
    # a followed job stopped from elsewhere: kg submit exits 4 (stopped)
    r = _kg(env, "jobs", "stop", sid1, "--address", url)
    assert r.returncode == 0 and f"{sid1} STOPPED" in r.stdout, r.stderr
    rest1 = p1.stderr.read()
    assert p1.wait(timeout=120) == 4, rest1
    assert f"{sid1} STOPPED" in rest1
    assert not (graph_root(tmp_path / "g1") / "manifest.json").exists()  # stopped before it published
    r = _kg(env, "jobs", "stop", sid2, "--address", url)  # the detached one may have finished by now
    assert r.returncode == 0 and re.search(rf"{sid2} (STOPPED|already SUCCEEDED)", r.stdout), r.stdout


def test_wrong_or_missing_token_is_one_line(head, corpus, tmp_path: Path) -> None:
    url, _, env = head
    for token, words in [("not-the-token", "wrong token"), (None, "none was found")]:
        e = dict(env)
        if token is None:
            e.pop("RAY_AUTH_TOKEN")
        else:
            e["RAY_AUTH_TOKEN"] = token
        r = _kg(e, "submit", "--address", url, *_build_args(corpus, tmp_path / "g"))
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr, r.stderr
        r = _kg(e, "jobs", "list", "--address", url)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and words in r.stderr
    assert not (tmp_path / "g").exists()
    r = _kg(env, "jobs", "status", "kg-build-nope", "--address", url)
    assert r.returncode == 2 and "no such job" in r.stderr
