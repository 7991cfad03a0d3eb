"""A non-editable install (the wheel, in a fresh venv) carries the graph schema and answers a query.

The wheel is built from a copy of the sources with the shared venv's setuptools (no build
isolation, no downloads); the fresh venv sees the shared venv's site-packages through a .pth
line (dependencies only: the editable `pipeline` there is not activated), and runs from a folder
outside the repository with no PYTHONPATH, so `pipeline` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel, installs it into a fresh venv and queries a whole graph

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_in_fresh_venv_queries(sample_graph: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO / "pipeline", src / "pipeline", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / f, src / f)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(dist), str(src)], check=True, capture_output=True)
    wheel = next(dist.glob("kg_pipeline-*.whl"))
    assert "pipeline/schemas/graph.json" in zipfile.ZipFile(wheel).namelist()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_shared_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(py), "-c", "import pipeline, pipeline.graph.schema as s; print(pipeline.__file__); "
                            "print(len(s.graph_contract()['tables']))"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout.split()
    assert where[0].startswith(str(site)) and where[1] == "7"
    out = subprocess.run([str(venv / "bin" / "kg"), "query", str(sample_graph), "entity", "cup", "--json"],
                         cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["name"] == "cup"
