"""`kg report`: one self-contained HTML file about a graph (no scripts, no network requests).

What it shows: the run summary and accounting from the manifest, busy seconds per stage, charts
of the top entities and predicates, quarantine reasons, a gallery of thumbnails with their
detected boxes drawn and their captions, and an entity view with each entity's neighbourhood.
Thumbnails are embedded as data: URIs, read from the corpus the graph was built from when it is
still there (image bytes in the corpus Parquet, or image_path files under the build's image
roots; remote images are never fetched); otherwise the boxes are drawn on a blank frame.
Every text from the graph is HTML-escaped, and a Content-Security-Policy forbids scripts and
any load that is not an inline data: image.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Callable

from pipeline.core.atomic import write_text_atomic
from pipeline.graph.store import GraphStore

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def esc(v: Any) -> str:
    """HTML-escaped text of `v`; control characters shown as \\uXXXX (they cannot be displayed)."""
    s = "" if v is None else str(v)
    return html.escape(_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", s), quote=True)


# --------------------------------------------------------------------------- charts (inline SVG)
def bar_chart(items: list[tuple[str, float]], title: str, unit: str = "", width: int = 520) -> str:
    """A horizontal bar chart as inline SVG (labels escaped)."""
    if not items:
        return f"<figure class='chart'><figcaption>{esc(title)}</figcaption><p class='none'>(none)</p></figure>"
    row, label_w = 22, 170
    top = max(v for _, v in items) or 1.0
    h = row * len(items) + 8
    bars = []
    for i, (label, v) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, (width - label_w - 70) * (v / top))
        val = f"{v:.2f}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v)}"
        bars.append(
            f"<text x='{label_w - 6}' y='{y + 15}' text-anchor='end'>{esc(label[:28])}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{row - 6}' rx='2'></rect>"
            f"<text x='{label_w + w + 5:.1f}' y='{y + 15}'>{esc(val)}{esc(unit)}</text>")
    return (f"<figure class='chart'><figcaption>{esc(title)}</figcaption>"
            f"<svg viewBox='0 0 {width} {h}' width='{width}' height='{h}' role='img'>{''.join(bars)}</svg></figure>")


def neighbourhood_svg(center: str, edges: list[tuple[str, str, str, int]], size: int = 420) -> str:
    """A radial drawing of `center` and its neighbours; edges are (direction, predicate, name, count)."""
    c = size / 2
    r = size / 2 - 70
    parts = ["<defs><marker id='arr' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='6' markerHeight='6' "
             "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z'></path></marker></defs>"]
    n = max(1, len(edges))
    for i, (direction, pred, name, count) in enumerate(edges):
        a = 2 * math.pi * i / n - math.pi / 2
        x, y = c + r * math.cos(a), c + r * math.sin(a)
        x1, y1, x2, y2 = (c, c, x, y) if direction == "out" else (x, y, c, c)
        parts.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' marker-end='url(#arr)'>"
                     f"<title>{esc(pred)} ({count})</title></line>")
        mx, my = (c + x) / 2, (c + y) / 2
        parts.append(f"<text class='pred' x='{mx:.1f}' y='{my:.1f}' text-anchor='middle'>{esc(pred[:20])}</text>")
        parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='5'></circle>"
                     f"<text x='{x:.1f}' y='{y + (16 if y >= c else -9):.1f}' text-anchor='middle'>{esc(name[:24])}</text>")
    parts.append(f"<circle class='center' cx='{c}' cy='{c}' r='9'></circle>"
                 f"<text class='center' x='{c}' y='{c - 14}' text-anchor='middle'>{esc(center[:30])}</text>")
    return f"<svg class='nbh' viewBox='0 0 {size} {size}' width='{size}' height='{size}' role='img'>{''.join(parts)}</svg>"


# --------------------------------------------------------------------------- thumbnails
def _load_images(store: GraphStore, rows: list[dict]) -> dict[str, bytes]:
    """image_id -> encoded bytes for the images still readable from their corpus (never remote)."""
    import pyarrow.parquet as pq

    from pipeline.io.images import ImageRejected, read_image_file, resolve_image_path

    out: dict[str, bytes] = {}
    by_file: dict[str, dict[str, str]] = {}
    roots = ((store.manifest.get("config") or {}).get("decode") or {}).get("image_roots") or []
    for r in rows:
        uri = r["source_uri"] or ""
        if "#id=" in uri:
            by_file.setdefault(r["source_file"] or uri.split("#id=")[0], {})[uri.split("#id=", 1)[1]] = r["image_id"]
        elif uri and "://" not in uri:
            try:
                out[r["image_id"]] = read_image_file(resolve_image_path(uri, roots), 64 << 20)
            except (ImageRejected, OSError):
                pass
    for path, ids in by_file.items():
        try:
            t = pq.read_table(path, columns=["id", "image"], filters=[("id", "in", list(ids))])
        except Exception:  # noqa: BLE001 - corpus moved or changed: no thumbnail
            continue
        for cid, data in zip(t.column("id").to_pylist(), t.column("image").to_pylist()):
            if cid in ids and data:
                out[ids[cid]] = data
    return out


def thumbnail(data: bytes, max_side: int = 360) -> tuple[str, int, int] | None:
    """(data: URI of a JPEG thumbnail, width, height of the oriented original) or None."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (max_side * 2, max_side * 2))
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((max_side, max_side))
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=80)
    except Exception:  # noqa: BLE001 - unreadable image: no thumbnail
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode(), im.width, im.height


