"""Benchmark: `kg query entity` and `kg query images --has` through the read side (DuckDB over
the Parquet tables) against loading the tables into pandas and filtering, plus the Cypher route
(LadybugDB load time and query time), on a synthetic graph with >= 1M edges written in the graph
schema. Each route runs in its own process (peak RSS is that process's high-water mark, its
imports included; an import-only process is the floor). Prints times, memory and ratios. Not a test.

Usage: .venv/bin/python bench/query.py [--images 100000] [--keep DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# bench/ holds a pipeline.py: keep bench/ off the path so `import pipeline` finds the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
NAME = "horse"


# --------------------------------------------------------------------------- synthetic graph
def make_graph(out: Path, n_images: int, seed: int = 0) -> dict[str, int]:
    """Write a graph folder at `out` with the contract's tables; returns table sizes."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.graph.merge import SORTED_ROW_GROUP
    from pipeline.graph.schema import arrow_schema

    SORTED_BY = {"mentions": ["entity_id", "mention_id"], "regions": ["entity_id", "region_id"]}
    ORDER = {"edges": ["type", "src", "dst", "predicate"], **SORTED_BY}
    rng = np.random.default_rng(seed)
    n_ent, n_attr = 5000, 200
    preds = ["ride", "on", "with", "hold", "near", "in", "wear", "behind", "under", "have"]
    ent_names = [f"thing{j}" for j in range(n_ent)]
    ent_names[10], ent_names[50] = "man", NAME
    attr_names = [f"attr{k}" for k in range(n_attr)]
    attr_names[0] = "brown"
    ent_ids = np.array([f"ent_{j:024x}" for j in range(n_ent + n_attr)], dtype=object)

    def zipf(n: int, k: int) -> np.ndarray:
        return (rng.zipf(1.3, n) - 1) % k

    img = np.array([f"img_{i:024x}" for i in range(n_images)], dtype=object)
    cap = np.array([f"cap_{i:024x}" for i in range(n_images)], dtype=object)
    tables: dict[str, pd.DataFrame] = {}
    tables["images"] = pd.DataFrame({
        "image_id": img, "corpus_id": [f"c{i}" for i in range(n_images)],
        "corpus_ids": [[f"c{i}"] for i in range(n_images)],
        "source_uri": [f"bench.parquet#id=c{i}" for i in range(n_images)], "source_file": "bench.parquet",
        "width": np.int32(640), "height": np.int32(480), "extra_json": None})
    # three mentions per caption (subject, object, attributed), one region per image
    m_ent = zipf(3 * n_images, n_ent)
    m_img = np.repeat(np.arange(n_images), 3)
    men = np.array([f"men_{m:024x}" for m in range(3 * n_images)], dtype=object)
    reg = np.array([f"reg_{i:024x}" for i in range(n_images)], dtype=object)
    r_ent = zipf(n_images, n_ent)
    grounded = rng.random(3 * n_images) < 0.15
    names = np.array(ent_names, dtype=object)
    p_idx = rng.integers(0, len(preds), n_images)
    a_idx = zipf(n_images, n_attr)
    texts = [f"a {names[m_ent[3 * i]]} {preds[p_idx[i]]} a {attr_names[a_idx[i]]} {names[m_ent[3 * i + 1]]}"
             for i in range(n_images)]
    tables["captions"] = pd.DataFrame({"caption_id": cap, "image_id": img, "text": texts, "source": "corpus"})
    x1 = rng.uniform(0, 300, n_images).astype("float32")
    y1 = rng.uniform(0, 200, n_images).astype("float32")
    tables["regions"] = pd.DataFrame({
        "region_id": reg, "image_id": img, "label": names[r_ent], "score": rng.uniform(0.3, 1.0, n_images).astype("float32"),
        "x1": x1, "y1": y1, "x2": x1 + 200, "y2": y1 + 200, "detector": "bench", "entity_id": ent_ids[r_ent]})
    tables["mentions"] = pd.DataFrame({
        "mention_id": men, "caption_id": cap[m_img], "image_id": img[m_img], "entity_id": ent_ids[m_ent],
        "name": names[m_ent], "type": "concept", "text": names[m_ent], "start": np.int32(2), "end": np.int32(8),
        "count": None, "region_ids": [[reg[i]] if g else None for i, g in zip(m_img, grounded)]})
    ent = pd.DataFrame({"entity_id": ent_ids, "name": ent_names + attr_names,
                        "type": ["concept"] * n_ent + ["attribute"] * n_attr})
    ent["mention_count"] = np.bincount(m_ent, minlength=n_ent + n_attr).astype("int64")
    ent["mention_count"] += np.concatenate([np.zeros(n_ent, "int64"), np.bincount(a_idx, minlength=n_attr)])
    ent["region_count"] = np.bincount(r_ent, minlength=n_ent + n_attr).astype("int64")
    img_sets = pd.concat([pd.DataFrame({"e": m_ent, "i": m_img}), pd.DataFrame({"e": r_ent, "i": np.arange(n_images)}),
                          pd.DataFrame({"e": n_ent + a_idx, "i": np.arange(n_images)})]).drop_duplicates()
    ent["image_count"] = np.bincount(img_sets.e, minlength=n_ent + n_attr).astype("int64")
    tables["entities"] = ent

    e_parts = []

    def edges(src, typ, dst, pred, scope, count, evidence, prov) -> None:
        e_parts.append(pd.DataFrame({"src": src, "type": typ, "dst": dst, "predicate": pred, "scope": scope,
                                     "count": count, "confidence": np.float32(1.0), "evidence": evidence, "provenance": prov}))

    one = np.ones(n_images, "int64")
    edges(img, "HAS_CAPTION", cap, "", "image", one, [[c] for c in cap], "corpus")
    edges(cap[m_img], "MENTIONS", ent_ids[m_ent], "", "image", np.ones(3 * n_images, "int64"), [[m] for m in men], "bench")
    edges(men, "INSTANCE_OF", ent_ids[m_ent], "", "image", np.ones(3 * n_images, "int64"), [[c] for c in cap[m_img]], "bench")
    edges(reg, "INSTANCE_OF", ent_ids[r_ent], "", "image", one, [[r] for r in reg], "detector:bench")
    edges(img, "DEPICTS", ent_ids[r_ent], "", "image", one, [[r] for r in reg], "detector:bench")
    g_idx = np.nonzero(grounded)[0]
    edges(men[g_idx], "GROUNDED_IN", reg[m_img[g_idx]], "", "image", np.ones(len(g_idx), "int64"),
          [[reg[m_img[g]]] for g in g_idx], "ground")
    p_names = np.array(preds, dtype=object)[p_idx]
    edges(men[0::3], "RELATION", men[1::3], p_names, "image", one, [[c] for c in cap], "bench")
    a_names = np.array(attr_names, dtype=object)[a_idx]
    edges(men[2::3], "HAS_ATTRIBUTE", ent_ids[n_ent + a_idx], a_names, "image", one, [[c] for c in cap], "bench")
    rel = pd.DataFrame({"s": ent_ids[m_ent[0::3]], "p": p_names, "o": ent_ids[m_ent[1::3]], "i": img})
    g = rel.groupby(["s", "p", "o"], sort=False)["i"].agg(lambda s: list(s[:20])).reset_index()
    g["n"] = rel.groupby(["s", "p", "o"], sort=False).size().values
    edges(g.s.values, "RELATION", g.o.values, g.p.values, "concept", g.n.values.astype("int64"), g.i.tolist(), "bench")
    att = pd.DataFrame({"s": ent_ids[m_ent[2::3]], "o": ent_ids[n_ent + a_idx], "p": a_names, "i": img})
    g = att.groupby(["s", "p", "o"], sort=False)["i"].agg(lambda s: list(s[:20])).reset_index()
    g["n"] = att.groupby(["s", "p", "o"], sort=False).size().values
    edges(g.s.values, "HAS_ATTRIBUTE", g.o.values, g.p.values, "concept", g.n.values.astype("int64"), g.i.tolist(), "bench")
    e = pd.concat(e_parts, ignore_index=True)
    e.insert(0, "edge_id", [f"{k:024x}" for k in range(len(e))])
    tables["edges"] = e
    tables["quarantine"] = arrow_schema("quarantine").empty_table().to_pandas()

    sizes = {}
    for name, df in tables.items():
        schema = arrow_schema(name)
        t = pa.Table.from_pandas(df[[f.name for f in schema]], schema=schema, preserve_index=False)
        (out / name).mkdir(parents=True, exist_ok=True)
        # the layout the merge writes (pipeline/graph/merge.py): tables in id order, mentions and
        # regions by entity_id then id, in row groups of SORTED_ROW_GROUP rows (others 64 Ki rows)
        key = ORDER.get(name, [schema[0].name])
        t = t.sort_by([(k, "ascending") for k in key])
        rows = SORTED_ROW_GROUP if name in SORTED_BY else 65536
        pq.write_table(t, out / name / "part-0.parquet", row_group_size=rows, compression="zstd")
        sizes[name] = t.num_rows
    (out / "manifest.json").write_text(json.dumps({"kind": "kg-bench", "counts": sizes, "seconds": {"total": 0}}))
    return sizes


