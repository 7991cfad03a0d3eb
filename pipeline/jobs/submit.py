"""`kg submit` and `kg jobs`: run builds on any Ray cluster through the Ray Jobs API.

    kg submit --address http://HEAD:8265 -c jobs/configs/cluster.yaml -- build --corpus /data/corpus --out /data/graphs/main
    kg jobs list | status ID | logs ID [--follow] | stop ID

The address comes from ``--address`` or ``RAY_ADDRESS`` (the dashboard's http address). Ray 2.60
clusters use token authentication; the token is found the Ray way: ``RAY_AUTH_TOKEN``, a file
named by ``RAY_AUTH_TOKEN_PATH``, or ``~/.ray/auth_token`` (``ray get-auth-token`` prints the
head's). When a token is found and ``RAY_AUTH_MODE`` is unset, token mode is switched on for
the request (as ``ray start`` does); a missing or wrong token is one line and exit 2.

The job carries the project: from a source checkout the working_dir is the checkout (without
.venv, data, out, .git, caches); from an installed package nothing is uploaded and the
cluster's image must hold the package. The run config travels in the runtime_env
(a config inside the checkout as its path there, any other as ``KG_CONFIG_YAML``).

Exit status of ``kg submit``: see :data:`EXIT_CODES`.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

EXIT_SUCCEEDED = 0
EXIT_FAILED = 1  # the job failed (the driver's own exit status is used when it has one)
EXIT_BAD = 2  # no address, cluster unreachable, missing/wrong token, unknown job, bad arguments
EXIT_STOPPED = 4  # the job was stopped (kg jobs stop, Ctrl-C -> stop)
EXIT_DETACHED = 130  # Ctrl-C -> detach: the job goes on

EXIT_CODES = {
    EXIT_SUCCEEDED: "the job succeeded",
    EXIT_FAILED: "the job failed (when the driver exited non-zero, its exit status is passed on: "
                 "2 bad input, 3 accounting, 75 graph locked ...)",
    EXIT_BAD: "no address, cluster unreachable, missing or wrong token, unknown job id",
    EXIT_STOPPED: "the job was stopped",
    EXIT_DETACHED: "Ctrl-C and detached: the job goes on (kg jobs logs/stop ID)",
}

#: What a working_dir upload leaves out (gitignore-style patterns, as runtime_env "excludes").
EXCLUDES = [".venv", ".venv-*", "venv", ".whl", ".cache", "data", "out", ".git", "**/__pycache__", ".pytest_cache", "*.egg-info",
            "bench/results", ".mypy_cache", ".ruff_cache"]

COMMANDS = ("build", "nightly")


class SubmitError(RuntimeError):
    """A submission problem the user can fix (one line; exit 2)."""


# -- the cluster -----------------------------------------------------------------------------
def resolve_address(address: str | None) -> str:
    """``--address``, else ``RAY_ADDRESS``; raises SubmitError when neither is given."""
    addr = address or os.environ.get("RAY_ADDRESS")
    if not addr:
        raise SubmitError("no cluster address: pass --address http://HEAD:8265 or set RAY_ADDRESS")
    return addr


def enable_token_auth() -> None:
    """Switch this process to token mode when a token is available and RAY_AUTH_MODE is unset
    (what ``ray start`` / ``ray.init`` do); Ray then sends the token with every request."""
    if os.environ.get("RAY_AUTH_MODE"):
        return
    try:
        from ray._raylet import AuthenticationTokenLoader, Config
    except ImportError:  # a minimal Ray without the raylet: no token auth at all
        return
    if AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
        os.environ["RAY_AUTH_MODE"] = "token"
        Config.initialize("")


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if "Authentication required" in text or "no authentication token" in text.lower():
        return ("the cluster wants a token and none was found: set RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH "
                "or ~/.ray/auth_token (the head's `ray get-auth-token`)")
    if "Authentication failed" in text or "invalid or incorrect" in text:
        return "the cluster refused the token (wrong token): use the head's `ray get-auth-token`"
    return lines[0] if lines else type(e).__name__


def connect(address: str | None) -> Any:
    """A JobSubmissionClient for the cluster; SubmitError (one line) when it cannot be reached
    or refuses the token."""
    from ray.exceptions import AuthenticationError
    from ray.job_submission import JobSubmissionClient

    addr = resolve_address(address)
    enable_token_auth()
    try:
        client = JobSubmissionClient(addr)
        client.list_jobs()  # the version check does not need a token; this does
        return client
    except AuthenticationError as e:
        raise SubmitError(f"{addr}: {_one_line(e)}") from None
    except (ConnectionError, OSError, ValueError, RuntimeError) as e:
        if isinstance(e.__cause__, AuthenticationError) or "Authentication" in str(e):
            raise SubmitError(f"{addr}: {_one_line(e)}") from None
        raise SubmitError(f"{addr}: cannot reach the Ray dashboard ({_one_line(e)})") from None


# -- what is submitted -------------------------------------------------------------------------
def project_root() -> Path | None:
    """The source checkout this package runs from (holds pyproject.toml and jobs/), or None
    when it runs from an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "jobs").is_dir() else None


