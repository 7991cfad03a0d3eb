"""pipeline.core.atomic: files and folders appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.atomic import atomic_write_dir, write_text_atomic


def test_folder_is_replaced_whole(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    atomic_write_dir(dest, lambda w: (w / "a.txt").write_text("one"))
    assert sorted(p.name for p in dest.iterdir()) == ["a.txt"]
    atomic_write_dir(dest, lambda w: (w / "b.txt").write_text("two"))
    assert sorted(p.name for p in dest.iterdir()) == ["b.txt"]  # the old folder is gone, not merged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp or old folder left


def test_failed_fill_leaves_the_old_folder(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    atomic_write_dir(dest, lambda w: (w / "a.txt").write_text("one"))

    def boom(w: Path) -> None:
        (w / "half.txt").write_text("half")
        raise RuntimeError("fill failed")

    with pytest.raises(RuntimeError):
        atomic_write_dir(dest, boom)
    assert [p.name for p in dest.iterdir()] == ["a.txt"] and (dest / "a.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_text_file(tmp_path: Path) -> None:
    f = write_text_atomic(tmp_path / "r.html", "<p>é</p>")
    assert f.read_text(encoding="utf-8") == "<p>é</p>" and sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
