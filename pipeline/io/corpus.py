"""Finding, checking and reading corpus files: Parquet or WebDataset .tar, local paths or pyarrow
filesystem URIs (the input contract in schemas/corpus.json; other layouts in pipeline.io.layouts).

The check runs before any stage: a wrong or missing column stops the run with one line naming
the file and the column.
"""

from __future__ import annotations

import glob
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core import columns as C
from pipeline.core.ids import file_sha256, stream_sha256


class CorpusError(ValueError):
    """The corpus cannot be used at all; the message is one line naming the file and column."""


@dataclass(frozen=True)
class CorpusFile:
    """One input file, as recorded in the manifest (`path` without credentials, see redact_uri)."""

    path: str
    rows: int
    bytes: int
    sha256: str
    source: str = field(default="", compare=False, repr=False)  # the URI to open, when it holds secrets

    @property
    def open_path(self) -> str:
        """The path or URI to read the file from (credentials included)."""
        return self.source or self.path

    def record(self) -> dict:
        """What the manifest records of the file."""
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


CORPUS_SUFFIXES = (".parquet", ".tar")


# one definition of each, in core (also used by pipeline.core.storage)
from pipeline.core.storage import is_uri, redact_uri  # noqa: E402,F401


def open_filesystem(spec: str):
    """(pyarrow FileSystem, path inside it) for a local path or a pyarrow filesystem URI."""
    import pyarrow.fs as pafs

    if is_uri(spec):
        try:
            return pafs.FileSystem.from_uri(spec)
        except (pa.ArrowInvalid, OSError, ValueError) as e:
            raise CorpusError(f"{redact_uri(spec)}: cannot open ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    return pafs.LocalFileSystem(), os.path.abspath(spec)


def _uri_files(spec: str) -> list[str]:
    """Files named by a filesystem URI: a file, a folder (searched recursively) or a glob."""
    import fnmatch

    import pyarrow.fs as pafs

    base_uri, _, query = spec.partition("?")
    scheme, _, rest = base_uri.partition("://")
    netloc = rest.split("/", 1)[0]
    user = netloc.rpartition("@")[0]  # credentials (s3://KEY:SECRET@bucket/...) go with every file
    fs, path = open_filesystem(spec)
    suffix = f"?{query}" if query else ""

    def uri(p: str) -> str:
        return f"{scheme}://{user + '@' if user else ''}{p if scheme != 'file' else '/' + p.lstrip('/')}{suffix}"

    if any(ch in path for ch in "*?["):
        parts = path.split("/")
        first = next(i for i, p in enumerate(parts) if any(ch in p for ch in "*?["))
        base = "/".join(parts[:first])
        infos = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
        found = [i.path for i in infos if i.type == pafs.FileType.File and fnmatch.fnmatchcase(i.path, path)]
        if not found:
            raise CorpusError(f"{redact_uri(spec)}: pattern matches no files")
        return [uri(p) for p in found]
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.File:
        return [spec]
    if info.type == pafs.FileType.Directory:
        infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
        files = [i.path for i in infos if i.type == pafs.FileType.File]
        found = _prefer_tar(files)
        if not found:
            raise CorpusError(f"{redact_uri(spec)}: folder holds no *.parquet or *.tar files")
        return [uri(p) for p in found]
    raise CorpusError(f"{redact_uri(spec)}: no such file or folder")


def _prefer_tar(files: Sequence[str]) -> list[str]:
    """The corpus files of a folder: its WebDataset .tar shards when it has any (img2dataset
    writes a metadata .parquet beside each .tar), else its .parquet files."""
    tars = [f for f in files if f.endswith(".tar")]
    return tars or [f for f in files if f.endswith(".parquet")]


def find_corpus_files(specs: str | Sequence[str]) -> list[str]:
    """Paths of the corpus files named by `specs`: files, folders (searched recursively for
    *.tar WebDataset shards, else *.parquet) or glob patterns; local paths become absolute,
    pyarrow filesystem URIs (s3://, gs://, ...) stay URIs. Sorted, deduplicated."""
    if isinstance(specs, (str, os.PathLike)):
        specs = [str(specs)]
    found: set[str] = set()
    for spec in specs:
        spec = os.path.expanduser(str(spec))
        if is_uri(spec):
            found.update(_uri_files(spec))
            continue
        if os.path.isdir(spec):
            matches = _prefer_tar([str(p) for p in Path(spec).rglob("*") if p.is_file()])
            if not matches:
                raise CorpusError(f"{spec}: folder holds no *.parquet or *.tar files")
        elif any(ch in spec for ch in "*?["):
            matches = [m for m in glob.glob(spec, recursive=True) if os.path.isfile(m)]
            if not matches:
                raise CorpusError(f"{spec}: pattern matches no files")
        elif os.path.isfile(spec):
            matches = [spec]
        else:
            raise CorpusError(f"{spec}: no such file or folder")
        found.update(os.path.abspath(m) for m in matches)
    if not found:
        raise CorpusError("no corpus files given")
    return sorted(found)


def file_size_and_sha256(spec: str, hash_file: bool = True) -> tuple[int, str]:
    """Size in bytes and hex sha256 of a local file or filesystem URI (hash "" when not asked)."""
    if not is_uri(spec):
        return os.path.getsize(spec), (file_sha256(spec) if hash_file else "")
    fs, path = open_filesystem(spec)
    size = fs.get_file_info(path).size or 0
    if not hash_file:
        return size, ""
    with fs.open_input_stream(path) as f:
        return size, stream_sha256(f)


def _is_string(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_binary(t: pa.DataType) -> bool:
    return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t)


def _is_text(t: pa.DataType) -> bool:
    """string, binary (decoded as UTF-8 with replacement) or a list of either."""
    if _is_string(t) or _is_binary(t):
        return True
    return (pa.types.is_list(t) or pa.types.is_large_list(t)) and (_is_string(t.value_type) or _is_binary(t.value_type))


def check_corpus(files: Sequence[str], text_columns: Sequence[str] = ("text",), hash_files: bool = True) -> list[CorpusFile]:
    """Check every file against the input contract before any work starts.

    Returns one CorpusFile per file; raises CorpusError (one line: file and column) on an
    unreadable file, a missing/ill-typed `id`, no image column, an ill-typed image or text
    column, or an empty corpus.
    """
    out: list[CorpusFile] = []
    for f in files:
        try:
            pf = pq.ParquetFile(f)
            schema = pf.schema_arrow
            rows = pf.metadata.num_rows
        except Exception as e:  # noqa: BLE001 - any reader error means the file is unusable
            raise CorpusError(f"{f}: not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
        names = set(schema.names)
        if C.ID not in names:
            raise CorpusError(f"{f}: column 'id' is missing (the corpus needs a unique string id per row)")
        if not _is_string(schema.field(C.ID).type):
            raise CorpusError(f"{f}: column 'id' has type {schema.field(C.ID).type}, expected string")
        if C.IMAGE not in names and C.IMAGE_PATH not in names:
            raise CorpusError(f"{f}: no image column: add 'image' (bytes) or 'image_path' (string)")
        if C.IMAGE in names and not _is_binary(schema.field(C.IMAGE).type):
            raise CorpusError(f"{f}: column 'image' has type {schema.field(C.IMAGE).type}, expected binary")
        if C.IMAGE_PATH in names and not _is_string(schema.field(C.IMAGE_PATH).type):
            raise CorpusError(f"{f}: column 'image_path' has type {schema.field(C.IMAGE_PATH).type}, expected string")
        for col in text_columns:
            if col in names and not _is_text(schema.field(col).type):
                raise CorpusError(f"{f}: column {col!r} has type {schema.field(col).type}, expected string, binary or a list of them")
        out.append(CorpusFile(f, rows, os.path.getsize(f), file_sha256(f) if hash_files else ""))
    if sum(cf.rows for cf in out) == 0:
        raise CorpusError(f"{', '.join(files)}: corpus is empty (0 rows)")
    return out


def iter_corpus_batches(files: Sequence[str], batch_size: int) -> Iterator[pd.DataFrame]:
    """Batches of corpus rows, file by file, with the source file in column `path` (as Ray's
    reader adds it). Reads row groups in streaming fashion; never loads a whole file."""
    for f in files:
        pf = pq.ParquetFile(f)
        for rb in pf.iter_batches(batch_size=batch_size):
            df = rb.to_pandas(types_mapper=pd.ArrowDtype)
            df[C.SOURCE_FILE] = f
            yield df
