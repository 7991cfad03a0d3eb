"""Named, versioned factories (spaCy-style): stages and model backends register here.

    @detectors.register("onnx-centernet", version=1)
    def make_onnx(...) -> Detector: ...

    detectors.get("onnx-centernet")(...)   # latest version
    detectors.get("onnx-centernet", 1)     # a pinned version
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

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


class Registry(Generic[F]):
    """A table of factories of one kind (e.g. "detector"), keyed by (name, version)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[tuple[str, int], Entry[F]] = {}

    def register(self, name: str, version: int = 1) -> Callable[[F], F]:
        """Decorator: register `factory` under `name` and `version`."""

        def deco(factory: F) -> F:
            key = (name, version)
            if key in self._entries and self._entries[key].factory is not factory:
                raise ValueError(f"{self.kind} {name!r} v{version} is already registered")
            self._entries[key] = Entry(name, version, factory)
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


detectors: Registry[Callable] = Registry("detector backend")
captioners: Registry[Callable] = Registry("captioner backend")
