"""Typed records between stages: Arrow types come from the dataclasses, and a misspelt, missing
or extra field fails loudly (never a silent null column)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.core.records import F32, I32, RecordError, from_row, read_records, struct_type, to_row
from pipeline.core.stage import Records, Stage, StageConfig


@dataclass(frozen=True)
class Part:
    start: I32
    end: I32


@dataclass(frozen=True)
class Thing:
    thing_id: str
    score: F32
    weight: float
    count: I32 | None
    parts: tuple[Part, ...] = ()


def test_arrow_type_is_derived_from_the_dataclass() -> None:
    assert struct_type(Thing) == pa.struct([
        ("thing_id", pa.string()), ("score", pa.float32()), ("weight", pa.float64()), ("count", pa.int32()),
        ("parts", pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())]))),
    ])


def test_round_trip_through_arrow() -> None:
    things = [[Thing("a", 0.5, 1.25, None, (Part(0, 3), Part(4, 9)))], []]
    from pipeline.core.records import write_records

    arr = pa.array(write_records(things, Thing), type=pa.list_(struct_type(Thing)))
    assert read_records(arr.to_pylist(), Thing) == things


def test_misspelt_or_missing_field_fails_loudly() -> None:
    with pytest.raises(TypeError):  # a misspelt field cannot even be constructed
        Thing(thing_id="a", scor=0.5, weight=1.0, count=None)  # type: ignore[call-arg]
    good = to_row(Thing("a", 0.5, 1.0, 2), Thing)
    misspelt = {**{k: v for k, v in good.items() if k != "score"}, "scor": 0.5}
    with pytest.raises(RecordError, match=r"missing \['score'\], unexpected \['scor'\]"):
        from_row(misspelt, Thing)
    with pytest.raises(RecordError, match=r"missing \['parts'\]"):
        from_row({k: v for k, v in good.items() if k != "parts"}, Thing)
    with pytest.raises(RecordError, match="expected a Thing record, got dict"):
        to_row(good, Thing)


class _DictMaker(Stage):
    """A stage that hands plain dicts to the next stage instead of records: refused."""

    name: ClassVar[str] = "dicts"
    Config = StageConfig
    produces: ClassVar = {"things": Records(Thing)}

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"things": [[{"thing_id": "a", "scor": 1.0}] for _ in range(len(batch))]})


class _RecordMaker(_DictMaker):
    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"things": [[Thing(str(x), 1.0, 2.0, None)] for x in batch["x"]]})


def test_a_stage_must_produce_records_of_its_declared_type() -> None:
    with pytest.raises(RecordError, match="expected a Thing record, got dict"):
        _DictMaker()(pd.DataFrame({"x": [1]}))
    out = _RecordMaker()(pd.DataFrame({"x": [1, 2]}))
    assert out["things"].dtype == pd.ArrowDtype(pa.list_(struct_type(Thing)))
    assert read_records(out["things"], Thing) == [[Thing("1", 1.0, 2.0, None)], [Thing("2", 1.0, 2.0, None)]]
