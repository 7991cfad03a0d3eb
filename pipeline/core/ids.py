"""Content hashes: the one place ids and digests are made. The same content always gets the
same id, so re-runs and merges are idempotent."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

_SEP = b"\x1f"


def digest(*parts: object, size: int = 12) -> str:
    """Hex blake2b (`size` bytes) over the parts, each as UTF-8 text (bytes as they are),
    separated by a unit separator."""
    h = hashlib.blake2b(digest_size=size)
    for i, p in enumerate(parts):
        if i:
            h.update(_SEP)
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def content_id(kind: str, *parts: object) -> str:
    """`kind` prefix + 24 hex chars of blake2b over the kind and the parts, e.g. ``ent_3f2a...``."""
    return f"{kind}_{digest(kind, *parts)}"


def image_id(data: bytes) -> str:
    """Id of an image: sha256 of its encoded bytes (first 24 hex chars)."""
    return "img_" + hashlib.sha256(data).hexdigest()[:24]


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    with open(path, "rb") as f:
        return stream_sha256(f)


def stream_sha256(f: BinaryIO) -> str:
    """Hex sha256 of everything left in a binary stream (a local file, a pyarrow input stream),
    read in 1 MiB chunks."""
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()
