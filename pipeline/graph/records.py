"""Arrow types of the per-image graph fragments that the assemble stage writes to staging,
and the staging schema the merge step reads."""

from __future__ import annotations

import pyarrow as pa

CAPTION = pa.struct([("caption_id", pa.string()), ("text", pa.string()), ("source", pa.string())])
REGION = pa.struct([
    ("region_id", pa.string()), ("label", pa.string()), ("score", pa.float32()),
    ("x1", pa.float32()), ("y1", pa.float32()), ("x2", pa.float32()), ("y2", pa.float32()),
    ("detector", pa.string()), ("entity_id", pa.string()),
])
MENTION = pa.struct([
    ("mention_id", pa.string()), ("caption_id", pa.string()), ("entity_id", pa.string()),
    ("name", pa.string()), ("type", pa.string()), ("text", pa.string()),
    ("start", pa.int32()), ("end", pa.int32()), ("count", pa.int32()), ("source", pa.string()),
])
GROUNDING = pa.struct([("mention_id", pa.string()), ("region_id", pa.string()), ("score", pa.float32())])
ATTRIBUTE = pa.struct([
    ("mention_id", pa.string()), ("entity_id", pa.string()), ("value", pa.string()),
    ("value_id", pa.string()), ("caption_id", pa.string()), ("source", pa.string()),
])
RELATION = pa.struct([
    ("caption_id", pa.string()), ("subject_mention", pa.string()), ("subject_entity", pa.string()),
    ("predicate", pa.string()), ("object_mention", pa.string()), ("object_entity", pa.string()),
    ("source", pa.string()),
])

FRAGMENTS: dict[str, pa.DataType] = {
    "captions": pa.list_(CAPTION),
    "regions": pa.list_(REGION),
    "mentions": pa.list_(MENTION),
    "groundings": pa.list_(GROUNDING),
    "attributes": pa.list_(ATTRIBUTE),
    "relations": pa.list_(RELATION),
}

# One staging row per corpus row (quarantined rows included, with their reason).
STAGING_BASE = pa.schema([
    ("id", pa.string()),
    ("kg_file", pa.string()),
    ("kg_row", pa.int64()),
    ("kg_shard", pa.string()),
    ("image_id", pa.string()),
    ("image_uri", pa.string()),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("extra_json", pa.string()),
    ("quarantine_reason", pa.string()),
    ("quarantine_detail", pa.string()),
    ("quarantine_stage", pa.string()),
    *FRAGMENTS.items(),
])


def staging_schema(stage_names: list[str]) -> pa.Schema:
    """STAGING_BASE plus one float64 `seconds_<stage>` column per stage."""
    s = STAGING_BASE
    for name in stage_names:
        s = s.append(pa.field(f"seconds_{name}", pa.float64()))
    return s
