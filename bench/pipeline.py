"""Benchmark: the whole build on Ray Data vs the same stages in a plain in-process loop.

Same ~1,000-image corpus, same config, same machine, one run; prints images/s of each and the
ratio (Ray / loop). The loop's detector uses all cores through its own threads; the Ray run
uses the config's actors (`detect.resources.concurrency` x `detect.threads`). Not a test. Usage: .venv/bin/python bench/pipeline.py [--n 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this file is named pipeline.py: keep bench/ off the path so `import pipeline` finds the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="images in the bench corpus")
    ap.add_argument("--config", default=str(REPO / "jobs/configs/sample.yaml"))
    ap.add_argument("--set", action="append", default=[], help="config override (repeatable)")
    args = ap.parse_args()

    from pipeline.build import run_build
    from pipeline.config import load_config
    from pipeline.io.sample import write_bench_corpus

    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    corpus = write_bench_corpus(work / "bench.parquet", n=args.n)
    print(f"corpus: {args.n} images, {corpus.stat().st_size / 1e6:.1f} MB, cores: {os.cpu_count()}")
    results = {}
    for runner in ("local", "ray"):
        cfg = load_config(args.config, ["decode.text_columns=[text]", *args.set], out=str(work / runner), runner=runner)
        cfg.corpus = [str(corpus)]
        if runner == "local":  # the loop's parallelism is the detector's own threads (all cores)
            cfg.detect.threads = None
        t0 = time.perf_counter()
        res = run_build(cfg, progress=lambda m: None)
        wall = time.perf_counter() - t0
        results[runner] = (wall, res.counts["images"])
        busy = ", ".join(f"{s['stage']} {s['busy_seconds']:.1f}s" for s in res.stage_stats)
        print(f"{runner:5s}: {wall:7.1f} s wall, {args.n / wall:6.2f} images/s  (busy: {busy})")
    ratio = (args.n / results["ray"][0]) / (args.n / results["local"][0])
    print(f"ratio ray/local images/s: {ratio:.2f}x")


if __name__ == "__main__":
    main()
