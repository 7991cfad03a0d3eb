"""`kg build`: corpus check -> stages (Ray Data or in-process) -> merge -> graph files + manifest."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.config import ConfigError, RunBase, to_dict
from pipeline.core import columns as CC
from pipeline.core.atomic import write_json_atomic
from pipeline.core.ids import content_id
from pipeline.core.manifest import command_line, package_versions
from pipeline.core.stage import Stage, check_order, make_stage
from pipeline.graph.merge import merge, publish
from pipeline.graph.records import FRAGMENTS, IMAGE_COLUMNS
from pipeline.io.corpus import find_corpus_files, redact_uri
from pipeline.io.layouts import open_corpus
from pipeline.runners import make_runner
from pipeline.runners.staging import pending, staging_schema


class AccountingError(RuntimeError):
    """Rows in != rows in the graph + rows quarantined for some input file."""


@dataclass
class BuildResult:
    out_dir: Path
    counts: dict[str, int]
    seconds: dict[str, float]
    stage_stats: list[dict]
    accounting: list[dict]
    notes: list[str] = field(default_factory=list)


def build_stages(cfg: RunBase) -> list[Stage]:
    """The run's stages (`cfg.stages`, in order), each configured from its section; a stage
    switched off in its section becomes `Off`. StageError when a stage lacks an input or the
    merge lacks a column."""
    stages = [make_stage(name, getattr(cfg, name)) for name in cfg.stages]
    check_order(stages, given=(CC.ID, CC.IMAGE, CC.IMAGE_PATH, CC.SOURCE_FILE),
                needed_at_end=(*IMAGE_COLUMNS, *FRAGMENTS))
    return stages


def describe_sources(stages: list[Stage]) -> list[str]:
    """Plain words on where captions, boxes and the rest come from in this run (printed and in the manifest)."""
    return [n for n in (st.note() for st in stages) if n]


def _config_key(cfg: RunBase) -> str:
    """What must not change between an interrupted run and its --resume."""
    d = to_dict(cfg)
    for k in ("out", "runner", "ray"):
        d.pop(k, None)
    for section in d.values():
        if isinstance(section, dict):
            section.pop("resources", None)
    import json

    return content_id("cfg", json.dumps(d, sort_keys=True, default=str))


def stages_by_name(stages: list[Stage]) -> dict[str, Stage]:
    """The stages keyed by name."""
    return {s.name: s for s in stages}


def run_build(cfg: RunBase, progress: Callable[[str], None] = print, resume: bool = False) -> BuildResult:
    """Run a whole build per `cfg`; returns counts, timings and per-file accounting.

    Raises CorpusError / StageError / ConfigError before any work when the input, a model or
    the config is unusable, AccountingError when rows went missing. With `resume`, shards that
    an interrupted run of the same config completed are kept, the rest are (re)done.
    """
    import json

    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    files = find_corpus_files(cfg.corpus)
    # the layout recognised, the column mapping resolved, every file checked against it
    corpus = open_corpus(files, cfg.input, cfg.decode.text_columns)
    inputs = corpus.inputs
    cfg.decode.text_columns = corpus.text_columns  # the caption columns the mapping resolved
    stages = build_stages(cfg)
    for st in stages:
        st.preflight()
    shards = corpus.plan_shards(cfg.shard_rows)  # runs of Parquet row groups; one shard per .tar
    seconds["check"] = time.perf_counter() - t_start

    out_dir = Path(cfg.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / ".staging"
    plan = {"config": _config_key(cfg), "shards": [s.key for s in shards]}
    if resume:
        try:
            old = json.loads((staging / "plan.json").read_text())
        except (OSError, ValueError):
            raise ConfigError(f"{out_dir}: nothing to resume (no interrupted run there); run without --resume") from None
        if old != plan:
            raise ConfigError(f"{out_dir}: the corpus or config changed since the interrupted run; run without --resume")
    elif staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True, exist_ok=True)
    write_json_atomic(staging / "plan.json", plan)
    todo = pending(shards, staging)
    schema = staging_schema(stages)
    total = sum(i.rows for i in inputs)
    progress(f"{total} rows in {len(inputs)} file(s), {len(shards)} shard(s)"
             + (f", {len(shards) - len(todo)} already done" if resume else "") + f"; runner: {cfg.runner}")
    for line in corpus.describe():
        progress(line)
    notes = describe_sources(stages)
    for note in notes:
        progress(note)

    t0 = time.perf_counter()
    if cfg.runner == "local":
        runner = make_runner("local", batch_size=stages[0].resources.batch_size)
    else:
        runner = make_runner("ray", address=cfg.ray.address, num_cpus=cfg.ray.num_cpus,
                             object_store_memory_mb=cfg.ray.object_store_memory_mb)
    runner.run(todo, stages, schema, staging, progress)
    seconds["stages"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    from pipeline.text.spacy_model import resolve_model_name

    extract = stages_by_name(stages).get("extract")
    extractor = (f"extract:spacy-sg@{extract.version}/{resolve_model_name(cfg.extract.spacy_model)}" if extract
                 else "extract:none")
    tables_tmp = staging / "tables"
    try:
        result = merge(str(staging / "s*" / "*.parquet"), tables_tmp, extractor, [s.name for s in stages])
    except BaseException:
        shutil.rmtree(tables_tmp, ignore_errors=True)  # publish nothing; staging stays for --resume
        raise
    seconds["merge"] = time.perf_counter() - t0

    expected = {i.path: i.rows for i in inputs}
    accounting = []
    for a in result.accounting:
        rows_in = expected.get(a["file"], 0)
        accounting.append({**a, "rows_in": rows_in, "balanced": rows_in == a["rows_in_graph"] + a["rows_quarantined"]})
    seen = {a["file"] for a in accounting}
    for f, n in expected.items():
        if f not in seen:
            accounting.append({"file": f, "rows_in": n, "rows_in_graph": 0, "rows_quarantined": 0, "balanced": n == 0})
    accounting.sort(key=lambda a: a["file"])

    stats_dir = out_dir / "stats"
    stats_dir.mkdir(exist_ok=True)
    write_json_atomic(stats_dir / "stages.json", result.stage_stats)
    seconds["total"] = time.perf_counter() - t_start
    res = BuildResult(out_dir, result.counts, seconds, result.stage_stats, accounting, notes)
    bad = [a for a in accounting if not a["balanced"]]
    if bad:
        a = bad[0]
        raise AccountingError(
            f"{a['file']}: {a['rows_in']} rows in, but {a['rows_in_graph']} in the graph + {a['rows_quarantined']} quarantined"
        )
    manifest = {
        "kind": "kg-build",
        "command": " ".join(redact_uri(a) for a in command_line().split(" ")),
        "inputs": [i.record() for i in inputs],
        "corpus_layout": corpus.manifest_entry(),
        "config": {**to_dict(cfg), "corpus": [redact_uri(c) for c in cfg.corpus]},
        "stages": [s.describe() for s in stages],
        "extractor": extractor,
        "versions": package_versions(),
        "counts": result.counts,
        "accounting": accounting,
        "stage_stats": result.stage_stats,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "notes": notes,
        "resumed": resume,
    }
    publish(tables_tmp, out_dir, manifest)
    shutil.rmtree(staging, ignore_errors=True)
    return res
