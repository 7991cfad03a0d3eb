"""Fixtures for the caption -> scene-graph tests: one real spaCy parser for the whole run."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def caption_parser():
    """A set-up CaptionParser with the installed default model (spaCy loads once per run)."""
    from pipeline.text.parser import CaptionParser

    parser = CaptionParser()
    parser.setup()
    return parser
