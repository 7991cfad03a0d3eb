"""Corpora as people already have them: recognise the layout, map its columns, read its rows.

Layouts (`input.layout`, recognised when `auto`):

| layout        | what it looks like                                                        |
|---------------|---------------------------------------------------------------------------|
| `kg`          | our contract (schemas/corpus.json): `id`, `image` bytes or `image_path`   |
| `img2dataset` | img2dataset Parquet: `key`, `jpg`/`png`/`webp` bytes, `caption`, `url`, `status` |
| `huggingface` | Hugging Face `datasets` Parquet: an `Image` column (struct of `bytes`, `path`) |
| `webdataset`  | WebDataset `.tar` shards: `<key>.<ext>` members; keys become ids, image members the image, `.txt` the text, `.json` passes through |
| `urls`        | URL lists (LAION metadata: `URL`, `TEXT`): images fetched when `decode.allow_remote` |

An explicit mapping (`--set input.id_column=key`, ...) always wins over what is recognised.
The reader turns every layout into the row shape the decode stage reads: `id` (string;
integer ids kept as text), `image` (bytes) and/or `image_path` (a path under the image roots,
or a URL), the text columns, other columns passed through, plus `kg_file` / `kg_row` /
`kg_shard`. One `.tar` file is one shard; Parquet files are cut by row groups as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Iterator, Literal, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from pipeline.core import columns as C
from pipeline.core.ids import digest
from pipeline.core.stage import QUARANTINE_DETAIL, QUARANTINE_REASON, QUARANTINE_STAGE
from pipeline.io.corpus import CorpusError, CorpusFile, _is_binary, _is_string, _is_text, file_size_and_sha256, open_filesystem, redact_uri
from pipeline.io.shards import ROW, SHARD, Shard, plan_shards

Layout = Literal["auto", "kg", "img2dataset", "huggingface", "webdataset", "urls"]

IMAGE_EXTS = ("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "ppm", "pgm", "pnm")
TEXT_EXTS = ("txt", "text", "caption")
WDS_KEY = "__key__"
WDS_ANY_IMAGE = "|".join(IMAGE_EXTS)  # webdataset: the first image member of a sample, in this order

# Column names each layout is recognised by (matched case-insensitively, first hit wins).
ID_CANDIDATES = ("id", "key", "sample_id", "uid", "image_id", "idx")
URL_CANDIDATES = ("url", "image_url", "img_url", "link")
TEXT_CANDIDATES = ("text", "caption", "captions", "alt_text", "alt", "sentences", "title")


class CorpusMapping(BaseModel):
    """The `input` config section: which layout the corpus has and which columns hold what.
    Unset keys are recognised from the corpus; set keys always win."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    layout: Layout = "auto"
    id_column: str | None = None  # unique id per row: string or integer (kept as text)
    image_column: str | None = None  # image bytes, or a struct with bytes/path (Hugging Face Image)
    image_path_column: str | None = None  # path under decode.image_roots
    url_column: str | None = None  # http(s) URL, fetched only with decode.allow_remote: true
    text_columns: list[str] | None = None  # captions: string, binary or list<string> columns
    derive_ids: bool = False  # no id column: id = "<file name>#<row>" (explicit opt-in)

    @field_validator("text_columns", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_id_source(self) -> "CorpusMapping":
        if self.derive_ids and self.id_column:
            raise ValueError("set input.id_column or input.derive_ids, not both")
        return self


class ResolvedMapping(BaseModel):
    """The layout and mapping a build uses (printed at start, recorded in the manifest)."""

    model_config = ConfigDict(frozen=True)

    layout: str
    id_column: str | None
    image_column: str | None
    image_path_column: str | None
    url_column: str | None
    text_columns: list[str]
    derive_ids: bool
    explicit: list[str]  # the keys that were set rather than recognised

    def describe(self) -> str:
        """One line: layout and column mapping."""
        parts = [f"id <- {'file#row (derived)' if self.derive_ids else self.id_column}"]
        if self.image_column == WDS_ANY_IMAGE:
            parts.append("image <- first image member (jpg, png, webp, ...)")
        elif self.image_column:
            parts.append(f"image <- {self.image_column}")
        if self.image_path_column:
            parts.append(f"image_path <- {self.image_path_column}")
        if self.url_column:
            parts.append(f"url <- {self.url_column}")
        parts.append(f"text <- {', '.join(self.text_columns) or '(none)'}")
        how = f"; set: {', '.join(self.explicit)}" if self.explicit else ""
        return f"corpus layout: {self.layout} ({'; '.join(parts)}{how})"


# ---------------------------------------------------------------------------------------------
# recognising a layout


def is_tar(path: str) -> bool:
    return path.split("?", 1)[0].lower().endswith(".tar")


def _find(names: Sequence[str], candidates: Sequence[str]) -> str | None:
    lower = {n.lower(): n for n in names}
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def _is_image_struct(t: pa.DataType) -> bool:
    """A Hugging Face `Image` column: struct<bytes: binary, path: string>."""
    if not pa.types.is_struct(t):
        return False
    fields = {t.field(i).name: t.field(i).type for i in range(t.num_fields)}
    return "bytes" in fields and _is_binary(fields["bytes"]) and ("path" not in fields or _is_string(fields["path"]))


def _is_int(t: pa.DataType) -> bool:
    return pa.types.is_integer(t)


def detect_layout(schema: pa.Schema | None) -> str:
    """The layout a Parquet schema looks like (None: a WebDataset .tar)."""
    if schema is None:
        return "webdataset"
    names = schema.names
    if any(_is_image_struct(schema.field(n).type) for n in names) or b"huggingface" in (schema.metadata or {}):
        return "huggingface"
    if "id" in names and (C.IMAGE in names or C.IMAGE_PATH in names):
        return "kg"
    if "key" in names and any(e in names and _is_binary(schema.field(e).type) for e in IMAGE_EXTS):
        return "img2dataset"
    if _find(names, URL_CANDIDATES) and C.IMAGE not in names and C.IMAGE_PATH not in names:
        return "urls"
    return "kg"  # our own contract; the checks name what is missing


def resolve_mapping(file: str, schema: pa.Schema | None, explicit: CorpusMapping, text_columns: Sequence[str],
                    tar_members: Sequence[str] = ()) -> ResolvedMapping:
    """The mapping for one corpus file: `explicit` keys, the rest recognised from its `schema`
    (None for a .tar, whose member extensions are `tar_members`) and `text_columns`
    (decode.text_columns). Raises CorpusError (one line naming the file and column)."""
    layout = explicit.layout if explicit.layout != "auto" else detect_layout(schema)
    if layout == "webdataset" and schema is not None:
        raise CorpusError(f"{file}: input.layout is webdataset but the file is not a .tar")
    if layout != "webdataset" and schema is None:
        raise CorpusError(f"{file}: a .tar file is read as WebDataset (input.layout is {layout})")
    names = list(schema.names) if schema is not None else [WDS_KEY, *tar_members]
    set_keys = [k for k in ("id_column", "image_column", "image_path_column", "url_column", "text_columns", "derive_ids")
                if k in explicit.model_fields_set]
    if explicit.layout != "auto":
        set_keys.insert(0, "layout")
    m: dict[str, Any] = {"id_column": explicit.id_column, "image_column": explicit.image_column,
                         "image_path_column": explicit.image_path_column, "url_column": explicit.url_column}
    any_explicit_image = any(k in explicit.model_fields_set for k in ("image_column", "image_path_column", "url_column"))

    # ids
    if not explicit.derive_ids and m["id_column"] is None:
        if layout == "kg":
            m["id_column"] = "id" if "id" in names else None
        elif layout == "img2dataset":
            m["id_column"] = "key" if "key" in names else _find(names, ID_CANDIDATES)
        elif layout == "webdataset":
            m["id_column"] = WDS_KEY
        else:
            m["id_column"] = _find(names, ID_CANDIDATES)
    # images (only recognised when none was named explicitly)
    if not any_explicit_image:
        if layout == "kg":
            m["image_column"] = C.IMAGE if C.IMAGE in names else None
            m["image_path_column"] = C.IMAGE_PATH if C.IMAGE_PATH in names else None
        elif layout == "img2dataset":
            m["image_column"] = next((e for e in IMAGE_EXTS if e in names), None)
        elif layout == "huggingface":
            structs = [n for n in names if _is_image_struct(schema.field(n).type)] if schema is not None else []
            m["image_column"] = "image" if "image" in structs else (structs[0] if structs else None)
            if m["image_column"] is None:  # a datasets export without an Image feature
                m["image_column"] = C.IMAGE if C.IMAGE in names else None
                m["image_path_column"] = C.IMAGE_PATH if C.IMAGE_PATH in names else None
                m["url_column"] = None if (m["image_column"] or m["image_path_column"]) else _find(names, URL_CANDIDATES)
        elif layout == "webdataset":
            m["image_column"] = WDS_ANY_IMAGE
        elif layout == "urls":
            m["url_column"] = _find(names, URL_CANDIDATES)
    # texts
    if explicit.text_columns is not None:
        texts = list(explicit.text_columns)
    elif layout == "kg":
        texts = list(text_columns)
    else:
        present = [c for c in text_columns if c in names]
        if layout == "webdataset":
            texts = present or [e for e in TEXT_EXTS if e in names][:1]
        else:
            hit = _find(names, TEXT_CANDIDATES)
            texts = present or ([hit] if hit else [])
    resolved = ResolvedMapping(layout=layout, text_columns=texts, derive_ids=explicit.derive_ids, explicit=set_keys, **m)
    _check_columns(file, schema, resolved)
    return resolved


def _check_columns(file: str, schema: pa.Schema | None, m: ResolvedMapping) -> None:
    """Raise CorpusError unless every mapped column exists with a usable type."""
    if m.id_column is None and not m.derive_ids:
        raise CorpusError(f"{file}: column 'id' is missing (the corpus needs a unique id per row: name its column with "
                          f"--set input.id_column=COLUMN, or derive ids from file and row with --set input.derive_ids=true)")
    if not (m.image_column or m.image_path_column or m.url_column):
        raise CorpusError(f"{file}: no image column: add 'image' (bytes) or 'image_path' (string), or name one with "
                          f"--set input.image_column= / input.image_path_column= / input.url_column=")
    if schema is None:  # webdataset: members vary per sample; only the id is fixed
        return
    names = set(schema.names)
    checks = [("id_column", m.id_column, lambda t: _is_string(t) or _is_int(t), "string or integer"),
              ("image_column", m.image_column, lambda t: _is_binary(t) or _is_image_struct(t), "binary or a struct of bytes/path"),
              ("image_path_column", m.image_path_column, _is_string, "string"),
              ("url_column", m.url_column, _is_string, "string")]
    for key, col, ok, want in checks:
        if col is None:
            continue
        if col not in names:
            if col == "id" and key == "id_column":
                raise CorpusError(f"{file}: column 'id' is missing")
            raise CorpusError(f"{file}: column {col!r} (input.{key}) is missing")
        t = schema.field(col).type
        if not ok(t):
            what = "column 'id'" if col == "id" else f"column {col!r}"
            raise CorpusError(f"{file}: {what} has type {t}, expected {want}")
    missing = [c for c in m.text_columns if c not in names]
    if missing and "text_columns" in m.explicit:
        raise CorpusError(f"{file}: column {missing[0]!r} (input.text_columns) is missing")
    for col in m.text_columns:
        if col in names and not _is_text(schema.field(col).type):
            raise CorpusError(f"{file}: column {col!r} has type {schema.field(col).type}, expected string, binary or a list of them")


# ---------------------------------------------------------------------------------------------
# WebDataset .tar shards


def _split_member(name: str) -> tuple[str | None, str | None]:
    """WebDataset member name -> (sample key, extension): the key is the path up to the first
    dot of the file name (the convention of webdataset and Ray Data's reader)."""
    m = re.match(r"^((?:.*/|)[^./]+)\.([^/]*)$", name)
    return (m.group(1), m.group(2).lower()) if m else (None, None)


def iter_tar_samples(stream: Any) -> Iterator[dict[str, bytes | str]]:
    """Samples of a WebDataset tar stream, in order: ``{"__key__": key, ext: bytes, ...}``.
    Members of one sample must be adjacent (WebDataset's rule); a key seen again later
    starts a new sample (its row is then quarantined as a duplicate id, nothing is lost)."""
    tf = tarfile.open(fileobj=stream, mode="r|*")
    current: dict[str, bytes | str] | None = None
    for info in tf:
        if not info.isreg():
            continue
        key, ext = _split_member(info.name)
        if key is None:
            continue
        f = tf.extractfile(info)
        data = f.read() if f is not None else b""
        if current is None or current[WDS_KEY] != key or ext in current:
            if current is not None:
                yield current
            current = {WDS_KEY: key}
        current[ext] = data
    if current is not None:
        yield current


class _HashingReader(io.RawIOBase):
    """A read-only stream that hashes what passes through it."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.sha.update(data)
        self.size += n
        return n


def scan_tar(spec: str, hash_file: bool = True) -> tuple[int, list[str], int, str]:
    """One pass over a .tar: (samples, member extensions seen, bytes, sha256)."""
    fs, path = open_filesystem(spec)
    try:
        with fs.open_input_stream(path) as raw:
            reader = _HashingReader(raw)
            stream = io.BufferedReader(reader, 1 << 20)
            n, exts = 0, set()
            for sample in iter_tar_samples(stream):
                n += 1
                exts.update(k for k in sample if k != WDS_KEY)
            while stream.read(1 << 20):  # the tail (padding) counts in the hash
                pass
    except (tarfile.TarError, OSError, EOFError) as e:
        raise CorpusError(f"{redact_uri(spec)}: not a readable WebDataset .tar ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    return n, sorted(exts), reader.size, (reader.sha.hexdigest() if hash_file else "")


def _compact_json(data: bytes) -> str:
    """A `.json` member as compact JSON text (as it is, if it does not parse)."""
    text = data.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def _tar_table(samples: list[dict[str, bytes | str]]) -> pa.Table:
    """WebDataset samples as a table: `__key__`, text members as strings, `.json` as a string,
    image and other members as bytes; members absent from a sample are null."""
    exts: list[str] = []
    for s in samples:
        for k in s:
            if k != WDS_KEY and k not in exts:
                exts.append(k)
    cols: dict[str, pa.Array] = {WDS_KEY: pa.array([s[WDS_KEY] for s in samples], pa.string())}
    for e in exts:
        vals = [s.get(e) for s in samples]
        if e in TEXT_EXTS:
            cols[e] = pa.array([None if v is None else bytes(v).decode("utf-8", errors="replace") for v in vals], pa.string())
        elif e == "json":
            cols[e] = pa.array([None if v is None else _compact_json(bytes(v)) for v in vals], pa.string())
        else:
            cols[e] = pa.array(vals, pa.binary())
    return pa.table(cols)


# ---------------------------------------------------------------------------------------------
# reading rows in the decode stage's shape


def normalise(table: pa.Table, m: ResolvedMapping, file: str, first_row: int) -> pa.Table:
    """Corpus rows in the decode stage's shape: `id` (string), `image` (binary), `image_path`
    (string: path or URL), the text columns as they are, other columns passed through (a
    leftover column named like a canonical one gets the suffix `_original`). img2dataset rows
    whose download failed arrive quarantined with img2dataset's status and error."""
    n = table.num_rows
    used: set[str] = set()
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    if m.derive_ids:
        name = PurePosixPath(file.split("?", 1)[0]).name
        out[C.ID] = pa.array([f"{name}#{first_row + i}" for i in range(n)], pa.string())
    else:
        col = table.column(m.id_column) if m.id_column in table.column_names else pa.nulls(n, pa.string())
        out[C.ID] = col if _is_string(col.type) and col.type == pa.string() else pc.cast(col, pa.string())
        used.add(m.id_column)
    image = path = None
    if m.image_column:
        if m.layout == "webdataset" and m.image_column not in table.column_names:
            present = [table.column(e) for e in m.image_column.split("|") if e in table.column_names]
            image = pc.coalesce(*present) if len(present) > 1 else (present[0] if present else pa.nulls(n, pa.binary()))
            used.update(e for e in m.image_column.split("|"))
        elif m.image_column in table.column_names:
            col = table.column(m.image_column)
            if pa.types.is_struct(col.type):  # Hugging Face Image: bytes, else path
                image = pc.struct_field(col, "bytes")
                if col.type.get_field_index("path") >= 0:
                    path = pc.struct_field(col, "path")
            else:
                image = col
            used.add(m.image_column)
    if m.image_path_column and m.image_path_column in table.column_names:
        p = table.column(m.image_path_column)
        path = p if path is None else pc.coalesce(p, path)
        used.add(m.image_path_column)
    if m.url_column and m.url_column in table.column_names:
        u = table.column(m.url_column)
        path = u if path is None else pc.coalesce(path, u)
        used.add(m.url_column)
    if image is not None:
        out[C.IMAGE] = pc.cast(image, pa.binary()) if image.type != pa.binary() else image
    if path is not None:
        out[C.IMAGE_PATH] = pc.cast(path, pa.string()) if path.type != pa.string() else path
    used.update(m.text_columns)
    for name in m.text_columns:
        if name in table.column_names:
            out[name] = table.column(name)
    for name in table.column_names:
        if name in used:
            continue
        target = name if name not in out and name not in (C.ID, C.IMAGE, C.IMAGE_PATH) else f"{name}_original"
        out[target] = table.column(name)
    result = pa.table(out)
    if m.layout == "img2dataset" and "status" in table.column_names:
        result = _quarantine_failed_downloads(result, table)
    return result


def _quarantine_failed_downloads(result: pa.Table, table: pa.Table) -> pa.Table:
    """img2dataset keeps rows whose download failed (status != success, no image): they land
    in quarantine with img2dataset's own status (e.g. `source_failed_to_download`) and error."""
    status = table.column("status").to_pylist()
    err = table.column("error_message").to_pylist() if "error_message" in table.column_names else [None] * len(status)
    reasons = [None if s in (None, "success") else f"source_{s}" for s in status]
    if not any(reasons):
        return result
    details = [None if r is None else (e or r)[:500] for r, e in zip(reasons, err)]
    stage = [None if r is None else "read" for r in reasons]
    return (result.append_column(QUARANTINE_REASON, pa.array(reasons, pa.string()))
            .append_column(QUARANTINE_DETAIL, pa.array(details, pa.string()))
            .append_column(QUARANTINE_STAGE, pa.array(stage, pa.string())))


@dataclass(frozen=True)
class ShardReader:
    """Reads one shard of a mapped corpus (picklable: travels to Ray read tasks)."""

    mapping: ResolvedMapping

    def read(self, shard: Shard, batch_rows: int) -> Iterator[pd.DataFrame]:
        """The shard's rows in batches of at most `batch_rows`, normalised, with `kg_file`,
        `kg_row` and `kg_shard` added."""
        row = shard.first_row
        for table in self._tables(shard, batch_rows):
            n = table.num_rows
            df = normalise(table, self.mapping, shard.file, row).to_pandas(types_mapper=pd.ArrowDtype)
            df[C.SOURCE_FILE] = shard.file
            df[ROW] = range(row, row + n)
            df[SHARD] = shard.key
            row += n
            yield df

    def _tables(self, shard: Shard, batch_rows: int) -> Iterator[pa.Table]:
        if is_tar(shard.file):
            fs, path = open_filesystem(shard.open_path)
            with fs.open_input_stream(path) as raw:
                buf: list[dict] = []
                for sample in iter_tar_samples(raw):
                    buf.append(sample)
                    if len(buf) >= batch_rows:
                        yield _tar_table(buf)
                        buf = []
                if buf:
                    yield _tar_table(buf)
            return
        pf = pq.ParquetFile(shard.open_path)
        for rb in pf.iter_batches(batch_size=batch_rows, row_groups=list(shard.row_groups)):
            yield pa.Table.from_batches([rb])


# ---------------------------------------------------------------------------------------------
# the whole corpus


@dataclass(frozen=True)
class Corpus:
    """A checked corpus: its files (as the manifest records them) and the mapping each is read
    with (usually one for all; files of one corpus may differ, e.g. some with `image_path`)."""

    inputs: list[CorpusFile]
    mappings: dict[str, ResolvedMapping]

    @property
    def mapping(self) -> ResolvedMapping:
        """The mapping of the first file."""
        return self.mappings[self.inputs[0].path]

    @property
    def text_columns(self) -> list[str]:
        """Every file's text columns, in order, once each (what the decode stage reads)."""
        return list(dict.fromkeys(c for m in self.mappings.values() for c in m.text_columns))

    def _groups(self) -> list[tuple[ResolvedMapping, list[str]]]:
        groups: list[tuple[ResolvedMapping, list[str]]] = []
        for cf in self.inputs:
            m = self.mappings[cf.path]
            for g in groups:
                if g[0] == m:
                    g[1].append(cf.path)
                    break
            else:
                groups.append((m, [cf.path]))
        return groups

    def plan_shards(self, shard_rows: int) -> list[Shard]:
        """Shards of every file, each carrying its file's reader: Parquet files by row groups
        (pipeline.io.shards), one shard per .tar file."""
        out: list[Shard] = []
        planned: dict[str, list[Shard]] = {cf.path: [] for cf in self.inputs}
        for s in plan_shards([cf for cf in self.inputs if not is_tar(cf.path)], shard_rows):
            planned[s.file].append(dataclasses.replace(s, reader=ShardReader(self.mappings[s.file])))
        for cf in self.inputs:
            if is_tar(cf.path):
                h = digest(cf.path, cf.sha256, "tar", size=8)
                out.append(Shard(f"s{h}", cf.path, (), 0, cf.rows, reader=ShardReader(self.mappings[cf.path]), source=cf.source))
            else:
                out.extend(planned[cf.path])
        return out

    def manifest_entry(self) -> dict:
        """What the manifest records: the layout and mapping (of the first file), and each
        group of files with its mapping when they differ."""
        groups = self._groups()
        entry = self.mapping.model_dump()
        if len(groups) > 1:
            entry["by_files"] = [{"files": files, **m.model_dump()} for m, files in groups]
        return entry

    def describe(self) -> list[str]:
        """One line per distinct mapping (with how many files use it when there are several)."""
        groups = self._groups()
        if len(groups) == 1:
            return [groups[0][0].describe()]
        return [f"{m.describe()} [{len(files)} file(s), e.g. {files[0]}]" for m, files in groups]


def open_corpus(files: Sequence[str], explicit: CorpusMapping | None, text_columns: Sequence[str], hash_files: bool = True) -> Corpus:
    """Recognise the layout of every file of `files`, resolve its column mapping (`explicit`
    keys win) and check it before any work. Raises CorpusError (one line naming the file and
    the column)."""
    explicit = explicit or CorpusMapping()
    inputs: list[CorpusFile] = []
    mappings: dict[str, ResolvedMapping] = {}
    for f in files:
        name = redact_uri(f)  # what is recorded and logged: no credentials
        if is_tar(f):
            rows, exts, size, sha = scan_tar(f, hash_files)
            m = resolve_mapping(name, None, explicit, text_columns, exts)
        else:
            try:
                pf = pq.ParquetFile(f)
                schema, rows = pf.schema_arrow, pf.metadata.num_rows
            except Exception as e:  # noqa: BLE001 - any reader error means the file is unusable
                raise CorpusError(f"{name}: not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
            m = resolve_mapping(name, schema, explicit, text_columns)
            size, sha = file_size_and_sha256(f, hash_files)
        mappings[name] = m
        inputs.append(CorpusFile(name, rows, size, sha, source=f if f != name else ""))
    if not inputs:
        raise CorpusError("no corpus files given")
    if sum(cf.rows for cf in inputs) == 0:
        raise CorpusError(f"{', '.join(cf.path for cf in inputs)}: corpus is empty (0 rows)")
    return Corpus(inputs, mappings)
