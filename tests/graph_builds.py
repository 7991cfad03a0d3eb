"""Graphs the query / export / report tests read, each built once per test session.

The builds land under pytest's session base temp folder and are reused by every test module
that asks (a finished graph is recognised by its manifest.json), so the sample graph and the
hostile-caption graph are built once however many fixtures wrap them.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from helpers import write_corpus, graph_root

REPO = Path(__file__).resolve().parents[1]

#: Captions that try to break every output format (HTML, XML, CSV, Turtle, terminals, SQL).
HOSTILE = [
    '<script>alert("x")</script> on a sign',
    'a "quoted" caption, with commas, and \'single\' quotes',
    "first line\nsecond line\r\nthird\ttabbed",
    "a NUL \x00 byte and a bell \x07",
    "a CDATA end ]]> and an entity &amp; &lt;b&gt;",
    "backslashes \\ and \\u0000 literally",
    "emoji 🐴 and right-to-left حصان",
    "a man riding a brown horse; DROP TABLE images; --",
    "[bold red]rich markup[/] and a |pipe| and a ;semicolon; on a horse",
    "a dog\x1b[31m with an escape sequence",
]


def _build(corpus: Path, out: Path, overrides: list[str]) -> Path:
    from pipeline.build import run_build
    from pipeline.config import load_config

    cfg = load_config(REPO / "jobs/configs/sample.yaml", overrides, out=str(out), runner="local")
    cfg.corpus = [str(corpus)]
    run_build(cfg, progress=lambda m: None)
    return out


def _once(base: Path, name: str, make) -> Path:
    out = base / name / "graph"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (graph_root(out) / "manifest.json").exists():
            make(out)
    return out


def sample_graph(base: Path) -> Path:
    """The bundled sample corpus (15 real photos) built with the sample config, in-process runner."""
    from pipeline.io.sample import write_sample_corpus

    def make(out: Path) -> None:
        corpus = write_sample_corpus(out.parent / "sample.parquet")
        _build(corpus, out, [])

    return _once(base, "sample", make)


def hostile_graph(base: Path, photos: dict[str, bytes]) -> Path:
    """A corpus whose captions are HOSTILE (one per row, real photos), corpus captions only."""

    def make(out: Path) -> None:
        rows = [{"id": f"h{i}", "image": photos["coffee"] if i % 2 else photos["astronaut"], "text": t}
                for i, t in enumerate(HOSTILE)]
        corpus = write_corpus(out.parent / "hostile.parquet", rows)
        _build(corpus, out, ["decode.text_columns=[text]", "caption.backend=none"])

    return _once(base, "hostile", make)
