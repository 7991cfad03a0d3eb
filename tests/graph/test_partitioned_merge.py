"""The partitioned merge: staging batches split into hash-partitioned fragments (real Parquet),
merged partition by partition in real DuckDBs, in process, on a local Ray, and on a real S3
server (moto). Row sets do not depend on the partition count; bytes do not depend on how the
rows were batched, in which order, or who ran the tasks."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.core.records import list_type, write_records
from pipeline.core.storage import Storage
from pipeline.graph.merge import EVIDENCE_CAP, TABLES, MergeJob, merge_graph
from pipeline.graph.partition import FRAGMENT_SCHEMAS, partition_of, partition_sql, split_staging
from pipeline.graph.records import (ATTRIBUTE_TYPE, FRAGMENTS, OPTIONAL_FRAGMENTS, Attribute, Caption, Grounding,
                                    Mention, Region, Relation, SpatialRelation, caption_id, entity_id, mention_id,
                                    region_id)
from pipeline.graph.schema import check_graph
from pipeline.runners.merge import RayMap, local_map
from pipeline.runners.staging import BOOKKEEPING

EXTRACTOR = "extract:test@1/none"
GEO = "geometry:spatial@1"


def row(rid: str | None, kg_file: str, kg_row: int, image: str, text: str, boxes: int = 1, spatial: bool = False,
        quarantine: str | None = None) -> dict:
    """A staging row: caption "<subject> rides <object>" (two mentions, an attribute, a relation),
    `boxes` regions labelled like the subject (mention 0 grounded in each), and with `spatial` a
    geometric "ride" between the first two regions (the same src/predicate/dst as the caption's)."""
    cid = caption_id(image, "corpus", text)
    subj, obj = text.split(" rides ")
    ms = [Mention(mention_id(cid, i), cid, entity_id("concept", n), n, "concept", n, 0, 1, None, "corpus")
          for i, n in enumerate((subj, obj))]
    regs = [Region(region_id(image, "det", lab, i, 2.0, 30.5 + i, 40.25), lab, 0.5 + i / 10, float(i), 2.0, 30.5 + i, 40.25,
                   "det", entity_id("concept", lab)) for i, lab in enumerate([subj] * (boxes - 1) + [obj] * min(boxes, 1))]
    frags = {
        "captions": [Caption(cid, text, "corpus")],
        "regions": regs,
        "mentions": ms,
        "groundings": [Grounding(ms[0].mention_id, r.region_id, 0.75) for r in regs],
        "attributes": [Attribute(ms[1].mention_id, ms[1].entity_id, "brown", entity_id(ATTRIBUTE_TYPE, "brown"), cid, "corpus")],
        "relations": [Relation(cid, ms[0].mention_id, ms[0].entity_id, "ride", ms[1].mention_id, ms[1].entity_id, "corpus")],
        "spatial": ([SpatialRelation(regs[0].region_id, ms[0].entity_id, "ride", regs[1].region_id, ms[1].entity_id, 0.625, GEO)]
                    if spatial and len(regs) > 1 else []),
    }
    out = {"id": rid, "kg_file": kg_file, "kg_row": kg_row, "kg_shard": "s1", "quarantine_reason": quarantine,
           "quarantine_detail": quarantine, "quarantine_stage": "decode" if quarantine else None,
           "image_id": None if quarantine else image, "image_uri": f"{kg_file}#{kg_row}", "width": 64, "height": 48,
           "extra_json": None, "seconds_decode": 0.25, "seconds_extract": 0.5 if not quarantine else None}
    for k, cls in {**FRAGMENTS, **OPTIONAL_FRAGMENTS}.items():
        out[k] = None if quarantine else write_records([frags[k]], cls)[0]
    return out


def staging(rows: list[dict], spatial: bool = True) -> pa.Table:
    """Rows as a staging batch (the runner's column order); without `spatial` the column is absent."""
    frags = {**FRAGMENTS, **(OPTIONAL_FRAGMENTS if spatial else {})}
    schema = pa.schema([*BOOKKEEPING, ("image_id", pa.string()), ("image_uri", pa.string()), ("width", pa.int32()),
                        ("height", pa.int32()), ("extra_json", pa.string()),
                        *[(k, list_type(c)) for k, c in frags.items()],
                        ("seconds_decode", pa.float64()), ("seconds_extract", pa.float64())])
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


def corpus(n: int = 40) -> list[dict]:
    """`n` rows over a few files: shared captions (concept edges with many images), ids used
    twice (in another file and in the same file), a quarantined row, a row without an id."""
    names = ["man", "girl", "dog", "boy"]
    objs = ["horse", "bike", "pony"]
    rows = []
    for i in range(n):
        f = f"f{i % 3}.parquet"
        text = f"{names[i % 4]} rides {objs[i % 3]}"
        rows.append(row(f"id{i}", f, i, f"img_{i % 30:03d}", text, boxes=i % 3, spatial=i % 2 == 0))
    rows.append(row("id1", "f9.parquet", 0, "img_dup", "cat rides dog"))  # id used again in a later file
    rows.append(row("id2", "f2.parquet", 999, "img_dup2", "cat rides bus"))  # and in the same file, later row
    rows.append(row("idq", "f1.parquet", 500, "img_q", "x rides y", quarantine="not_an_image"))
    rows.append(row(None, "f1.parquet", 501, "img_noid", "owl rides cow"))
    return rows


def write_split(root: Storage, batches: list[list[dict]], partitions: int, spatial_in: set[int] | None = None) -> None:
    """Split every batch (as the runner's sink would) and write its parts under `root`."""
    for b, rows in enumerate(batches):
        tab = staging(rows, spatial=spatial_in is None or b in spatial_in)
        for rel, part in split_staging(tab, partitions, EXTRACTOR):
            root.write_parquet(f"c{b:03d}/s1/{rel}/part-{b:04d}.parquet", part)


def do_merge(src: str | list[str], out: str, partitions: int, map_fn=local_map, threads: int = 1):
    sources = (src,) if isinstance(src, str) else tuple(src)
    return merge_graph(MergeJob(sources, out, partitions, ("decode", "extract"), threads=threads), map_fn)


def rowset(out: Path, name: str) -> list:
    return sorted(map(repr, (tuple(r.values()) for r in pq.read_table(out / name).to_pylist())))


def part_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def test_stable_hash_is_the_same_in_python_and_duckdb() -> None:
    keys = ["", "a", "ent_3f2a9b", "ü/‰ ünïcödé", "x" * 300, None]
    con = duckdb.connect()
    for p in (1, 7, 64):
        got = [con.execute(f"SELECT {partition_sql('?', p)}", [k]).fetchone()[0] for k in keys]
        assert got == [partition_of(k, p) for k in keys]
    assert len({partition_of(f"k{i}", 8) for i in range(200)}) == 8


def test_split_puts_each_key_in_its_partition_sorted(tmp_path: Path) -> None:
    parts = split_staging(staging(corpus()), 4, EXTRACTOR)
    order = list(FRAGMENT_SCHEMAS)
    rels = [rel for rel, _ in parts]
    assert rels == sorted(rels, key=lambda r: (order.index(r.split("/")[0]), r)) and len(set(rels)) == len(rels)
    keys = {"rows": "id", "images": "image_id", "captions": "caption_id", "regions": "entity_id", "mentions": "entity_id",
            "groundings": "entity_id", "attributes": "value_id", "edges": "src"}
    for rel, t in parts:
        frag, p = rel.split("/")
        assert t.schema == FRAGMENT_SCHEMAS[frag] and t.num_rows > 0
        if frag != "rows":
            assert {partition_of(k, 4) for k in t.column(keys[frag]).to_pylist()} == {int(p[1:])}
    (mentions,) = [t for rel, t in parts if rel == "mentions/p0000"]
    ids = list(zip(mentions.column("entity_id").to_pylist(), mentions.column("mention_id").to_pylist()))
    assert ids == sorted(ids)


def test_row_sets_do_not_depend_on_the_partition_count(tmp_path: Path) -> None:
    rows = corpus()
    results = {}
    for p in (1, 3, 8):
        src = Storage.open(tmp_path / f"src{p}")
        write_split(src, [rows[:20], rows[20:]], p, spatial_in={0})
        out = tmp_path / f"g{p}"
        results[p] = do_merge(src.spec, str(out), p)
        assert check_graph(out) == []
        assert sorted(f.name for f in (out / "edges").iterdir()) == [f"part-{k:05d}.parquet" for k in range(p)]
    for t in TABLES:
        assert rowset(tmp_path / "g1", t) == rowset(tmp_path / "g3", t) == rowset(tmp_path / "g8", t), t
    assert results[1] == results[3] == results[8]
    r = results[3]
    assert r.counts["images"] == 30 + 1 and r.counts["quarantine"] == 3 and r.counts["relations"] == 41
    assert r.accounting == [{"file": "f0.parquet", "rows_in_graph": 14, "rows_quarantined": 0},
                            {"file": "f1.parquet", "rows_in_graph": 14, "rows_quarantined": 1},
                            {"file": "f2.parquet", "rows_in_graph": 13, "rows_quarantined": 1},
                            {"file": "f9.parquet", "rows_in_graph": 0, "rows_quarantined": 1}]
    assert r.stage_stats == [
        {"stage": "decode", "rows": 44, "busy_seconds": 11.0, "quarantined": {"not_an_image": 1}},
        {"stage": "extract", "rows": 43, "busy_seconds": 21.5, "quarantined": {}},
        {"stage": "merge", "rows": 0, "busy_seconds": 0.0, "quarantined": {"duplicate_id": 2}}]


def test_same_bytes_whatever_the_batching_order_or_executor(tmp_path: Path, ray_local) -> None:
    rows = corpus()
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    a, b = Storage.open(tmp_path / "a"), Storage.open(tmp_path / "b")
    write_split(a, [rows], 4)
    write_split(b, [shuffled[i:i + 7] for i in range(0, len(shuffled), 7)], 4)
    # a retried task wrote a batch twice (another part name), and a second source holds a copy
    write_split(Storage.open(tmp_path / "b" / "retry"), [shuffled[:7]], 4)
    res_a = do_merge(a.spec, str(tmp_path / "ga"), 4)
    ray_map = RayMap(num_cpus=1)
    res_b = do_merge([b.spec, str(tmp_path / "a")], str(tmp_path / "gb"), 4, ray_map, threads=2)
    assert res_a == res_b
    assert part_bytes(tmp_path / "ga") == part_bytes(tmp_path / "gb")
    assert len(part_bytes(tmp_path / "ga")) == 4 * len(TABLES)
    assert len(ray_map.nodes) == 4 and set(ray_map.nodes) <= {n["NodeID"] for n in ray_local.nodes()}


def test_local_runner_merges_with_the_one_in_process_executor(tmp_path: Path) -> None:
    """The in-process runner's merge executor is `local_map` itself (one implementation), and
    a merge through it writes the same bytes as one through `local_map`."""
    from pipeline.runners.local import LocalRunner

    runner = LocalRunner()
    assert runner.map is local_map
    assert runner.map(lambda x: x * 2, [3, 1, 2]) == [6, 2, 4]  # in order
    src = Storage.open(tmp_path / "s")
    write_split(src, [corpus()[:9], corpus()[9:]], 2)
    assert do_merge(src.spec, str(tmp_path / "ga"), 2) == do_merge(src.spec, str(tmp_path / "gb"), 2, runner.map)
    assert part_bytes(tmp_path / "ga") == part_bytes(tmp_path / "gb")


def test_duplicate_ids_across_files_are_quarantined(tmp_path: Path) -> None:
    src = Storage.open(tmp_path / "s")
    write_split(src, [corpus()[-4:], corpus()[:3]], 2)
    do_merge(src.spec, str(tmp_path / "g"), 2)
    q = sorted((r["corpus_id"], r["source_file"], r["source_row"], r["reason"], r["stage"])
               for r in pq.read_table(tmp_path / "g" / "quarantine").to_pylist())
    assert q == [("id1", "f9.parquet", 0, "duplicate_id", "merge"), ("id2", "f2.parquet", 999, "duplicate_id", "merge"),
                 ("idq", "f1.parquet", 500, "not_an_image", "decode")]
    images = {r["image_id"]: r for r in pq.read_table(tmp_path / "g" / "images").to_pylist()}
    assert "img_dup" not in images and "img_dup2" not in images and images["img_noid"]["corpus_id"] is None
    ents = {r["name"] for r in pq.read_table(tmp_path / "g" / "entities").to_pylist()}
    assert "cat" not in ents and "owl" in ents


def test_evidence_is_capped_with_the_full_count_on_a_skewed_corpus(tmp_path: Path) -> None:
    n = 150
    rows = [row(f"r{i}", "big.parquet", i, f"img_{i:04d}", "man rides horse", boxes=2, spatial=True) for i in range(n)]
    src = Storage.open(tmp_path / "s")
    write_split(src, [rows[i:i + 40] for i in range(0, n, 40)], 3)
    do_merge(src.spec, str(tmp_path / "g"), 3)
    edges = pq.read_table(tmp_path / "g" / "edges").to_pylist()
    man, horse = entity_id("concept", "man"), entity_id("concept", "horse")
    concept = [e for e in edges if e["type"] == "RELATION" and e["scope"] == "concept"]
    assert len(concept) == 2  # the caption's and the geometric one, apart
    text, geo = sorted(concept, key=lambda e: e["provenance"] == GEO)
    assert (text["src"], text["dst"], text["count"], text["provenance"]) == (man, horse, n, EXTRACTOR)
    assert text["evidence"] == [f"img_{i:04d}" for i in range(EVIDENCE_CAP)]
    assert (geo["src"], geo["dst"], geo["count"], geo["provenance"]) == (man, horse, n, GEO)
    assert geo["confidence"] == pytest.approx(0.625) and geo["edge_id"] != text["edge_id"]
    assert len(geo["evidence"]) == EVIDENCE_CAP
    per_image = [e for e in edges if e["type"] == "RELATION" and e["scope"] == "image" and e["provenance"] == GEO]
    assert len(per_image) == n and all(e["src"].startswith("reg_") for e in per_image)
    ents = {r["name"]: r for r in pq.read_table(tmp_path / "g" / "entities").to_pylist()}
    assert (ents["man"]["mention_count"], ents["man"]["image_count"], ents["man"]["region_count"]) == (n, n, n)
    assert ents["brown"]["mention_count"] == n
    (men_part,) = {partition_of(man, 3)}
    mentions = pq.read_table(tmp_path / "g" / "mentions" / f"part-{men_part:05d}.parquet").to_pylist()
    assert sum(m["entity_id"] == man for m in mentions) == n  # one entity lives in one part
    assert all(m["region_ids"] for m in mentions if m["entity_id"] == man)


def test_merge_reads_and_writes_s3(tmp_path: Path, s3) -> None:
    rows = corpus()
    bucket = s3.bucket()
    write_split(Storage.open(f"{bucket}/contrib"), [rows[:25], rows[25:]], 3, spatial_in={1})
    write_split(Storage.open(tmp_path / "local"), [rows[:25], rows[25:]], 3, spatial_in={1})
    r_s3 = do_merge(f"{bucket}/contrib", f"{bucket}/graph", 3)
    r_local = do_merge(str(tmp_path / "local"), str(tmp_path / "g"), 3)
    assert r_s3 == r_local
    remote = Storage.open(f"{bucket}/graph")
    assert remote.list("edges") == [f"part-{k:05d}.parquet" for k in range(3)]
    assert not remote.exists("_tmp_merge")
    for rel, data in part_bytes(tmp_path / "g").items():
        assert remote.read_bytes(rel) == data, rel