# --------------------------------------------------------------------------- routes (one per process)
def route_store(graph: str, verb: str) -> dict:
    from pipeline.graph.store import GraphStore
    from pipeline.query import verbs

    t0 = time.perf_counter()
    with GraphStore.open(graph) as s:
        res = verbs.entity(s, NAME) if verb == "entity" else verbs.images(s, has=[NAME], limit=20)
    sec = time.perf_counter() - t0
    first = res.section("images").rows[0]
    return {"seconds": sec, "answer": first[0] if verb == "entity" else first[0]}


def route_pandas(graph: str, verb: str) -> dict:
    import pandas as pd

    t0 = time.perf_counter()
    g = Path(graph)
    ents = pd.read_parquet(g / "entities")
    mentions = pd.read_parquet(g / "mentions")
    regions = pd.read_parquet(g / "regions")
    images = pd.read_parquet(g / "images")
    if verb == "entity":
        edges = pd.read_parquet(g / "edges")
        e = ents[ents.name.str.lower() == NAME].iloc[0]
        concept = edges[edges.scope == "concept"]
        attrs = concept[(concept.type == "HAS_ATTRIBUTE") & (concept.src == e.entity_id)].nlargest(10, "count")
        rel = concept[concept.type == "RELATION"]
        out = rel[rel.src == e.entity_id].merge(ents, left_on="dst", right_on="entity_id").nlargest(10, "count")
        inn = rel[rel.dst == e.entity_id].merge(ents, left_on="src", right_on="entity_id").nlargest(10, "count")
        ev = pd.concat([mentions[mentions.entity_id == e.entity_id].image_id, regions[regions.entity_id == e.entity_id].image_id])
        top = ev.value_counts().rename("evidence").reset_index().merge(images, on="image_id")
        top = top.sort_values(["evidence", "corpus_id"], ascending=[False, True]).head(10)
        answer = top.corpus_id.iloc[0]
        _ = (attrs, out, inn)
    else:
        captions = pd.read_parquet(g / "captions")
        ids = set(ents[(ents.name.str.lower() == NAME) & (ents.type != "attribute")].entity_id)
        m = mentions[mentions.entity_id.isin(ids)]
        grounded = set(m.region_ids.dropna().explode())
        r = regions[regions.entity_id.isin(ids) | regions.region_id.isin(grounded)]
        ev = pd.concat([pd.DataFrame({"image_id": m.image_id, "ref": m.caption_id}),
                        pd.DataFrame({"image_id": r.image_id, "ref": r.region_id})]).drop_duplicates()
        n = ev.groupby("image_id").size().rename("evidence").reset_index()
        best = r.groupby("image_id").score.max().rename("best").reset_index()
        n = n.merge(best, on="image_id", how="left").sort_values(["evidence", "best", "image_id"], ascending=[False, False, True]).head(20)
        top = n.merge(images, on="image_id").merge(captions[captions.caption_id.isin(m.caption_id)], on="image_id", how="left")
        answer = top.corpus_id.iloc[0]
    return {"seconds": time.perf_counter() - t0, "answer": answer}


