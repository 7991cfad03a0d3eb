"""The driver side of a submitted job: ``python -m pipeline.jobs.entry build|nightly ARGS``
(jobs/build.py and jobs/nightly.py call :func:`main` too).

Inside a Ray job the driver joins the job's cluster (Ray sets RAY_ADDRESS), so ``--address auto``
is added unless given; a config carried in the runtime_env (``KG_CONFIG_YAML``, set by
``kg submit -c``) is written to a temp file and passed as ``-c`` unless the arguments name one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Sequence


def job_argv(cmd: str, args: Sequence[str]) -> list[str]:
    """The `kg` argument list a job runs for ``cmd ARGS`` (see the module doc)."""
    argv = [cmd, *args]
    if os.environ.get("RAY_ADDRESS") and "--address" not in args and "--runner" not in args:
        argv += ["--address", "auto"]
    text = os.environ.get("KG_CONFIG_YAML")
    if text and not any(a in ("-c", "--config") or a.startswith("--config=") for a in args):
        fd, path = tempfile.mkstemp(prefix="kg-config-", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        argv += ["--config", path]
    return argv


def main(cmd: str, args: Sequence[str]) -> int:
    """Run ``kg cmd ARGS`` as a job's driver; returns its exit status."""
    from pipeline.cli import main as kg_main

    return kg_main(job_argv(cmd, args))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m pipeline.jobs.entry build|nightly ARGS...")
    sys.exit(main(sys.argv[1], sys.argv[2:]))
