"""Layers flow one way; checked over every import statement of the package (function-level
imports included), so CI fails when an import runs back up:

    core  <-  models (vision, text), io, graph  <-  stages  <-  runners  <-  build, config, cli, jobs

`core` knows nothing of the domain or I/O; models know nothing of stages or Ray; stages know
nothing of Ray or runners; Ray is imported only by the runners (Ray Data) and by `jobs`
(the Jobs API client behind `kg submit` / `kg jobs`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "pipeline"
TOP = ("pipeline.build", "pipeline.config", "pipeline.cli")

# package -> module prefixes it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": ("pipeline.", "ray"),  # pipeline.core.* is allowed, see _allowed
    "vision": ("pipeline.stages", "pipeline.runners", *TOP, "ray"),
    "text": ("pipeline.stages", "pipeline.runners", *TOP, "ray"),
    "io": ("pipeline.stages", "pipeline.runners", *TOP, "ray"),
    "graph": ("pipeline.stages", "pipeline.runners", *TOP, "ray"),
    "stages": ("pipeline.runners", *TOP, "ray"),
}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out += [(node.lineno, node.module)]
    return out


def _hits(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p.rstrip(".") or module.startswith(p if p.endswith(".") else p + ".") for p in prefixes)


def _allowed(layer: str, module: str) -> bool:
    return layer == "core" and (module in ("pipeline", "pipeline.core") or module.startswith("pipeline.core."))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer: str) -> None:
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        for line, module in imports(path):
            if _hits(module, FORBIDDEN[layer]) and not _allowed(layer, module):
                bad.append(f"{path.relative_to(PKG.parent)}:{line} imports {module}")
    assert not bad, "imports that run back up the layers:\n" + "\n".join(bad)


RAY_USERS = ("runners", "jobs")  # Ray Data pipelines; the Jobs API client


def test_only_runners_and_jobs_import_ray() -> None:
    bad = [f"{p.relative_to(PKG.parent)}:{line} imports {m}" for p in sorted(PKG.rglob("*.py"))
           if p.relative_to(PKG).parts[0] not in RAY_USERS for line, m in imports(p) if _hits(m, ("ray",))]
    assert not bad, "\n".join(bad)


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    f = tmp_path / "bad.py"
    f.write_text("def f():\n    from pipeline.stages.detect import DetectStage\n    import ray.data\n")
    found = [m for _, m in imports(f)]
    assert _hits(found[0], FORBIDDEN["vision"]) and _hits(found[1], FORBIDDEN["vision"])
    assert not _hits("raytracing", FORBIDDEN["vision"]) and _allowed("core", "pipeline.core.ids")
