"""The run folder's manifest.json: inputs with hashes, resolved config, versions, counts, timings."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path

from pipeline.core.atomic import write_json_atomic

__all__ = ["package_versions", "read_manifest", "command_line", "write_json_atomic"]

PACKAGES = ("ray", "torch", "transformers", "onnxruntime", "spacy", "pyarrow", "pandas", "duckdb", "networkx", "pillow", "numpy",
            "pydantic", "rapidocr_onnxruntime")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the output."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    try:
        out["pipeline"] = metadata.version("kg-pipeline")
    except metadata.PackageNotFoundError:
        from pipeline import __version__

        out["pipeline"] = __version__
    return out


def read_manifest(out_dir: str | Path) -> dict:
    """The manifest of a run folder."""
    with open(Path(out_dir) / "manifest.json", encoding="utf-8") as f:
        return json.load(f)


def command_line() -> str:
    return " ".join(sys.argv)
