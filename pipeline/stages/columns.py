"""Names of the columns the stages add, and the pixel helper. Types are declared by each stage
(`produces`); nested values are lists of records from pipeline.graph.records."""

from __future__ import annotations

import numpy as np

from pipeline.core.columns import ID, IMAGE, IMAGE_PATH, SOURCE_FILE  # noqa: F401  (corpus columns)

IMAGE_ID = "image_id"
WIDTH, HEIGHT = "width", "height"
PIXELS, PIX_H, PIX_W = "pixels", "pix_h", "pix_w"  # RGB working copy (transient)
IMAGE_URI = "image_uri"
EXTRA = "extra_json"
CAPTIONS = "captions"  # list<Caption>: corpus text (decode), then generated ones
REGIONS = "regions"  # list<Region>
MENTIONS, ATTRIBUTES, RELATIONS = "mentions", "attributes", "relations"  # from extract
GROUNDINGS = "groundings"  # list<Grounding>
SPATIAL = "spatial"  # list<SpatialRelation>: relations between the boxes of an image


def pixels_to_array(data: bytes, h: int, w: int) -> np.ndarray:
    """RGB uint8 HxWx3 array from the `pixels` bytes and their height/width."""
    return np.frombuffer(data, dtype=np.uint8).reshape(int(h), int(w), 3)
