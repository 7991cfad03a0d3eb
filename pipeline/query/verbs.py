"""The `kg query` verbs over an opened graph: entity, images, neighbors, path, stats, sql.

Every verb takes a GraphStore and returns a Result; the work is SQL over the store's DuckDB views
(only the rows a question needs are read). neighbors/path expand frontiers with DuckDB and hand
the selected subgraph, never the whole graph, to networkx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.graph.store import GraphError, GraphStore
from pipeline.query.names import Entity, UnknownName, find_entities, predicate_variants, resolve, squeeze, suggest
from pipeline.query.result import Result, Section


class NotFound(LookupError):
    """A question with no answer the user should hear about (exit 1): unknown name, no path."""


def sql_list(values: list[str] | tuple[str, ...] | set[str]) -> str:
    """A SQL IN-list of string literals, quotes doubled (`(NULL)` for an empty list: matches nothing)."""
    vals = sorted(set(values))
    if not vals:
        return "(NULL)"
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in vals) + ")"


def _resolve(store: GraphStore, name: str, type_: str | None = None) -> Entity:
    try:
        return resolve(store, name, type_)
    except UnknownName as e:
        raise NotFound(str(e)) from None


#: edges read from the boxes alone (the spatial stage), kept apart from what captions say
GEOMETRY = "coalesce(e.provenance, '') LIKE 'geometry%'"


# --------------------------------------------------------------------------- entity
def entity(store: GraphStore, name: str, type_: str | None = None, limit: int = 10) -> Result:
    """What the graph knows about NAME: counts, attributes, relations out and in (what captions
    say, then what the boxes show: `spatial_out` / `spatial_in`, provenance geometry), example images."""
    found = find_entities(store, name, type_)
    if not found:
        raise NotFound(str(UnknownName(name, suggest(store, name))))
    e = found[0]
    eid = sql_list([e.entity_id])
    summary: dict[str, Any] = {
        "name": e.name, "type": e.type, "entity_id": e.entity_id,
        "mention_count": e.mention_count, "image_count": e.image_count, "region_count": e.region_count,
    }
    if len(found) > 1:
        summary["also"] = [f"{o.name} ({o.type})" for o in found[1:]]
    q = store.sql
    attrs = q(f"""SELECT predicate AS attribute, count FROM edges
                  WHERE type = 'HAS_ATTRIBUTE' AND scope = 'concept' AND src IN {eid}
                  ORDER BY count DESC, attribute LIMIT {int(limit)}""").fetchall()
    rel: dict[str, list] = {}
    for kind, geo in (("relations", "NOT "), ("spatial", "")):  # captions' relations, then the boxes'
        where = f"e.type = 'RELATION' AND e.scope = 'concept' AND {geo}{GEOMETRY}"
        rel[kind + "_out"] = q(f"""SELECT e.predicate, o.name, o.type, e.count, e.confidence, e.provenance FROM edges e
                JOIN entities o ON o.entity_id = e.dst WHERE {where} AND e.src IN {eid}
                ORDER BY e.count DESC, e.predicate, o.name LIMIT {int(limit)}""").fetchall()
        rel[kind + "_in"] = q(f"""SELECT s.name, s.type, e.predicate, e.count, e.confidence, e.provenance FROM edges e
                JOIN entities s ON s.entity_id = e.src WHERE {where} AND e.dst IN {eid}
                ORDER BY e.count DESC, e.predicate, s.name LIMIT {int(limit)}""").fetchall()
    imgs = q(f"""WITH ev AS (
                   SELECT image_id, 'caption' AS via FROM mentions WHERE entity_id IN {eid}
                   UNION ALL SELECT image_id, 'detector' AS via FROM regions WHERE entity_id IN {eid})
                 SELECT i.corpus_id, i.source_uri, string_agg(DISTINCT ev.via, '+' ORDER BY ev.via) AS via,
                        count(*) AS evidence, i.image_id
                 FROM ev JOIN images i USING (image_id)
                 GROUP BY i.image_id, i.corpus_id, i.source_uri
                 ORDER BY evidence DESC, i.corpus_id LIMIT {int(limit)}""").fetchall()
    sections = [
        Section("attributes", ["attribute", "count"], [list(r) for r in attrs]),
        *(Section(k, ["predicate", "object", "object_type", "count", "confidence", "provenance"], [list(r) for r in rel[k]])
          for k in ("relations_out", "spatial_out")),
        *(Section(k, ["subject", "subject_type", "predicate", "count", "confidence", "provenance"], [list(r) for r in rel[k]])
          for k in ("relations_in", "spatial_in")),
    ]
    if e.type == "attribute":
        of = q(f"""SELECT s.name, s.type, e.count FROM edges e JOIN entities s ON s.entity_id = e.src
                   WHERE e.type = 'HAS_ATTRIBUTE' AND e.scope = 'concept' AND e.dst IN {eid}
                   ORDER BY e.count DESC, s.name LIMIT {int(limit)}""").fetchall()
        sections.append(Section("attribute_of", ["entity", "entity_type", "count"], [list(r) for r in of]))
    sections.append(Section("images", ["corpus_id", "source_uri", "via", "evidence", "image_id"], [list(r) for r in imgs]))
    return Result(f"entity {e.name}", summary, sections)


# --------------------------------------------------------------------------- images
@dataclass(frozen=True)
class Condition:
    """One condition of `images`: its label and a SQL query yielding (image_id, kind, ref)."""

    label: str
    sql: str


def _entity_ids(store: GraphStore, name: str) -> list[str]:
    found = find_entities(store, name)
    if not found:
        raise NotFound(str(UnknownName(name, suggest(store, name))))
    things = [e for e in found if e.type != "attribute"] or found
    return [e.entity_id for e in things]


def _has(store: GraphStore, name: str, min_score: float) -> Condition:
    ids = sql_list(_entity_ids(store, name))
    s = float(min_score)
    return Condition(f"has {name}", f"""
        WITH m AS (SELECT image_id, caption_id, region_ids FROM mentions WHERE entity_id IN {ids})
        SELECT image_id, 'caption' AS kind, caption_id AS ref, NULL::FLOAT AS score FROM m
        UNION ALL SELECT image_id, 'box', region_id, score FROM regions WHERE score >= {s}
            AND (entity_id IN {ids} OR region_id IN (SELECT unnest(region_ids) FROM m WHERE region_ids IS NOT NULL))""")


def _split_relation(store: GraphStore, text: str) -> tuple[list[str], str, list[str]]:
    """'man ride horse' / 'man riding on horse' / 'tennis player hold racket' -> (subject ids,
    predicate, object ids): every split into subject, predicate, object is tried, longest
    subject first, until the predicate is a known one and both ends name entities."""
    words = text.split()
    if len(words) < 3:
        raise GraphError(f"--relation {text!r}: expected 'SUBJECT PREDICATE OBJECT', e.g. 'man ride horse'")
    preds = {r[0] for r in store.sql(
        "SELECT DISTINCT predicate FROM edges WHERE type = 'RELATION' AND scope = 'concept'").fetchall()}
    for i in range(1, len(words) - 1):
        for j in range(len(words) - 1, i, -1):
            subj, pred, obj = " ".join(words[:i]), " ".join(words[i:j]), " ".join(words[j:])
            pv = next((p for p in predicate_variants(pred) if p in preds), None)
            if pv is None:
                continue
            s, o = find_entities(store, subj), find_entities(store, obj)
            if s and o:
                return [e.entity_id for e in s], pv, [e.entity_id for e in o]
    raise NotFound(f"no relation {text!r} in the graph (predicates are lemmas, e.g. 'man ride horse')")


def _relation(store: GraphStore, text: str) -> Condition:
    s, p, o = _split_relation(store, text)
    return Condition(f"relation {text}", f"""
        WITH ms AS (SELECT mention_id, image_id, caption_id FROM mentions WHERE entity_id IN {sql_list(s)}),
             mo AS (SELECT mention_id FROM mentions WHERE entity_id IN {sql_list(o)}),
             boxes AS (SELECT e.src, e.dst FROM edges e
                       JOIN regions rs ON e.src = rs.region_id AND rs.entity_id IN {sql_list(s)}
                       JOIN regions ro ON e.dst = ro.region_id AND ro.entity_id IN {sql_list(o)}
                       WHERE e.type = 'RELATION' AND e.scope = 'image' AND e.predicate = {sql_list([p])[1:-1]})
        SELECT ms.image_id, 'caption' AS kind, ms.caption_id AS ref, NULL::FLOAT AS score FROM edges e
        JOIN ms ON e.src = ms.mention_id JOIN mo ON e.dst = mo.mention_id
        WHERE e.type = 'RELATION' AND e.scope = 'image' AND e.predicate = {sql_list([p])[1:-1]}
        UNION ALL SELECT r.image_id, 'box', r.region_id, r.score FROM regions r   -- the boxes show it
        WHERE r.region_id IN (SELECT src FROM boxes UNION ALL SELECT dst FROM boxes)""")


def _attr(store: GraphStore, spec: str) -> Condition:
    if ":" not in spec:
        raise GraphError(f"--attr {spec!r}: expected ENTITY:VALUE, e.g. horse:brown")
    name, value = (x.strip() for x in spec.split(":", 1))
    ids = _entity_ids(store, name)
    values = [v[0] for v in store.sql(
        f"SELECT DISTINCT predicate FROM edges WHERE type = 'HAS_ATTRIBUTE' AND predicate IN {sql_list(predicate_variants(value))}"
    ).fetchall()]
    if not values:
        raise NotFound(f"no attribute {value!r} in the graph")
    return Condition(f"attr {spec}", f"""
        WITH m AS (SELECT mention_id, image_id, caption_id FROM mentions WHERE entity_id IN {sql_list(ids)})
        SELECT m.image_id, 'caption' AS kind, m.caption_id AS ref, NULL::FLOAT AS score FROM edges e
        JOIN m ON e.src = m.mention_id
        WHERE e.type = 'HAS_ATTRIBUTE' AND e.scope = 'image' AND e.predicate IN {sql_list(values)}""")


def images(store: GraphStore, has: list[str] | None = None, relation: list[str] | None = None,
           attr: list[str] | None = None, min_score: float = 0.0, limit: int = 20) -> Result:
    """Images meeting every condition (--has X, --relation 'S P O', --attr X:V), with their
    evidence (captions, boxes), most evidence first (then best box score, then image id)."""
    conds = [_has(store, h, min_score) for h in has or []]
    conds += [_relation(store, r) for r in relation or []]
    conds += [_attr(store, a) for a in attr or []]
    if not conds:
        raise GraphError("images: give at least one of --has, --relation, --attr")
    ctes = ",\n".join(f"c{i} AS ({c.sql})" for i, c in enumerate(conds))
    hits = " INTERSECT ".join(f"SELECT image_id FROM c{i}" for i in range(len(conds)))
    ev = " UNION ALL ".join(f"SELECT image_id, kind, ref, score FROM c{i}" for i in range(len(conds)))
    # evidence of the matching images, gathered once; ranking and details read it back
    store.sql(f"""CREATE OR REPLACE TEMP TABLE _kg_ev AS
        WITH {ctes}, hit AS ({hits})
        SELECT DISTINCT * FROM ({ev}) WHERE image_id IN (SELECT image_id FROM hit)""")
    top = store.sql(f"""
        SELECT image_id, count(*) AS evidence, max(score) AS best_score, count(*) OVER () AS total FROM _kg_ev
        GROUP BY image_id ORDER BY evidence DESC, best_score DESC NULLS LAST, image_id
        LIMIT {int(limit)}""").fetchall()
    total = top[0][3] if top else 0
    ids = [r[0] for r in top]
    rows: list[list[Any]] = []
    if ids:
        ev_rows = store.sql(f"SELECT image_id, kind, ref FROM _kg_ev WHERE image_id IN {sql_list(ids)}").fetchall()
        cap_ids = {r[2] for r in ev_rows if r[1] == "caption"}
        box_ids = {r[2] for r in ev_rows if r[1] == "box"}
        texts = dict(store.sql(f"SELECT caption_id, text FROM captions WHERE caption_id IN {sql_list(cap_ids)}").fetchall()) if cap_ids else {}
        boxes_by_id = {r[0]: r[1:] for r in store.sql(
            f"SELECT region_id, label, score, x1, y1, x2, y2 FROM regions WHERE region_id IN {sql_list(box_ids)}").fetchall()} if box_ids else {}
        meta = {r[0]: r[1:] for r in store.sql(
            f"SELECT image_id, corpus_id, source_uri FROM images WHERE image_id IN {sql_list(ids)}").fetchall()}
        caps: dict[str, list[str]] = {i: [] for i in ids}
        boxes: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for iid, kind, ref in ev_rows:
            if kind == "caption":
                caps[iid].append(texts[ref])
            else:
                label, score, x1, y1, x2, y2 = boxes_by_id[ref]
                boxes[iid].append({"label": label, "score": round(float(score), 4),
                                   "box": [round(float(v), 1) for v in (x1, y1, x2, y2)]})
        for iid, n, _best, _total in top:
            corpus_id, uri = meta.get(iid, (None, None))
            rows.append([corpus_id, n, sorted(caps[iid]), sorted(boxes[iid], key=lambda b: -b["score"]), uri, iid])
    store.sql("DROP TABLE IF EXISTS _kg_ev")
    summary = {"conditions": [c.label for c in conds], "matching_images": total, "shown": len(rows)}
    return Result("images " + "; ".join(c.label for c in conds), summary,
                  [Section("images", ["corpus_id", "evidence", "captions", "boxes", "source_uri", "image_id"], rows)])


# --------------------------------------------------------------------------- neighbors / path
_CONCEPT = "scope = 'concept' AND type IN ('RELATION', 'HAS_ATTRIBUTE')"


def _expand(store: GraphStore, frontier: set[str], predicate: str | None) -> list[tuple]:
    """Concept edges touching `frontier`: (src, dst, type, predicate, count, provenance)."""
    import pyarrow as pa

    pred = f" AND predicate = {sql_list([predicate])[1:-1]}" if predicate else ""
    if len(frontier) <= 500:
        ids = sql_list(frontier)
        where = f"(src IN {ids} OR dst IN {ids})"
    else:
        store.con.register("_kg_frontier", pa.table({"id": sorted(frontier)}))
        where = "(src IN (SELECT id FROM _kg_frontier) OR dst IN (SELECT id FROM _kg_frontier))"
    return store.sql(f"SELECT src, dst, type, predicate, count, provenance FROM edges WHERE {_CONCEPT}{pred} AND {where}").fetchall()


def _names(store: GraphStore, ids: set[str]) -> dict[str, tuple[str, str]]:
    if not ids:
        return {}
    return {r[0]: (r[1], r[2]) for r in store.sql(
        f"SELECT entity_id, name, type FROM entities WHERE entity_id IN {sql_list(ids)}").fetchall()}


def neighbors(store: GraphStore, name: str, depth: int = 1, predicate: str | None = None,
              limit: int = 50, max_nodes: int = 10_000) -> Result:
    """Concept edges within `depth` steps of NAME (both directions), optionally one predicate."""
    start = _resolve(store, name)
    if predicate:
        predicate = next((p for p in predicate_variants(predicate) if store.sql(
            "SELECT 1 FROM edges WHERE predicate = ? LIMIT 1", [p]).fetchone()), squeeze(predicate))
    seen, frontier = {start.entity_id}, {start.entity_id}
    edges: dict[tuple, tuple[int, tuple]] = {}
    truncated = False
    for d in range(1, max(1, int(depth)) + 1):
        if not frontier:
            break
        nxt: set[str] = set()
        for e in _expand(store, frontier, predicate):
            key = (*e[:4], e[5])  # a caption's and the boxes' "left of" are two edges
            if key not in edges:
                edges[key] = (d, e)
            for n in (e[0], e[1]):
                if n not in seen:
                    nxt.add(n)
        seen |= nxt
        frontier = nxt
        if len(seen) > max_nodes:
            truncated = True
            break
    names = _names(store, {n for _, e in edges.values() for n in e[:2]})
    rows = []
    for d, (src, dst, typ, pred, count, prov) in sorted(
            edges.values(), key=lambda x: (x[0], -x[1][4], x[1][3], x[1][0], x[1][1], x[1][5] or "")):
        rows.append([d, names.get(src, (src, ""))[0], pred if typ == "RELATION" else "has attribute",
                     names.get(dst, (dst, ""))[0], count, typ, prov])
    summary = {"entity": f"{start.name} ({start.type})", "depth": depth, "edges": len(rows), "nodes": len(seen)}
    if truncated:
        summary["truncated"] = f"stopped expanding past {max_nodes} nodes"
    shown = rows[: int(limit)]
    summary["shown"] = len(shown)
    return Result(f"neighbors {start.name}", summary,
                  [Section("neighbors", ["depth", "subject", "predicate", "object", "count", "edge_type", "provenance"], shown)])


def path(store: GraphStore, a: str, b: str, max_depth: int = 6) -> Result:
    """A shortest path between A and B over concept edges (either direction); NotFound if none
    within `max_depth` steps. Bidirectional frontier expansion in DuckDB, networkx on the result."""
    import networkx as nx

    ea, eb = _resolve(store, a), _resolve(store, b)
    g = nx.Graph()
    g.add_nodes_from([ea.entity_id, eb.entity_id])
    sides = [({ea.entity_id}, {ea.entity_id}), ({eb.entity_id}, {eb.entity_id})]  # (seen, frontier)
    found = ea.entity_id == eb.entity_id
    steps = 0
    while not found and steps < max_depth:
        i = 0 if len(sides[0][1]) <= len(sides[1][1]) else 1
        seen, frontier = sides[i]
        if not frontier:
            break
        nxt: set[str] = set()
        for src, dst, typ, pred, count, prov in _expand(store, frontier, None):
            old = g.get_edge_data(src, dst)
            if old is None or old["count"] < count:
                g.add_edge(src, dst, src=src, dst=dst, type=typ, predicate=pred, count=count, provenance=prov)
            nxt |= {src, dst} - seen
        seen |= nxt
        sides[i] = (seen, nxt)
        steps += 1
        found = bool(sides[0][0] & sides[1][0])
    if not found:
        raise NotFound(f"no path between {ea.name!r} and {eb.name!r} within {max_depth} steps")
    nodes = nx.shortest_path(g, ea.entity_id, eb.entity_id)
    names = _names(store, set(nodes))
    rows = []
    for k, (u, v) in enumerate(zip(nodes, nodes[1:]), 1):
        d = g.edges[u, v]
        pred = d["predicate"] if d["type"] == "RELATION" else "has attribute"
        rows.append([k, names[d["src"]][0], pred, names[d["dst"]][0], d["count"],
                     "->" if d["src"] == u else "<-", d["provenance"]])
    summary = {"from": ea.name, "to": eb.name, "length": len(rows), "subgraph_edges": g.number_of_edges()}
    return Result(f"path {ea.name} -> {eb.name}", summary,
                  [Section("path", ["step", "subject", "predicate", "object", "count", "direction", "provenance"], rows)])


# --------------------------------------------------------------------------- stats / sql
def stats(store: GraphStore, limit: int = 10) -> Result:
    """Table sizes, edge types (origin `text`: captions and models; `boxes`: geometry), top entities, top predicates (captions; then spatial ones, from
    the boxes), quarantine reasons."""
    from pipeline.graph.store import TABLES

    q = store.sql
    sizes = [[t, q(f'SELECT count(*) FROM "{t}"').fetchone()[0]] for t in TABLES]
    etypes = q(f"""SELECT type, scope, CASE WHEN {GEOMETRY} THEN 'boxes' ELSE 'text' END AS origin,
                          count(*) AS edges, sum(count) AS total_count FROM edges e
                   GROUP BY ALL ORDER BY type, scope, origin""").fetchall()
    top = q(f"""SELECT name, type, image_count, mention_count, region_count FROM entities
                ORDER BY image_count DESC, mention_count + region_count DESC, name LIMIT {int(limit)}""").fetchall()
    preds, spatial = ([list(r) for r in q(f"""SELECT predicate, count(*) AS pairs, sum(count) AS total_count FROM edges e
                  WHERE type = 'RELATION' AND scope = 'concept' AND {geo}{GEOMETRY}
                  GROUP BY predicate ORDER BY total_count DESC, pairs DESC, predicate LIMIT {int(limit)}""").fetchall()]
                      for geo in ("NOT ", ""))
    quar = q("SELECT stage, reason, count(*) AS rows FROM quarantine GROUP BY ALL ORDER BY rows DESC, stage, reason").fetchall()
    m = store.manifest
    summary = {"graph": store.uri, "version": store.version or "(unversioned folder)",
               "inputs": len(m.get("inputs", [])), "total_seconds": (m.get("seconds") or {}).get("total")}
    return Result("stats", summary, [
        Section("tables", ["table", "rows"], sizes),
        Section("edge_types", ["type", "scope", "origin", "edges", "total_count"], [list(r) for r in etypes]),
        Section("top_entities", ["name", "type", "images", "mentions", "regions"], [list(r) for r in top]),
        Section("top_predicates", ["predicate", "pairs", "total_count"], preds),  # what captions say
        Section("spatial_predicates", ["predicate", "pairs", "total_count"], spatial),  # what the boxes show
        Section("quarantine", ["stage", "reason", "rows"], [list(r) for r in quar]),
    ])


def sql(store: GraphStore, query: str) -> Result:
    """Read-only SQL over the table views (ReadOnlyError for anything but SELECT / EXPLAIN)."""
    cols, rows = store.query_readonly(query)
    return Result("sql", {}, [Section("rows", cols, [list(r) for r in rows])])
