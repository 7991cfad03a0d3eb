"""The stage contract: a small class that reads named columns of a pandas batch and adds others.

A stage declares what it `requires` and what it `produces` (with Arrow types), the resources it
wants and its batch size, loads heavy models in `setup()` (once per worker) and knows nothing of
Ray. Runners (`pipeline.core.runner`) decide how stages are executed.

Rows are never dropped by a stage: a row that cannot be processed gets a `quarantine_reason`
(and `quarantine_detail`), later stages pass such rows through untouched, and the run accounts
for every input row at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar, Mapping

import pandas as pd
import pyarrow as pa

QUARANTINE_REASON = "quarantine_reason"
QUARANTINE_DETAIL = "quarantine_detail"
QUARANTINE_STAGE = "quarantine_stage"
SECONDS_PREFIX = "seconds_"  # seconds_<stage>: this stage's busy seconds, spread over the batch's rows


@dataclass
class Resources:
    """What one worker of a stage needs and how it is fed.

    `concurrency` is the number of workers (actors for stages with a model), `batch_size` the
    rows per call. `num_gpus` may be fractional (several actors on one GPU).
    """

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    concurrency: int = 1
    batch_size: int = 16


class StageError(RuntimeError):
    """A stage cannot run at all (bad config, model unavailable); one line, raised in setup()."""


class Stage:
    """Base class: subclasses set `name`, `requires`, `produces` and implement `process`.

    `process(batch)` gets only rows that are not quarantined and returns a DataFrame with the
    same index holding at least the `produces` columns (and optionally quarantine columns).
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    requires: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[Mapping[str, pa.DataType]] = {}
    drops: ClassVar[tuple[str, ...]] = ()
    # produced only for later stages (e.g. decoded pixels): runners drop them as soon as no
    # later stage requires them, so they never travel further than needed
    transient: ClassVar[tuple[str, ...]] = ()
    # True when setup() loads something heavy: runners then keep long-lived workers (actors).
    stateful: ClassVar[bool] = False

    def __init__(self, resources: Resources | None = None) -> None:
        self.resources = resources or Resources()
        self._ready = False

    def setup(self) -> None:
        """Load models and other heavy state. Called once per worker before the first batch."""

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - abstract
        """Columns `produces` for the rows of `batch` (same index)."""
        raise NotImplementedError

    def preflight(self) -> None:
        """Cheap checks run on the driver before any work (e.g. the model can be found).
        Raise StageError with one line when the stage cannot run."""

    def describe(self) -> dict[str, object]:
        """A short, JSON-able description for the manifest."""
        return {"name": self.name, "version": self.version}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Run `process` on the healthy rows of `batch`; pass quarantined rows through.

        Checks the declared contract (required columns present, produced columns returned) and
        gives every produced column its declared Arrow type, nulls for quarantined rows.
        """
        if not self._ready:
            self.setup()
            self._ready = True
        missing = [c for c in self.requires if c not in batch.columns]
        if missing:
            raise StageError(f"stage {self.name!r} needs column(s) {missing}; batch has {list(batch.columns)}")
        out = batch.reset_index(drop=True)
        n = len(out)
        if QUARANTINE_REASON not in out.columns:
            out[QUARANTINE_REASON] = typed_column([None] * n, pa.string())
            out[QUARANTINE_DETAIL] = typed_column([None] * n, pa.string())
        ok = out[QUARANTINE_REASON].isna().to_numpy()
        positions = [i for i in range(n) if ok[i]]
        t0 = time.perf_counter()
        result = self.process(out.iloc[positions].reset_index(drop=True)) if positions else None
        seconds = time.perf_counter() - t0
        if result is not None:
            absent = [c for c in self.produces if c not in result.columns]
            if absent:
                raise StageError(f"stage {self.name!r} did not produce {absent}")
        extra = {QUARANTINE_REASON: pa.string(), QUARANTINE_DETAIL: pa.string()}
        for col, typ in {**self.produces, **extra}.items():
            values = [None] * n if col not in out.columns else [None if _is_missing(v) else v for v in out[col]]
            if result is not None and col in result.columns:
                for pos, v in zip(positions, result[col]):
                    values[pos] = None if _is_missing(v) else v
            out[col] = typed_column(values, typ)
        stage_col = [None if _is_missing(v) else v for v in out[QUARANTINE_STAGE]] if QUARANTINE_STAGE in out.columns else [None] * n
        if result is not None and QUARANTINE_REASON in result.columns:
            for pos, v in zip(positions, result[QUARANTINE_REASON]):
                if not _is_missing(v):
                    stage_col[pos] = self.name
        out[QUARANTINE_STAGE] = typed_column(stage_col, pa.string())
        per_row = seconds / len(positions) if positions else 0.0
        out[SECONDS_PREFIX + self.name] = typed_column([per_row if ok[i] else 0.0 for i in range(n)], pa.float64())
        return out.drop(columns=[c for c in self.drops if c in out.columns])


def typed_column(values: list, typ: pa.DataType) -> pd.Series:
    """A pandas Series backed by an Arrow array of type `typ` (so every batch has one schema)."""
    return pd.Series(pa.array(values, type=typ), dtype=pd.ArrowDtype(typ))


def _is_missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)
