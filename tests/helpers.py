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


def stacked_photo() -> bytes:
    """A real 600x912 JPEG: scikit-image's coffee photo (cup, spoon) on top, the astronaut
    (a person) below it: boxes in a known spatial layout."""
    import numpy as np
    from skimage import data

    canvas = np.full((912, 600, 3), 255, np.uint8)
    canvas[:400], canvas[400:, 44:556] = data.coffee(), data.astronaut()
    return jpeg(canvas)


def write_corpus(path: Path, rows: list[dict], schema: pa.Schema | None = None) -> Path:
    """Write `rows` (dicts with id, image/image_path, text ...) as a Parquet corpus file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def start_local_ray() -> None:
    """Start the suite's embedded Ray (2 CPUs, no dashboard, warnings only): the session's
    `ray_local`, and the one a test that needed a cluster of its own puts back afterwards."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")


class Replies:
    """Mixin for `http.server.BaseHTTPRequestHandler` test servers: `_send(code, body, headers)`."""

    def _send(self, code: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def graph_root(out: Path) -> Path:
    """The folder of a local graph's live version (follows CURRENT; a plain folder otherwise)."""
    out = Path(out)
    cur = out / "CURRENT"
    if cur.exists():
        return out / "versions" / cur.read_text().strip().removeprefix("versions/").strip("/")
    return out


def read_graph_manifest(out: Path) -> dict:
    """The live version's manifest of a local graph."""
    import json

    return json.loads((graph_root(out) / "manifest.json").read_text())


def read_graph_table(out: Path, table: str) -> pa.Table:
    """One table of a local graph's live version (all its parts, in part order)."""
    return pq.read_table(graph_root(out) / table)
