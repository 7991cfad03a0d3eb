"""`kg build`: corpus check -> stages (Ray Data or in-process) -> partitioned merge -> a new
version of the graph, published atomically.

A graph lives on any storage (local path or pyarrow filesystem URI) as

    <graph>/CURRENT                      the live version's id
    <graph>/versions/<id>/               tables, manifest.json (written last), stats/
    <graph>/contributions/<key>/         one input file's processed rows (what a merge is redone from):
        _plan.json                         the file, its hash and its shards
        <shard>/<fragment>/p<k>/part-*.parquet, <shard>.done

A contribution is keyed by the config, the partition count, the file's path and its content
hash, so `kg build --update` processes only new or changed files and re-merges the union of
all contributions without running any model again; the tables depend only on that union.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Callable, Sequence

from pipeline.config import ConfigError, RunBase, to_dict
from pipeline.core import columns as CC
from pipeline.core.ids import content_id, digest
from pipeline.core.manifest import command_line, package_versions
from pipeline.core.stage import Stage, check_order, make_stage
from pipeline.core.storage import Storage, is_uri, redact_uri
from pipeline.graph.merge import MergeJob, merge_graph
from pipeline.graph.partition import split_staging
from pipeline.graph.records import FRAGMENTS, IMAGE_COLUMNS
from pipeline.graph.versions import Versions
from pipeline.io.corpus import find_corpus_files
from pipeline.io.layouts import open_corpus
from pipeline.runners import make_runner
from pipeline.runners.staging import StagingTarget, is_done, pending, staging_schema

CONTRIBUTIONS = "contributions"


class AccountingError(RuntimeError):
    """Rows in != rows in the graph + rows quarantined for some input file."""


@dataclass
class BuildResult:
    out_dir: str  # the graph (local path or URI without secrets)
    version: str | None  # the version published (or the unchanged current one)
    counts: dict[str, int]
    seconds: dict[str, float]
    stage_stats: list[dict]
    accounting: list[dict]
    notes: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)  # added / changed / removed / unchanged paths
    nodes: list[str] = field(default_factory=list)  # Ray nodes that ran stages or merge tasks
    published: bool = True  # False: nothing new, the graph was left as it was


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


def config_key(cfg: RunBase, stages: Sequence[Stage], extractor: str) -> str:
    """What must not change between the contributions merged into one graph: every stage
    setting that shapes the rows (not the corpus, output, runner, resources or merge limits),
    the stages' versions and the caption parser."""
    d = to_dict(cfg)
    d["_stages"] = [s.describe() for s in stages]
    d["_extractor"] = extractor
    for k in ("out", "runner", "ray", "corpus", "merge", "keep", "shard_rows"):
        d.pop(k, None)
    for section in d.values():
        if isinstance(section, dict):
            section.pop("resources", None)
    return content_id("cfg", json.dumps(d, sort_keys=True, default=str))


def contribution_key(cfg_key: str, partitions: int, path: str, sha256: str) -> str:
    """Folder name of one input file's contribution."""
    return "c" + digest(cfg_key, str(partitions), path, sha256, size=12)


def stages_by_name(stages: list[Stage]) -> dict[str, Stage]:
    """The stages keyed by name."""
    return {s.name: s for s in stages}


def _extractor(cfg: RunBase, stages: list[Stage]) -> str:
    from pipeline.text.spacy_model import resolve_model_name

    extract = stages_by_name(stages).get("extract")
    return (f"extract:spacy-sg@{extract.version}/{resolve_model_name(cfg.extract.spacy_model)}" if extract
            else "extract:none")


def _input_path(spec: str) -> str:
    """How an input file is named in the graph (as find_corpus_files names it)."""
    import os

    return redact_uri(spec) if is_uri(spec) else os.path.abspath(os.path.expanduser(spec))


