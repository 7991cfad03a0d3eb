"""Entry point for `ray job submit`, `kg submit -- nightly` and the RayCronJob: runs `kg nightly`.

    ray job submit --address http://HEAD:8265 --working-dir . -- \
        python jobs/nightly.py -c jobs/configs/cluster.yaml --corpus /data/corpus --graph /data/graphs/main

Exit status as `kg nightly` (0 ok or nothing new, 2 bad input, 3 accounting, 75 graph locked).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.jobs.entry import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main("nightly", sys.argv[1:]))
