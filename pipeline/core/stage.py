"""The stage contract: a small class that reads named columns of a pandas batch and adds others.

A stage declares what it `requires`, what it `produces` (Arrow types, or `Records(cls)` for a
list of typed records per row), what lists of records it `extends` (appends to), the resources
it wants and its batch size; it loads heavy models in `setup()` (once per worker) and knows
nothing of Ray. Its options are a pydantic `StageConfig` subclass named in `Config`; stages
register by name (`@register_stage`) and a run's stage list is a list of names. A stage whose
config says `backend: none` is replaced by `Off` (its columns empty) in one place: `make_stage`.

Rows are never dropped by a stage: a row that cannot be processed gets a `quarantine_reason`
(and `quarantine_detail`), later stages pass such rows through untouched, and the run accounts
for every input row at the end.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from pipeline.core.records import as_list, list_type, to_row
from pipeline.core.registry import Registry, call_with

QUARANTINE_REASON = "quarantine_reason"
QUARANTINE_DETAIL = "quarantine_detail"
QUARANTINE_STAGE = "quarantine_stage"
SECONDS_PREFIX = "seconds_"  # seconds_<stage>: this stage's busy seconds, spread over the batch's rows
OFF = "none"  # the backend value that switches a stage off


class Resources(BaseModel):
    """What one worker of a stage needs and how it is fed.

    `concurrency` is the number of workers (actors for stages with a model), `batch_size` the
    rows per call. `num_gpus` may be fractional (several actors on one GPU).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    num_cpus: float = Field(1.0, gt=0)
    num_gpus: float = Field(0.0, ge=0)
    concurrency: int = Field(1, ge=1)
    batch_size: int = Field(16, ge=1)


class StageConfig(BaseModel):
    """Base of every stage's config section: options of the stage plus its `resources`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, coerce_numbers_to_str=True)

    resources: Resources = Field(default_factory=Resources)

    # A section switches its stage off (`make_stage` gives `Off`) with an `enabled` that is
    # False: a plain `enabled: bool` field, or a property (BackendConfig: `backend: none`).
    # Absent: always on. (Not declared here: a field could not override a base property.)

    def options(self) -> dict[str, Any]:
        """The options as plain values, without `resources` (what backends are built from)."""
        return self.model_dump(exclude={"resources"})


class BackendConfig(StageConfig):
    """A stage config that picks a model backend by name from `registry` (`none`: stage off).

    `plugins` names the module whose import registers the backends (checked at validation)."""

    registry: ClassVar[Registry | None] = None
    plugins: ClassVar[str] = ""
    backend: str = OFF

    @property
    def enabled(self) -> bool:
        return self.backend != OFF

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v == OFF or cls.registry is None:
            return v
        if cls.plugins:
            importlib.import_module(cls.plugins)
        if v not in cls.registry:
            raise PydanticCustomError("unknown_backend", "unknown {kind} {name}; known: {known}",
                                      {"kind": cls.registry.kind, "name": repr(v), "known": ", ".join([OFF, *cls.registry.names()])})
        return v

    def build_backend(self) -> Any:
        """The configured backend object (not yet loaded), built from the registry with the
        options its factory takes."""
        self._load_plugins()
        return call_with(self.registry.get(self.backend), self.options())

    def backend_is_heavy(self) -> bool:
        """True when the backend loads a model (the stage then runs in long-lived workers)."""
        self._load_plugins()
        return self.enabled and self.registry.entry(self.backend).heavy

    def check_backend(self) -> None:
        """Run the backend's registered start-up check, if it has one."""
        self._load_plugins()
        entry = self.registry.entry(self.backend)
        if entry.check is not None:
            call_with(entry.check, self.options())

    def _load_plugins(self) -> None:
        if self.plugins:
            importlib.import_module(self.plugins)


@dataclass(frozen=True)
class Records:
    """Column spec: a list of `cls` records per row (Arrow list<struct> from the dataclass)."""

    cls: type

    @property
    def arrow(self) -> pa.DataType:
        return list_type(self.cls)


def arrow_of(spec: Any) -> pa.DataType:
    """The Arrow type of a column spec."""
    return spec.arrow if isinstance(spec, Records) else spec


class StageError(RuntimeError):
    """A stage cannot run at all (bad config, model unavailable); one line, raised in setup()."""


