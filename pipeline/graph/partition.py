"""Partitioned staging: a batch of staging rows -> flat fragment tables, hash-partitioned by key.

`split_staging` turns one batch of staging rows (one per corpus row: bookkeeping, image columns,
the record lists of `records.FRAGMENTS` / `OPTIONAL_FRAGMENTS`, `seconds_<stage>`) into flat
tables, one row per record (or per raw edge), each put in partition
``stable_hash(key) % partitions`` of its fragment. The merge (`pipeline.graph.merge`) then works
partition by partition, each in its own DuckDB, and never needs the whole corpus in one place:

    fragment     key          one row per                         read by the merge for
    rows         id           corpus row (quarantine, seconds)    duplicates, quarantine, stats
    images       image_id     corpus row in the graph             images
    captions     caption_id   caption                             captions
    regions      entity_id    region                              regions, entities
    mentions     entity_id    mention                             mentions, entities
    groundings   entity_id    grounding (entity of its mention)   mentions.region_ids
    attributes   value_id     attribute (its value entity)        entities
    edges        src          raw edge (one piece of evidence)    edges

Every fragment row keeps `kg_file`, `kg_row` (the corpus row it came from), so the merge can drop
rows quarantined as duplicates and collapse parts written twice by a retried task; `kg_pos`
(place in the row's record list) tells two identical records of one row apart. Each part is
sorted the way the merge's table is (mentions and regions by entity_id, edges by type, src, ...).
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

from pipeline.core import columns as C
from pipeline.core.stage import QUARANTINE_DETAIL, QUARANTINE_REASON, QUARANTINE_STAGE, SECONDS_PREFIX

#: text edges from generated captions get this confidence; corpus captions count 1.0
MODEL_CAPTION_CONFIDENCE = 0.5
#: raw edges of these provenance kinds are grouped apart from caption edges (edge id salted)
GEOMETRY = "geometry"

_BOOK = [("kg_file", pa.string()), ("kg_row", pa.int64())]
_SECONDS = pa.list_(pa.struct([("stage", pa.string()), ("seconds", pa.float64())]))

#: the Arrow schema of every fragment table (what the merge reads, whatever wrote it)
FRAGMENT_SCHEMAS: dict[str, pa.Schema] = {
    "rows": pa.schema([("id", pa.string()), *_BOOK, (C.SHARD, pa.string()), (QUARANTINE_REASON, pa.string()),
                       (QUARANTINE_DETAIL, pa.string()), (QUARANTINE_STAGE, pa.string()), ("image_id", pa.string()),
                       ("relations", pa.int64()), ("seconds", _SECONDS)]),
    "images": pa.schema([("image_id", pa.string()), ("id", pa.string()), *_BOOK, ("image_uri", pa.string()),
                         ("width", pa.int32()), ("height", pa.int32()), ("extra_json", pa.string())]),
    "captions": pa.schema([("caption_id", pa.string()), ("image_id", pa.string()), ("text", pa.string()),
                           ("source", pa.string()), *_BOOK]),
    "regions": pa.schema([("entity_id", pa.string()), ("region_id", pa.string()), ("image_id", pa.string()),
                          ("label", pa.string()), ("score", pa.float32()), ("x1", pa.float32()), ("y1", pa.float32()),
                          ("x2", pa.float32()), ("y2", pa.float32()), ("detector", pa.string()), *_BOOK,
                          ("kg_pos", pa.int64())]),
    "mentions": pa.schema([("entity_id", pa.string()), ("mention_id", pa.string()), ("caption_id", pa.string()),
                           ("image_id", pa.string()), ("name", pa.string()), ("type", pa.string()), ("text", pa.string()),
                           ("start", pa.int32()), ("end", pa.int32()), ("count", pa.int32()), *_BOOK,
                           ("kg_pos", pa.int64())]),
    "groundings": pa.schema([("entity_id", pa.string()), ("mention_id", pa.string()), ("region_id", pa.string()),
                             *_BOOK]),
    "attributes": pa.schema([("value_id", pa.string()), ("value", pa.string()), ("image_id", pa.string()), *_BOOK,
                             ("kg_pos", pa.int64())]),
    "edges": pa.schema([("type", pa.string()), ("src", pa.string()), ("dst", pa.string()), ("predicate", pa.string()),
                        ("scope", pa.string()), ("geometry", pa.bool_()), ("conf", pa.float64()), ("ev", pa.string()),
                        ("prov", pa.string()), *_BOOK]),
}
#: the column each fragment is partitioned by, and the order each part is sorted in
PARTITION_KEYS: dict[str, str] = {"rows": "id", "images": "image_id", "captions": "caption_id", "regions": "entity_id",
                                  "mentions": "entity_id", "groundings": "entity_id", "attributes": "value_id",
                                  "edges": "src"}
SORT_ORDER: dict[str, str] = {
    "rows": "kg_file, kg_row", "images": "image_id, id, kg_file, kg_row", "captions": "caption_id, kg_file, kg_row",
    "regions": "entity_id, region_id, kg_file, kg_row, kg_pos", "mentions": "entity_id, mention_id, kg_file, kg_row, kg_pos",
    "groundings": "entity_id, mention_id, region_id, kg_file, kg_row",
    "attributes": "value_id, kg_file, kg_row, kg_pos",
    "edges": "type, src, dst, predicate, scope, geometry, ev, prov, conf, kg_file, kg_row",
}


def stable_hash(key: str | None) -> int:
    """A hash of `key` that is the same on every machine and Python: the first 60 bits of its MD5
    (None hashes as ""). `partition_sql` computes the same in DuckDB."""
    return int(hashlib.md5((key or "").encode("utf-8")).hexdigest()[:15], 16)


def partition_of(key: str | None, partitions: int) -> int:
    """The partition (0 .. partitions-1) of `key`."""
    return stable_hash(key) % partitions


def partition_sql(expr: str, partitions: int) -> str:
    """DuckDB expression of `partition_of(expr, partitions)`."""
    return f"(('0x' || md5(coalesce(({expr})::VARCHAR, ''))[1:15])::BIGINT % {int(partitions)})"


def part_folder(fragment: str, k: int) -> str:
    """Relative folder of partition `k` of `fragment` ("edges/p0003")."""
    return f"{fragment}/p{k:04d}"


def split_staging(table: pa.Table, partitions: int, extractor: str) -> list[tuple[str, pa.Table]]:
    """Flatten a batch of staging rows into fragment tables (schemas: `FRAGMENT_SCHEMAS`), each
    row in partition `partition_of(key)` of its fragment (keys: `PARTITION_KEYS`).

    `table` has the staging schema (`runners.staging.staging_schema`); record columns of
    `records.FRAGMENTS` / `OPTIONAL_FRAGMENTS` may be absent (no records). `extractor` is the
    provenance of text edges. Returns (folder such as "edges/p0003", table) for the non-empty
    parts, by fragment then partition, each sorted by `SORT_ORDER`.
    """
    import duckdb
    import numpy as np

    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, not {partitions}")
    con = duckdb.connect(config={"threads": 1, "preserve_insertion_order": True})
    try:
        con.register("staging_in", table)
        con.execute(_ok_sql(table.schema))
        out: list[tuple[str, pa.Table]] = []
        for frag, sql in _fragment_sql(table.schema, extractor).items():
            schema = FRAGMENT_SCHEMAS[frag]
            cols = ", ".join(f'"{f.name}"' for f in schema)
            query = (f"SELECT {partition_sql(PARTITION_KEYS[frag] if frag != 'rows' else _ROW_KEY, partitions)} AS _p, {cols} "
                     f"FROM ({sql}) ORDER BY _p, {SORT_ORDER[frag]}")
            res = con.sql(query).to_arrow_table()
            if res.num_rows == 0:
                continue
            parts = res.column("_p").to_numpy()
            res = res.drop_columns(["_p"]).cast(schema)
            bounds = np.flatnonzero(np.diff(parts)) + 1
            starts = [0, *bounds.tolist()]
            ends = [*bounds.tolist(), len(parts)]
            for s, e in zip(starts, ends):
                out.append((part_folder(frag, int(parts[s])), res.slice(s, e - s).combine_chunks()))
        return out
    finally:
        con.close()


# corpus rows without an id are never duplicates: partition them by where they came from
_ROW_KEY = "coalesce(id, kg_file || chr(31) || kg_row::VARCHAR)"


def _col(schema: pa.Schema, name: str, sql_type: str) -> str:
    return f'"{name}"' if name in schema.names else f'NULL::{sql_type} AS "{name}"'


def _ok_sql(schema: pa.Schema) -> str:
    """Views: `s` every staging row (absent columns as NULL), `ok` the rows not quarantined."""
    from pipeline.core.records import list_type
    from pipeline.graph.records import FRAGMENTS, OPTIONAL_FRAGMENTS

    cols = ["*"]
    for frag, cls in {**FRAGMENTS, **OPTIONAL_FRAGMENTS}.items():
        if frag not in schema.names:
            cols.append(f'NULL::{_duck_type(list_type(cls))} AS "{frag}"')
    for name, typ in (("image_id", "VARCHAR"), ("image_uri", "VARCHAR"), ("width", "INTEGER"), ("height", "INTEGER"),
                      ("extra_json", "VARCHAR"), (C.SHARD, "VARCHAR"), (QUARANTINE_DETAIL, "VARCHAR"),
                      (QUARANTINE_STAGE, "VARCHAR")):
        if name not in schema.names:
            cols.append(f'NULL::{typ} AS "{name}"')
    return (f"CREATE VIEW s AS SELECT {', '.join(cols)} FROM staging_in;\n"
            f"CREATE VIEW ok AS SELECT * FROM s WHERE {QUARANTINE_REASON} IS NULL")


def _duck_type(t: pa.DataType) -> str:
    """DuckDB type name of an Arrow list<struct> of strings / numbers (the record columns)."""
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duck_type(f.type)}' for f in t) + ")"
    return {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float32(): "FLOAT",
            pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN"}[t]


def _unnest(frag: str) -> str:
    """One row per record of column `frag` of the rows in the graph: x (the record), kg_pos."""
    return (f"(SELECT image_id, kg_file, kg_row, unnest({frag}) AS x, generate_subscripts({frag}, 1) AS kg_pos "
            f"FROM ok WHERE {frag} IS NOT NULL)")


def _fragment_sql(schema: pa.Schema, extractor: str) -> dict[str, str]:
    """The SELECT of every fragment table over the views `s` and `ok` (columns as FRAGMENT_SCHEMAS)."""
    stages = [n[len(SECONDS_PREFIX):] for n in schema.names if n.startswith(SECONDS_PREFIX)]
    secs = ", ".join(f"struct_pack(stage := '{st}', seconds := \"{SECONDS_PREFIX}{st}\"::DOUBLE)" for st in stages)
    seconds = (f"list_filter([{secs}], lambda x: x.seconds IS NOT NULL)" if stages
               else "[]::STRUCT(stage VARCHAR, seconds DOUBLE)[]")
    ext = extractor.replace("'", "''")
    conf = f"CASE WHEN x.source = 'corpus' THEN 1.0 ELSE {MODEL_CAPTION_CONFIDENCE} END"
    return {
        "rows": f"""SELECT id, kg_file, kg_row, {C.SHARD}, {QUARANTINE_REASON}, {QUARANTINE_DETAIL}, {QUARANTINE_STAGE},
                           image_id, CASE WHEN {QUARANTINE_REASON} IS NULL THEN coalesce(len(relations), 0) ELSE 0 END AS relations,
                           {seconds} AS seconds FROM s""",
        "images": "SELECT image_id, id, kg_file, kg_row, image_uri, width, height, extra_json FROM ok",
        "captions": f"""SELECT x.caption_id, image_id, x.text, x.source, kg_file, kg_row FROM {_unnest('captions')}""",
        "regions": f"""SELECT x.entity_id, x.region_id, image_id, x.label, x.score, x.x1, x.y1, x.x2, x.y2, x.detector,
                              kg_file, kg_row, kg_pos FROM {_unnest('regions')}""",
        "mentions": f"""SELECT x.entity_id, x.mention_id, x.caption_id, image_id, x.name, x.type, x.text, x.start,
                               x."end", x.count, kg_file, kg_row, kg_pos FROM {_unnest('mentions')}""",
        # a grounding lives with its mention's entity (the mention is in the same corpus row)
        "groundings": f"""SELECT coalesce(m.entity_id, g.x.mention_id) AS entity_id, g.x.mention_id AS mention_id,
                                 g.x.region_id AS region_id, g.kg_file, g.kg_row
                          FROM {_unnest('groundings')} g
                          LEFT JOIN (SELECT DISTINCT kg_file, kg_row, x.mention_id, x.entity_id FROM {_unnest('mentions')}) m
                            ON m.kg_file = g.kg_file AND m.kg_row = g.kg_row AND m.mention_id = g.x.mention_id""",
        "attributes": f"""SELECT x.value_id, x.value, image_id, kg_file, kg_row, kg_pos FROM {_unnest('attributes')}""",
        "edges": f"""
            SELECT type, src, dst, predicate, scope, geometry, conf::DOUBLE AS conf, ev, prov, kg_file, kg_row FROM (
                SELECT 'HAS_CAPTION' AS type, image_id AS src, x.caption_id AS dst, '' AS predicate, 'image' AS scope,
                       false AS geometry, 1.0 AS conf, x.caption_id AS ev, x.source AS prov, kg_file, kg_row
                FROM {_unnest('captions')}
                UNION ALL SELECT 'DEPICTS', image_id, x.entity_id, '', 'image', false, x.score, x.region_id,
                       'detector:' || x.detector, kg_file, kg_row FROM {_unnest('regions')}
                UNION ALL SELECT 'INSTANCE_OF', x.region_id, x.entity_id, '', 'image', false, x.score, x.region_id,
                       'detector:' || x.detector, kg_file, kg_row FROM {_unnest('regions')}
                UNION ALL SELECT 'MENTIONS', x.caption_id, x.entity_id, '', 'image', false, {conf}, x.mention_id, '{ext}',
                       kg_file, kg_row FROM {_unnest('mentions')}
                UNION ALL SELECT 'INSTANCE_OF', x.mention_id, x.entity_id, '', 'image', false, {conf}, x.caption_id, '{ext}',
                       kg_file, kg_row FROM {_unnest('mentions')}
                UNION ALL SELECT 'GROUNDED_IN', x.mention_id, x.region_id, '', 'image', false, x.score, x.region_id, 'ground',
                       kg_file, kg_row FROM {_unnest('groundings')}
                UNION ALL SELECT 'HAS_ATTRIBUTE', x.mention_id, x.value_id, x.value, 'image', false, {conf}, x.caption_id,
                       '{ext}', kg_file, kg_row FROM {_unnest('attributes')}
                UNION ALL SELECT 'HAS_ATTRIBUTE', x.entity_id, x.value_id, x.value, 'concept', false, {conf}, image_id,
                       '{ext}', kg_file, kg_row FROM {_unnest('attributes')}
                UNION ALL SELECT 'RELATION', x.subject_mention, x.object_mention, x.predicate, 'image', false, {conf},
                       x.caption_id, '{ext}', kg_file, kg_row FROM {_unnest('relations')}
                UNION ALL SELECT 'RELATION', x.subject_entity, x.object_entity, x.predicate, 'concept', false, {conf},
                       image_id, '{ext}', kg_file, kg_row FROM {_unnest('relations')}
                UNION ALL SELECT 'RELATION', x.subject_region, x.object_region, x.predicate, 'image', true, x.score,
                       image_id, x.source, kg_file, kg_row FROM {_unnest('spatial')}
                UNION ALL SELECT 'RELATION', x.subject_entity, x.object_entity, x.predicate, 'concept', true, x.score,
                       image_id, x.source, kg_file, kg_row FROM {_unnest('spatial')}
            )""",
    }