def route_cypher(graph: str, workdir: str) -> dict:
    from pipeline.graph.store import GraphStore
    from pipeline.query.cypher import build_ladybug, run_cypher

    t0 = time.perf_counter()
    with GraphStore.open(graph) as s:
        folder = build_ladybug(s, Path(workdir) / "ladybug")
    load = time.perf_counter() - t0
    q_entity = (f"MATCH (e:Entity {{name: '{NAME}'}})-[r:RELATION]->(o:Entity) "
                "RETURN r.predicate, o.name, r.count ORDER BY r.count DESC LIMIT 10")
    q_images = (f"MATCH (i:Image)-[:HAS_CAPTION]->(:Caption)-[:MENTIONS]->(e:Entity {{name: '{NAME}'}}) "
                "RETURN i.corpus_id, count(*) AS n ORDER BY n DESC, i.corpus_id LIMIT 20")
    t1 = time.perf_counter()
    run_cypher(folder, q_entity)
    t2 = time.perf_counter()
    run_cypher(folder, q_images)
    t3 = time.perf_counter()
    return {"load_seconds": load, "entity_seconds": t2 - t1, "images_seconds": t3 - t2}


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: per address space, so a parent's peak does not leak in
    through exec the way getrusage's ru_maxrss does)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> None:
    import duckdb  # noqa: F401 - same imports in every route, so the floor is comparable
    import pandas  # noqa: F401

    import pipeline.graph.store  # noqa: F401

    if args.route == "floor":
        res: dict = {"seconds": 0.0}
    elif args.route == "cypher":
        res = route_cypher(args.graph, args.workdir)
    else:
        fn = route_store if args.route == "store" else route_pandas
        runs = [fn(args.graph, args.verb) for _ in range(args.repeat)]
        res = {"seconds": min(r["seconds"] for r in runs), "answer": runs[0]["answer"]}
    res["peak_mb"] = peak_rss_mb()
    print(json.dumps(res))


