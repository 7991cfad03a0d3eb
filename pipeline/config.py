"""The run config: pydantic models, one section per registered stage (each stage's config class
lives beside the stage), YAML in, `--set key=value` overrides, resolved config out (written to
the manifest).

A section is added by registering a stage (`@register_stage` with its `Config`); the run's
stage list is `stages:` (default DEFAULT_STAGES). Any bad value stops the run with one line
naming the key, e.g. `detect.score_threshold: must be within 0..1`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, create_model, field_validator
from pydantic_core import PydanticCustomError

import pipeline.stages  # noqa: F401 - registers the stages and their config sections
from pipeline.core.stage import STAGES, Resources
from pipeline.io.layouts import CorpusMapping

# The stages of a build, in order (a config may list others: `stages: [...]`).
DEFAULT_STAGES = ("decode", "detect", "spatial", "caption", "ocr", "extract", "ground")


class ConfigError(ValueError):
    """A config file or override is wrong; the message is one line naming the key."""


class RayConfig(BaseModel):
    """Where the job runs."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    address: str | None = None  # None: start an embedded local Ray; "auto" or ray://host:port to join a cluster
    num_cpus: PositiveInt | None = None  # embedded Ray only: CPUs to use (None: all)
    object_store_memory_mb: PositiveInt | None = None  # embedded Ray only


class MergeConfig(BaseModel):
    """How the merge runs: tables are cut into `partitions` by key hash (fixed when a graph is
    first built: updates use the graph's), each partition merged by one task with its own
    DuckDB limited to `memory_mb` and `threads`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    partitions: PositiveInt = 8
    memory_mb: PositiveInt = 1024
    threads: PositiveInt = 1


class RunBase(BaseModel):
    """Everything a build needs besides the stage sections: inputs, output, runner, stage list."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, coerce_numbers_to_str=True)

    corpus: list[str] = []  # Parquet or WebDataset .tar files, folders, globs or URIs
    out: str = "out/graph"
    runner: Literal["ray", "local"] = "ray"  # Ray Data, or the in-process loop
    shard_rows: PositiveInt = 2000  # rows per shard: the unit of completion markers and --resume
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    input: CorpusMapping = Field(default_factory=CorpusMapping)  # corpus layout and column mapping
    ray: RayConfig = Field(default_factory=RayConfig)
    merge: MergeConfig = Field(default_factory=MergeConfig)
    keep: PositiveInt = 3  # versions of the graph kept (the current one and the newest before it)

    @field_validator("corpus", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in STAGES:
                raise PydanticCustomError("unknown_stage", "unknown stage {name}; known: {known}",
                                          {"name": repr(name), "known": ", ".join(STAGES.names())})
        if len(set(v)) != len(v):
            raise PydanticCustomError("duplicate_stage", "a stage is listed twice")
        return v


def _run_config_model() -> type[RunBase]:
    """RunBase plus one section per registered stage (its Config class, defaults filled in)."""
    sections: dict[str, Any] = {}
    for name in STAGES.names():
        cfg = STAGES.get(name).Config
        sections[name] = (cfg, Field(default_factory=cfg))
    return create_model("RunConfig", __base__=RunBase, __doc__="The whole run config.", **sections)


RunConfig = _run_config_model()


_TYPE_WORDS = {
    "float_parsing": "expected a number", "float_type": "expected a number",
    "int_parsing": "expected an integer", "int_type": "expected an integer", "int_from_float": "expected an integer",
    "bool_parsing": "expected true/false", "bool_type": "expected true/false",
    "string_type": "expected a string", "list_type": "expected a list", "model_type": "expected a mapping",
    "dict_type": "expected a mapping",
}


def _one_line(e: ValidationError, data: dict) -> str:
    """The first error of a pydantic ValidationError as `key.path: what is wrong`."""
    err = e.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = ".".join(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        return f"unknown config key {key}" + (f" (known: {', '.join(known)})" if known else "")
    if kind in _TYPE_WORDS:
        return f"{key}: {_TYPE_WORDS[kind]}, got {err.get('input')!r}"
    if kind == "literal_error":
        return f"{key}: must be one of {err['ctx']['expected']}, got {err.get('input')!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{key}: {err['msg'].replace('Input should be', 'must be')}, got {err.get('input')!r}"
    return f"{key}: {err['msg']}"


def _known_keys(loc: list[str]) -> list[str]:
    model: Any = RunConfig
    for p in loc:
        field = model.model_fields.get(p) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = field.annotation
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return []


def _set_path(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if nxt is None:
            nxt = node[p] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set {dotted}: {p} is not a section")
        node = nxt
    node[parts[-1]] = value


def load_config(path: str | Path | None = None, overrides: list[str] | None = None, **direct: Any) -> RunBase:
    """RunConfig from a YAML file (optional), then `--set key=value` overrides (values parsed as
    YAML: numbers, booleans, lists), then `direct` keyword values (dotted keys; None skipped).
    Raises ConfigError with one line naming the key."""
    data: dict = {}
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
        except OSError as e:
            raise ConfigError(f"{path}: cannot read config ({e.strerror})") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the config must be a mapping")
        data = _expand_paths(data)
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"--set {item}: expected key=value")
        key, raw = item.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError:
            value = raw
        _set_path(data, key.strip(), value)
    for k, v in direct.items():
        if v is not None:
            _set_path(data, k, v)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_one_line(e, data)) from None


def _expand_paths(data: dict) -> dict:
    """Expand ~ and $VARS in corpus paths and image roots (relative ones stay relative to the cwd)."""
    def exp(p: str) -> str:
        return os.path.expandvars(os.path.expanduser(p))

    if isinstance(data.get("corpus"), list):
        data["corpus"] = [exp(str(p)) for p in data["corpus"]]
    elif isinstance(data.get("corpus"), str):
        data["corpus"] = [exp(data["corpus"])]
    dec = data.get("decode")
    if isinstance(dec, dict) and isinstance(dec.get("image_roots"), list):
        dec["image_roots"] = [exp(str(p)) for p in dec["image_roots"]]
    return data


def to_dict(cfg: RunBase) -> dict:
    """The resolved config as plain data (for the manifest and `kg build --print-config`)."""
    return cfg.model_dump(mode="json")


__all__ = ["RunConfig", "RayConfig", "Resources", "ConfigError", "DEFAULT_STAGES", "load_config", "to_dict"]
