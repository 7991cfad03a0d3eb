"""Session graphs for the query tests (built once, see tests/graph_builds.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import graph_builds


@pytest.fixture(scope="session")
def sample_graph(tmp_path_factory, model_dir) -> Path:
    return graph_builds.sample_graph(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def hostile_graph(tmp_path_factory, photos, model_dir) -> Path:
    return graph_builds.hostile_graph(tmp_path_factory.getbasetemp(), photos)
