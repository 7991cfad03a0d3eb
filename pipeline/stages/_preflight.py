"""Start-up checks shared by the model stages: the backend exists, the model can be found."""

from __future__ import annotations

from pipeline.core.registry import Registry
from pipeline.core.stage import StageError
from pipeline.vision.types import ModelUnavailable


def check_backend(stage: str, registry: Registry, backend: str, model: str, allow_network: bool, trust_remote_code: bool) -> None:
    """Raise StageError (one line) when `backend` is unknown or its transformers `model` cannot
    be loaded as things stand (reads the model's config only)."""
    import pipeline.vision  # noqa: F401 - registers the backends

    try:
        registry.get(backend)
        if backend == "transformers":
            from pipeline.vision._hf import check_available

            check_available(stage, model, not allow_network, trust_remote_code, stage)
    except (ModelUnavailable, KeyError) as e:
        raise StageError(f"{stage}: {e}") from None
