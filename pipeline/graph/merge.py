"""merge: partitioned staging fragments -> the graph tables, one DuckDB per partition.

The fragments (`pipeline.graph.partition.split_staging`) are hash-partitioned by key, so every
graph table can be made partition by partition: task k reads partition k of the fragments it
needs (pyarrow datasets on the Storage's filesystem, scanned by DuckDB with bounded memory and
its own spill folder) and writes part k of every table. Two phases, each a list of tasks given
to an executor (`MapFn`: in process, or Ray tasks in `pipeline.runners.merge`):

1. per id-partition: one row per corpus row (a part written twice by a retried task counts
   once), ids used again quarantined as duplicates, the quarantine table, per-file accounting,
   per-stage stats, and the (kg_file, kg_row) of every row not in the graph (a scratch file);
2. per key-partition: images, captions, regions, mentions, entities, edges, without those rows.

The driver only sums the tasks' small results. Every part is sorted by its table's key, and
its content depends only on the set of fragment rows and the partition count: never on file
names, listing order, file order or how many workers ran the tasks.

Edges carry provenance: `provenance` names what produced them (caption source, detector,
extractor, grounding, geometry) and `evidence` lists the ids (captions, regions, images)
behind them, the EVIDENCE_CAP smallest, with `count` the full number (a bounded aggregate over
distinct evidence: an edge seen a million times never builds a million-element list).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.storage import Storage
from pipeline.graph.partition import FRAGMENT_SCHEMAS, MODEL_CAPTION_CONFIDENCE, split_staging  # noqa: F401

EVIDENCE_CAP = 20
TABLES = ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine")
#: scratch folder (inside the output) for what phase 1 hands to phase 2; listings skip "_tmp" names
SCRATCH = "_tmp_merge"

#: runs a picklable top-level function over the arguments, results in order (the executor)
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@dataclass(frozen=True)
class MergeResult:
    counts: dict[str, int]
    accounting: list[dict]  # per input file: rows_in_graph, rows_quarantined
    stage_stats: list[dict]  # per stage: rows processed, quarantined by reason, busy seconds
    #: CPU seconds the merge tasks spent (all threads of their processes; not part of equality)
    cpu_seconds: float = field(default=0.0, compare=False)
    #: wall seconds the merge tasks ran, summed (over the merge's wall time: how many ran at once)
    task_seconds: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class MergeJob:
    """What to merge: fragment files under `sources` (Storage specs of folders; a ``*.parquet``
    whose path holds ``/<fragment>/p<k>/`` is partition k of that fragment, see
    `partition.split_staging`), into `out` (a Storage spec: ``<out>/<table>/<part_name>``), with
    `partitions` partitions (as split). `stage_names` orders the per-stage stats. Each task runs
    one DuckDB with `threads` threads and `memory_limit`, spilling under `temp_dir` (local; the
    system's temp folder when None)."""

    sources: tuple[str, ...]
    out: str
    partitions: int
    stage_names: tuple[str, ...] = ()
    memory_limit: str = "1GB"
    threads: int = 1
    temp_dir: str | None = None
    part_name: str = "part-{k:05d}.parquet"


@dataclass(frozen=True)
class PartTask:
    """Partition `k` of `job` (the argument of every task)."""

    job: MergeJob
    k: int


def in_process_map(fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
    """The executor without Ray: `fn` over `args`, one after the other, in this process."""
    return [fn(a) for a in args]


def merge_graph(job: MergeJob, map_fn: MapFn = in_process_map,
                progress: Callable[[str], None] | None = None) -> MergeResult:
    """Write every graph table of `job` (its old tables removed first: the part set is exactly
    `partitions` parts per table) and return the counts, per-file accounting and stage stats.
    `map_fn` runs the tasks; `progress` (when given) hears of each phase."""
    if job.partitions < 1:
        raise ValueError(f"partitions must be >= 1, not {job.partitions}")
    say = progress or (lambda msg: None)
    out = Storage.open(job.out)
    for name in (*TABLES, SCRATCH):
        out.delete(name)
    tasks = [PartTask(job, k) for k in range(job.partitions)]
    try:
        say(f"merge 1/2: rows, duplicates and quarantine ({job.partitions} partitions)")
        firsts = map_fn(_rows_task, tasks)
        say(f"merge 2/2: images, captions, regions, mentions, entities, edges ({job.partitions} partitions)")
        seconds = map_fn(_tables_task, tasks)
    finally:
        out.delete(SCRATCH)
    return _combine(job, firsts, seconds)


def _combine(job: MergeJob, firsts: list[dict], seconds: list[dict]) -> MergeResult:
    """Sum the tasks' small results."""
    counts = {name: 0 for name in TABLES}
    counts["relations"] = 0
    files: dict[str, list[int]] = {}
    secs: dict[str, list] = {}
    reasons: dict[str, dict[str, int]] = {}
    for r in [*firsts, *seconds]:
        for name, n in r["counts"].items():
            counts[name] += n
    for r in firsts:
        for f, ok, bad in r["accounting"]:
            acc = files.setdefault(f, [0, 0])
            acc[0] += ok
            acc[1] += bad
        for stage, s, n in r["seconds"]:
            acc = secs.setdefault(stage, [0.0, 0])
            acc[0] += s
            acc[1] += n
        for stage, reason, n in r["reasons"]:
            d = reasons.setdefault(stage, {})
            d[reason] = d.get(reason, 0) + n
    accounting = [{"file": f, "rows_in_graph": ok, "rows_quarantined": bad} for f, (ok, bad) in sorted(files.items())]
    stats = []
    # besides the stages: rows the corpus reader quarantined ("read", e.g. img2dataset's failed
    # downloads) and duplicates ("merge"), listed when there are any
    for stage in ["read", *job.stage_names, "merge"]:
        s, n = secs.get(stage, (0.0, 0)) if stage in job.stage_names else (0.0, 0)
        why = dict(sorted(reasons.get(stage, {}).items()))
        if stage in job.stage_names or why:
            stats.append({"stage": stage, "rows": int(n), "busy_seconds": round(float(s), 3), "quarantined": why})
    done = [*firsts, *seconds]
    return MergeResult(counts, accounting, stats, sum(r["cpu_seconds"] for r in done), sum(r["task_seconds"] for r in done))


# -- the tasks ---------------------------------------------------------------------------------

def _connect(job: MergeJob):
    """A DuckDB of the task's limits with a fresh local spill folder (removed by `_close`)."""
    import duckdb

    tmp = tempfile.mkdtemp(prefix="kg-merge-", dir=job.temp_dir)
    con = duckdb.connect(config={"threads": job.threads, "memory_limit": job.memory_limit, "temp_directory": tmp,
                                 "preserve_insertion_order": True})
    return con, tmp


def _close(con, tmp: str) -> None:
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)


_PART = re.compile(r"(?:^|/)([^/]+)/p(\d+)/[^/]+\.parquet$")


class _Sources:
    """The fragment files of one partition, listed once per task."""

    def __init__(self, job: MergeJob, k: int) -> None:
        self.found: dict[str, list[tuple[Storage, str]]] = {}
        for spec in job.sources:
            st = Storage.open(spec)
            for name in st.list("", recursive=True):
                m = _PART.search(name)
                if m and int(m.group(2)) == k:
                    self.found.setdefault(m.group(1), []).append((st, st.path(name)))

    def dataset(self, frag: str):
        """Partition k of fragment `frag` as one pyarrow dataset (empty when there are no files)."""
        import pyarrow.dataset as ds
        import pyarrow.fs as pafs

        schema = FRAGMENT_SCHEMAS[frag]
        by_fs: dict[int, tuple[Any, list[str]]] = {}
        for st, path in self.found.get(frag, []):
            by_fs.setdefault(id(st), (st.fs, []))[1].append(path)
        parts = [ds.dataset(sorted(paths), schema=schema, format="parquet", filesystem=fs) for fs, paths in by_fs.values()]
        if not parts:
            return ds.dataset([], schema=schema, format="parquet", filesystem=pafs.LocalFileSystem())
        return parts[0] if len(parts) == 1 else ds.dataset(parts)


def _rows_task(task: PartTask) -> dict:
    """Phase 1 on id-partition k: quarantine part k, the scratch list of rows not in the graph,
    and small results (quarantine and relation counts, accounting, stage seconds, reasons)."""
    job, k = task.job, task.k
    cpu, wall = time.process_time(), time.perf_counter()
    con, tmp = _connect(job)
    try:
        con.register("rows_in", _Sources(job, k).dataset("rows"))
        # one row per corpus row, even if a retried task wrote it twice; then every id after its
        # first occurrence (file, row order) is quarantined as a duplicate
        con.execute("""
            CREATE TEMP TABLE staging AS SELECT * REPLACE (
                CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'duplicate_id' ELSE quarantine_reason END AS quarantine_reason,
                CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'id already used by an earlier row' ELSE quarantine_detail END AS quarantine_detail,
                CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'merge' ELSE quarantine_stage END AS quarantine_stage)
            FROM (SELECT *, CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (
                      PARTITION BY id ORDER BY (quarantine_reason IS NOT NULL), kg_file, kg_row) END AS dup
                  FROM (SELECT * FROM rows_in QUALIFY row_number() OVER (
                            PARTITION BY kg_file, kg_row
                            ORDER BY image_id NULLS LAST, quarantine_reason NULLS FIRST, quarantine_stage, quarantine_detail,
                                     id, kg_shard, relations) = 1))""")
        out = Storage.open(job.out)
        n = _write(con, """
            SELECT id AS corpus_id, kg_file AS source_file, kg_row AS source_row, quarantine_stage AS stage,
                   quarantine_reason AS reason, quarantine_detail AS detail
            FROM staging WHERE quarantine_reason IS NOT NULL ORDER BY kg_file, kg_row""",
                   PurePosixPath("quarantine", job.part_name.format(k=k)), out)
        _write(con, "SELECT kg_file, kg_row FROM staging WHERE quarantine_reason IS NOT NULL ORDER BY kg_file, kg_row",
               PurePosixPath(SCRATCH, "drops", f"part-{k:05d}.parquet"), out)
        relations = con.execute("SELECT coalesce(sum(relations), 0) FROM staging WHERE quarantine_reason IS NULL").fetchall()[0][0]
        accounting = con.execute(
            "SELECT kg_file, count(*) FILTER (WHERE quarantine_reason IS NULL), count(*) FILTER (WHERE quarantine_reason IS NOT NULL) "
            "FROM staging GROUP BY kg_file ORDER BY kg_file").fetchall()
        seconds = con.execute(
            "SELECT s.stage, coalesce(sum(s.seconds), 0), count(*) FILTER (WHERE s.seconds > 0) "
            "FROM (SELECT unnest(seconds) AS s FROM staging) GROUP BY 1 ORDER BY 1").fetchall()
        reasons = con.execute(
            "SELECT quarantine_stage, quarantine_reason, count(*) FROM staging WHERE quarantine_reason IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        return {"counts": {"quarantine": n, "relations": int(relations)}, "accounting": accounting, "seconds": seconds,
                "reasons": reasons, "cpu_seconds": time.process_time() - cpu,
                "task_seconds": time.perf_counter() - wall}
    finally:
        _close(con, tmp)


def _tables_task(task: PartTask) -> dict:
    """Phase 2 on key-partition k: part k of images, captions, regions, mentions, entities and
    edges, leaving out the rows phase 1 listed; returns their row counts."""
    import pyarrow.dataset as ds

    job, k = task.job, task.k
    cpu, wall = time.process_time(), time.perf_counter()
    out = Storage.open(job.out)
    con, tmp = _connect(job)
    try:
        src = _Sources(job, k)
        con.register("drops", ds.dataset(out.files(f"{SCRATCH}/drops", ".parquet"), format="parquet", filesystem=out.fs,
                                         schema=pa.schema([("kg_file", pa.string()), ("kg_row", pa.int64())])))
        for frag in ("images", "captions", "regions", "mentions", "groundings", "attributes", "edges"):
            con.register(f"raw_{frag}", src.dataset(frag))
            con.execute(f"CREATE VIEW f_{frag} AS SELECT * FROM raw_{frag} ANTI JOIN drops USING (kg_file, kg_row)")
        counts = {}
        for name, sql in _table_sql().items():
            rows = SORTED_ROW_GROUP if name in ("mentions", "regions") else 65536
            counts[name] = _write(con, sql, PurePosixPath(name, job.part_name.format(k=k)), out, rows)
        return {"counts": counts, "cpu_seconds": time.process_time() - cpu,
                "task_seconds": time.perf_counter() - wall}
    finally:
        _close(con, tmp)


def _table_sql() -> dict[str, str]:
    """The query of every table of phase 2 over the views f_<fragment>."""
    cap = EVIDENCE_CAP
    key = "src, type, dst, predicate, scope, geometry"
    return {
        "images": """
            SELECT image_id, min(id) AS corpus_id, list(DISTINCT id ORDER BY id) AS corpus_ids,
                   min(image_uri) AS source_uri, min(kg_file) AS source_file,
                   any_value(width ORDER BY id, width) AS width, any_value(height ORDER BY id, height) AS height,
                   any_value(extra_json ORDER BY id, extra_json) AS extra_json
            FROM f_images GROUP BY image_id ORDER BY image_id""",
        "captions": """
            SELECT DISTINCT caption_id, image_id, text, source FROM f_captions ORDER BY caption_id, image_id, text, source""",
        "regions": """
            SELECT DISTINCT region_id, image_id, label, score, x1, y1, x2, y2, detector, entity_id
            FROM f_regions ORDER BY entity_id, region_id, image_id, label, score, x1, y1, x2, y2, detector""",
        "mentions": """
            WITH g AS (SELECT mention_id, list(DISTINCT region_id ORDER BY region_id) AS region_ids
                       FROM f_groundings WHERE region_id IS NOT NULL GROUP BY mention_id),
                 m AS (SELECT mention_id, min(caption_id) AS caption_id, min(image_id) AS image_id,
                              min(entity_id) AS entity_id, min(name) AS name, min(type) AS type, min(text) AS text,
                              min(start) AS start, min("end") AS "end", min(count) AS count
                       FROM f_mentions GROUP BY mention_id)
            SELECT m.*, g.region_ids FROM m LEFT JOIN g USING (mention_id) ORDER BY entity_id, mention_id""",
        # two steps, so an entity seen in a million images never holds a million-element set
        "entities": """
            WITH e AS (
                SELECT DISTINCT 'm' AS kind, kg_file, kg_row, kg_pos, entity_id, name, type, image_id FROM f_mentions
                UNION ALL SELECT DISTINCT 'r', kg_file, kg_row, kg_pos, entity_id, label, 'concept', image_id FROM f_regions
                UNION ALL SELECT DISTINCT 'a', kg_file, kg_row, kg_pos, value_id, value, 'attribute', image_id FROM f_attributes),
            per_image AS (
                SELECT entity_id, image_id, min(name) AS name, min(type) AS type,
                       count(*) FILTER (WHERE kind <> 'r') AS m, count(*) FILTER (WHERE kind = 'r') AS r
                FROM e GROUP BY entity_id, image_id)
            SELECT entity_id, min(name) AS name, min(type) AS type,
                   sum(m)::BIGINT AS mention_count, sum(r)::BIGINT AS region_count,
                   count(image_id)::BIGINT AS image_count
            FROM per_image GROUP BY entity_id ORDER BY entity_id""",
        # distinct (edge, evidence) first, then bounded aggregates per edge: the first
        # EVIDENCE_CAP evidence ids by a window, the full count, the few distinct provenances
        "edges": f"""
            WITH ev AS (SELECT {key}, ev, max(conf) AS conf, row_number() OVER (PARTITION BY {key} ORDER BY ev) AS rn
                        FROM f_edges GROUP BY {key}, ev),
                 agg AS (SELECT {key}, count(*)::BIGINT AS count, max(conf) AS conf,
                                list_sort(list(ev) FILTER (WHERE rn <= {cap})) AS evidence
                         FROM ev GROUP BY {key}),
                 prov AS (SELECT {key}, array_to_string(list_sort(list(prov) FILTER (WHERE prov IS NOT NULL)), ';') AS provenance
                          FROM (SELECT DISTINCT {key}, prov FROM f_edges) GROUP BY {key})
            SELECT md5(src || chr(31) || type || chr(31) || dst || chr(31) || predicate
                       || CASE WHEN geometry THEN chr(31) || 'geometry' ELSE '' END)[:24] AS edge_id,
                   src, type, dst, predicate, scope, count, round(conf, 4)::FLOAT AS confidence,
                   evidence, provenance
            FROM agg JOIN prov USING ({key})
            ORDER BY type, src, dst, predicate, scope, geometry""",
    }


#: mentions and regions are written sorted by entity_id in row groups of this many rows, so a
#: reader's filter on an entity skips (by min/max statistics) the row groups of other entities
SORTED_ROW_GROUP = 16384


def _write(con, sql: str, rel: PurePosixPath, out: Storage, row_group: int = 65536) -> int:
    """Write the query's rows to the Parquet file `rel` of `out`, atomically (one row group per
    `row_group` rows; an empty file with the schema when there are none); returns the row count."""
    reader = con.sql(sql).to_arrow_reader(row_group)
    n = 0

    def write(stream) -> None:
        nonlocal n
        with pq.ParquetWriter(stream, reader.schema, compression="zstd") as w:
            for batch in reader:
                w.write_batch(batch)
                n += batch.num_rows

    out.write_with(str(rel), write)
    return n


# -- the old entry point -------------------------------------------------------------------------

def merge(staging_glob: str, out_dir: str | Path, extractor: str, stage_names: list[str], threads: int = 2) -> MergeResult:
    """Write the graph tables into the fresh folder `out_dir` (``<table>/part-0.parquet``) from the
    old-style staging Parquet files matching `staging_glob` (one row per corpus row; see
    `publish` for putting them in place): each file is split into fragments in a temp folder
    beside `out_dir`, then merged in this process as one partition.

    `extractor` names the caption parser (provenance of text edges); `stage_names` orders the
    per-stage stats.
    """
    import glob

    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    work = out_dir.parent / f".{out_dir.name}.split.{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        for i, path in enumerate(sorted(glob.glob(staging_glob))):
            for rel, part in split_staging(pq.read_table(path), 1, extractor):
                folder = work / f"f{i:06d}" / rel
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(part, folder / "part-0.parquet")
        job = MergeJob((str(work),), str(out_dir), 1, tuple(stage_names), memory_limit="4GB", threads=threads,
                       part_name="part-{k}.parquet")
        return merge_graph(job, in_process_map)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def publish(tables_dir: Path, out_dir: Path, manifest: dict) -> None:
    """Move the tables written by `merge` from `tables_dir` into `out_dir`, then write the
    manifest. The old manifest goes first, so a folder is never a graph with mixed tables:
    readers check for manifest.json."""
    from pipeline.core.atomic import write_json_atomic

    (out_dir / "manifest.json").unlink(missing_ok=True)
    for name in TABLES:
        final = out_dir / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(tables_dir / name, final)
    shutil.rmtree(tables_dir, ignore_errors=True)
    write_json_atomic(out_dir / "manifest.json", manifest)


def read_table(out_dir: str | Path, name: str) -> pa.Table:
    """A graph table as one Arrow table (for tests, exports and small graphs)."""
    return pq.read_table(Path(out_dir) / name)
