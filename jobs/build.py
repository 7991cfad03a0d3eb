"""Entry point for `ray job submit` (and `kg submit`): runs `kg build` on the cluster the job was submitted to.

    ray job submit --address http://HEAD:8265 --working-dir . -- \
        python jobs/build.py -c jobs/configs/cluster.yaml --corpus /data/corpus --out /data/graphs/main

Inside a Ray job the driver joins the job's cluster (RAY_ADDRESS is set by Ray), so the run
uses the cluster's GPUs; every argument is passed to `kg build` unchanged (see pipeline/jobs/entry.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.jobs.entry import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main("build", sys.argv[1:]))