def submission_id(cmd: str, args: Sequence[str], now: datetime | None = None) -> str:
    """``kg-<cmd>-<UTC date-time>-<8 hex>``, e.g. ``kg-build-20260101-0200-3f2a9c1d``."""
    now = now or datetime.now(timezone.utc)
    h = hashlib.sha256("\0".join([cmd, *args, now.isoformat(), str(os.getpid()), os.urandom(4).hex()]).encode())
    return f"kg-{cmd}-{now:%Y%m%d-%H%M}-{h.hexdigest()[:8]}"


def job_spec(cmd: str, args: Sequence[str], config: str | None = None, root: Path | None = None,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """entrypoint + runtime_env for running ``kg <cmd> ARGS`` as a Ray job."""
    if cmd not in COMMANDS:
        raise SubmitError(f"kg submit: cannot submit {cmd!r} (submit one of: {', '.join(COMMANDS)})")
    import shlex

    env_vars = dict(env or {})
    args = list(args)
    if config:
        cpath = Path(config).resolve()
        try:
            text = cpath.read_text(encoding="utf-8")
        except OSError as e:
            raise SubmitError(f"{config}: cannot read the config ({e.strerror})") from None
        if root is not None and cpath.is_relative_to(root):  # travels with the working_dir; its
            args += ["--config", str(cpath.relative_to(root))]  # relative paths keep their meaning
        else:
            env_vars["KG_CONFIG_YAML"] = text
    quoted = " ".join(shlex.quote(a) for a in args)
    runtime_env: dict[str, Any] = {"env_vars": env_vars}
    if root is not None:
        runtime_env.update(working_dir=str(root), excludes=list(EXCLUDES))
        entry = f"python jobs/{cmd}.py {quoted}".strip()
    else:
        entry = f"python -m pipeline.jobs.entry {cmd} {quoted}".strip()
    return {"entrypoint": entry, "runtime_env": runtime_env}


# -- following ----------------------------------------------------------------------------------
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


def exit_status(info: Any) -> int:
    """The exit status for a finished job's JobDetails (see EXIT_CODES)."""
    status = str(getattr(info.status, "value", info.status))
    if status == "SUCCEEDED":
        return EXIT_SUCCEEDED
    if status == "STOPPED":
        return EXIT_STOPPED
    code = getattr(info, "driver_exit_code", None)
    return code if isinstance(code, int) and 0 < code < 256 else EXIT_FAILED


def wait_terminal(client: Any, job_id: str, timeout_s: float = 600.0) -> Any:
    """Poll until the job is SUCCEEDED, FAILED or STOPPED; returns its JobDetails."""
    t_end = time.monotonic() + timeout_s
    while True:
        info = client.get_job_info(job_id)
        if str(getattr(info.status, "value", info.status)) in TERMINAL or time.monotonic() > t_end:
            return info
        time.sleep(0.5)


def follow(client: Any, job_id: str, out: Any = None) -> None:
    """Print the job's logs as they come until the job ends."""
    import asyncio

    out = out or sys.stdout

    async def _tail() -> None:
        async for chunk in client.tail_job_logs(job_id):
            out.write(chunk)
            out.flush()

    asyncio.run(_tail())


def _ask_stop() -> bool:
    """Ctrl-C while following: True to stop the job, False to detach. Detaches without a terminal."""
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("\nkg submit: stop the job [s] or detach and leave it running [d]? [d] ").strip().lower()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.startswith("s")


def submit(cmd: str, args: Sequence[str], address: str | None = None, config: str | None = None,
           wait: bool = True) -> int:
    """Submit ``kg <cmd> ARGS`` to the cluster, follow its logs to the end; returns the exit status."""
    spec = job_spec(cmd, args, config, project_root())
    client = connect(address)
    sid = submission_id(cmd, args)
    try:
        client.submit_job(submission_id=sid, metadata={"kg": cmd}, **spec)
    except Exception as e:  # noqa: BLE001 - the SDK raises RuntimeError/ValueError/... for a refused job
        raise SubmitError(f"the cluster refused the job: {_one_line(e)}") from None
    print(f"kg submit: submitted {sid} to {client.get_address()}", file=sys.stderr, flush=True)
    if not wait:
        print(sid)
        return EXIT_SUCCEEDED
    try:
        follow(client, sid)
        info = wait_terminal(client, sid)
    except KeyboardInterrupt:
        if _ask_stop():
            client.stop_job(sid)
            info = wait_terminal(client, sid, timeout_s=120)
            print(f"kg submit: {sid} {info.status.value}", file=sys.stderr)
            return exit_status(info)
        why = "" if sys.stdin.isatty() else " (stdin is not a terminal)"
        print(f"kg submit: detached{why}; {sid} goes on: kg jobs logs {sid} --follow / kg jobs stop {sid}",
              file=sys.stderr, flush=True)
        return EXIT_DETACHED
    status = info.status.value
    msg = f": {info.message}" if info.message and status != "SUCCEEDED" else ""
    print(f"kg submit: {sid} {status}{msg}", file=sys.stderr, flush=True)
    return exit_status(info)


# -- kg jobs --------------------------------------------------------------------------------------
def _job(client: Any, job_id: str) -> Any:
    try:
        return client.get_job_info(job_id)
    except RuntimeError as e:
        raise SubmitError(f"{job_id}: no such job ({_one_line(e)})") from None


def jobs(action: str, job_id: str | None, address: str | None = None, follow_logs: bool = False) -> int:
    """``kg jobs list|status|logs|stop``; returns the exit status."""
    client = connect(address)
    if action == "list":
        rows = sorted(client.list_jobs(), key=lambda j: j.start_time or 0)
        print(f"{'SUBMISSION ID':<40} {'STATUS':<10} {'STARTED (UTC)':<20} ENTRYPOINT")
        for j in rows:
            start = (datetime.fromtimestamp(j.start_time / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
                     if j.start_time else "-")
            print(f"{j.submission_id or j.job_id or '-':<40} {j.status.value:<10} {start:<20} {j.entrypoint}")
        return 0
    if not job_id:
        raise SubmitError(f"kg jobs {action}: a job id is needed")
    info = _job(client, job_id)
    if action == "status":
        msg = f": {info.message}" if info.message else ""
        print(f"{job_id} {info.status.value}{msg}")
        return 0
    if action == "logs":
        if follow_logs:
            try:
                follow(client, job_id)
            except KeyboardInterrupt:
                return EXIT_DETACHED
        else:
            sys.stdout.write(client.get_job_logs(job_id))
        return 0
    if action == "stop":
        if str(info.status.value) in TERMINAL:
            print(f"{job_id} already {info.status.value}")
            return 0
        client.stop_job(job_id)
        info = wait_terminal(client, job_id, timeout_s=120)
        print(f"{job_id} {info.status.value}")
        return 0 if info.status.value in TERMINAL else 1
    raise SubmitError(f"kg jobs: unknown action {action!r}")
