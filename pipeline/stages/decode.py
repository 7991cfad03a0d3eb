"""decode: corpus row -> image id, original size and an RGB working copy; bad images quarantined.

CPU task ahead of the model actors, so accelerators never wait on JPEG decoding.
"""

from __future__ import annotations

import json
from typing import ClassVar

import pandas as pd
import pyarrow as pa

from pydantic import Field, PositiveFloat, PositiveInt

from pipeline.core.ids import image_id
from pipeline.core.stage import QUARANTINE_DETAIL, QUARANTINE_REASON, Records, Resources, Stage, StageConfig, register_stage
from pipeline.graph.records import Caption, caption_id
from pipeline.io.fetch import FetchOptions, fetch_batch, is_remote, take
from pipeline.io.images import ImageRejected, decode_image, read_image_file, resolve_image_path
from pipeline.stages import columns as C


class DecodeConfig(StageConfig):
    """Decoding limits and where images may come from (config section `decode`)."""

    image_roots: list[str] = []  # image_path is resolved under these
    allow_remote: bool = False  # fetch http(s) image_path URLs; off: such rows are quarantined
    remote_timeout_s: PositiveFloat = 10.0
    fetch: FetchOptions = Field(default_factory=FetchOptions)  # per-host limit, retries, opt-outs, address checks
    text_columns: list[str] = ["text"]  # string or list<string>
    max_side: PositiveInt = 1024  # longest side of the working copy handed to models
    max_pixels: PositiveInt = 80_000_000  # decompression-bomb guard (width*height of the original)
    max_bytes: PositiveInt = 64 * 1024 * 1024  # largest encoded image accepted
    passthrough: bool = True  # keep other corpus columns (as JSON) in the images table
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=32))


@register_stage
class DecodeStage(Stage):
    """Reads `id`, `image` or `image_path`, text columns; adds image id, sizes, pixels, and the
    corpus captions (source `corpus`)."""

    name: ClassVar[str] = "decode"
    Config: ClassVar = DecodeConfig
    requires: ClassVar[tuple[str, ...]] = (C.ID,)
    produces: ClassVar = {
        C.IMAGE_ID: pa.string(),
        C.WIDTH: pa.int32(),
        C.HEIGHT: pa.int32(),
        C.PIXELS: pa.binary(),
        C.PIX_H: pa.int32(),
        C.PIX_W: pa.int32(),
        C.IMAGE_URI: pa.string(),
        C.CAPTIONS: Records(Caption),
        C.EXTRA: pa.string(),
    }
    drops: ClassVar[tuple[str, ...]] = (C.IMAGE,)
    transient: ClassVar[tuple[str, ...]] = (C.PIXELS, C.PIX_H, C.PIX_W)
    config: DecodeConfig

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "max_side": self.config.max_side, "max_pixels": self.config.max_pixels}

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        cfg = self.config
        known = {C.ID, C.IMAGE, C.IMAGE_PATH, C.SOURCE_FILE, *cfg.text_columns}
        extra_cols = [c for c in batch.columns if c not in known and not c.startswith(("quarantine_", "kg_", "seconds_"))] if cfg.passthrough else []
        rows: dict[str, list] = {k: [] for k in [*self.produces, QUARANTINE_REASON, QUARANTINE_DETAIL]}
        fetched = {}  # the batch's URLs, fetched together
        if cfg.allow_remote:
            no_column = [None] * len(batch)
            fetched = fetch_batch(batch.get(C.IMAGE, no_column), batch.get(C.IMAGE_PATH, no_column), cfg.fetch,
                                  cfg.remote_timeout_s, cfg.max_bytes)
        for rec in batch.to_dict("records"):
            out = dict.fromkeys(rows)
            try:
                texts = _texts(rec, cfg.text_columns)
                out[C.EXTRA] = _extra_json(rec, extra_cols)
                rid = rec.get(C.ID)
                if not isinstance(rid, str) or not rid.strip():
                    raise ImageRejected("missing_id", "row has no id")
                data, uri = self._image_bytes(rec, fetched)
                dec = decode_image(data, cfg.max_pixels, cfg.max_side)
                iid = image_id(data)
                out.update({
                    C.IMAGE_ID: iid, C.WIDTH: dec.width, C.HEIGHT: dec.height,
                    C.PIXELS: dec.rgb.tobytes(), C.PIX_H: dec.rgb.shape[0], C.PIX_W: dec.rgb.shape[1],
                    C.IMAGE_URI: uri,
                    C.CAPTIONS: [Caption(caption_id(iid, "corpus", t), t, "corpus") for t in texts],
                })
            except ImageRejected as e:
                out[QUARANTINE_REASON], out[QUARANTINE_DETAIL] = e.reason, e.detail
            for k in rows:
                rows[k].append(out[k])
        return pd.DataFrame(rows)

    def _image_bytes(self, rec: dict, fetched: dict) -> tuple[bytes, str]:
        """The row's encoded image and its URI: inline bytes, a fetched URL (`fetched`), or a
        file under the image roots."""
        data = rec.get(C.IMAGE)
        if isinstance(data, (bytes, bytearray, memoryview)) and len(data) > 0:
            uri = f"{rec.get(C.SOURCE_FILE) or ''}#id={rec[C.ID]}"
            return bytes(data), uri
        path = rec.get(C.IMAGE_PATH)
        if isinstance(path, str) and path:
            if self.config.allow_remote and is_remote(path):
                return take(fetched, path), path
            real = resolve_image_path(path, self.config.image_roots)
            return read_image_file(real, self.config.max_bytes), path
        if isinstance(data, (bytes, bytearray, memoryview)):
            raise ImageRejected("empty_image", "image has zero bytes")
        raise ImageRejected("missing_image", "row has neither image bytes nor image_path")


def _texts(rec: dict, text_columns: list[str]) -> list[str]:
    """Non-empty caption strings of a row, in column order, duplicates removed."""
    out: list[str] = []
    for col in text_columns:
        v = rec.get(col)
        if isinstance(v, (str, bytes, bytearray)):
            items = [v]
        elif hasattr(v, "__iter__") and not isinstance(v, (bytes, dict)):
            items = list(v)
        else:  # None, NA, NaN
            continue
        for t in items:
            if isinstance(t, (bytes, bytearray)):  # a binary caption column: invalid UTF-8 is replaced, not fatal
                t = bytes(t).decode("utf-8", errors="replace")
            if isinstance(t, str) and t.strip() and t.strip() not in out:
                out.append(t.strip())
    return out


def _extra_json(rec: dict, cols: list[str]) -> str | None:
    if not cols:
        return None
    return json.dumps({c: _jsonable(rec.get(c)) for c in cols}, ensure_ascii=False, sort_keys=True, default=str)


def _jsonable(v: object) -> object:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bytes, bytearray)):
        return f"<{len(v)} bytes>"
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, float) and v != v:
        return None
    return v
