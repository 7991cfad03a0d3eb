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


def write_text_atomic(path: str | Path, text: str) -> Path:
    """`text` as UTF-8 at `path`, written atomically. Returns `path`."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_dir(path: str | Path, fill: Callable[[Path], None]) -> Path:
    """Call `fill(tmp)` to fill a new temp folder beside `path`, then swap it in for `path`.

    An existing folder at `path` is moved aside and removed only after the new one is in place,
    so readers see the old folder or the new one, never a half-filled one. On failure the temp
    folder is removed and `path` is left as it was. Returns `path`.
    """
    import shutil

    path = Path(path)
    work = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        fill(work)
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.{os.getpid()}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        os.replace(work, path)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path
