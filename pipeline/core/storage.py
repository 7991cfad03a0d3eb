"""Storage: one folder on any pyarrow filesystem (a local path, ``file://``, ``s3://``, ``gs://``,
``abfs://``, ``hdfs://`` ...), with the few operations a graph, its contributions and its
staging need: read, write atomically, list, remove.

Credentials come the standard way of each filesystem (for S3 the usual ``AWS_*`` environment
variables, ``AWS_ENDPOINT_URL`` included; query parameters of the URI such as
``endpoint_override`` are understood by pyarrow too). Nothing here has credential options of
its own, and :attr:`Storage.display` (what logs and manifests get) never carries a secret.

Atomic writes: a file is written beside its name (a dot-name that listings skip) and moved over
it: a rename on a local disk or HDFS, a server-side copy on object stores (S3, GCS, Azure),
where an object appears whole. Either way a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import urllib.parse
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    import pyarrow.fs as pafs

_SECRET_PARAM = re.compile(r"key|secret|token|passw|credential|signature|sig$|auth", re.IGNORECASE)


class StorageError(OSError):
    """A storage location that cannot be opened or used (message: one line, no secrets)."""


def is_uri(spec: str) -> bool:
    """True for a pyarrow filesystem URI (``s3://bucket/x``, ``gs://...``, ``file:///...``)."""
    return "://" in str(spec).split("?", 1)[0]


def redact_uri(spec: str) -> str:
    """`spec` fit to be recorded or logged: a URI without user info (`user:pass@`) and without
    secret query parameters (`access_key`, `secret_key`, `session_token` ...); other parameters
    (`endpoint_override`, `region`) stay. A local path is returned as it is."""
    spec = str(spec)
    if not is_uri(spec):
        return spec
    parts = urllib.parse.urlsplit(spec)
    netloc = parts.netloc.rpartition("@")[2]
    query = [kv for kv in parts.query.split("&") if kv and not _SECRET_PARAM.search(urllib.parse.unquote_plus(kv.split("=", 1)[0]))]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "&".join(query), parts.fragment))


def _temp_name(name: str) -> str:
    """The name of the temp file an atomic write of file `name` fills beside it before moving
    it into place: ``.<name>.<pid>.<8 hex>.tmp`` (matched by :func:`_temp_pattern`)."""
    return f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"


