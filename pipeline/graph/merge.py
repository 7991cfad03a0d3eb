"""merge: staging fragments (one row per corpus row) -> the graph tables, with DuckDB.

Runs out of core over the staging Parquet files (never collects the corpus on the driver), and
writes every table sorted by its key, so two runs over the same input give identical files.

Edges carry provenance: `provenance` names what produced them (caption source, detector,
extractor, grounding) and `evidence` lists the ids (captions, regions, images) behind them,
capped at EVIDENCE_CAP, with `count` the full number.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

EVIDENCE_CAP = 20
TABLES = ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine")
MODEL_CAPTION_CONFIDENCE = 0.5  # text edges from generated captions; corpus captions count 1.0


@dataclass(frozen=True)
class MergeResult:
    counts: dict[str, int]
    accounting: list[dict]  # per input file: rows_in_graph, rows_quarantined
    stage_stats: list[dict]  # per stage: rows processed, quarantined by reason, busy seconds


def _q(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def merge(staging_glob: str, out_dir: str | Path, extractor: str, stage_names: list[str], threads: int = 2) -> MergeResult:
    """Write the graph tables into the fresh folder `out_dir` from the staging Parquet files
    matching `staging_glob` (see `publish` for putting them in place).

    `extractor` names the caption parser (provenance of text edges); `stage_names` orders the
    per-stage stats.
    """
    import duckdb

    out_dir = Path(out_dir)
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    # One row per corpus row, even if a retried task wrote a part twice; then every id after its
    # first occurrence (file, row order) is quarantined as a duplicate.
    con.execute(f"""
        CREATE VIEW staging_raw AS SELECT * FROM read_parquet({_q(staging_glob)}, union_by_name=true)
        QUALIFY row_number() OVER (PARTITION BY kg_file, kg_row ORDER BY image_id NULLS LAST) = 1""")
    con.execute("""
        CREATE VIEW staging AS SELECT * REPLACE (
            CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'duplicate_id' ELSE quarantine_reason END AS quarantine_reason,
            CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'id already used by an earlier row' ELSE quarantine_detail END AS quarantine_detail,
            CASE WHEN quarantine_reason IS NULL AND dup > 1 THEN 'merge' ELSE quarantine_stage END AS quarantine_stage)
        FROM (SELECT *, CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (
                  PARTITION BY id ORDER BY (quarantine_reason IS NOT NULL), kg_file, kg_row) END AS dup
              FROM staging_raw)""")
    con.execute("CREATE VIEW ok AS SELECT * FROM staging WHERE quarantine_reason IS NULL")
    con.execute(_flatten_sql())
    _optional_views(con)
    cap = EVIDENCE_CAP
    ext = extractor.replace("'", "''")
    conf = f"CASE WHEN source = 'corpus' THEN 1.0 ELSE {MODEL_CAPTION_CONFIDENCE} END"
    queries = {
        "images": """
            SELECT image_id, min(id) AS corpus_id, list(DISTINCT id ORDER BY id) AS corpus_ids,
                   min(image_uri) AS source_uri, min(kg_file) AS source_file,
                   any_value(width ORDER BY id) AS width, any_value(height ORDER BY id) AS height,
                   any_value(extra_json ORDER BY id) AS extra_json
            FROM ok GROUP BY image_id ORDER BY image_id""",
        "captions": """
            SELECT DISTINCT caption_id, image_id, text, source FROM f_captions ORDER BY caption_id""",
        "regions": """
            SELECT DISTINCT region_id, image_id, label, score, x1, y1, x2, y2, detector, entity_id
            FROM f_regions ORDER BY entity_id, region_id""",
        "mentions": """
            SELECT m.mention_id, any_value(m.caption_id) AS caption_id, any_value(m.image_id) AS image_id,
                   any_value(m.entity_id) AS entity_id, any_value(m.name) AS name, any_value(m.type) AS type,
                   any_value(m.text) AS text, any_value(m.start) AS start, any_value(m."end") AS "end",
                   any_value(m.count) AS count,
                   list(DISTINCT g.region_id ORDER BY g.region_id) FILTER (WHERE g.region_id IS NOT NULL) AS region_ids
            FROM f_mentions m LEFT JOIN f_groundings g USING (mention_id)
            GROUP BY m.mention_id ORDER BY entity_id, m.mention_id""",
        "entities": """
            WITH e AS (
                SELECT entity_id, name, type, image_id, 1 AS m, 0 AS r FROM f_mentions
                UNION ALL SELECT entity_id, label, 'concept', image_id, 0, 1 FROM f_regions
                UNION ALL SELECT value_id, value, 'attribute', image_id, 1, 0 FROM f_attributes)
            SELECT entity_id, min(name) AS name, min(type) AS type,
                   sum(m)::BIGINT AS mention_count, sum(r)::BIGINT AS region_count,
                   count(DISTINCT image_id)::BIGINT AS image_count
            FROM e GROUP BY entity_id ORDER BY entity_id""",
        "edges": f"""
            WITH raw AS (
                SELECT image_id AS src, 'HAS_CAPTION' AS type, caption_id AS dst, '' AS predicate, 'image' AS scope,
                       1.0 AS conf, caption_id AS ev, source AS prov FROM f_captions
                UNION ALL SELECT image_id, 'DEPICTS', entity_id, '', 'image', score, region_id, 'detector:' || detector FROM f_regions
                UNION ALL SELECT region_id, 'INSTANCE_OF', entity_id, '', 'image', score, region_id, 'detector:' || detector FROM f_regions
                UNION ALL SELECT caption_id, 'MENTIONS', entity_id, '', 'image', {conf}, mention_id, '{ext}' FROM f_mentions
                UNION ALL SELECT mention_id, 'INSTANCE_OF', entity_id, '', 'image', {conf}, caption_id, '{ext}' FROM f_mentions
                UNION ALL SELECT mention_id, 'GROUNDED_IN', region_id, '', 'image', score, region_id, 'ground' FROM f_groundings
                UNION ALL SELECT mention_id, 'HAS_ATTRIBUTE', value_id, value, 'image', {conf}, caption_id, '{ext}' FROM f_attributes
                UNION ALL SELECT entity_id, 'HAS_ATTRIBUTE', value_id, value, 'concept', {conf}, image_id, '{ext}' FROM f_attributes
                UNION ALL SELECT subject_mention, 'RELATION', object_mention, predicate, 'image', {conf}, caption_id, '{ext}' FROM f_relations
                UNION ALL SELECT subject_entity, 'RELATION', object_entity, predicate, 'concept', {conf}, image_id, '{ext}' FROM f_relations
                UNION ALL SELECT subject_region, 'RELATION', object_region, predicate, 'image', score, image_id, source FROM f_spatial
                UNION ALL SELECT subject_entity, 'RELATION', object_entity, predicate, 'concept', score, image_id, source FROM f_spatial
            )
            SELECT md5(src || chr(31) || type || chr(31) || dst || chr(31) || predicate
                       || CASE WHEN geo THEN chr(31) || 'geometry' ELSE '' END)[:24] AS edge_id,
                   src, type, dst, predicate, scope,
                   count(DISTINCT ev)::BIGINT AS count,
                   round(max(conf), 4)::FLOAT AS confidence,
                   list(DISTINCT ev ORDER BY ev)[1:{cap}] AS evidence,
                   string_agg(DISTINCT prov, ';' ORDER BY prov) AS provenance
            FROM (SELECT *, prov LIKE 'geometry%' AS geo FROM raw) GROUP BY src, type, dst, predicate, scope, geo
            ORDER BY type, src, dst, predicate, geo""",
        "quarantine": """
            SELECT id AS corpus_id, kg_file AS source_file, kg_row AS source_row, quarantine_stage AS stage,
                   quarantine_reason AS reason, quarantine_detail AS detail
            FROM staging WHERE quarantine_reason IS NOT NULL ORDER BY kg_file, kg_row""",
    }
    counts: dict[str, int] = {}
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for name, sql in queries.items():
        counts[name] = _write(con, sql, out_dir / name / "part-0.parquet", SORTED_ROW_GROUP if name in ("mentions", "regions") else 65536)
    counts["relations"] = con.execute("SELECT count(*) FROM f_relations").fetchone()[0]
    accounting = [
        dict(zip(("file", "rows_in_graph", "rows_quarantined"), r))
        for r in con.execute(
            "SELECT kg_file, count(*) FILTER (WHERE quarantine_reason IS NULL), count(*) FILTER (WHERE quarantine_reason IS NOT NULL) "
            "FROM staging GROUP BY kg_file ORDER BY kg_file"
        ).fetchall()
    ]
    stats = []
    # besides the stages: rows the corpus reader quarantined ("read", e.g. img2dataset's failed
    # downloads) and duplicates ("merge"), listed when there are any
    for stage in ["read", *stage_names, "merge"]:
        col = f"seconds_{stage}"
        secs, rows = con.execute(
            f'SELECT coalesce(sum("{col}"), 0), count(*) FILTER (WHERE "{col}" > 0) FROM staging').fetchone() if stage in stage_names else (0.0, 0)
        reasons = dict(con.execute(
            "SELECT quarantine_reason, count(*) FROM staging WHERE quarantine_stage = ? GROUP BY 1 ORDER BY 1", [stage]).fetchall())
        if stage in stage_names or reasons:
            stats.append({"stage": stage, "rows": int(rows), "busy_seconds": round(float(secs), 3), "quarantined": reasons})
    con.close()
    return MergeResult(counts, accounting, stats)


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


# Columns whose table type is narrower than the staging type (regions travel between stages
# as float64, exactly as the detector wrote them; the regions table stores float32).
TABLE_CASTS = {"regions": {"score": "FLOAT", "x1": "FLOAT", "y1": "FLOAT", "x2": "FLOAT", "y2": "FLOAT"}}


def _flatten_sql() -> str:
    """One view f_<fragment> per record column: a row per record, with the image id."""
    from pipeline.core.records import struct_type
    from pipeline.graph.records import FRAGMENTS

    views = []
    for frag, cls in FRAGMENTS.items():
        casts = TABLE_CASTS.get(frag, {})
        cols = ", ".join(f'x."{f.name}"::{casts[f.name]} AS "{f.name}"' if f.name in casts else f'x."{f.name}"'
                         for f in struct_type(cls))
        views.append(f"CREATE VIEW f_{frag} AS SELECT image_id, {cols} FROM (SELECT image_id, unnest({frag}) AS x FROM ok)")
    return ";\n".join(views)


def _optional_views(con) -> None:
    """One view f_<fragment> per optional record column (OPTIONAL_FRAGMENTS, e.g. the spatial
    stage's `spatial`): flattened like the others when the staging files have the column,
    else the same columns with no rows (a run without that stage merges as before)."""
    from pipeline.core.records import list_type, struct_type
    from pipeline.graph.records import OPTIONAL_FRAGMENTS

    have = {r[0] for r in con.execute("DESCRIBE staging_raw").fetchall()}
    for frag, cls in OPTIONAL_FRAGMENTS.items():
        src = "ok"
        if frag not in have:
            src = f"_no_{frag}"
            con.register(src, pa.table({"image_id": pa.array([], pa.string()), frag: pa.array([], list_type(cls))}))
        cols = ", ".join(f'x."{f.name}"' for f in struct_type(cls))
        con.execute(f"CREATE VIEW f_{frag} AS SELECT image_id, {cols} FROM (SELECT image_id, unnest({frag}) AS x FROM {src})")


#: mentions and regions are written sorted by entity_id in row groups of this many rows, so a
#: reader's filter on an entity skips (by min/max statistics) the row groups of other entities
SORTED_ROW_GROUP = 16384


def _write(con, sql: str, path: Path, row_group: int = 65536) -> int:
    """Write the query's rows to one Parquet file (one row group per `row_group` rows); returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    reader = con.sql(sql).to_arrow_reader(row_group)
    n = 0
    with pq.ParquetWriter(path, reader.schema, compression="zstd") as w:
        for batch in reader:
            w.write_batch(batch)
            n += batch.num_rows
    return n


def read_table(out_dir: str | Path, name: str) -> pa.Table:
    """A graph table as one Arrow table (for tests, exports and small graphs)."""
    return pq.read_table(Path(out_dir) / name)
