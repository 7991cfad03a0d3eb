"""Versioned graphs: publish writes the manifest last, switches CURRENT, prunes; a crash at every
step of publish leaves a readable graph (the previous version current and intact until CURRENT
is switched); readers follow CURRENT and never mix versions, on the local disk and on a real S3
server (moto); `kg versions` lists them."""

from __future__ import annotations

import json
import os
import re
import threading
import time

import pyarrow as pa
import pytest

from pipeline.core.storage import Storage
from pipeline.graph.schema import arrow_schema
from pipeline.graph.store import TABLES, GraphError, GraphStore
from pipeline.graph.versions import Versions, VersionError, VersionInfo

_FILL = {pa.string(): lambda tag, i: f"{tag}:{i}", pa.int32(): lambda tag, i: i, pa.int64(): lambda tag, i: i,
         pa.float32(): lambda tag, i: float(i), pa.float64(): lambda tag, i: float(i)}


def _table(name: str, tag: str, n: int) -> pa.Table:
    """`n` rows of table `name` with the contract's schema; every string names `tag` (the version)."""
    schema = arrow_schema(name)
    cols = {}
    for f in schema:
        make = _FILL.get(f.type, lambda tag, i: [tag])  # list<string>
        cols[f.name] = [make(tag, i) for i in range(n)]
    return pa.table(cols, schema=schema)


def write_tables(folder: Storage, tag: str, n: int, parts: bool = True) -> dict[str, int]:
    """Every table of a graph under `folder`, n + k rows for the k-th table (images, entities and
    edges in two parts ``part-00000``, ``part-00001``, the others in one); stats/stages.json.
    Returns the rows per table. (Parts are written straight, as a writer may: a version is
    complete only once publish writes its manifest.)"""
    import pyarrow.parquet as pq

    counts = {}
    for k, name in enumerate(TABLES):
        rows = n + k
        t = _table(name, tag, rows)
        cut = rows // 2 if parts and name in ("images", "entities", "edges") else rows
        if folder.is_local:
            folder.make_dirs(name)
        for j, part in enumerate((t.slice(0, cut), t.slice(cut))):
            if part.num_rows or j == 0:
                pq.write_table(part, folder.path(f"{name}/part-{j:05d}.parquet"), filesystem=folder.fs)
        counts[name] = rows
    folder.write_json("stats/stages.json", [{"stage": "decode", "rows": n, "busy_seconds": 0.0, "quarantined": {}}])
    return counts


def make_version(vs: Versions, n: int, parts: bool = True) -> tuple[str, dict]:
    """A new version with the tables written (n images) and its manifest, not yet published."""
    vid = vs.new_id()
    counts = write_tables(vs.folder(vid), vid, n, parts)
    manifest = {"kind": "kg-build", "inputs": [{"path": f"in-{i}.parquet", "sha256": "0" * 64, "rows": 1, "bytes": 10}
                                               for i in range(n)], "counts": counts}
    return vid, manifest


def check_read(spec: str, opened: list[str] | None = None, sql: bool = True) -> str:
    """Open the graph at `spec`, read every table (pyarrow and DuckDB) and check every row
    belongs to the version the store names (``legacy`` for the plain layout) and the counts are
    its manifest's (through DuckDB too unless `sql` is False). Returns the version; appends it
    to `opened` as soon as the graph is open."""
    with GraphStore.open(spec) as store:
        tag = store.version or "legacy"
        if opened is not None:
            opened.append(tag)
        counts = store.manifest["counts"]
        assert store.manifest["version"] == tag
        for name in TABLES:
            t = store.read_table(name)
            assert t.num_rows == counts[name], (name, tag)
            key = t.column(0).to_pylist()
            assert all(k.startswith(f"{tag}:") for k in key), (name, tag, key[:3])
            if not sql:
                continue
            col = t.column_names[0]
            n, tags = store.sql(f"SELECT count(*), list(DISTINCT split({col}, ':')[1]) FROM {name}").fetchone()
            assert n == counts[name] and tags == [tag], (name, tag, tags)
        assert store.read_json("stats/stages.json")[0]["rows"] == counts["images"]
        return tag


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.slow)])
def graph(request, tmp_path) -> str:
    """Where a graph goes: a local folder or a prefix in a fresh bucket of the S3 server (a
    minute or two over all tests: `slow`, left out of `make test-fast`)."""
    if request.param == "local":
        return str(tmp_path / "g")
    return request.getfixturevalue("s3").bucket() + "/g"


