"""Exports of a graph to other formats; every exporter reads through pipeline.graph.store."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pipeline.graph.store import GraphError, GraphStore

#: format -> default name under GRAPH/exports/
DEFAULT_NAMES = {"graphml": "graph.graphml", "neo4j": "neo4j", "turtle": "graph.ttl", "ladybug": "ladybug-db"}


def export_graph(graph: str | Path, fmt: str, dest: str | Path | None = None,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Write the graph at `graph` (folder or URI) in format `fmt` to `dest` (default
    GRAPH/exports/<name>; an existing folder gets the default name inside it); returns the path.

    Formats: graphml (one file), neo4j (folder of neo4j-admin import CSVs + import.sh),
    turtle (RDF file), ladybug (database folder, ready for Cypher). Raises GraphError when
    `graph` is not a complete graph, ValueError for an unknown format.
    """
    if fmt not in DEFAULT_NAMES:
        raise ValueError(f"unknown export format {fmt!r} (formats: {', '.join(DEFAULT_NAMES)})")
    with GraphStore.open(graph) as store:
        target = Path(dest) if dest else store.exports_dir() / DEFAULT_NAMES[fmt]
        if dest and target.is_dir() and (fmt in ("graphml", "turtle") or not _ours(target, fmt)):
            target = target / DEFAULT_NAMES[fmt]  # never replace a folder this exporter did not write
        if fmt == "graphml":
            from pipeline.export.graphml import write_graphml

            return write_graphml(store, target)
        if fmt == "neo4j":
            from pipeline.export.neo4j import write_neo4j

            return write_neo4j(store, target, progress)
        if fmt == "turtle":
            from pipeline.export.turtle import write_turtle

            return write_turtle(store, target, progress)
        from pipeline.query.cypher import build_ladybug

        return build_ladybug(store, target, progress)


def _ours(folder: Path, fmt: str) -> bool:
    """True when `folder` is empty or holds an earlier export of `fmt` (safe to replace)."""
    marker = {"neo4j": "import.sh", "ladybug": "fingerprint.json"}[fmt]
    return not any(folder.iterdir()) or (folder / marker).exists()


__all__ = ["export_graph", "GraphError", "DEFAULT_NAMES"]
