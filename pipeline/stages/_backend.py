"""Start-up and loading of a model stage's backend, with one-line errors (shared by the model stages)."""

from __future__ import annotations

from typing import Any

from pipeline.core.registry import UnknownName
from pipeline.core.stage import BackendConfig, StageError
from pipeline.vision.types import ModelUnavailable


def preflight(stage: str, config: BackendConfig) -> None:
    """Run the backend's start-up check; StageError `<stage>: <reason>` when it cannot run."""
    try:
        config.check_backend()
    except (ModelUnavailable, UnknownName) as e:
        raise StageError(f"{stage}: {e}") from None


def load(stage: str, config: BackendConfig) -> Any:
    """The configured backend, built from the registry and loaded."""
    try:
        backend = config.build_backend()
        backend.load()
    except (ModelUnavailable, UnknownName) as e:
        raise StageError(f"{stage}: {e}") from None
    return backend
