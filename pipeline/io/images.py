"""Getting image bytes safely and decoding them to RGB arrays (Pillow; no Ray, no stages)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np


class ImageRejected(Exception):
    """A row's image cannot be used; `reason` is a short code, the message says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_REMOTE_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://", "file://", "data:")


def resolve_image_path(path: str, roots: Sequence[str]) -> str:
    """The real path of `path` (relative to one of `roots`), refusing anything that leaves
    them: absolute paths outside, `..`, symlinks pointing out. Raises ImageRejected."""
    if not path or not path.strip():
        raise ImageRejected("missing_image", "empty image_path")
    if "\x00" in path:
        raise ImageRejected("path_invalid", "image_path contains a NUL byte")
    if path.lower().startswith(_REMOTE_PREFIXES):
        raise ImageRejected("remote_disabled", f"remote image {path[:200]!r}: remote fetching is off")
    if not roots:
        raise ImageRejected("no_image_root", "image_path given but no image root configured (--image-root DIR)")
    for root in roots:
        real_root = os.path.realpath(root)
        candidate = os.path.realpath(os.path.join(real_root, path))
        if os.path.commonpath([candidate, real_root]) != real_root:
            continue
        if os.path.isfile(candidate):
            return candidate
    # distinguish "outside every root" from "not found"
    inside = any(
        os.path.commonpath([os.path.realpath(os.path.join(os.path.realpath(r), path)), os.path.realpath(r)]) == os.path.realpath(r)
        for r in roots
    )
    if not inside:
        raise ImageRejected("path_outside_roots", f"{path[:200]!r} resolves outside the image roots")
    raise ImageRejected("missing_file", f"{path[:200]!r} not found under the image roots")


def read_image_file(path: str, max_bytes: int) -> bytes:
    """The bytes of an image file, refusing files larger than `max_bytes`."""
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ImageRejected("too_large", f"file is {size} bytes, limit {max_bytes}")
    with open(path, "rb") as f:
        return f.read()


@dataclass(frozen=True)
class Decoded:
    """An image after EXIF orientation: original size and an RGB working copy."""

    width: int
    height: int
    rgb: np.ndarray  # uint8 HxWx3, longest side <= max_side


def decode_image(data: bytes, max_pixels: int, max_side: int) -> Decoded:
    """Decode `data` with Pillow: EXIF orientation, RGB (alpha composited on white, 16-bit and
    CMYK converted), working copy scaled so its longest side is at most `max_side`.

    Raises ImageRejected: empty_image, not_an_image, too_many_pixels, decode_error.
    """
    from PIL import Image, ImageOps

    if not data:
        raise ImageRejected("empty_image", "image has zero bytes")
    try:
        im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise ImageRejected("too_many_pixels", str(e)) from None
    except Exception as e:  # noqa: BLE001 - Pillow raises many kinds for garbage input
        raise ImageRejected("not_an_image", f"Pillow cannot identify the image ({type(e).__name__})") from None
    w, h = im.size
    if w * h > max_pixels:
        raise ImageRejected("too_many_pixels", f"{w}x{h} exceeds the {max_pixels}-pixel limit")
    if w < 1 or h < 1:
        raise ImageRejected("decode_error", f"degenerate size {w}x{h}")
    try:
        # JPEG draft mode decodes at a reduced scale directly: far cheaper for big photos.
        if im.format == "JPEG" and max(w, h) > 2 * max_side:
            im.draft("RGB", (max_side, max_side))
        im = ImageOps.exif_transpose(im)
        width, height = _oriented_size(im, w, h)
        im = _to_rgb(im)
        if max(im.size) > max_side:
            im.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
        rgb = np.asarray(im, dtype=np.uint8)
    except ImageRejected:
        raise
    except Exception as e:  # noqa: BLE001 - truncated / corrupt data surfaces here
        raise ImageRejected("decode_error", f"{type(e).__name__}: {str(e)[:200]}") from None
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageRejected("decode_error", f"unexpected decoded shape {rgb.shape}")
    return Decoded(width, height, np.ascontiguousarray(rgb))


def _oriented_size(im, w: int, h: int) -> tuple[int, int]:
    """Original size after EXIF rotation (draft mode may have shrunk `im`)."""
    if im.size == (w, h) or im.size == (h, w):
        return im.size
    # drafted: scale factor applies to both sides; keep orientation of the transposed image
    return (w, h) if (im.size[0] >= im.size[1]) == (w >= h) else (h, w)


def _to_rgb(im):
    from PIL import Image

    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        scale = 255.0 / 65535.0 if arr.max() > 255 else 1.0  # 16-bit range to 8-bit
        im = Image.fromarray((arr * scale).round().clip(0, 255).astype(np.uint8), "L")
    if im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        im = Image.fromarray(((arr - lo) / ((hi - lo) or 1.0) * 255).astype(np.uint8), "L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")
