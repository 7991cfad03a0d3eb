"""Named, versioned factories (spaCy-style): stages and model backends register here.

    detectors = backends("detector")              # one registry per kind, made on first use
    @detectors.register("onnx", check=check_onnx)  # check: cheap start-up check (optional)
    def make_onnx(model: str = "", score_threshold: float = 0.3) -> Detector: ...

    detectors.get("onnx")(...)            # latest version
    call_with(detectors.get("onnx"), options)   # only the options the factory takes

Nothing here knows what a detector is: kinds are plain names chosen by the modules that use them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, TypeVar

F = TypeVar("F", bound=Callable)


class UnknownName(KeyError):
    """No factory of that name (and version) is registered."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


@dataclass(frozen=True)
class Entry(Generic[F]):
    name: str
    version: int
    factory: F
    check: Callable[..., None] | None = None  # cheap start-up check taking the factory's options
    heavy: bool = True  # loads a model: runners keep it in long-lived workers (actors)


class Registry(Generic[F]):
    """A table of factories of one kind (e.g. "detector backend"), keyed by (name, version)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[tuple[str, int], Entry[F]] = {}

    def register(self, name: str, version: int = 1, check: Callable[..., None] | None = None,
                 heavy: bool = True) -> Callable[[F], F]:
        """Decorator: register `factory` under `name` and `version`, with an optional start-up
        `check` and whether what it makes is `heavy` (a model to keep loaded in an actor)."""

        def deco(factory: F) -> F:
            key = (name, version)
            if key in self._entries and self._entries[key].factory is not factory:
                old = self._entries[key].factory
                if (getattr(old, "__module__", None), getattr(old, "__qualname__", None)) != (
                        getattr(factory, "__module__", None), getattr(factory, "__qualname__", None)):
                    raise ValueError(f"{self.kind} {name!r} v{version} is already registered")
            self._entries[key] = Entry(name, version, factory, check, heavy)
            return factory

        return deco

    def entry(self, name: str, version: int | None = None) -> Entry[F]:
        """The entry for `name` at `version` (the highest when None)."""
        versions = sorted(v for (n, v) in self._entries if n == name)
        if not versions:
            raise UnknownName(f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or 'none'}")
        v = versions[-1] if version is None else version
        if (name, v) not in self._entries:
            raise UnknownName(f"{self.kind} {name!r} has no version {v}; known: {versions}")
        return self._entries[(name, v)]

    def get(self, name: str, version: int | None = None) -> F:
        """The factory for `name` at `version` (the highest when None)."""
        return self.entry(name, version).factory

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted({n for (n, _) in self._entries})

    def __contains__(self, name: object) -> bool:
        return any(n == name for (n, _) in self._entries)


_BACKENDS: dict[str, Registry] = {}


def backends(kind: str) -> Registry[Callable]:
    """The registry of `kind` backends (e.g. "detector"), created on first use."""
    if kind not in _BACKENDS:
        _BACKENDS[kind] = Registry(f"{kind} backend")
    return _BACKENDS[kind]


def call_with(fn: Callable[..., Any], options: Mapping[str, Any]) -> Any:
    """Call `fn` with the entries of `options` that it names as parameters (all of them when it
    takes **kwargs); the others are left out."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(**options)
    return fn(**{k: v for k, v in options.items() if k in params})
