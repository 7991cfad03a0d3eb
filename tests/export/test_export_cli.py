"""Quick checks of `kg export` that need no graph (the export tests on whole graphs are in
test_exports.py, marked slow)."""

from __future__ import annotations

from pathlib import Path

from pipeline.cli import main


def test_export_cli_refuses_non_graph(tmp_path: Path, capsys) -> None:
    assert main(["export", str(tmp_path), "--format", "turtle"]) == 2
    assert "manifest.json" in capsys.readouterr().err