def test_publish_list_prune(graph: str) -> None:
    vs = Versions(graph)
    assert vs.current() is None and vs.list() == [] and not vs.is_graph()
    published = []
    for n in (1, 2, 3, 4):
        vid, man = make_version(vs, n)
        assert vid not in [v.id for v in vs.list()]  # tables written, no manifest: not a version yet
        removed = vs.publish(vid, man, keep=2)
        published.append(vid)
        assert vs.current() == vid and check_read(graph) == vid
        assert removed == (published[-3:-2] if n > 2 else [])
    infos = vs.list()
    assert [v.id for v in infos] == published[-2:] and [v.current for v in infos] == [False, True]
    last = infos[-1]
    assert isinstance(last, VersionInfo) and last.inputs == 4 and last.counts["images"] == 4
    assert last.created.endswith("Z") and last.created[:4].isdigit()
    assert vs.manifest(last.id)["version"] == last.id
    assert vs.is_graph() and sorted(vs.storage.list()) == ["CURRENT", "versions"]
    assert vs.storage.read_text("CURRENT") == last.id + "\n"


def test_ids_sort_by_time_and_are_unique() -> None:
    ids = [Versions.new_id() for _ in range(300)]
    assert ids == sorted(ids) and len(set(ids)) == 300
    assert ids[0][:8].isdigit() and ids[0][8] == "T" and "Z-" in ids[0]


def test_bad_input_refused(tmp_path) -> None:
    vs = Versions(tmp_path / "g")
    vid, man = make_version(vs, 1)
    for keep in (0, -1, 1.5, True):
        with pytest.raises(VersionError, match="keep must be"):
            vs.publish(vid, man, keep=keep)
    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(VersionError, match="not a version id"):
            vs.folder(bad)
    other = vs.new_id()
    vs.folder(other).write_parquet("images/part-00000.parquet", _table("images", other, 1))
    with pytest.raises(VersionError, match="table captions, regions.* missing"):
        vs.publish(other, man)
    assert vs.current() is None  # nothing was written by a refused publish
    vs.publish(vid, man)
    with pytest.raises(VersionError, match="already published"):
        vs.publish(vid, man)
    with pytest.raises(VersionError, match="no complete version"):
        vs.manifest(other)


def _legacy(spec: str) -> dict:
    """A graph in the plain layout of earlier releases (tables and manifest at the root)."""
    root = Storage.open(spec)
    counts = write_tables(root, "legacy", 5)
    root.write_json("manifest.json", {"kind": "kg-build", "inputs": [], "counts": counts, "version": "legacy"})
    root.write_text("exports/graph.graphml", "<graphml/>")
    root.write_text("contributions/x.json", "{}")
    return counts


def test_plain_layout_is_replaced_after_switch(graph: str) -> None:
    _legacy(graph)
    vs = Versions(graph)
    assert check_read(graph) == "legacy"
    assert vs.is_graph() and vs.legacy_manifest()["counts"]["images"] == 5 and vs.list() == []
    vid, man = make_version(vs, 2)
    assert vs.publish(vid, man) == []
    assert check_read(graph) == vid and vs.legacy_manifest() is None
    assert sorted(vs.storage.list()) == ["CURRENT", "contributions", "exports", "versions"]


# -- crashes ---------------------------------------------------------------------------------
class Crash(Exception):
    pass


def _shape(steps: list[str]) -> list[str]:
    """Step names with version ids left out (each scenario has its own ids)."""
    return [re.sub(r"\d{8}T[\w.-]+", "<id>", s) for s in steps]


