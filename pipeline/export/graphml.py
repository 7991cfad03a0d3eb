"""GraphML export: every node table and the edge table as one directed multigraph (networkx)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.core.atomic import atomic_write
from pipeline.graph.store import GraphStore

NODE_TABLES = {"images": "image_id", "captions": "caption_id", "regions": "region_id", "mentions": "mention_id", "entities": "entity_id"}

# XML 1.0 forbids these characters even escaped, and parsers turn \r into \n: they are written
# as visible \uXXXX text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """`value` with characters XML cannot carry replaced by their \\uXXXX escape."""
    return _XML_ILLEGAL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _attr(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, (list, tuple, dict)):
        return xml_text(json.dumps(v, ensure_ascii=False))
    if hasattr(v, "tolist"):
        return xml_text(json.dumps(v.tolist(), ensure_ascii=False))
    if isinstance(v, str):
        return xml_text(v)
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v
    return xml_text(str(v))


def write_graphml(store: GraphStore, target: Path) -> Path:
    """Write the opened graph as GraphML at `target` (atomically); returns `target`."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for table, key in NODE_TABLES.items():
        for row in store.read_table(table).to_pylist():
            node = row.pop(key)
            g.add_node(node, kind=table.rstrip("s") if table != "entities" else "entity", **{k: _attr(v) for k, v in row.items()})
    edges = store.read_table("edges").to_pylist()
    for e in edges:
        src, dst = e.pop("src"), e.pop("dst")
        g.add_edge(src, dst, key=e["edge_id"], **{k: _attr(v) for k, v in e.items()})
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(target, lambda tmp: nx.write_graphml(g, tmp, encoding="utf-8"))
