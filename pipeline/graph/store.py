"""The read side of a graph: open a graph folder (local path or pyarrow filesystem URI), refuse
anything that is not a complete graph, and give each table to DuckDB as a view.

Layouts read:

* a plain graph folder: ``<graph>/manifest.json`` and one Parquet dataset per table under
  ``<graph>/<table>/`` (what ``kg build`` writes today);
* a versioned graph: ``<graph>/CURRENT`` holds a version id (one line, e.g. ``20260101T0000-ab12``
  or ``versions/20260101T0000-ab12``) naming ``<graph>/versions/<id>/``, which is read as above.
  CURRENT is followed whenever it is present (it is written by :mod:`pipeline.graph.versions`).
  CURRENT is read once, when the graph is opened, and the version's Parquet parts are listed
  then too: a reader keeps reading that one version while a writer publishes others (if the
  version is pruned under a long reader, its reads fail; they never mix versions).

A graph is complete when its ``manifest.json`` (written last by the build) and every table of
the contract (pipeline/schemas/graph.json) are there; anything else raises GraphError with one
line. Paths are local paths or URIs that ``pyarrow.fs.FileSystem.from_uri`` understands
(``file://``, ``s3://``, ``gs://``, ``hdfs://`` ...); tables are read as pyarrow datasets, which
DuckDB scans directly (projection and filter pushdown), so no DuckDB extension is needed.

Every reader (``kg query``, ``kg export``, ``kg report``) goes through :class:`GraphStore`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs

#: The tables of a graph, in the contract's order.
TABLES = ("images", "captions", "regions", "mentions", "entities", "edges", "quarantine")
_TABLE_WORD = {t: re.compile(rf"\b{t}\b", re.IGNORECASE) for t in TABLES}


class GraphError(ValueError):
    """A path that is not a complete, readable graph (message: one line naming the path)."""


class ReadOnlyError(GraphError):
    """A statement that would write (SQL other than SELECT / EXPLAIN)."""


def _split_uri(uri: str) -> tuple["pafs.FileSystem", str]:
    """(filesystem, path) for a local path or a pyarrow filesystem URI."""
    import pyarrow.fs as pafs

    if "://" in uri:
        try:
            return pafs.FileSystem.from_uri(uri)
        except Exception as e:  # noqa: BLE001 - pyarrow raises several types for bad URIs
            raise GraphError(f"{uri}: cannot open ({e})") from None
    return pafs.LocalFileSystem(), str(Path(uri).expanduser().resolve())


class GraphStore:
    """One opened graph: its manifest, a pyarrow dataset per table and a DuckDB connection with
    one view per table. Open with :meth:`open`; use as a context manager or call :meth:`close`.
    """

    def __init__(self, uri: str, fs: "pafs.FileSystem", base: str, root: str, version: str | None,
                 manifest_bytes: bytes, parts: "dict[str, list[str]] | None" = None) -> None:
        self.uri = uri
        self.fs = fs
        self.base = base  # the graph folder (holds CURRENT when versioned)
        self.root = root  # the folder read: base, or base/versions/<version>
        self.version = version
        self._manifest_bytes = manifest_bytes
        self._parts = parts  # table -> its Parquet parts, listed when the graph was opened
        self._con: duckdb.DuckDBPyConnection | None = None
        self._views: set[str] = set()

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, uri: str | os.PathLike, filesystem: "pafs.FileSystem | None" = None) -> "GraphStore":
        """Open the graph at `uri` (folder or versioned graph; local path or URI), or at path
        `uri` within `filesystem` when one is given (any pyarrow filesystem).

        Raises GraphError (one line) when the path is missing, has no manifest.json, names a
        missing version, or lacks a table.
        """
        import pyarrow.fs as pafs

        uri = os.fspath(uri)
        fs, base = (filesystem, uri) if filesystem is not None else _split_uri(uri)
        base = base.rstrip("/") or "/"
        try:
            info = fs.get_file_info(base)
        except OSError as e:
            raise GraphError(f"{uri}: cannot open ({e})") from None
        if info.type == pafs.FileType.NotFound:
            raise GraphError(f"{uri}: no such graph folder")
        if info.type != pafs.FileType.Directory:
            raise GraphError(f"{uri}: not a graph folder")
        root, version = base, None
        cur = f"{base}/CURRENT"
        if fs.get_file_info(cur).type == pafs.FileType.File:
            with fs.open_input_stream(cur) as f:
                version = f.read().decode("utf-8").strip().removeprefix("versions/").strip("/")
            if not version or "/" in version or version in (".", ".."):
                raise GraphError(f"{uri}: CURRENT does not name a version ({version!r})")
            root = f"{base}/versions/{version}"
            if fs.get_file_info(root).type != pafs.FileType.Directory:
                raise GraphError(f"{uri}: CURRENT names version {version!r}, which is missing")
        man = f"{root}/manifest.json"
        if fs.get_file_info(man).type != pafs.FileType.File:
            if version is not None:
                raise GraphError(f"{uri}: CURRENT names version {version!r}, which is incomplete (no manifest.json)")
            raise GraphError(f"{uri}: not a complete graph (no manifest.json)")
        missing = [t for t in TABLES if fs.get_file_info(f"{root}/{t}").type != pafs.FileType.Directory]
        if missing:
            raise GraphError(f"{uri}: incomplete graph: table {', '.join(missing)} missing")
        with fs.open_input_stream(man) as f:
            manifest_bytes = f.read()
        parts = _list_parts(fs, root)
        # a version is removed manifest first: still there after the listing, the listing is whole
        if version is not None and fs.get_file_info(man).type != pafs.FileType.File:
            raise GraphError(f"{uri}: version {version!r} was removed while it was being opened; open the graph again")
        return cls(uri, fs, base, root, version, manifest_bytes, parts)

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the DuckDB connection (if one was made)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    # -- what it holds -------------------------------------------------------------------
    @cached_property
    def manifest(self) -> dict[str, Any]:
        """manifest.json of the version read."""
        try:
            return json.loads(self._manifest_bytes)
        except ValueError as e:
            raise GraphError(f"{self.uri}: manifest.json is not JSON ({e})") from None

    @property
    def is_local(self) -> bool:
        """True when the graph is on the local file system."""
        import pyarrow.fs as pafs

        return isinstance(self.fs, pafs.LocalFileSystem)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the graph read changes (hash of version id + manifest bytes)."""
        h = hashlib.sha256((self.version or "").encode() + b"\0" + self._manifest_bytes)
        return h.hexdigest()[:16]

    def exports_dir(self) -> Path:
        """Local folder for exports and caches of this graph: ``<graph>/exports`` for a local
        graph, else ``$KG_CACHE_DIR`` (default ~/.cache/kg) ``/graphs/<hash of the URI>``."""
        if self.is_local:
            return Path(self.base) / "exports"
        cache = Path(os.environ.get("KG_CACHE_DIR") or Path.home() / ".cache" / "kg")
        return cache / "graphs" / hashlib.sha256(self.uri.encode()).hexdigest()[:16]

    def read_json(self, rel: str) -> Any:
        """A JSON file of the version read (e.g. ``stats/stages.json``), or None if absent."""
        import pyarrow.fs as pafs

        path = f"{self.root}/{rel}"
        if self.fs.get_file_info(path).type != pafs.FileType.File:
            return None
        with self.fs.open_input_stream(path) as f:
            return json.loads(f.read())

    def files(self, table: str) -> list[str]:
        """Paths (within the filesystem) of the table's Parquet parts, sorted (as listed when the
        graph was opened)."""
        if table not in TABLES:
            raise GraphError(f"unknown table {table!r} (tables: {', '.join(TABLES)})")
        if self._parts is None:
            self._parts = _list_parts(self.fs, self.root)
        return list(self._parts.get(table, []))

    def dataset(self, table: str) -> "ds.Dataset":
        """The table as a pyarrow dataset with the contract's schema (empty when it has no parts)."""
        import pyarrow.dataset as ds

        from pipeline.graph.schema import arrow_schema

        schema = arrow_schema(table)
        files = self.files(table)
        if not files:
            return ds.dataset(schema.empty_table())
        return ds.dataset(files, schema=schema, format="parquet", filesystem=self.fs)

    def read_table(self, table: str, columns: list[str] | None = None, filter: Any = None) -> Any:
        """The table (or some columns / rows of it) as a pyarrow Table."""
        return self.dataset(table).to_table(columns=columns, filter=filter)

    # -- DuckDB ----------------------------------------------------------------------------
    @property
    def con(self) -> "duckdb.DuckDBPyConnection":
        """A DuckDB connection with one view per table (``images``, ``edges``, ...).

        The connection is sandboxed: file system access is off (but for the graph's own folder,
        which local views read with DuckDB's Parquet reader) and the configuration is locked.
        """
        return self._connect(TABLES)

    def _connect(self, tables: "tuple[str, ...] | set[str]") -> "duckdb.DuckDBPyConnection":
        """The connection, with views for at least `tables` (each view is made on first use:
        binding a view reads its Parquet footers, so a question pays only for the tables it reads)."""
        if self._con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            if self.is_local:
                root = self.root.rstrip("/") + "/"
                con.execute("SET allowed_directories = [" + "'" + root.replace("'", "''") + "']")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            self._con, self._views = con, set()
            # pyarrow datasets (other filesystems, empty tables) are registered on this connection,
            # which cannot happen while one of its results is open: those views are made now
            for t in TABLES:
                if not self.is_local or not self.files(t):
                    self._make_view(t)
        for t in TABLES:
            if t in tables and t not in self._views:
                self._make_view(t)
        return self._con

    def _make_view(self, t: str) -> None:
        con = self._con
        assert con is not None
        files = self.files(t) if self.is_local else []
        if files:  # local parts: DuckDB's own Parquet reader (parallel, statistics pushdown)
            lst = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            # a cursor shares the catalog, and may run while a result of `con` is still open
            with con.cursor() as cur:
                cur.execute(f'CREATE VIEW "{t}" AS SELECT * FROM read_parquet([{lst}])')
        else:  # other filesystems (and empty tables): the pyarrow dataset, scanned by DuckDB
            con.register(f"_kg_{t}", self.dataset(t))
            con.execute(f'CREATE VIEW "{t}" AS SELECT * FROM "_kg_{t}"')
        self._views.add(t)

    def _for(self, query: str) -> "duckdb.DuckDBPyConnection":
        """The connection with views for every table `query` names (a word match; naming more is harmless)."""
        return self._connect({t for t in TABLES if _TABLE_WORD[t].search(query)})

    def sql(self, query: str, params: list | dict | None = None) -> "duckdb.DuckDBPyRelation | None":
        """Run trusted SQL (the package's own queries) over the views; returns the result."""
        con = self._for(query)
        return con.execute(query, params) if params is not None else con.execute(query)

    def arrow_reader(self, query: str, params: list | None = None) -> Any:
        """Trusted SQL streamed as a pyarrow RecordBatchReader (for large results)."""
        return self._for(query).sql(query, params=params).to_arrow_reader()

    def query_readonly(self, query: str) -> tuple[list[str], list[tuple]]:
        """Run user SQL over the views: only SELECT / EXPLAIN statements (anything else raises
        ReadOnlyError before running); returns (column names, rows) of the last statement."""
        import duckdb

        try:
            stmts = self.con.extract_statements(query)
        except duckdb.Error as e:
            raise GraphError(f"SQL: {str(e).splitlines()[0]}") from None
        if not stmts:
            raise GraphError("SQL: no statement given")
        allowed = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
        for s in stmts:
            if s.type not in allowed:
                raise ReadOnlyError(f"SQL: only read-only queries are allowed (got {s.type.name})")
        cur = None
        try:
            for s in stmts:
                cur = self.con.execute(s.query)
            assert cur is not None
            cols = [d[0] for d in cur.description] if cur.description else []
            return cols, cur.fetchall()
        except duckdb.Error as e:
            raise GraphError(f"SQL: {str(e).splitlines()[0]}") from None


def _list_parts(fs: "pafs.FileSystem", root: str) -> dict[str, list[str]]:
    """table -> paths of its Parquet parts under `root` (one recursive listing per table; names starting
    with "." or "_tmp", writes in flight, are left out), each list sorted."""
    import pyarrow.fs as pafs

    parts: dict[str, list[str]] = {t: [] for t in TABLES}
    for t in TABLES:
        sel = pafs.FileSelector(f"{root}/{t}", recursive=True, allow_not_found=True)
        for i in fs.get_file_info(sel):
            rel = i.path[len(root):].lstrip("/").split("/")
            if (i.type == pafs.FileType.File and i.path.endswith(".parquet")
                    and not any(p.startswith((".", "_tmp")) for p in rel)):
                parts[t].append(i.path)
    return {t: sorted(v) for t, v in parts.items()}


def open_graph(uri: str | os.PathLike) -> GraphStore:
    """Shorthand for :meth:`GraphStore.open`."""
    return GraphStore.open(uri)
