"""Incremental updates: build(A); update(B); update(C) gives the same tables, byte for byte, as
build(A+B+C), whatever the order, the runner or the number of steps; a changed file replaces
its contribution, a removed one takes it out; an interrupted update resumes; the same on S3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import graph_root, jpeg, read_graph_manifest

from pipeline.build import run_build
from pipeline.config import ConfigError, load_config
from pipeline.core.storage import Storage
from pipeline.graph.store import TABLES

REPO = Path(__file__).resolve().parents[2]


def _photos():
    from skimage import data

    return [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]


CAPS = ["an astronaut holding a white helmet next to a flag", "a red cup of coffee on a wooden table",
        "a cat with green eyes lying on a blanket", "a white rocket on a launch pad"]


def _corpus_file(path: Path, tag: str, n: int, offset: int) -> Path:
    import numpy as np
    import pyarrow as pa

    src = _photos()
    rows = []
    for i in range(n):
        a = src[(i + offset) % 4]
        crop = a[(i + offset) % 9: a.shape[0] - ((i + offset) % 5), (i * 3 + offset) % 13:]
        rows.append({"id": f"{tag}{i:02d}", "image": jpeg(np.ascontiguousarray(crop[::2, ::2])), "text": CAPS[(i + offset) % 4]})
    rows.append({"id": f"{tag}-dup", "image": rows[0]["image"], "text": "a duplicate image with another caption"})
    if tag == "b":
        rows.append({"id": "a00", "image": rows[1]["image"], "text": "an id that file a already used"})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=3)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("corpus")
    return {t: _corpus_file(d / f"{t}.parquet", t, 5, k * 2) for k, t in enumerate("abc")}


def _cfg(out: str, corpus: list, runner: str = "local", **sets):
    over = ["decode.text_columns=[text]", "shard_rows=3", "merge.partitions=3", *(f"{k}={v}" for k, v in sets.items())]
    cfg = load_config(REPO / "jobs/configs/sample.yaml", over, out=str(out), runner=runner)
    cfg.corpus = [str(c) for c in corpus]
    return cfg


def _parts(graph: str) -> dict[str, bytes]:
    """Every table part of the live version, by its path inside the version, as bytes."""
    store = Storage.open(graph)
    cur = store.read_text("CURRENT").strip()
    v = store.child("versions", cur)
    out = {}
    for t in TABLES:
        for name in v.list(t):
            out[f"{t}/{name}"] = v.read_bytes(f"{t}/{name}")
    return out


def _same(a: str, b: str) -> None:
    pa_, pb = _parts(a), _parts(b)
    assert sorted(pa_) == sorted(pb)
    diff = [k for k in pa_ if pa_[k] != pb[k]]
    assert not diff, f"parts differ: {diff}"


@pytest.fixture(scope="module")
def whole(files, tmp_path_factory, model_dir) -> str:
    out = tmp_path_factory.mktemp("whole") / "graph"
    run_build(_cfg(out, [files["a"], files["b"], files["c"]]), progress=lambda m: None)
    return str(out)


@pytest.fixture(scope="module")
def built_a(files, tmp_path_factory, model_dir) -> Path:
    """build(a), once for the module: tests that start from it update a copy (`_copy`)."""
    out = tmp_path_factory.mktemp("built_a") / "graph"
    run_build(_cfg(out, [files["a"]]), progress=lambda m: None)
    return out


def _copy(graph: Path, dest: Path) -> Path:
    """A copy of local graph `graph` at `dest` (a graph holds no path of its own folder)."""
    shutil.copytree(graph, dest)
    return dest


def test_update_steps_equal_one_build(files, whole, built_a, tmp_path) -> None:
    g = _copy(built_a, tmp_path / "g")  # build(a)
    lines: list[str] = []
    r = run_build(_cfg(g, [files["c"]]), progress=lines.append, update=True)
    assert r.changes["added"] == [str(files["c"])] and r.published
    r = run_build(_cfg(g, [files["a"], files["b"], files["c"]]), progress=lines.append, update=True)
    assert r.changes["added"] == [str(files["b"])] and sorted(r.changes["unchanged"]) == [str(files["a"]), str(files["c"])]
    assert any("1 new, 0 changed, 0 removed, 2 unchanged" in m for m in lines)
    _same(whole, str(g))
    # nothing new: no new version
    before = (g / "CURRENT").read_text()
    r = run_build(_cfg(g, [files["b"]]), progress=lines.append, update=True)
    assert not r.published and (g / "CURRENT").read_text() == before
    man = read_graph_manifest(g)
    assert [i["path"] for i in man["inputs"]] == sorted(str(files[t]) for t in "abc")
    assert all(a["balanced"] for a in man["accounting"])
    q = pq.read_table(graph_root(g) / "quarantine").to_pylist()
    assert [(r["corpus_id"], r["reason"]) for r in q] == [("a00", "duplicate_id")]  # file b's reuse of a00


def test_other_order_and_ray_runner_give_the_same_bytes(files, whole, tmp_path, ray_local) -> None:
    # c, b on Ray, then a in process: the order differs and contributions of both runners mix
    g = tmp_path / "g"
    run_build(_cfg(g, [files["c"], files["b"]], runner="ray"), progress=lambda m: None)
    run_build(_cfg(g, [files["a"]]), progress=lambda m: None, update=True)
    _same(whole, str(g))


def test_changed_and_removed_files(files, tmp_path) -> None:
    g = tmp_path / "g"
    work = tmp_path / "corpus"
    a = work / "a.parquet"
    a.parent.mkdir()
    a.write_bytes(files["a"].read_bytes())
    b = work / "b.parquet"
    b.write_bytes(files["b"].read_bytes())
    run_build(_cfg(g, [a, b]), progress=lambda m: None)
    old_contribs = set(Storage.open(str(g)).list("contributions"))
    # a changes: its content is now c's
    a.write_bytes(files["c"].read_bytes())
    r = run_build(_cfg(g, [a, b]), progress=lambda m: None, update=True)
    assert r.changes["changed"] == [str(a)] and r.changes["unchanged"] == [str(b)]
    ref = tmp_path / "ref"
    run_build(_cfg(ref, [a, b]), progress=lambda m: None)
    _same(str(ref), str(g))
    # b removed: the graph equals a build of a alone
    assert len(Storage.open(str(g)).list("versions")) == 2
    r = run_build(_cfg(g, [], keep=1), progress=lambda m: None, update=True, remove=[str(b)])
    assert r.changes["removed"] == [str(b)]
    ref2 = tmp_path / "ref2"
    run_build(_cfg(ref2, [a]), progress=lambda m: None)
    _same(str(ref2), str(g))
    ids = set(pq.read_table(graph_root(g) / "images", columns=["corpus_id"]).column(0).to_pylist())
    assert ids and not any(i.startswith("b") for i in ids)
    # keep=1: the older versions went, and with them the contributions no kept version names
    assert Storage.open(str(g)).list("versions") == [r.version]
    contribs = Storage.open(str(g)).list("contributions")
    assert len(contribs) == 1 and not set(contribs) & old_contribs  # a's new content only
    with pytest.raises(ConfigError, match="not an input"):
        run_build(_cfg(g, []), progress=lambda m: None, update=True, remove=[str(b)])


def test_update_with_another_config_is_refused(files, built_a, tmp_path) -> None:
    g = _copy(built_a, tmp_path / "g")  # build(a)
    before = sorted(p.relative_to(g) for p in g.rglob("*"))
    with pytest.raises(ConfigError, match="another config"):
        run_build(_cfg(g, [files["b"]], **{"ground.min_score": 0.9}), progress=lambda m: None, update=True)
    assert sorted(p.relative_to(g) for p in g.rglob("*")) == before  # refused before writing anything


def test_interrupted_update_resumes(files, whole, built_a, tmp_path, monkeypatch) -> None:
    import pipeline.runners.staging as staging

    g = _copy(built_a, tmp_path / "g")  # build(a)
    real = staging.mark_done
    calls = {"n": 0}

    def dies_after_two(target, key, rows):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt("killed mid-update (simulated)")
        return real(target, key, rows)

    monkeypatch.setattr(staging, "mark_done", dies_after_two)
    before = (g / "CURRENT").read_text()
    with pytest.raises(KeyboardInterrupt):
        run_build(_cfg(g, [files["b"], files["c"]]), progress=lambda m: None, update=True)
    assert (g / "CURRENT").read_text() == before  # the live version is untouched
    monkeypatch.setattr(staging, "mark_done", real)
    lines: list[str] = []
    run_build(_cfg(g, [files["b"], files["c"]]), progress=lines.append, update=True)
    assert any("2 already done" in m for m in lines), lines
    _same(whole, str(g))


def _raise(*args) -> None:
    raise KeyboardInterrupt("killed mid-update (simulated)")


def test_build_update_resume_and_export_on_s3(files, whole, s3, tmp_path, monkeypatch) -> None:
    """The corpus and the graph on a real S3 server (moto), credentials only in AWS_* variables:
    build, an update killed mid-way, its resume, export."""
    import pipeline.runners.staging as staging

    bucket = s3.bucket()
    cli = s3.client()
    for t in "abc":
        cli.put_object(Bucket=bucket[5:], Key=f"corpus/{t}.parquet", Body=files[t].read_bytes())
    g = f"{bucket}/graphs/main"
    run_build(_cfg(g, [f"{bucket}/corpus/a.parquet", f"{bucket}/corpus/c.parquet"]), progress=lambda m: None)
    before = Storage.open(g).read_text("CURRENT")
    real = staging.mark_done

    def dies_after_one(target, key, rows):
        monkeypatch.setattr(staging, "mark_done", _raise)
        return real(target, key, rows)

    monkeypatch.setattr(staging, "mark_done", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_build(_cfg(g, [f"{bucket}/corpus/"]), progress=lambda m: None, update=True)
    assert Storage.open(g).read_text("CURRENT") == before
    monkeypatch.setattr(staging, "mark_done", real)
    lines: list[str] = []
    run_build(_cfg(g, [f"{bucket}/corpus/"]), progress=lines.append, update=True)
    assert any("1 already done" in m for m in lines), lines
    # same tables as the local build (only the file names recorded differ)
    from pipeline.graph.store import GraphStore

    with GraphStore.open(g) as s, GraphStore.open(whole) as w:
        for t in ("captions", "regions", "mentions", "entities", "edges"):
            assert s.read_table(t).equals(w.read_table(t)), t
        assert s.version == Storage.open(g).read_text("CURRENT").strip()
    from pipeline.export import export_graph

    dest = export_graph(g, "graphml", str(tmp_path / "g.graphml"), progress=lambda m: None)
    assert Path(dest).stat().st_size > 0
    written = [cli.get_object(Bucket=bucket[5:], Key=o["Key"])["Body"].read()
               for o in cli.list_objects_v2(Bucket=bucket[5:], Prefix="graphs/")["Contents"] if o["Key"].endswith(".json")]
    assert not [w for w in written if s3.env["AWS_SECRET_ACCESS_KEY"].encode() in w]