def _figure(img: dict, caps: list[str], boxes: list[dict], pix: bytes | None) -> str:
    w, h = max(1, img["width"] or 1), max(1, img["height"] or 1)
    thumb = thumbnail(pix) if pix else None
    layer = (f"<image href='{thumb[0]}' x='0' y='0' width='{w}' height='{h}' preserveAspectRatio='none'></image>"
             if thumb else f"<rect class='blank' x='0' y='0' width='{w}' height='{h}'></rect>")
    sw = max(w, h) / 180
    for b in boxes:
        x1, y1, x2, y2 = (float(b[k]) for k in ("x1", "y1", "x2", "y2"))
        layer += (f"<rect class='box' x='{x1:.1f}' y='{y1:.1f}' width='{max(0.0, x2 - x1):.1f}' height='{max(0.0, y2 - y1):.1f}' "
                  f"stroke-width='{sw:.2f}'><title>{esc(b['label'])} {b['score']:.2f}</title></rect>"
                  f"<text class='boxlabel' x='{x1 + sw:.1f}' y='{y1 + 12 * sw:.1f}' font-size='{11 * sw:.1f}'>"
                  f"{esc(b['label'])} {b['score']:.2f}</text>")
    caps_html = "".join(f"<li>{esc(c)}</li>" for c in caps) or "<li class='none'>(no caption)</li>"
    note = "" if thumb else "<p class='none'>image not readable from the corpus: boxes on a blank frame</p>"
    return (f"<figure class='img'><svg viewBox='0 0 {w} {h}' role='img'>{layer}</svg>{note}"
            f"<figcaption><b>{esc(img['corpus_id'])}</b> <span class='dim'>{w}x{h}</span><ul>{caps_html}</ul>"
            f"</figcaption></figure>")