def run_build(cfg: RunBase, progress: Callable[[str], None] = print, resume: bool = False, update: bool = False,
              remove: Sequence[str] = ()) -> BuildResult:
    """Build (or with `update`, extend) the graph at `cfg.out` from `cfg.corpus`; publish a new version.

    A plain build processes every corpus file afresh (with `resume`, shards that an interrupted
    build of the same files and config finished are kept) and its version holds exactly those
    files. `update` keeps the current version's files: a file already there with the same
    content hash is skipped, a changed one replaces its old contribution, new ones are added,
    `remove` takes files out; finished shards of an interrupted update are always kept.
    Raises CorpusError / StageError / ConfigError before any work when the input, a model or
    the config is unusable, AccountingError when rows went missing.
    """
    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    graph = Storage.open(cfg.out)
    versions = Versions(graph)
    current = versions.current() if (update or remove) else None
    base = versions.manifest(current) if current else None
    if remove and not update:
        raise ConfigError("--remove works with --update (it takes files out of the current version)")
    files = find_corpus_files(cfg.corpus) if cfg.corpus else []
    corpus = open_corpus(files, cfg.input, cfg.decode.text_columns) if files else None
    if corpus is not None:
        cfg.decode.text_columns = corpus.text_columns  # the caption columns the mapping resolved
    stages = build_stages(cfg)
    extractor = _extractor(cfg, stages)
    key = config_key(cfg, stages, extractor) if corpus is not None or base is None else base.get("config_key")
    if base is not None:
        if base.get("config_key") != key:
            raise ConfigError(f"{graph.display}: the graph was built with another config (stage settings differ); "
                              "update it with the same config, or rebuild it with kg build (no --update)")
        partitions = int(base["partitions"])
    else:
        partitions = cfg.merge.partitions

    old = {i["path"]: i for i in base["inputs"]} if base else {}
    final = dict(old)
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": [], "unchanged": []}
    for spec in remove:
        p = _input_path(spec)
        if p not in final:
            raise ConfigError(f"--remove {spec}: not an input of the current version of {graph.display}")
        del final[p]
        changes["removed"].append(p)
    todo = []
    for cf in (corpus.inputs if corpus else []):
        prev = final.get(cf.path)
        if update and prev is not None and prev["sha256"] == cf.sha256:
            changes["unchanged"].append(cf.path)
            continue
        changes["changed" if prev is not None else "added"].append(cf.path)
        final[cf.path] = {**cf.record(), "contribution": contribution_key(key, partitions, cf.path, cf.sha256)}
        todo.append(cf)
    if not update:
        final = {p: final[p] for p in sorted(changes["added"] + changes["changed"])}
        changes = {"added": sorted(final), "changed": [], "removed": [], "unchanged": []}
    if update and base is not None and not todo and not changes["removed"]:
        progress(f"nothing new: all {len(changes['unchanged'])} corpus file(s) are in version {current} already")
        return BuildResult(graph.display, current, dict(base.get("counts", {})), {"total": time.perf_counter() - t_start},
                           list(base.get("stage_stats", [])), list(base.get("accounting", [])), list(base.get("notes", [])),
                           changes, [], published=False)
    if not final:
        raise ConfigError(f"{graph.display}: the new version would hold no corpus file")
    for st in stages:
        st.preflight()

    todo_paths = {cf.path for cf in todo}
    shards = [s for s in corpus.plan_shards(cfg.shard_rows) if s.file in todo_paths] if corpus else []
    ckey = {p: final[p]["contribution"] for p in todo_paths}
    folders = {s.key: f"{CONTRIBUTIONS}/{ckey[s.file]}/{s.key}" for s in shards}
    keep_done = resume or update
    # a contribution a kept version names is complete and never rewritten (same file, same
    # config: the same rows); others are from interrupted runs: kept with resume/update
    published = named_contributions(versions)
    for cf in todo:
        c = f"{CONTRIBUTIONS}/{ckey[cf.path]}"
        if ckey[cf.path] in published:
            continue
        plan = {"path": cf.path, "sha256": cf.sha256, "rows": cf.rows, "config_key": key, "partitions": partitions,
                "shards": sorted(s.key for s in shards if s.file == cf.path)}
        if not keep_done or graph.read_json(f"{c}/_plan.json", default=None) != plan:
            graph.delete(c)  # afresh, or an interrupted run cut this file differently
            graph.write_json(f"{c}/_plan.json", plan)
    target = StagingTarget(graph, folders, partial(split_staging, partitions=partitions, extractor=extractor))
    pending_shards = pending(shards, target)
    reused = len(shards) - len(pending_shards)
    if resume and shards and not reused and not published & set(ckey.values()):
        raise ConfigError(f"{graph.display}: nothing to resume (no finished shard of this corpus and config there); "
                          "run without --resume")
    seconds["check"] = time.perf_counter() - t_start

    total = sum(cf.rows for cf in todo)
    if update and base is not None:
        progress(f"update of version {current}: {len(changes['added'])} new, {len(changes['changed'])} changed, "
                 f"{len(changes['removed'])} removed, {len(changes['unchanged'])} unchanged file(s)")
    progress(f"{total} rows in {len(todo)} file(s), {len(shards)} shard(s)"
             + (f", {reused} already done" if keep_done or reused else "") + f"; runner: {cfg.runner}")
    if corpus is not None:
        for line in corpus.describe():
            progress(line)
    notes = describe_sources(stages)
    for note in notes:
        progress(note)

    if cfg.runner == "local":
        runner = make_runner("local", batch_size=stages[0].resources.batch_size)
    else:
        runner = make_runner("ray", address=cfg.ray.address, num_cpus=cfg.ray.num_cpus,
                             object_store_memory_mb=cfg.ray.object_store_memory_mb)
    vid = versions.new_id()
    out = versions.folder(vid)
    with runner:
        t0 = time.perf_counter()
        nodes = set(runner.run(pending_shards, stages, staging_schema(stages), target, progress))
        seconds["stages"] = time.perf_counter() - t0
        unfinished = [s.key for s in shards if not is_done(target, s)]
        if unfinished:
            raise RuntimeError(f"{len(unfinished)} shard(s) were not completed (first: {unfinished[0]}); run again to finish them")

        t0 = time.perf_counter()
        sources = tuple(graph.child(CONTRIBUTIONS, final[p]["contribution"]).spec for p in sorted(final))
        progress(f"merge: {len(sources)} contribution(s) in {partitions} partition(s)")
        job = MergeJob(sources=sources, out=out.spec, partitions=partitions, stage_names=tuple(s.name for s in stages),
                       memory_limit=f"{cfg.merge.memory_mb}MB", threads=cfg.merge.threads)
        try:
            result = merge_graph(job, runner.map, progress=progress)
        except BaseException:
            out.delete("")  # publish nothing; the contributions stay for the next run
            raise
        nodes |= set(getattr(runner, "map_nodes", set()))
        seconds["merge"] = time.perf_counter() - t0

    expected = {p: int(i["rows"]) for p, i in final.items()}
    accounting = []
    for a in result.accounting:
        rows_in = expected.get(a["file"], 0)
        accounting.append({**a, "rows_in": rows_in, "balanced": rows_in == a["rows_in_graph"] + a["rows_quarantined"]})
    seen = {a["file"] for a in accounting}
    for f, n in expected.items():
        if f not in seen:
            accounting.append({"file": f, "rows_in": n, "rows_in_graph": 0, "rows_quarantined": 0, "balanced": n == 0})
    accounting.sort(key=lambda a: a["file"])
    bad = [a for a in accounting if not a["balanced"]]
    if bad:
        out.delete("")
        a = bad[0]
        raise AccountingError(
            f"{a['file']}: {a['rows_in']} rows in, but {a['rows_in_graph']} in the graph + {a['rows_quarantined']} quarantined"
        )
    out.write_json("stats/stages.json", result.stage_stats)
    seconds["total"] = time.perf_counter() - t_start
    manifest = {
        "kind": "kg-build",
        "version": vid,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "previous": current,
        "command": " ".join(redact_uri(a) for a in command_line().split(" ")),
        "inputs": [final[p] for p in sorted(final)],
        "changes": changes,
        "corpus_layout": corpus.manifest_entry() if corpus is not None else base.get("corpus_layout"),
        "config": {**to_dict(cfg), "corpus": [redact_uri(c) for c in cfg.corpus]},
        "config_key": key,
        "partitions": partitions,
        "stages": [s.describe() for s in stages],
        "extractor": extractor,
        "versions": package_versions(),
        "counts": result.counts,
        "accounting": accounting,
        "stage_stats": result.stage_stats,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "notes": notes,
        "resumed": resume,
        "update": update,
        "nodes": len(nodes),
    }
    versions.publish(vid, manifest, keep=cfg.keep)
    collect_contributions(graph, versions)
    return BuildResult(graph.display, vid, result.counts, seconds, result.stage_stats, accounting, notes, changes,
                       sorted(nodes))


def named_contributions(versions: Versions) -> set[str]:
    """The contribution keys the kept versions' manifests name (each manifest read once)."""
    return {i.get("contribution") for vid in versions.ids() if versions.is_complete(vid)
            for i in versions.manifest(vid).get("inputs", [])}


def collect_contributions(graph: Storage, versions: Versions) -> list[str]:
    """Remove the contributions no kept version names (replaced or removed files, runs given
    up); returns their keys. Run after a publish (one writer at a time: `kg nightly` holds a lock)."""
    wanted = named_contributions(versions)
    gone = [c for c in graph.list(CONTRIBUTIONS) if c not in wanted]
    for c in gone:
        graph.delete(f"{CONTRIBUTIONS}/{c}")
    return gone
