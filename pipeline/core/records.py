"""Typed records between stages: a dataclass defines a record once; its Arrow struct type is
derived from the annotations, and values cross stage boundaries as Arrow `list<struct>`
columns, converted strictly both ways (a missing, extra or misspelt field is an error, never a
silent null column).

    @dataclass(frozen=True)
    class Box:
        label: str
        score: F32           # Arrow float32 (plain float -> float64)
        parts: tuple[Part, ...] = ()   # nested records -> list<struct>

    struct_type(Box)  ->  struct<label: string, score: float, parts: list<struct<...>>>
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import lru_cache
from typing import Annotated, Any, Iterable, Sequence, TypeVar

import pandas as pd
import pyarrow as pa

F32 = Annotated[float, pa.float32()]
I32 = Annotated[int, pa.int32()]

R = TypeVar("R")

_BASIC: dict[Any, pa.DataType] = {str: pa.string(), float: pa.float64(), int: pa.int64(), bool: pa.bool_(), bytes: pa.binary()}


class RecordError(TypeError):
    """A value does not match its record type (missing, extra or misspelt field, wrong kind)."""


def arrow_type(tp: Any) -> pa.DataType:
    """The Arrow type of an annotation: str/float/int/bool/bytes, `X | None`, tuple[X, ...] /
    list[X], a record dataclass, or Annotated[..., <pa.DataType>] for a narrower type."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        explicit = [m for m in meta if isinstance(m, pa.DataType)]
        return explicit[0] if explicit else arrow_type(base)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"only `X | None` unions map to Arrow, got {tp}")
        return arrow_type(args[0])
    if origin in (list, tuple):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if len(args) != 1:
            raise TypeError(f"only homogeneous lists map to Arrow, got {tp}")
        return pa.list_(arrow_type(args[0]))
    if dataclasses.is_dataclass(tp):
        return struct_type(tp)
    if tp in _BASIC:
        return _BASIC[tp]
    raise TypeError(f"no Arrow type for {tp!r}")


@lru_cache(maxsize=None)
def _spec(cls: type) -> tuple[tuple[str, Any, type | None, bool], ...]:
    """Per field: (name, annotation, nested record class or None, is a sequence of it)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if typing.get_origin(tp) is Annotated:
            tp = typing.get_args(tp)[0]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        nested, seq = None, False
        if typing.get_origin(tp) in (list, tuple):
            item = typing.get_args(tp)[0]
            seq = True
            nested = item if dataclasses.is_dataclass(item) else None
        elif dataclasses.is_dataclass(tp):
            nested = tp
        out.append((f.name, hints[f.name], nested, seq))
    return tuple(out)


@lru_cache(maxsize=None)
def struct_type(cls: type) -> pa.StructType:
    """Arrow struct type of the record dataclass `cls` (field order = dataclass order)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a record dataclass")
    return pa.struct([pa.field(name, arrow_type(tp)) for name, tp, _, _ in _spec(cls)])


def list_type(cls: type) -> pa.ListType:
    """Arrow `list<struct>` type of a column holding a list of `cls` records per row."""
    return pa.list_(struct_type(cls))


def to_row(rec: Any, cls: type) -> dict:
    """A record as a plain dict for Arrow; RecordError unless `rec` is a `cls` instance."""
    if type(rec) is not cls:
        raise RecordError(f"expected a {cls.__name__} record, got {type(rec).__name__}: {rec!r:.120}")
    out = {}
    for name, _, nested, seq in _spec(cls):
        v = getattr(rec, name)
        if nested is not None and v is not None:
            v = [to_row(x, nested) for x in v] if seq else to_row(v, nested)
        elif seq and v is not None:
            v = list(v)
        out[name] = v
    return out


def from_row(row: Any, cls: type[R]) -> R:
    """A `cls` record from a dict read from Arrow; RecordError when a field is missing or extra."""
    if not isinstance(row, dict):
        raise RecordError(f"expected a {cls.__name__} struct, got {type(row).__name__}")
    spec = _spec(cls)
    names = [s[0] for s in spec]
    if len(row) != len(names) or any(n not in row for n in names):
        missing = [n for n in names if n not in row]
        extra = [k for k in row if k not in names]
        raise RecordError(f"{cls.__name__}: fields do not match the record (missing {missing}, unexpected {extra})")
    kwargs = {}
    for name, _, nested, seq in spec:
        v = row[name]
        if v is not None and seq:
            v = tuple(from_row(x, nested) for x in as_list(v)) if nested is not None else tuple(as_list(v))
        elif v is not None and nested is not None:
            v = from_row(v, nested)
        kwargs[name] = v
    return cls(**kwargs)


def as_list(v: Any) -> list:
    """A list value as read from a batch column (list, tuple, numpy array; None/NA -> [])."""
    if v is None or v is pd.NA:
        return []
    if isinstance(v, list):
        return v
    if isinstance(v, float) and v != v:
        return []
    return list(v)


def read_records(values: Iterable[Any], cls: type[R]) -> list[list[R]]:
    """A list<struct> batch column (one list per row) as lists of `cls` records."""
    return [[from_row(x, cls) for x in as_list(v)] for v in values]


def write_records(rows: Sequence[Sequence[Any] | None], cls: type) -> list[list[dict] | None]:
    """Lists of `cls` records (one per row; None stays null) as plain values for a list<struct> column."""
    return [None if rs is None else [to_row(r, cls) for r in rs] for rs in rows]