def _scenario(spec: str, layout: str) -> tuple[Versions, str, str, dict]:
    """A graph, a folder a crashed run left (tables, no manifest) and a new version written
    (not published). `layout` "versions": two published versions (keep=2); "plain": a graph in
    the plain layout of earlier releases. Returns (versions, the current version's tag
    ("legacy" for the plain layout), the new id, its manifest)."""
    vs = Versions(spec)
    if layout == "plain":
        _legacy(spec)
        prev = "legacy"
    else:
        for n in (1, 2):
            prev, man = make_version(vs, n, parts=False)
            vs.publish(prev, man, keep=2)
    crashed = vs.new_id()
    write_tables(vs.folder(crashed), crashed, 9, parts=False)
    new, man = make_version(vs, 3, parts=False)
    return vs, prev, new, man


@pytest.mark.parametrize("layout", ["versions", "plain"])
def test_crash_at_every_step(graph: str, layout: str) -> None:
    steps: list[str] = []
    _, prev, new, man = _scenario(graph + "/template", layout)  # cloned for each crash (cheaper on S3)
    vs = _clone(graph, "template", "probe")
    vs.on_step = steps.append
    vs.publish(new, man, keep=2)
    kinds = [s.split(" ")[0] for s in steps]
    assert kinds[:2] == ["manifest", "current"] and "remove" in kinds
    assert any(s.endswith(": folder") for s in steps)
    if layout == "versions":  # an old version goes (manifest first) and the crashed folder
        assert len(steps) == 5 and steps[2].endswith(": manifest.json") and "legacy" not in kinds
    else:  # the crashed folder, then the root-level manifest first, tables, stats
        assert steps[3:] == ["legacy manifest.json", "legacy tables"]
    for i, step in enumerate(steps):
        spec = f"{graph}/crash{i}"
        vs = _clone(graph, "template", f"crash{i}")
        held = f"versions/{prev}" if layout == "versions" else ""
        before = _files(vs.storage, held)
        seen: list[str] = []

        def hook(name: str, i=i) -> None:
            if len(seen) == i:
                raise Crash(name)
            seen.append(name)

        vs.on_step = hook
        with pytest.raises(Crash):
            vs.publish(new, man, keep=2)
        assert _shape(seen) == _shape(steps[:i])  # the same steps, in the same order, up to the crash
        switched = i > steps.index("current")
        assert vs.current() == (new if switched else None if layout == "plain" else prev), step
        assert check_read(spec, sql=False) == (new if switched else prev), step
        if layout == "versions" or not switched:  # the previous version is intact: the same files, bytes
            assert _files(vs.storage, held) == before, step
        # the next publish succeeds and cleans up what the crash left
        vs.on_step = None
        nxt, man2 = make_version(vs, 4, parts=False)
        vs.publish(nxt, man2, keep=2)
        with GraphStore.open(spec) as store:
            assert vs.current() == store.version == nxt and store.manifest["counts"] == man2["counts"]
        infos = vs.list()
        assert infos[-1].id == nxt and infos[-1].current and len(infos) == (2 if layout == "versions" or i else 1), step
        assert vs.ids() == [v.id for v in infos], step  # no incomplete folder left
        assert sorted(vs.storage.list()) == (["CURRENT", "contributions", "exports", "versions"] if layout == "plain"
                                             else ["CURRENT", "versions"]), step


def _clone(graph: str, src: str, dest: str) -> Versions:
    """Copy graph `graph`/`src` to `graph`/`dest` file by file (server-side copies on S3)."""
    root = Storage.open(graph)
    for rel in root.list(src, recursive=True):
        if root.is_local:
            root.make_dirs(f"{dest}/{rel}".rsplit("/", 1)[0])
        root.copy(f"{src}/{rel}", f"{dest}/{rel}")
    return Versions(root.child(dest))


def _files(root: Storage, rel: str) -> dict[str, bytes]:
    """The files of a version (`rel` = versions/<id>) or of a plain-layout graph (`rel` = "":
    its manifest, tables and stats) with their bytes."""
    names = [n for n in root.list(rel, recursive=True)
             if rel or n.split("/")[0] in ("manifest.json", "stats", *TABLES)]
    prefix = f"{rel}/" if rel else ""
    return {n: root.read_bytes(prefix + n) for n in names}