class Stage:
    """Base class: subclasses set `name`, `requires`, `produces`/`extends`, `Config` and
    implement `process`.

    `process(batch)` gets only rows that are not quarantined and returns a DataFrame with the
    same index holding the `produces` columns, the new items of each `extends` column, and
    optionally quarantine columns. Record columns hold lists of record instances.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    Config: ClassVar[type[StageConfig]] = StageConfig
    requires: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[Mapping[str, Any]] = {}
    # list<struct> columns of earlier stages this stage appends records to
    extends: ClassVar[Mapping[str, Records]] = {}
    drops: ClassVar[tuple[str, ...]] = ()
    # produced only for later stages (e.g. decoded pixels): runners drop them as soon as no
    # later stage requires them, so they never travel further than needed
    transient: ClassVar[tuple[str, ...]] = ()
    # True when setup() loads something heavy: runners then keep long-lived workers (actors).
    stateful: ClassVar[bool] = False

    def __init__(self, config: StageConfig | None = None) -> None:
        self.config = config if config is not None else self.Config()
        self.resources = self.config.resources
        self._ready = False

    def setup(self) -> None:
        """Load models and other heavy state. Called once per worker before the first batch."""

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - abstract
        """Columns `produces` (and new `extends` items) for the rows of `batch` (same index)."""
        raise NotImplementedError

    def preflight(self) -> None:
        """Cheap checks run on the driver before any work (e.g. the model can be found).
        Raise StageError with one line when the stage cannot run."""

    def describe(self) -> dict[str, object]:
        """A short, JSON-able description for the manifest."""
        return {"name": self.name, "version": self.version}

    def note(self) -> str | None:
        """One line on where this stage's knowledge comes from (printed, and in the manifest)."""
        return None

    def output_columns(self) -> dict[str, pa.DataType]:
        """Every column this stage writes (produced and extended), with its Arrow type."""
        return {c: arrow_of(t) for c, t in {**self.produces, **self.extends}.items()}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Run `process` on the healthy rows of `batch`; pass quarantined rows through.

        Checks the declared contract (required columns present, produced columns returned,
        record columns hold records of the declared class) and gives every column it writes
        its declared Arrow type, nulls for quarantined rows.
        """
        if not self._ready:
            self.setup()
            self._ready = True
        missing = [c for c in (*self.requires, *self.extends) if c not in batch.columns]
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
            absent = [c for c in (*self.produces, *self.extends) if c not in result.columns]
            if absent:
                raise StageError(f"stage {self.name!r} did not produce {absent}")
        specs = {**self.produces, QUARANTINE_REASON: pa.string(), QUARANTINE_DETAIL: pa.string()}
        for col, spec in specs.items():
            if col not in out.columns:
                values = [None] * n
            elif isinstance(spec, Records):
                values = [None if _is_missing(v) else as_list(v) for v in out[col]]
            else:
                values = [None if _is_missing(v) else v for v in out[col]]
            if result is not None and col in result.columns:
                new = result[col].tolist()
                if isinstance(spec, Records):
                    new = [None if rs is None else [to_row(r, spec.cls) for r in rs] for rs in new]
                for pos, v in zip(positions, new):
                    values[pos] = None if _is_missing(v) else v
            out[col] = typed_column(values, arrow_of(spec))
        for col, spec in self.extends.items():
            values = [as_list(v) for v in out[col]]
            if result is not None:
                for pos, rs in zip(positions, result[col].tolist()):
                    values[pos] = values[pos] + [to_row(r, spec.cls) for r in (rs or ())]
            out[col] = typed_column(values, spec.arrow)
        stage_col = [None if _is_missing(v) else v for v in out[QUARANTINE_STAGE]] if QUARANTINE_STAGE in out.columns else [None] * n
        if result is not None and QUARANTINE_REASON in result.columns:
            for pos, v in zip(positions, result[QUARANTINE_REASON]):
                if not _is_missing(v):
                    stage_col[pos] = self.name
        out[QUARANTINE_STAGE] = typed_column(stage_col, pa.string())
        per_row = seconds / len(positions) if positions else 0.0
        out[SECONDS_PREFIX + self.name] = typed_column([per_row if ok[i] else 0.0 for i in range(n)], pa.float64())
        return out.drop(columns=[c for c in self.drops if c in out.columns])


class Off(Stage):
    """A stage switched off in its config: writes its produced columns empty (record lists) or
    null, extends nothing, loads nothing and needs no actor."""

    def __init__(self, stage_cls: type[Stage], config: StageConfig) -> None:
        super().__init__(config)
        self.name = stage_cls.name  # type: ignore[misc]
        self.version = stage_cls.version  # type: ignore[misc]
        self.produces = dict(stage_cls.produces)  # type: ignore[misc]
        self.transient = stage_cls.transient  # type: ignore[misc]
        self.extends = {}  # type: ignore[misc]

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        n = len(batch)
        return pd.DataFrame({c: [[] if isinstance(s, Records) else None for _ in range(n)] for c, s in self.produces.items()})

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "off": True}

    def note(self) -> str | None:
        return f"{self.name}: off"


STAGES: Registry[type[Stage]] = Registry("stage")


def register_stage(cls: type[Stage]) -> type[Stage]:
    """Class decorator: register a stage class under its `name` (its `Config` is its config section)."""
    STAGES.register(cls.name, cls.version)(cls)
    return cls


def make_stage(name: str, config: StageConfig | None = None) -> Stage:
    """The registered stage `name` configured with `config`; `Off` when the config switches it off."""
    cls = STAGES.get(name)
    config = config if config is not None else cls.Config()
    return cls(config) if getattr(config, "enabled", True) else Off(cls, config)


def check_order(stages: Sequence[Stage], given: Sequence[str], needed_at_end: Sequence[str] = ()) -> None:
    """Raise StageError when a stage needs a column that no earlier stage writes (and that is
    not in `given`), or when a column in `needed_at_end` is written by none."""
    have = set(given)
    for st in stages:
        lacking = [c for c in (*st.requires, *st.extends) if c not in have]
        if lacking:
            raise StageError(f"stages: {st.name!r} needs {', '.join(lacking)}, which no stage before it produces")
        have |= set(st.produces) | set(st.extends)
    lacking = [c for c in needed_at_end if c not in have]
    if lacking:
        raise StageError(f"stages: no stage produces {', '.join(lacking)}")


def typed_column(values: list, typ: pa.DataType) -> pd.Series:
    """A pandas Series backed by an Arrow array of type `typ` (so every batch has one schema)."""
    return pd.Series(pa.array(values, type=typ), dtype=pd.ArrowDtype(typ))


def _is_missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)
