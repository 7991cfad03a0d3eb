"""Stable content-hash ids: the same content always gets the same id, so re-runs and merges
are idempotent."""

from __future__ import annotations

import hashlib

_SEP = "\x1f"


def content_id(kind: str, *parts: object) -> str:
    """`kind` prefix + 24 hex chars of blake2b over the parts, e.g. ``ent_3f2a...``."""
    h = hashlib.blake2b(digest_size=12)
    h.update(kind.encode())
    for p in parts:
        h.update(_SEP.encode())
        h.update(str(p).encode("utf-8", "surrogatepass"))
    return f"{kind}_{h.hexdigest()}"


def image_id(data: bytes) -> str:
    """Id of an image: sha256 of its encoded bytes (first 24 hex chars)."""
    return "img_" + hashlib.sha256(data).hexdigest()[:24]


def file_sha256(path: str) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