def _temp_pattern(name: str) -> re.Pattern[str]:
    """What :func:`_temp_name` gives for file `name`, whichever process wrote it."""
    return re.compile(rf"^\.{re.escape(name)}\.[0-9]+\.[0-9a-f]{{8}}\.tmp$")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class Storage:
    """A folder on a pyarrow filesystem. Paths given to the methods are relative to it ("a/b.json").

    Build one with :meth:`open` (a local path or a URI). It pickles (Ray tasks get it as an
    argument): the filesystem is re-made from the URI on the other side, with that machine's
    credentials.
    """

    def __init__(self, spec: str, fs: "pafs.FileSystem | None" = None, root: str | None = None) -> None:
        self.spec = str(spec)
        if fs is None or root is None:
            fs, root = _resolve(self.spec)
        self.fs = fs
        self.root = root.rstrip("/") or "/"

    # -- making ----------------------------------------------------------------------------
    @classmethod
    def open(cls, spec: str | os.PathLike) -> "Storage":
        """The folder at `spec` (local path or URI); StorageError when the filesystem cannot be made."""
        return cls(str(spec))

    def child(self, *parts: str) -> "Storage":
        """The sub-folder `parts` of this folder, as a Storage of its own."""
        rel = posixpath.join(*parts)
        if is_uri(self.spec):
            u = urllib.parse.urlsplit(self.spec)
            spec = urllib.parse.urlunsplit((u.scheme, u.netloc, posixpath.join(u.path or "/", rel), u.query, u.fragment))
        else:
            spec = os.path.join(self.spec, rel)
        return Storage(spec, self.fs, self.path(rel))

    def __reduce__(self):  # filesystems with credentials do not always pickle; the URI does
        return (Storage, (self.spec,))

    def __repr__(self) -> str:
        return f"Storage({self.display!r})"

    # -- names -----------------------------------------------------------------------------
    @property
    def display(self) -> str:
        """The location for logs and manifests: a local path, or the URI without secrets."""
        return redact_uri(self.spec)

    @property
    def is_local(self) -> bool:
        """True on the local filesystem (plain path or file:// URI)."""
        return self.fs.type_name == "local"

    @property
    def local_path(self) -> str:
        """The folder as a local path (only when :attr:`is_local`)."""
        if not self.is_local:
            raise StorageError(f"{self.display}: not on the local disk")
        return self.root

    def path(self, rel: str = "") -> str:
        """Full path of `rel` inside the filesystem (what pyarrow calls want)."""
        rel = str(rel).strip("/")
        return f"{self.root}/{rel}" if rel else self.root

    # -- reading ---------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        """True when `rel` is a file or a folder."""
        import pyarrow.fs as pafs

        return self._info(rel).type != pafs.FileType.NotFound

    def is_file(self, rel: str) -> bool:
        """True when `rel` is a file."""
        import pyarrow.fs as pafs

        return self._info(rel).type == pafs.FileType.File

    def _info(self, rel: str):
        try:
            return self.fs.get_file_info(self.path(rel))
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None

    def read_bytes(self, rel: str) -> bytes:
        """The bytes of file `rel`; FileNotFoundError when it is not there."""
        if not self.is_file(rel):
            raise FileNotFoundError(f"{self.display}/{rel}")
        try:
            with self.fs.open_input_stream(self.path(rel)) as f:
                return f.read()
        except FileNotFoundError:
            raise
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None

    def read_text(self, rel: str) -> str:
        """File `rel` as UTF-8 text."""
        return self.read_bytes(rel).decode("utf-8")

    def read_json(self, rel: str, default: Any = ...) -> Any:
        """File `rel` parsed as JSON; `default` (when given) if it is missing or unreadable JSON."""
        try:
            return json.loads(self.read_bytes(rel))
        except (FileNotFoundError, ValueError):
            if default is ...:
                raise
            return default

    def list(self, rel: str = "", recursive: bool = False) -> list[str]:
        """Names (relative to `rel`, sorted) of what folder `rel` holds; [] when it is missing.
        Names that start with "." or "_tmp" (writes in flight) are left out."""
        import pyarrow.fs as pafs

        base = self.path(rel)
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(base, recursive=recursive, allow_not_found=True))
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None
        out = []
        for i in infos:
            name = i.path[len(base):].lstrip("/")
            if any(p.startswith((".", "_tmp")) for p in name.split("/")):
                continue
            if recursive and i.type != pafs.FileType.File:
                continue
            out.append(name)
        return sorted(out)

    def temps(self, rel: str) -> list[str]:
        """Paths (relative to this folder, sorted) of the temp files that atomic writes of file
        `rel` left beside it (``.<name>.<pid>.<hex>.tmp``: a writer killed before moving its
        file into place, or a move on an object store killed between its copy and its delete);
        [] when there are none. Whether one is stale is the caller's call."""
        import pyarrow.fs as pafs

        parent, name = posixpath.split(str(rel).strip("/"))
        pattern = _temp_pattern(name)
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(self.path(parent), allow_not_found=True))
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None
        names = [posixpath.basename(i.path) for i in infos if i.type == pafs.FileType.File]
        return sorted(posixpath.join(parent, n) for n in names if pattern.match(n))

    def files(self, rel: str = "", suffix: str = "") -> list[str]:
        """Full paths of every file under folder `rel` (recursively) ending in `suffix`, sorted."""
        return [self.path(posixpath.join(rel, n)) for n in self.list(rel, recursive=True) if n.endswith(suffix)]

    # -- writing ---------------------------------------------------------------------------
    def make_dirs(self, rel: str = "") -> None:
        """Create folder `rel` (and its parents); a no-op on object stores without folders."""
        try:
            self.fs.create_dir(self.path(rel), recursive=True)
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None

    @contextmanager
    def open_output(self, rel: str) -> Iterator[Any]:
        """A writable stream for file `rel`, put in place atomically when the block ends
        without error (nothing is left behind when it raises)."""
        final = self.path(rel)
        parent = posixpath.dirname(final)
        # beside the final name, then moved over it: a rename on local disks and HDFS, a
        # server-side copy on object stores (whose uploads cannot be aborted half-way)
        tmp = f"{parent}/{_temp_name(posixpath.basename(final))}"
        try:
            self.fs.create_dir(parent, recursive=True)
            stream = self.fs.open_output_stream(tmp)
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None
        try:
            with stream:
                yield stream
            self.fs.move(tmp, final)
        except BaseException:
            try:
                self.fs.delete_file(tmp)
            except OSError:
                pass
            raise

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write `data` to file `rel` atomically."""
        with self.open_output(rel) as f:
            f.write(data)

    def write_text(self, rel: str, text: str) -> None:
        """Write `text` (UTF-8) to file `rel` atomically."""
        self.write_bytes(rel, text.encode("utf-8"))

    def write_json(self, rel: str, data: Any) -> None:
        """Write `data` as indented, key-sorted JSON to file `rel` atomically."""
        self.write_text(rel, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n")

    def write_parquet(self, rel: str, table: "pa.Table", **options: Any) -> None:
        """Write `table` as one Parquet file `rel` atomically (zstd unless `compression` is given)."""
        import pyarrow.parquet as pq

        options.setdefault("compression", "zstd")
        with self.open_output(rel) as f:
            pq.write_table(table, f, **options)

    def write_with(self, rel: str, write: Callable[[Any], None]) -> None:
        """Call `write(stream)` to fill file `rel`, put in place atomically."""
        with self.open_output(rel) as f:
            write(f)

    def delete(self, rel: str) -> None:
        """Remove file or folder `rel` (a folder with all it holds); nothing when it is missing."""
        import pyarrow.fs as pafs

        info = self._info(rel)
        try:
            if info.type == pafs.FileType.Directory:
                self.fs.delete_dir(self.path(rel))
            elif info.type == pafs.FileType.File:
                self.fs.delete_file(self.path(rel))
        except FileNotFoundError:
            pass
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None

    def copy(self, rel: str, dest: str) -> None:
        """Copy file `rel` to `dest` (both inside this folder); `dest` appears whole."""
        try:
            self.fs.copy_file(self.path(rel), self.path(dest))
        except OSError as e:
            raise StorageError(f"{self.display}/{rel}: {_first_line(e)}") from None


def _resolve(spec: str) -> "tuple[pafs.FileSystem, str]":
    import pyarrow.fs as pafs

    if is_uri(spec):
        try:
            fs, path = pafs.FileSystem.from_uri(spec)
        except Exception as e:  # noqa: BLE001 - pyarrow raises several types for bad URIs
            raise StorageError(f"{redact_uri(spec)}: cannot open ({_first_line(e)})") from None
        return fs, path
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(spec))
