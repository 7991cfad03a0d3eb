"""Benchmark: the partitioned merge (pipeline/graph/merge.py) on synthetic staging at several
corpus sizes, through the scale-out path: staging batches split by `split_staging` into
hash-partitioned fragments (as the runner's sink does), then `merge_graph` run as Ray tasks
(`RayMap`) on the embedded Ray, one DuckDB per partition.

Synthetic staging is realistic in shape: per row a corpus caption (30% also a model caption),
2-5 mentions of Zipf-distributed nouns, an attribute, a relation, 0-3 detected regions with a
grounding and a spatial relation between two boxes, ~3% images seen in two rows, ~0.1% corpus
ids used twice. The skewed case puts one entity ("man") in 90% of the rows.

Each measured merge runs in a fresh subprocess (the driver): its peak RSS (ru_maxrss of that
process alone; Ray workers and DuckDB live elsewhere) is the driver's memory. Printed per size:
seconds per 100k rows and the ratio against the first (smallest) size; then the speed-up of
2 workers over 1 (Ray, tasks of 1 vs 2 CPUs on a 2-CPU Ray) and in-process (`local_map`) at one
size. Not a test.

Usage: python bench/merge.py [--sizes 100000 300000 1000000 3000000] [--workers-at 200000 --repeat 2] [--skew-at 0] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# bench/ holds a pipeline.py: keep bench/ off the path so `import pipeline` finds the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
EXTRACTOR = "extract:bench@1/synthetic"
STAGES = ("decode", "detect", "extract")


# --------------------------------------------------------------------------- synthetic staging
def _zipf(rng, n: int, vocab: int, a: float = 1.3):
    """`n` indices into a vocabulary of `vocab` words, Zipf-distributed (0 most common)."""
    import numpy as np

    return np.minimum(rng.zipf(a, n) - 1, vocab - 1).astype(np.int64)


def make_batch(start: int, n: int, skew: bool, seed: int = 0):
    """Staging rows start .. start+n-1 as one Arrow table of the runner's staging schema."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.core.records import list_type, struct_type
    from pipeline.graph.records import ATTRIBUTE_TYPE, FRAGMENTS, OPTIONAL_FRAGMENTS, entity_id
    from pipeline.runners.staging import BOOKKEEPING

    rng = np.random.default_rng(seed * 1_000_003 + start)
    nouns = [f"noun{i}" for i in range(20000)]
    nouns[0] = "man"
    labels = [f"label{i}" for i in range(80)]
    adjs = [f"adj{i}" for i in range(500)]
    preds = [f"pred{i}" for i in range(60)]
    spatial_preds = ["left of", "right of", "above", "below", "overlaps", "inside"]
    ent = lambda words, t="concept": pa.array([entity_id(t, w) for w in words])  # noqa: E731
    noun_ent, label_ent, adj_ent = ent(nouns), ent(labels), ent(adjs, ATTRIBUTE_TYPE)
    nouns_a, labels_a, adjs_a = pa.array(nouns), pa.array(labels), pa.array(adjs)
    rows = np.arange(start, start + n)

    def ids(prefix: str, a) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(a), pa.string()), "")

    def lists(cls, counts, fields: dict) -> pa.Array:
        st = struct_type(cls)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        total = int(np.sum(counts))
        arrays = []
        for f in st:
            v = fields.get(f.name)
            arrays.append(pa.nulls(total, f.type) if v is None else (v if isinstance(v, pa.Array) else pa.array(v)).cast(f.type))
        return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(arrays, fields=list(st))).cast(list_type(cls))

    image = rows.copy()
    again = rng.random(n) < 0.03
    image[again] = np.maximum(rows[again] - 1 - rng.integers(0, 1000, again.sum()), 0)
    image_id = ids("img_", image)
    # captions: the corpus one, and a model caption for 30% of rows
    n_cap = 1 + (rng.random(n) < 0.3)
    cap_row = np.repeat(rows, n_cap)
    cap_k = np.concatenate([np.arange(c) for c in n_cap]) if n else np.array([], int)
    cap_ids = pc.binary_join_element_wise(ids("cap_", cap_row), pc.cast(pa.array(cap_k), pa.string()), "_")
    captions = lists(FRAGMENTS["captions"], n_cap,
                     {"caption_id": cap_ids, "text": pa.array(["a synthetic caption"] * len(cap_row)),
                      "source": pa.array(np.where(cap_k == 0, "corpus", "model:bench"))})
    first_cap = ids("cap_", rows)
    first_cap = pc.binary_join_element_wise(first_cap, "0", "_")
    # mentions of the corpus caption
    n_men = rng.integers(2, 6, n)
    men_row = np.repeat(np.arange(n), n_men)
    men_k = np.concatenate([np.arange(c) for c in n_men])
    noun = _zipf(rng, len(men_row), len(nouns))
    if skew:
        noun[(men_k == 0) & (rng.random(len(men_row)) < 0.9)] = 0
    men_id = pc.binary_join_element_wise(ids("men_", rows[men_row]), pc.cast(pa.array(men_k), pa.string()), "_")
    men_ent = noun_ent.take(pa.array(noun))
    mentions = lists(FRAGMENTS["mentions"], n_men, {
        "mention_id": men_id, "caption_id": first_cap.take(pa.array(men_row)), "entity_id": men_ent,
        "name": nouns_a.take(pa.array(noun)), "type": pa.array(["concept"] * len(men_row)),
        "text": nouns_a.take(pa.array(noun)), "start": pa.array(men_k * 5), "end": pa.array(men_k * 5 + 4),
        "source": pa.array(["corpus"] * len(men_row))})
    first = np.concatenate([[0], np.cumsum(n_men)[:-1]])  # index of mention 0 of each row
    # one attribute (on mention 1) and one relation (mention 0 -> mention 1) per row
    adj = _zipf(rng, n, len(adjs))
    attributes = lists(FRAGMENTS["attributes"], np.ones(n, int), {
        "mention_id": men_id.take(pa.array(first + 1)), "entity_id": men_ent.take(pa.array(first + 1)),
        "value": adjs_a.take(pa.array(adj)), "value_id": adj_ent.take(pa.array(adj)), "caption_id": first_cap,
        "source": pa.array(["corpus"] * n)})
    pred = _zipf(rng, n, len(preds))
    relations = lists(FRAGMENTS["relations"], np.ones(n, int), {
        "caption_id": first_cap, "subject_mention": men_id.take(pa.array(first)),
        "subject_entity": men_ent.take(pa.array(first)), "predicate": pa.array(preds).take(pa.array(pred)),
        "object_mention": men_id.take(pa.array(first + 1)), "object_entity": men_ent.take(pa.array(first + 1)),
        "source": pa.array(["corpus"] * n)})
    # regions; mention 0 grounded in region 0; region 0 -> region 1 read from the boxes
    n_reg = rng.integers(0, 4, n)
    reg_row = np.repeat(np.arange(n), n_reg)
    reg_k = np.concatenate([np.arange(c) for c in n_reg])
    lab = _zipf(rng, len(reg_row), len(labels))
    reg_id = pc.binary_join_element_wise(ids("reg_", rows[reg_row]), pc.cast(pa.array(reg_k), pa.string()), "_")
    reg_ent = label_ent.take(pa.array(lab))
    box = rng.random((len(reg_row), 4)) * 500
    regions = lists(FRAGMENTS["regions"], n_reg, {
        "region_id": reg_id, "label": labels_a.take(pa.array(lab)), "score": rng.random(len(reg_row)),
        "x1": box[:, 0], "y1": box[:, 1], "x2": box[:, 2], "y2": box[:, 3], "detector": pa.array(["det"] * len(reg_row)),
        "entity_id": reg_ent})
    reg_first = np.concatenate([[0], np.cumsum(n_reg)[:-1]])
    has_reg = n_reg > 0
    groundings = lists(FRAGMENTS["groundings"], has_reg.astype(int), {
        "mention_id": men_id.take(pa.array(first[has_reg])), "region_id": reg_id.take(pa.array(reg_first[has_reg])),
        "score": rng.random(int(has_reg.sum()))})
    two = n_reg > 1
    sp = rng.integers(0, len(spatial_preds), int(two.sum()))
    spatial = lists(OPTIONAL_FRAGMENTS["spatial"], two.astype(int), {
        "subject_region": reg_id.take(pa.array(reg_first[two])), "subject_entity": reg_ent.take(pa.array(reg_first[two])),
        "predicate": pa.array(spatial_preds).take(pa.array(sp)),
        "object_region": reg_id.take(pa.array(reg_first[two] + 1)), "object_entity": reg_ent.take(pa.array(reg_first[two] + 1)),
        "score": rng.random(int(two.sum())), "source": pa.array(["geometry:spatial@1"] * int(two.sum()))})
    corpus_id = rows.copy()
    dup = rng.random(n) < 0.001
    corpus_id[dup] = np.maximum(rows[dup] - 7, 0)
    cols = {
        "id": ids("row", corpus_id), "kg_file": ids("file", rows // 100_000), "kg_row": pa.array(rows),
        "kg_shard": ids("s", rows // 10_000), "quarantine_reason": pa.nulls(n, pa.string()),
        "quarantine_detail": pa.nulls(n, pa.string()), "quarantine_stage": pa.nulls(n, pa.string()),
        "image_id": image_id, "image_uri": ids("s3://corpus/img", image), "width": pa.array(np.full(n, 640, np.int32)),
        "height": pa.array(np.full(n, 480, np.int32)), "extra_json": pa.nulls(n, pa.string()),
        "captions": captions, "regions": regions, "mentions": mentions, "groundings": groundings,
        "attributes": attributes, "relations": relations, "spatial": spatial,
        **{f"seconds_{s}": pa.array(rng.random(n) / 100) for s in STAGES},
    }
    t = pa.table(cols)
    return t.cast(pa.schema([*BOOKKEEPING, *[f for f in t.schema if f.name not in BOOKKEEPING.names]]))


def partitions_for(rows: int, per_partition: int) -> int:
    """Partition count for a corpus of `rows` rows: the power of two that gives at most
    `per_partition` rows per partition, at least 2 (an even load for 2 workers)."""
    return max(2, 1 << max(0, math.ceil(math.log2(max(rows / per_partition, 1)))))


def generate(folder: Path, rows: int, skew: bool, partitions: int, batch: int) -> dict:
    """Write synthetic staging of `rows` rows, split as the runner's sink would, under `folder`."""
    from pipeline.core.storage import Storage
    from pipeline.graph.partition import split_staging

    st = Storage.open(folder)
    t0 = time.perf_counter()
    split_s = 0.0
    for b, start in enumerate(range(0, rows, batch)):
        tab = make_batch(start, min(batch, rows - start), skew)
        t1 = time.perf_counter()
        for rel, part in split_staging(tab, partitions, EXTRACTOR):
            st.write_parquet(f"shard{b:05d}/{rel}/part-{b:05d}.parquet", part)
        split_s += time.perf_counter() - t1
    return {"seconds": time.perf_counter() - t0, "split_seconds": split_s}


# --------------------------------------------------------------------------- one measured merge
def run_merge(src: Path, out: Path, partitions: int, executor: str, memory_limit: str) -> dict:
    """Merge (in this process: the driver) and return seconds, counts and this process's peak RSS."""
    from pipeline.graph.merge import MergeJob, merge_graph

    job = MergeJob((str(src),), str(out), partitions, STAGES, memory_limit=memory_limit, threads=1)
    nodes = []
    if executor == "local":
        from pipeline.runners.merge import local_map

        t0 = time.perf_counter()
        res = merge_graph(job, local_map)
    else:
        import ray

        from pipeline.runners.merge import RayMap

        ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR")
        ray_map = RayMap(num_cpus=2 if executor == "ray1" else 1)
        t0 = time.perf_counter()
        res = merge_graph(job, ray_map)
        nodes = sorted(set(ray_map.nodes))
    secs = time.perf_counter() - t0
    return {"seconds": secs, "cpu_seconds": res.cpu_seconds, "task_seconds": res.task_seconds, "counts": res.counts, "driver_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "nodes": len(nodes)}


def _sub(args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"subprocess {args[:2]} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000, 3_000_000])
    ap.add_argument("--skew-at", type=int, default=None, help="rows of the skewed case (default: the largest size up to 1M; 0: none)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each executor in the workers comparison (the best counts)")
    ap.add_argument("--workers-at", type=int, default=None, help="rows of the 1-vs-2-worker run (default: the largest up to 1M)")
    ap.add_argument("--per-partition", type=int, default=125_000, help="most rows per partition (partitions: a power of two, >= 2)")
    ap.add_argument("--batch", type=int, default=50_000, help="staging rows per split batch")
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit of each task")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder, removed)")
    ap.add_argument("--_gen", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--_merge", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._gen:
        folder, rows, skew, parts = a._gen
        print(json.dumps(generate(Path(folder), int(rows), skew == "1", int(parts), a.batch)))
        return 0
    if a._merge:
        src, out, parts, executor, mem = a._merge
        print(json.dumps(run_merge(Path(src), Path(out), int(parts), executor, mem)))
        return 0

    from rich.console import Console
    from rich.table import Table

    con = Console(width=150)
    work = a.work or Path(tempfile.mkdtemp(prefix="kg-bench-merge-"))
    small = [s for s in a.sizes if s <= 1_000_000] or a.sizes
    skew_at = max(small) if a.skew_at is None else a.skew_at
    workers_at = a.workers_at or max(small)
    cases = [(s, False) for s in a.sizes] + ([(skew_at, True)] if skew_at else [])
    if workers_at not in a.sizes:
        cases.append((workers_at, False))
    runs: dict[tuple[int, bool], dict] = {}
    try:
        for rows, skew in cases:
            parts = partitions_for(rows, a.per_partition)
            src = work / f"{rows}{'-skew' if skew else ''}"
            if (rows, skew) in runs:
                continue
            with con.status(f"{rows:,} rows{' (skewed)' if skew else ''}: writing staging ({parts} partitions)"):
                gen = _sub(["--batch", str(a.batch), "--_gen", str(src / "staging"), str(rows), "1" if skew else "0", str(parts)])
            # the workers comparison: the executors in turn, `repeat` times (the machine's load varies)
            execs = ["ray2"] + (["ray1", "local", *(["ray2", "ray1", "local"] * (a.repeat - 1))]
                                if rows == workers_at and not skew else [])
            res = {"partitions": parts, "gen": gen}
            for ex in execs:
                with con.status(f"{rows:,} rows{' (skewed)' if skew else ''}: merge, {ex}"):
                    got = _sub(["--_merge", str(src / "staging"), str(src / f"graph-{ex}"), str(parts), ex, a.memory_limit])
                if ex not in res or got["seconds"] < res[ex]["seconds"]:
                    res[ex] = got
            runs[(rows, skew)] = res
            con.print(f"{rows:,} rows{' (skewed)' if skew else ''}: split {gen['split_seconds']:.1f} s, "
                      f"merge {res['ray2']['seconds']:.1f} s, {res['ray2']['counts']['edges']:,} edges")
            shutil.rmtree(src / "staging", ignore_errors=True)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)

    base = runs[(a.sizes[0], False)]["ray2"]
    base_rate = base["seconds"] / a.sizes[0] * 100_000
    base_cpu = base["cpu_seconds"] / a.sizes[0] * 100_000
    t = Table(title="partitioned merge, Ray tasks (2 workers of 1 CPU), one DuckDB per partition")
    for col in ("rows", "case", "parts", "edges", "merge s", "s / 100k rows", "vs first", "task CPU s / 100k",
                "vs first", "driver peak RSS MB", "split s / 100k"):
        t.add_column(col, justify="right")
    for (rows, skew), r in runs.items():
        m = r["ray2"]
        rate = m["seconds"] / rows * 100_000
        cpu = m["cpu_seconds"] / rows * 100_000
        t.add_row(f"{rows:,}", "skewed" if skew else "uniform", str(r["partitions"]), f"{m['counts']['edges']:,}",
                  f"{m['seconds']:.1f}", f"{rate:.2f}", f"{rate / base_rate:.2f}x", f"{cpu:.2f}",
                  f"{cpu / base_cpu:.2f}x", f"{m['driver_rss_mb']:.0f}",
                  f"{r['gen']['split_seconds'] / rows * 100_000:.2f}")
    con.print(t)
    w = runs[(workers_at, False)]
    t2 = Table(title=f"workers, {workers_at:,} rows ({w['partitions']} partitions)")
    for col in ("executor", "merge s", "speed-up vs 1 worker", "tasks at once (task s / merge s)", "task CPU s",
                "driver peak RSS MB"):
        t2.add_column(col, justify="right")
    one = w["ray1"]["seconds"]
    for ex, name in (("ray1", "Ray, 1 worker (tasks of 2 CPUs)"), ("ray2", "Ray, 2 workers (tasks of 1 CPU)"),
                     ("local", "in process (local_map)")):
        t2.add_row(name, f"{w[ex]['seconds']:.1f}", f"{one / w[ex]['seconds']:.2f}x",
                   f"{w[ex]['task_seconds'] / w[ex]['seconds']:.2f}", f"{w[ex]['cpu_seconds']:.1f}",
                   f"{w[ex]['driver_rss_mb']:.0f}")
    con.print(t2)
    same = all(runs[(workers_at, False)][ex]["counts"] == w["ray2"]["counts"] for ex in ("ray1", "local"))
    con.print(f"same counts from every executor: {same}; load average at the end: {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs (wall times share the machine; task CPU seconds do not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