# --------------------------------------------------------------------------- page
def _table(cols: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(cols)}' class='none'>(none)</td></tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#222;background:#fafafa}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eee}.none,.dim{color:#888}.charts{display:flex;flex-wrap:wrap;gap:24px}
figure.chart svg rect{fill:#4a78b5}figure.chart svg text{font-size:12px}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px}
figure.img{margin:0;background:#fff;border:1px solid #ddd;padding:6px}figure.img svg{width:100%;height:auto;display:block}
figure.img ul{margin:4px 0 0;padding-left:18px}rect.blank{fill:#ddd}
rect.box{fill:none;stroke:#e3342f}text.boxlabel{fill:#fff;paint-order:stroke;stroke:#e3342f;stroke-width:3px}
details{background:#fff;border:1px solid #ddd;margin:6px 0;padding:6px}summary{cursor:pointer}
svg.nbh line{stroke:#999}svg.nbh circle{fill:#4a78b5}svg.nbh circle.center{fill:#e3342f}
svg.nbh text{font-size:11px}svg.nbh text.pred{fill:#777;font-size:10px}svg.nbh text.center{font-weight:bold}
svg.nbh marker path{fill:#999}.ents{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
"""


def build_report(store: GraphStore, thumbnails: int = 24, entities: int = 30,
                 progress: Callable[[str], None] | None = None) -> str:
    """The report of the opened graph as one HTML string."""
    from pipeline.query import verbs

    say = progress or (lambda m: None)
    m = store.manifest
    q = store.sql
    st = verbs.stats(store, limit=15)
    counts = [[k, v] for k, v in sorted((m.get("counts") or {}).items())]
    acc = [[a.get("file"), a.get("rows_in"), a.get("rows_in_graph"), a.get("rows_quarantined"),
            "yes" if a.get("balanced") else "NO"] for a in m.get("accounting") or []]
    inputs = [[i.get("path"), i.get("rows"), i.get("bytes"), (i.get("sha256") or "")[:16]] for i in m.get("inputs") or []]
    stage_stats = m.get("stage_stats") or store.read_json("stats/stages.json") or []
    stage_chart = bar_chart([(s["stage"], float(s.get("busy_seconds") or 0)) for s in stage_stats], "busy seconds per stage", " s")
    wall = [[k, v] for k, v in (m.get("seconds") or {}).items()]
    ent_chart = bar_chart([(f"{r[0]} ({r[1]})", r[2]) for r in st.section("top_entities").rows], "top entities (images)")
    pred_chart = bar_chart([(r[0], r[2]) for r in st.section("top_predicates").rows], "top predicates (count)")
    if st.section("spatial_predicates").rows:
        pred_chart += bar_chart([(r[0], r[2]) for r in st.section("spatial_predicates").rows],
                                "spatial predicates, from the boxes (count)")
    say("report: gallery")
    imgs = [dict(zip(("image_id", "corpus_id", "source_uri", "source_file", "width", "height", "n"), r)) for r in q(
        f"""SELECT i.image_id, i.corpus_id, i.source_uri, i.source_file, i.width, i.height,
                   (SELECT count(*) FROM regions r WHERE r.image_id = i.image_id) AS n
            FROM images i ORDER BY n DESC, i.corpus_id LIMIT {int(thumbnails)}""").fetchall()]
    ids = [i["image_id"] for i in imgs]
    lit = verbs.sql_list(ids)
    caps: dict[str, list[str]] = {i: [] for i in ids}
    for iid, text in q(f"SELECT image_id, text FROM captions WHERE image_id IN {lit} ORDER BY source, text").fetchall():
        caps[iid].append(text)
    boxes: dict[str, list[dict]] = {i: [] for i in ids}
    for r in q(f"SELECT image_id, label, score, x1, y1, x2, y2 FROM regions WHERE image_id IN {lit} ORDER BY score DESC").fetchall():
        boxes[r[0]].append(dict(zip(("label", "score", "x1", "y1", "x2", "y2"), r[1:])))
    pixels = _load_images(store, imgs) if imgs else {}
    gallery = "".join(_figure(i, caps[i["image_id"]], boxes[i["image_id"]], pixels.get(i["image_id"])) for i in imgs)
    say("report: entities")
    ents = q(f"""SELECT entity_id, name, type, image_count, mention_count, region_count FROM entities
                 ORDER BY (type = 'attribute'), image_count DESC, mention_count DESC, name LIMIT {int(entities)}""").fetchall()
    ent_ids = [e[0] for e in ents]
    nb: dict[str, list[tuple[str, str, str, int]]] = {e: [] for e in ent_ids}
    if ent_ids:
        el = verbs.sql_list(ent_ids)
        # what captions say first, then what the boxes show (provenance geometry, marked)
        rows = q(f"""SELECT e.src, e.dst, e.type, e.predicate, e.count, s.name, d.name, {verbs.GEOMETRY} FROM edges e
                     JOIN entities s ON s.entity_id = e.src JOIN entities d ON d.entity_id = e.dst
                     WHERE e.scope = 'concept' AND e.type IN ('RELATION', 'HAS_ATTRIBUTE')
                       AND (e.src IN {el} OR e.dst IN {el})
                     ORDER BY {verbs.GEOMETRY}, e.count DESC, e.predicate, s.name, d.name""").fetchall()
        for src, dst, typ, pred, count, sname, dname, geo in rows:
            label = (pred + " [boxes]" if geo else pred) if typ == "RELATION" else "has attribute"
            if src in nb and len(nb[src]) < 12:
                nb[src].append(("out", label, dname, count))
            if dst in nb and dst != src and len(nb[dst]) < 12:
                nb[dst].append(("in", label, sname, count))
    ent_html = []
    for k, (eid, name, typ, ic, mc, rc) in enumerate(ents):
        edges = nb[eid]
        listing = _table(["", "predicate", "entity", "count"],
                         [["->" if d == "out" else "<-", p, n, c] for d, p, n, c in edges])
        ent_html.append(
            f"<details{' open' if k == 0 else ''}><summary><b>{esc(name)}</b> <span class='dim'>{esc(typ)} - "
            f"{ic} images, {mc} mentions, {rc} boxes</span></summary><div class='ents'>"
            f"{neighbourhood_svg(name, edges) if edges else '<p class=none>(no concept edges)</p>'}{listing}</div></details>")
    notes = "".join(f"<li>{esc(n)}</li>" for n in m.get("notes") or [])
    title = f"kg report: {store.uri}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{esc(title)}</h1>
<p class="dim">version {esc(store.version or '(unversioned folder)')} - generated {esc(time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()))}
 - extractor {esc(m.get('extractor'))}</p>
<section id="summary"><h2>Run summary</h2><ul>{notes}</ul>
{_table(["count", "value"], counts)}
<h3>Inputs</h3>{_table(["file", "rows", "bytes", "sha256"], inputs)}
<h3>Accounting (rows in = rows in graph + rows quarantined)</h3>{_table(["file", "rows in", "in graph", "quarantined", "balanced"], acc)}
</section>
<section id="seconds"><h2>Seconds</h2><div class="charts">{stage_chart}{_table(["wall", "seconds"], wall)}</div></section>
<section id="top"><h2>Top entities and predicates</h2><div class="charts">{ent_chart}{pred_chart}</div>
<h3>Tables</h3>{_table(st.section("tables").columns, st.section("tables").rows)}
<h3>Quarantine reasons</h3>{_table(st.section("quarantine").columns, st.section("quarantine").rows)}</section>
<section id="gallery"><h2>Gallery ({len(imgs)} images, boxes drawn)</h2><div class="gallery">{gallery}</div></section>
<section id="entities"><h2>Entities and their neighbourhood</h2>{''.join(ent_html) or "<p class='none'>(none)</p>"}</section>
</body></html>
"""


def write_report(graph: str | os.PathLike, out: str | os.PathLike | None = None, thumbnails: int = 24,
                 entities: int = 30, progress: Callable[[str], None] | None = None) -> Path:
    """Write the report of the graph at `graph` to `out` (default GRAPH/exports/report.html); returns the path."""
    with GraphStore.open(graph) as store:
        target = Path(out) if out else store.exports_dir() / "report.html"
        page = build_report(store, thumbnails, entities, progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(target, page)
