"""Column names and codecs for what flows between stages.

Nested values travel between stages as JSON strings written and read only through the typed
records here (Box, SceneGraph, Grounding), so every batch has the same flat Arrow schema
whatever it holds, and no stage passes a free-form dict to another.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from pipeline.text.types import Attribute, Mention, Relation, SceneGraph
from pipeline.vision.types import Box

# Columns of the corpus (input contract, see schemas/corpus.json)
ID = "id"
IMAGE = "image"
IMAGE_PATH = "image_path"
SOURCE_FILE = "kg_file"  # added by the readers: the Parquet file a row came from (kg_* names are reserved)

# Columns added by stages
IMAGE_ID = "image_id"
WIDTH, HEIGHT = "width", "height"
PIXELS, PIX_H, PIX_W = "pixels", "pix_h", "pix_w"
IMAGE_URI = "image_uri"
TEXTS = "texts_json"
EXTRA = "extra_json"
REGIONS = "regions_json"
MODEL_CAPTION, MODEL_CAPTION_SOURCE = "model_caption", "model_caption_source"
GRAPHS = "graphs_json"
GROUNDINGS = "groundings_json"


def pixels_to_array(data: bytes, h: int, w: int) -> np.ndarray:
    """RGB uint8 HxWx3 array from the `pixels` bytes and their height/width."""
    return np.frombuffer(data, dtype=np.uint8).reshape(int(h), int(w), 3)


def dump_texts(texts: list[str]) -> str:
    return json.dumps(texts, ensure_ascii=False)


def load_texts(s: str | None) -> list[str]:
    return list(json.loads(s)) if s else []


def dump_boxes(boxes: list[Box]) -> str:
    return json.dumps([asdict(b) for b in boxes], ensure_ascii=False)


def load_boxes(s: str | None) -> list[Box]:
    return [Box(**d) for d in json.loads(s)] if s else []


def dump_graphs(graphs: list[tuple[str, SceneGraph]]) -> str:
    """JSON for (caption source, scene graph) pairs, one per caption of an image."""
    return json.dumps(
        [
            {
                "source": src,
                "caption": g.caption,
                "mentions": [asdict(m) for m in g.mentions],
                "attributes": [asdict(a) for a in g.attributes],
                "relations": [asdict(r) for r in g.relations],
            }
            for src, g in graphs
        ],
        ensure_ascii=False,
    )


def load_graphs(s: str | None) -> list[tuple[str, SceneGraph]]:
    """Inverse of `dump_graphs`."""
    if not s:
        return []
    return [
        (d["source"], SceneGraph(
            caption=d["caption"],
            mentions=tuple(Mention(**m) for m in d["mentions"]),
            attributes=tuple(Attribute(**a) for a in d["attributes"]),
            relations=tuple(Relation(**r) for r in d["relations"]),
        ))
        for d in json.loads(s)
    ]


@dataclass(frozen=True)
class Grounding:
    """Mention `mention` of caption `caption` (indices) is seen in region `region` (index)."""

    caption: int
    mention: int
    region: int
    score: float


def dump_groundings(gs: list[Grounding]) -> str:
    return json.dumps([asdict(g) for g in gs])


def load_groundings(s: str | None) -> list[Grounding]:
    return [Grounding(**d) for d in json.loads(s)] if s else []