def test_reader_refuses_incomplete_current(tmp_path, capsys) -> None:
    from pipeline.cli import main

    vs = Versions(tmp_path / "g")
    vid, man = make_version(vs, 1)
    vs.storage.write_text("CURRENT", vid + "\n")  # CURRENT switched before the manifest: refused
    with pytest.raises(GraphError, match=rf"CURRENT names version '{vid}', which is incomplete") as e:
        GraphStore.open(tmp_path / "g")
    assert "\n" not in str(e.value)
    assert main(["query", str(tmp_path / "g"), "stats"]) == 2
    err = capsys.readouterr().err
    assert "which is incomplete (no manifest.json)" in err and err.count("\n") == 1
    vs.storage.write_text("CURRENT", "20990101T000000.000Z-000000\n")
    with pytest.raises(GraphError, match="which is missing"):
        GraphStore.open(tmp_path / "g")


# -- readers during publishes ---------------------------------------------------------------
def test_concurrent_readers_never_mix(graph: str) -> None:
    """Two reader threads open the graph and read every table again and again while a writer
    publishes six versions (keep=2; each once a reader has read the one before): each read matches exactly one version's manifest. A read
    whose version was pruned under it may fail (an error, checked to be that case), never mix."""
    vs = Versions(graph)
    vid, man = make_version(vs, 1)
    vs.publish(vid, man, keep=2)
    done = threading.Event()
    seen: list[set[str]] = [set(), set()]
    failures: list[list[str]] = [[], []]
    problems: list[BaseException] = []

    def reader(k: int) -> None:
        try:
            while True:
                last = done.is_set()
                opened: list[str] = []
                try:
                    seen[k].add(check_read(graph, opened))
                except AssertionError:
                    raise
                except Exception as e:  # noqa: BLE001 - a read may fail only when its version was pruned
                    gone = opened[0] if opened else str(e).split("'")[1]
                    assert not vs.is_complete(gone), f"{gone} is still there, yet: {type(e).__name__}: {e}"
                    failures[k].append(gone)
                if last:
                    return
        except BaseException as e:  # noqa: BLE001
            problems.append(e)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    published = [vid]
    for n in range(2, 8):
        vid, man = make_version(vs, n)
        vs.publish(vid, man, keep=2)
        published.append(vid)
        deadline = time.monotonic() + 60  # the next publish once a reader has read this one
        while vid not in seen[0] | seen[1] and time.monotonic() < deadline and not problems:
            time.sleep(0.005)
    done.set()
    for t in threads:
        t.join(120)
    assert not problems, problems[0]
    assert all(published[-1] in s for s in seen)  # the last read of each follows the last switch
    assert seen[0] | seen[1] == set(published), (seen, failures)  # every version was read, nothing else


