"""Quick checks of `kg query` that need no graph: the help text and the packaged schema files
(the tests that build whole graphs are in test_store.py / test_verbs.py, marked slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.graph.schema import graph_contract
from pipeline.graph.store import TABLES

REPO = Path(__file__).resolve().parents[2]


def test_schema_files_in_step() -> None:
    for name in ("graph.json", "corpus.json"):
        assert (REPO / "schemas" / name).read_bytes() == (REPO / "pipeline" / "schemas" / name).read_bytes()
    assert set(graph_contract()["tables"]) == set(TABLES)


def test_help_shows_every_verb_with_an_example() -> None:
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "query", "--help"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    for verb in ("entity", "images", "neighbors", "path", "stats", "sql", "cypher"):
        assert f"kg query out/sample {verb}" in out
