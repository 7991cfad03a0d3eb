"""Benchmark: does a build's driver memory and merge time grow no faster than the corpus?

The sample config with detection off, on the sample photos repeated: a 1x corpus (600 rows by
default) and a 10x corpus (6,000 rows) whose output tables are identical (the same photos and
captions). Each build runs in a fresh `kg build` process on the embedded Ray; the driver's
peak resident memory (VmHWM in /proc, Linux) is read every 50 ms, so the figures are the driver's own (Ray's
workers and the merge tasks are other processes). Prints peak and per-phase wall seconds for
both and the 10x/1x ratios. Goal (issue 9): driver peak at 10x within 1.2x of the 1x run.
Not a test. Usage: .venv/bin/python bench/build_memory.py [--rows 600] [--factor 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# bench/pipeline.py would shadow the package: keep bench/ off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def write_corpus(path: Path, rows: int) -> Path:
    """The bundled sample photos, repeated to `rows` rows (row groups of 100)."""
    import pyarrow.parquet as pq

    from pipeline.io.sample import write_sample_corpus

    one = pq.read_table(write_sample_corpus(path.parent / f"one-{rows}.parquet"))
    reps = [one] * (rows // one.num_rows + 1)
    import pyarrow as pa

    t = pa.concat_tables(reps).slice(0, rows)
    ids = pa.array([f"r{i:06d}" for i in range(rows)])
    t = t.set_column(t.schema.get_field_index("id"), "id", ids.cast(t.schema.field("id").type))
    pq.write_table(t, path, row_group_size=100)
    return path


def run(corpus: Path, out: Path, extra: list[str]) -> dict:
    """One `kg build` in a fresh process; the driver's peak RSS (MiB) and the manifest's seconds."""
    cmd = [sys.executable, "-m", "pipeline.cli", "build", "-c", str(REPO / "jobs/configs/sample.yaml"), "--corpus", str(corpus),
           "--out", str(out), "--set", "detect.backend=none", "--set", "decode.text_columns=[captions, text]", *extra]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "RAY_ADDRESS": ""})
    peak = 0
    while p.poll() is None:
        try:
            status = Path(f"/proc/{p.pid}/status").read_text()
            peak = max(peak, int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) * 1024)
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.05)
    err = p.stderr.read()
    if p.returncode != 0:
        raise SystemExit(f"build failed ({p.returncode}):\n{err[-2000:]}")
    cur = (out / "CURRENT").read_text().strip()
    man = json.loads((out / "versions" / cur / "manifest.json").read_text())
    return {"peak_mib": peak / 2**20, "seconds": man["seconds"], "counts": man["counts"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=600, help="rows of the 1x corpus")
    ap.add_argument("--factor", type=int, default=10, help="size of the big corpus, in 1x corpora")
    ap.add_argument("--set", action="append", default=[], help="extra config override (repeatable)")
    args = ap.parse_args()
    from rich.console import Console
    from rich.table import Table

    work = Path(tempfile.mkdtemp(prefix="kg-bench-mem-"))
    extra = [a for s in args.set for a in ("--set", s)]
    res = {}
    for n in (args.rows, args.rows * args.factor):
        corpus = write_corpus(work / f"c{n}.parquet", n)
        print(f"{n} rows: {corpus.stat().st_size / 1e6:.0f} MB corpus ...", flush=True)
        res[n] = run(corpus, work / f"g{n}", extra)
    small, big = res[args.rows], res[args.rows * args.factor]
    t = Table(title=f"build, detection off, {os.cpu_count()} cores (driver = the kg build process)")
    for c in ("rows", "driver peak MiB", "stages s", "merge s", "total s", "edges"):
        t.add_column(c, justify="right")
    for n, r in res.items():
        s = r["seconds"]
        t.add_row(str(n), f"{r['peak_mib']:.0f}", f"{s.get('stages', 0):.1f}", f"{s.get('merge', 0):.1f}", f"{s.get('total', 0):.1f}",
                  str(r["counts"].get("edges")))
    t.add_row(f"{args.factor}x / 1x", f"{big['peak_mib'] / small['peak_mib']:.2f}x",
              f"{big['seconds']['stages'] / small['seconds']['stages']:.1f}x",
              f"{big['seconds']['merge'] / small['seconds']['merge']:.1f}x",
              f"{big['seconds']['total'] / small['seconds']['total']:.1f}x", "")
    Console().print(t)
    same = small["counts"]["edges"] == big["counts"]["edges"]
    print(f"same edge count at both sizes: {same}; goal: driver peak {args.factor}x/1x <= 1.2x -> "
          f"{'met' if big['peak_mib'] / small['peak_mib'] <= 1.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