# -- kg versions -----------------------------------------------------------------------------
def test_cli_versions(tmp_path, capsys) -> None:
    from pipeline.cli import main

    g = tmp_path / "g"
    vs = Versions(g)
    ids = []
    for n in (2, 3):
        vid, man = make_version(vs, n)
        vs.publish(vid, man)
        ids.append(vid)
    assert main(["versions", str(g), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [v["id"] for v in doc["versions"]] == ids and doc["current"] == ids[-1]
    assert doc["versions"][-1]["current"] and doc["versions"][-1]["counts"]["images"] == 3
    assert doc["versions"][0]["inputs"] == 2
    assert main(["versions", str(g)]) == 0
    out = capsys.readouterr().out
    assert ids[0] in out and ids[1] in out and "images" in out and "*" in out
    (tmp_path / "empty").mkdir()
    for bad in (tmp_path / "empty", tmp_path / "missing"):
        assert main(["versions", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("kg versions: error:") and "not a graph" in err and err.count("\n") == 1
    _legacy(str(tmp_path / "old"))
    assert main(["versions", str(tmp_path / "old"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["current"] is None and doc["layout"] == "plain" and doc["versions"][0]["counts"]["images"] == 5


# -- exports and the report ------------------------------------------------------------------
def test_exports_follow_current_and_stay_outside_versions(tmp_path) -> None:
    """`kg export` and `kg report` of a versioned graph read the current version and write
    under <graph>/exports/, never into versions/."""
    import networkx as nx

    from pipeline.export import export_graph
    from pipeline.report import write_report

    g = tmp_path / "g"
    vs = Versions(g)
    for n in (2, 5):
        vid, man = make_version(vs, n)
        vs.publish(vid, man)
        before = {p.relative_to(g / "versions") for p in (g / "versions").rglob("*")}
        out = export_graph(g, "graphml")
        assert out == g / "exports" / "graph.graphml"
        nodes = set(nx.read_graphml(out).nodes)
        assert f"{vid}:0" in nodes and {n.split(":")[0] for n in nodes} == {vid}  # this version's nodes only
        report = write_report(g, thumbnails=2, entities=2)
        assert report == g / "exports" / "report.html" and "<html" in report.read_text()[:500].lower()
        assert {p.relative_to(g / "versions") for p in (g / "versions").rglob("*")} == before
    assert sorted(p.name for p in g.iterdir()) == ["CURRENT", "exports", "versions"]


def test_killed_while_switching_current(tmp_path) -> None:
    """A process killed in the middle of writing CURRENT (its temp file written, not yet moved
    into place; no clean-up code runs) leaves the previous version current; the next publish
    (another process) completes."""
    import subprocess
    import sys
    from pathlib import Path

    g = tmp_path / "g"
    vs = Versions(g)
    prev, man = make_version(vs, 2)
    vs.publish(prev, man)
    new, man = make_version(vs, 3)
    (tmp_path / "man.json").write_text(json.dumps(man))
    script = f"""
import json, os
from pipeline.graph.versions import Versions
class Dying:  # the filesystem, but the process dies when CURRENT is about to be moved into place
    def __init__(self, fs):
        self.fs = fs
    def __getattr__(self, name):
        return getattr(self.fs, name)
    def move(self, src, dest):
        if dest.endswith("/CURRENT"):
            os._exit(9)
        return self.fs.move(src, dest)
vs = Versions({str(g)!r})
vs.storage.fs = Dying(vs.storage.fs)
vs.publish({new!r}, json.load(open({str(tmp_path / "man.json")!r})))
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    assert [p.name for p in g.iterdir() if p.name.startswith(".CURRENT.")]  # the half-done write is there
    assert vs.current() == prev and check_read(str(g)) == prev
    assert vs.is_complete(new) and not [v for v in vs.list() if v.current and v.id != prev]
    nxt, man2 = make_version(vs, 4)
    assert vs.publish(nxt, man2, keep=2) == [prev]
    assert check_read(str(g)) == nxt and [v.id for v in vs.list()] == [new, nxt]
    assert not [p.name for p in g.iterdir() if p.name.startswith(".CURRENT.")]  # the stale temp file went


def test_prune_removes_stale_current_temps_only(graph: str) -> None:
    """Temp files of CURRENT left by crashed publishes (one naming an older version, one naming
    the version that became current: a move on S3 copied but not deleted, one cut short) go
    with the next publish; one naming a newer version (a publish in flight) stays."""
    vs = Versions(graph)
    old, man = make_version(vs, 1)
    vs.publish(old, man)
    cur, man = make_version(vs, 2)
    newer = vs.new_id()
    temps = {".CURRENT.11.0123abcd.tmp": old, ".CURRENT.12.89abcdef.tmp": cur, ".CURRENT.13.00ff00ff.tmp": "2026",
             ".CURRENT.14.deadbeef.tmp": newer}
    for name, text in temps.items():
        with vs.storage.fs.open_output_stream(vs.storage.path(name)) as f:  # as a killed writer leaves them
            f.write(text.encode())
    assert vs.storage.temps("CURRENT") == sorted(temps)
    vs.publish(cur, man)
    assert vs.storage.temps("CURRENT") == [".CURRENT.14.deadbeef.tmp"]
    assert vs.current() == cur and check_read(graph) == cur
    assert vs.prune() == [] and vs.storage.temps("CURRENT") == [".CURRENT.14.deadbeef.tmp"]
