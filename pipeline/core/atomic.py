"""One way to write a file atomically: into a temp file beside it, then rename. Readers never
see half a file, and a retried writer just replaces it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` to fill a temp file beside `path`, then rename it to `path`.

    The temp name carries the process id, so concurrent writers of the same content (retried
    tasks) never clobber each other's half-written file. Returns `path`.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """`data` as indented, key-sorted UTF-8 JSON at `path`, written atomically."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True, ensure_ascii=False, default=str)
            f.write("\n")

    return atomic_write(path, write)