def run(route: str, graph: Path, verb: str = "", repeat: int = 3, workdir: str = "") -> dict:
    cmd = [sys.executable, __file__, "--worker", route, "--graph", str(graph), "--verb", verb, "--repeat", str(repeat),
           "--workdir", workdir]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--images", type=int, default=100_000, help="images in the synthetic graph (edges ~ 13 x images)")
    ap.add_argument("--keep", help="write (or reuse) the synthetic graph here instead of a temp folder")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per route (best is reported)")
    ap.add_argument("--no-cypher", action="store_true", help="skip the LadybugDB route")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--graph", help=argparse.SUPPRESS)
    ap.add_argument("--verb", default="", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.route = args.worker
        return worker(args)
    sys.path.insert(0, str(REPO))

    work = Path(args.keep or tempfile.mkdtemp(prefix="kg-bench-query-"))
    graph = work / "graph"
    t0 = time.perf_counter()
    if not (graph / "manifest.json").exists():
        sizes = make_graph(graph, args.images)
    else:
        sizes = json.loads((graph / "manifest.json").read_text())["counts"]
    mb = sum(f.stat().st_size for f in graph.rglob("*.parquet")) / 1e6
    print(f"graph: {graph} ({time.perf_counter() - t0:.1f}s to write, {mb:.0f} MB Parquet)")
    print("tables: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    floor = run("floor", graph)["peak_mb"]
    print(f"import-only process: {floor:.0f} MB peak RSS\n")
    print(f"{'question':<22}{'route':<10}{'seconds':>9}{'peak MB':>10}{'over floor':>12}")
    for verb in ("entity", "images"):
        s = run("store", graph, verb, args.repeat)
        p = run("pandas", graph, verb, args.repeat)
        assert s["answer"] == p["answer"], (s, p)
        label = f"entity {NAME}" if verb == "entity" else f"images --has {NAME}"
        for route, r in (("duckdb", s), ("pandas", p)):
            print(f"{label:<22}{route:<10}{r['seconds']:>9.3f}{r['peak_mb']:>10.0f}{r['peak_mb'] - floor:>12.0f}")
        print(f"{'':<22}{'ratio':<10}{p['seconds'] / s['seconds']:>8.1f}x{p['peak_mb'] / s['peak_mb']:>9.1f}x"
              f"{(p['peak_mb'] - floor) / max(1.0, s['peak_mb'] - floor):>11.1f}x   (pandas / duckdb)")
    if not args.no_cypher:
        c = run("cypher", graph, workdir=str(work))
        print(f"\ncypher (LadybugDB): load {c['load_seconds']:.1f}s (COPY FROM the Parquet tables, once per graph version), "
              f"entity query {c['entity_seconds']:.3f}s, images query {c['images_seconds']:.3f}s, "
              f"peak {c['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
