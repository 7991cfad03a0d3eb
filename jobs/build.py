"""Entry point for `ray job submit`: runs `kg build` on the cluster the job was submitted to.

    ray job submit --address http://HEAD:8265 --working-dir . -- \
        python jobs/build.py -c jobs/configs/cluster.yaml --corpus /data/corpus --out /data/graphs/main

Inside a Ray job the driver joins the job's cluster (RAY_ADDRESS is set by Ray), so the run
uses the cluster's GPUs; every argument is passed to `kg build` unchanged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.cli import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if os.environ.get("RAY_ADDRESS") and "--address" not in args:
        args += ["--address", "auto"]
    sys.exit(main(["build", *args]))
