"""Small helpers for tests: real JPEG bytes, real Parquet corpora."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def jpeg(arr, quality: int = 90) -> bytes:
    """RGB/gray uint8 array -> JPEG bytes."""
    from PIL import Image

    b = io.BytesIO()
    Image.fromarray(arr).save(b, "JPEG", quality=quality)
    return b.getvalue()


def write_corpus(path: Path, rows: list[dict], schema: pa.Schema | None = None) -> Path:
    """Write `rows` (dicts with id, image/image_path, text ...) as a Parquet corpus file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path
