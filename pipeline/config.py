"""The run config: one section per stage (each stage's defaults live beside the stage), YAML in,
`--set key=value` overrides, resolved config out (written to the manifest)."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic  # issue-13 hook
import yaml

from pipeline.core.stage import Resources
from pipeline.io.layouts import CorpusMapping, config_error_line  # issue-13 hook
from pipeline.stages.caption import CaptionConfig
from pipeline.stages.decode import DecodeConfig
from pipeline.stages.detect import DetectConfig
from pipeline.stages.extract import ExtractConfig
from pipeline.stages.ground import GroundConfig


class ConfigError(ValueError):
    """A config file or override is wrong; the message is one line naming the key."""


@dataclass
class RayConfig:
    """Where the job runs."""

    address: str | None = None  # None: start an embedded local Ray; "auto" or ray://host:port to join a cluster
    num_cpus: int | None = None  # embedded Ray only: CPUs to use (None: all)
    object_store_memory_mb: int | None = None  # embedded Ray only


@dataclass
class RunConfig:
    """Everything a build needs: inputs, output, one section per stage."""

    corpus: list[str] = field(default_factory=list)  # Parquet files, folders or globs
    out: str = "out/graph"
    runner: str = "ray"  # "ray" (Ray Data) or "local" (in-process loop)
    shard_rows: int = 2000  # rows per shard: the unit of completion markers and --resume
    input: CorpusMapping = field(default_factory=CorpusMapping)  # issue-13 hook: corpus layout and column mapping
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    detect: DetectConfig = field(default_factory=DetectConfig)
    caption: CaptionConfig = field(default_factory=CaptionConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    ground: GroundConfig = field(default_factory=GroundConfig)
    ray: RayConfig = field(default_factory=RayConfig)


def _coerce(value: Any, typ: Any, key: str) -> Any:
    """`value` checked/converted to the annotated type `typ` (dataclasses recursively)."""
    if isinstance(typ, type) and issubclass(typ, pydantic.BaseModel):  # issue-13 hook: pydantic sections
        try:
            return value if isinstance(value, typ) else typ.model_validate(value)
        except pydantic.ValidationError as e:
            raise ConfigError(config_error_line(e, key)) from None
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(typ)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, key)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{key}: bad value {value!r}")
    if dataclasses.is_dataclass(typ):
        if isinstance(value, typ):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return _build(typ, value, key)
    if origin is list:
        (item,) = typing.get_args(typ) or (Any,)
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return [_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if typ is Any:
        return value
    if typ is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true/false, got {value!r}")
    if typ is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    if typ is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if typ is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    return value


def _build(cls: type, data: dict, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        where = f"{prefix}." if prefix else ""
        raise ConfigError(f"unknown config key {where}{unknown[0]} (known: {', '.join(sorted(names))})")
    kwargs = {k: _coerce(v, hints[k], f"{prefix}.{k}" if prefix else k) for k, v in data.items()}
    return cls(**kwargs)


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


def load_config(path: str | Path | None = None, overrides: list[str] | None = None, **direct: Any) -> RunConfig:
    """RunConfig from a YAML file (optional), then `--set key=value` overrides (values parsed as
    YAML: numbers, booleans, lists), then `direct` keyword values (top-level keys)."""
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
        base = Path(path).resolve().parent
        data = _expand_paths(data, base)
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
    return _build(RunConfig, data, "")


def _expand_paths(data: dict, base: Path) -> dict:
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


def to_dict(cfg: RunConfig) -> dict:
    """The resolved config as plain data (for the manifest and `kg build --print-config`)."""
    # issue-13 hook: pydantic sections as plain data
    return dataclasses.asdict(cfg, dict_factory=lambda kv: {k: v.model_dump() if isinstance(v, pydantic.BaseModel) else v for k, v in kv})


__all__ = ["RunConfig", "RayConfig", "Resources", "ConfigError", "load_config", "to_dict"]
