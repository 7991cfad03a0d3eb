"""RDF (Turtle) export with one documented vocabulary, streamed (the graph is never held in memory).

Vocabulary: namespace ``kg:`` = ``urn:kg-pipeline:vocab#``.

* Nodes are ``<urn:kg-pipeline:node:ID>`` (ID = image_id, caption_id, ...) typed with the classes
  ``kg:Image``, ``kg:Caption``, ``kg:Region``, ``kg:Mention``, ``kg:Entity``; every other column
  of their table is a property ``kg:<column>`` (``kg:corpus_id``, ``kg:text``, ``kg:name``,
  ``kg:score`` ...): strings as plain literals, integers as xsd:integer, floats as xsd:double,
  one triple per element of a list column; absent values give no triple.
* Every edge gives one direct triple ``src P dst``, P by edge type: ``kg:hasCaption``,
  ``kg:depicts``, ``kg:mentions``, ``kg:instanceOf``, ``kg:groundedIn``, ``kg:hasAttribute``;
  a RELATION edge uses its predicate's own property ``<urn:kg-pipeline:vocab#rel/PREDICATE>``
  (percent-encoded), declared once with ``rdfs:subPropertyOf kg:relation`` and ``rdfs:label``.
* Every edge is also a resource ``<urn:kg-pipeline:edge:EDGE_ID> a kg:Edge`` with ``kg:source``,
  ``kg:target``, ``kg:edgeType``, ``kg:predicate`` (when not empty), ``kg:scope``, ``kg:count``,
  ``kg:confidence``, ``kg:evidence`` (one node IRI per id) and ``kg:provenance``.

Example (SPARQL): images that depict a horse::

    PREFIX kg: <urn:kg-pipeline:vocab#>
    SELECT DISTINCT ?corpus_id WHERE {
      ?e a kg:Entity ; kg:name "horse" .
      { ?img kg:depicts ?e } UNION { ?img kg:hasCaption/kg:mentions ?e }
      ?img kg:corpus_id ?corpus_id }
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, TextIO
from urllib.parse import quote

from pipeline.core.atomic import atomic_write
from pipeline.graph.schema import graph_contract
from pipeline.graph.store import GraphStore

VOCAB = "urn:kg-pipeline:vocab#"
NODE_NS = "urn:kg-pipeline:node:"
EDGE_NS = "urn:kg-pipeline:edge:"
CLASSES = {"images": "Image", "captions": "Caption", "regions": "Region", "mentions": "Mention", "entities": "Entity"}
EDGE_PROPERTIES = {"HAS_CAPTION": "hasCaption", "DEPICTS": "depicts", "MENTIONS": "mentions", "INSTANCE_OF": "instanceOf",
                   "GROUNDED_IN": "groundedIn", "HAS_ATTRIBUTE": "hasAttribute", "RELATION": "relation"}
XSD_DOUBLE = "<http://www.w3.org/2001/XMLSchema#double>"

_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS = re.compile(r'[\\"\x00-\x1f\x7f]')


def literal(s: str) -> str:
    """A Turtle string literal for `s` (quotes, backslashes and control characters escaped)."""
    return '"' + _NEEDS.sub(lambda m: _ESC.get(m.group(), f"\\u{ord(m.group()):04X}"), s) + '"'


def iri(ns: str, local: str) -> str:
    """`<ns + local>` with `local` percent-encoded (safe in any IRI)."""
    return f"<{ns}{quote(local, safe='_-.')}>"


def predicate_iri(predicate: str) -> str:
    """The property of a RELATION predicate ("sit on" -> <urn:kg-pipeline:vocab#rel/sit%20on>)."""
    return iri(VOCAB + "rel/", predicate)


def _value(v: Any, typ: str) -> str:
    if typ == "string":
        return literal(v)
    if typ in ("float", "double"):
        return f'"{float(v)!r}"^^{XSD_DOUBLE}'
    return str(int(v))


def _node_triples(out: TextIO, store: GraphStore, table: str) -> int:
    cols = graph_contract()["tables"][table]["columns"]
    key = cols[0][0]
    names = ", ".join(f'"{n}"' for n, _ in cols)
    n = 0
    for batch in store.arrow_reader(f'SELECT {names} FROM "{table}" ORDER BY "{key}"'):
        for r in batch.to_pylist():
            parts = [f"a kg:{CLASSES[table]}"]
            for name, typ in cols[1:]:
                v = r[name]
                if v is None:
                    continue
                if typ.startswith("list"):
                    parts += [f"kg:{name} {literal(x)}" for x in dict.fromkeys(v) if x is not None]
                else:
                    parts.append(f"kg:{name} {_value(v, typ)}")
            out.write(iri(NODE_NS, r[key]) + " " + " ;\n    ".join(parts) + " .\n")
            n += len(parts)
    return n


def write_turtle(store: GraphStore, target: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Write the graph as Turtle at `target` (atomically); returns `target`. `progress` gets
    one line per table written."""
    say = progress or (lambda m: None)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(f"@prefix kg: <{VOCAB}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n")
            for table in CLASSES:
                say(f"turtle: {table} {_node_triples(out, store, table)} triples")
            for (p,) in store.sql("SELECT DISTINCT predicate FROM edges WHERE type = 'RELATION' ORDER BY 1").fetchall():
                out.write(f"{predicate_iri(p)} rdfs:subPropertyOf kg:relation ; rdfs:label {literal(p)} .\n")
            q = "SELECT edge_id, src, type, dst, predicate, scope, count, confidence, evidence, provenance FROM edges ORDER BY edge_id"
            n_edges = 0
            for batch in store.arrow_reader(q):
                n_edges += batch.num_rows
                say(f"turtle: edges {n_edges}")
                for e in batch.to_pylist():
                    s, d = iri(NODE_NS, e["src"]), iri(NODE_NS, e["dst"])
                    prop = predicate_iri(e["predicate"]) if e["type"] == "RELATION" else f"kg:{EDGE_PROPERTIES.get(e['type'], 'edge')}"
                    out.write(f"{s} {prop} {d} .\n")
                    parts = ["a kg:Edge", f"kg:source {s}", f"kg:target {d}", f"kg:edgeType {literal(e['type'])}"]
                    if e["predicate"]:
                        parts.append(f"kg:predicate {literal(e['predicate'])}")
                    if e["scope"] is not None:
                        parts.append(f"kg:scope {literal(e['scope'])}")
                    if e["count"] is not None:
                        parts.append(f"kg:count {int(e['count'])}")
                    if e["confidence"] is not None:
                        parts.append(f"kg:confidence {_value(e['confidence'], 'double')}")
                    parts += [f"kg:evidence {iri(NODE_NS, x)}" for x in dict.fromkeys(e["evidence"] or []) if x]
                    if e["provenance"] is not None:
                        parts.append(f"kg:provenance {literal(e['provenance'])}")
                    out.write(iri(EDGE_NS, e["edge_id"]) + " " + " ;\n    ".join(parts) + " .\n")

    atomic_write(target, write)
    return target
