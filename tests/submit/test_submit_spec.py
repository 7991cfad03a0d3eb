"""What `kg submit` sends (entrypoint, runtime_env, ids) and what a job's driver runs; no cluster."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.jobs import entry
from pipeline.jobs.submit import (EXCLUDES, EXIT_FAILED, EXIT_STOPPED, SubmitError, exit_status, job_spec,
                                  project_root, submission_id)

REPO = Path(__file__).resolve().parents[2]


def test_submission_id_is_readable_and_unique() -> None:
    now = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    a, b = submission_id("build", ["--corpus", "x"], now), submission_id("build", ["--corpus", "x"], now)
    assert re.fullmatch(r"kg-build-20260102-0304-[0-9a-f]{8}", a) and a != b


def test_spec_from_a_checkout_carries_project_and_config(tmp_path: Path) -> None:
    cfg = tmp_path / "my config.yaml"
    cfg.write_text("runner: local\n")
    spec = job_spec("nightly", ["--corpus", "/data/c d", "--graph", "/g"], str(cfg), project_root())
    assert project_root() == REPO
    assert spec["entrypoint"] == "python jobs/nightly.py --corpus '/data/c d' --graph /g"
    env = spec["runtime_env"]
    assert env["working_dir"] == str(REPO) and {".venv", "data", "out", ".git"} <= set(env["excludes"])
    assert env["env_vars"]["KG_CONFIG_YAML"] == "runner: local\n"
    assert set(EXCLUDES) >= {".venv", ".git"}
    inside = job_spec("build", ["--corpus", "/c"], str(REPO / "jobs/configs/sample.yaml"), project_root())
    assert inside["entrypoint"] == "python jobs/build.py --corpus /c --config jobs/configs/sample.yaml"
    assert "KG_CONFIG_YAML" not in inside["runtime_env"]["env_vars"]


def test_spec_from_an_installed_package_uploads_nothing() -> None:
    spec = job_spec("build", ["--corpus", "/c"], None, None)
    assert spec["entrypoint"] == "python -m pipeline.jobs.entry build --corpus /c"
    assert "working_dir" not in spec["runtime_env"]


def test_spec_refuses_other_commands_and_missing_config(tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match="export"):
        job_spec("export", [], None, None)
    with pytest.raises(SubmitError, match="cannot read the config"):
        job_spec("build", [], str(tmp_path / "nope.yaml"), None)


def test_driver_argv_joins_the_cluster_and_uses_the_carried_config(monkeypatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "http://127.0.0.1:8265")
    monkeypatch.setenv("KG_CONFIG_YAML", "runner: local\n")
    argv = entry.job_argv("build", ["--corpus", "/c"])
    assert argv[:3] == ["build", "--corpus", "/c"] and argv[3:5] == ["--address", "auto"]
    assert argv[5] == "--config" and Path(argv[6]).read_text() == "runner: local\n"
    assert entry.job_argv("build", ["-c", "x.yaml"]) == ["build", "-c", "x.yaml", "--address", "auto"]
    monkeypatch.delenv("RAY_ADDRESS")
    monkeypatch.delenv("KG_CONFIG_YAML")
    assert entry.job_argv("nightly", ["--corpus", "c"]) == ["nightly", "--corpus", "c"]


def test_exit_status_of_finished_jobs() -> None:
    from ray.job_submission import JobDetails, JobStatus, JobType

    def d(status, code=None):
        return JobDetails(type=JobType.SUBMISSION, status=status, entrypoint="x", driver_exit_code=code)

    assert exit_status(d(JobStatus.SUCCEEDED, 0)) == 0
    assert exit_status(d(JobStatus.STOPPED)) == EXIT_STOPPED
    assert exit_status(d(JobStatus.FAILED, 75)) == 75  # the nightly's "graph locked" reaches the scheduler
    assert exit_status(d(JobStatus.FAILED, None)) == EXIT_FAILED


def _kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    e = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    e["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env={**e, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_cli_errors_are_one_line_exit_2() -> None:
    r = _kg("submit", "--", "build", "--corpus", "x")
    assert r.returncode == 2 and r.stderr.strip() == \
        "kg submit: error: no cluster address: pass --address http://HEAD:8265 or set RAY_ADDRESS"
    r = _kg("submit", "--address", "http://127.0.0.1:1", "--", "export", "g")
    assert r.returncode == 2 and "one of build, nightly" in r.stderr
    r = _kg("submit", "--address", "http://127.0.0.1:1", "--", "build", "--no-such-flag")
    assert r.returncode == 2 and "--no-such-flag" in r.stderr  # refused here, before any upload
    r = _kg("jobs", "list", "--address", "http://127.0.0.1:1")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "cannot reach" in r.stderr
