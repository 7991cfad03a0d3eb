"""Exports of a graph folder to other formats."""

from __future__ import annotations

from pathlib import Path


def export_graph(graph_dir: str | Path, fmt: str, dest: str | Path | None = None) -> Path:
    """Write `graph_dir` in format `fmt` to `dest` (default GRAPH/exports/graph.<ext>); returns the path."""
    graph_dir = Path(graph_dir)
    if not (graph_dir / "manifest.json").exists():
        raise FileNotFoundError(f"{graph_dir}: not a graph folder (no manifest.json)")
    if fmt == "graphml":
        from pipeline.export.graphml import write_graphml

        target = Path(dest) if dest else graph_dir / "exports" / "graph.graphml"
        if target.is_dir():
            target = target / "graph.graphml"
        return write_graphml(graph_dir, target)
    raise ValueError(f"unknown export format {fmt!r}")
