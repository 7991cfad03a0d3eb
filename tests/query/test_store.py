"""The read side: opening graphs (folder, CURRENT-versioned, file:// URI), refusals, read-only SQL
(the packaged schema staying in step with the top-level copy: test_query_cli.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import graph_root

from pipeline.graph.store import TABLES, GraphError, GraphStore, ReadOnlyError

pytestmark = pytest.mark.slow  # every test opens the session graphs (whole builds)


def test_views_hold_the_tables(sample_graph: Path) -> None:
    with GraphStore.open(sample_graph) as s:
        for t in TABLES:
            assert s.sql(f"SELECT count(*) FROM {t}").fetchone()[0] == pq.read_table(graph_root(sample_graph) / t).num_rows
        assert s.version == (sample_graph / "CURRENT").read_text().strip() and s.manifest["counts"]["images"] == 15


def test_file_uri(sample_graph: Path) -> None:
    with GraphStore.open(f"file://{sample_graph}") as s:
        assert s.sql("SELECT count(*) FROM edges").fetchone()[0] == pq.read_table(graph_root(sample_graph) / "edges").num_rows
        assert not s.uri.startswith("/")


def test_follows_current(sample_graph: Path, tmp_path: Path) -> None:
    g = tmp_path / "g"
    shutil.copytree(graph_root(sample_graph), g / "versions" / "v2", ignore=shutil.ignore_patterns("exports"))
    (g / "CURRENT").write_text("v2\n")
    with GraphStore.open(g) as s:
        assert s.version == "v2" and s.root.endswith("versions/v2")
        assert s.sql("SELECT count(*) FROM images").fetchone()[0] == 15
        assert s.exports_dir() == g / "exports"
        fp = s.fingerprint
    shutil.copytree(g / "versions" / "v2", g / "versions" / "v3")
    (g / "CURRENT").write_text("versions/v3")
    with GraphStore.open(g) as s:
        assert s.version == "v3" and s.fingerprint != fp
    (g / "CURRENT").write_text("v9")
    with pytest.raises(GraphError, match="v9.*missing"):
        GraphStore.open(g)
    (g / "CURRENT").write_text("../../etc")
    with pytest.raises(GraphError, match="does not name a version"):
        GraphStore.open(g)


def test_refuses_incomplete(sample_graph: Path, tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="no such graph folder"):
        GraphStore.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(GraphError, match=r"no manifest\.json"):
        GraphStore.open(tmp_path / "empty")
    g = tmp_path / "g"
    shutil.copytree(graph_root(sample_graph), g, ignore=shutil.ignore_patterns("exports"))
    shutil.rmtree(g / "edges")
    with pytest.raises(GraphError, match="table edges missing") as e:
        GraphStore.open(g)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("sql", [
    "CREATE TABLE x AS SELECT 1", "DROP VIEW images", "INSERT INTO images SELECT * FROM images",
    "COPY images TO '/tmp/kg-leak.csv'", "ATTACH '/tmp/kg-leak.db'", "SET threads = 1",
    "SELECT 1; DELETE FROM images", "INSTALL httpfs", "PRAGMA enable_profiling"])
def test_sql_writes_refused(sample_graph: Path, sql: str) -> None:
    with GraphStore.open(sample_graph) as s:
        with pytest.raises(ReadOnlyError):
            s.query_readonly(sql)
        assert s.sql("SELECT count(*) FROM images").fetchone()[0] == 15


def test_sql_cannot_read_other_files(sample_graph: Path) -> None:
    with GraphStore.open(sample_graph) as s:
        with pytest.raises(GraphError, match="disabled"):
            s.query_readonly("SELECT * FROM read_csv('/etc/hostname')")
        cols, rows = s.query_readonly("SELECT type, count(*) AS n FROM edges GROUP BY type ORDER BY type")
        assert cols == ["type", "n"] and sum(r[1] for r in rows) == pq.read_table(graph_root(sample_graph) / "edges").num_rows


def test_other_filesystem_reads_through_pyarrow(sample_graph: Path, capsys) -> None:
    """A graph on a non-local pyarrow filesystem is scanned as pyarrow datasets, same answers."""
    import pyarrow.fs as pafs

    from pipeline.query import verbs

    fs = pafs.SubTreeFileSystem(str(sample_graph.parent), pafs.LocalFileSystem())
    with GraphStore.open(sample_graph.name, filesystem=fs) as remote, GraphStore.open(sample_graph) as local:
        assert not remote.is_local
        for t in TABLES:
            q = f"SELECT count(*) FROM {t}"
            assert remote.sql(q).fetchone()[0] == local.sql(q).fetchone()[0]
        assert verbs.images(remote, has=["cup"]).to_json() == verbs.images(local, has=["cup"]).to_json()
        assert verbs.entity(remote, "cup").to_json() == verbs.entity(local, "cup").to_json()
        with pytest.raises(GraphError, match="disabled"):
            remote.query_readonly("SELECT * FROM read_csv('/etc/hostname')")
