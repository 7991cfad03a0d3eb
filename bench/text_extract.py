"""Throughput of CaptionParser.parse vs a bare spaCy nlp.pipe on the FACTUAL dev captions.

Loads the model once, repeats the 1000 dev captions to ~5000, and times
  (a) `CaptionParser.parse(captions)`   (spaCy + scene-graph rules), and
  (b) `list(nlp.pipe(captions))`        with the *same* nlp object, i.e. the same model with
      the same disabled components (what the parser runs), same batch size.
Prints captions/s for both and the ratio (a)/(b). Not a test.

Usage: .venv/bin/python bench/text_extract.py [--dev CSV] [--repeat 5] [--rounds 2] [--model NAME]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.text.parser import CaptionParser  # noqa: E402

DEFAULT_DEV = REPO.parent / "shared" / "eval" / "factual_random_dev.csv"


def load_captions(path: Path, repeat: int) -> list[str]:
    """The `caption` column of `path`, repeated `repeat` times."""
    with path.open(newline="", encoding="utf-8") as fh:
        captions = [row["caption"] for row in csv.DictReader(fh)]
    return captions * repeat


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints one line per measurement and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds; the best of each is kept")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)

    captions = load_captions(args.dev, args.repeat)
    parser = CaptionParser(model=args.model, batch_size=args.batch_size)
    t0 = time.perf_counter()
    parser.setup()
    nlp = parser.nlp
    print(f"model {nlp.meta.get('name')} {nlp.meta.get('version')}, pipes {nlp.pipe_names} "
          f"(disabled: {list(nlp.disabled)}), loaded in {time.perf_counter() - t0:.1f}s")
    print(f"{len(captions)} captions, batch_size {args.batch_size}, n_process 1")

    parser.parse(captions[:200])  # warm up both paths
    list(nlp.pipe(captions[:200], batch_size=args.batch_size))

    best_parse = best_pipe = float("inf")
    for _ in range(args.rounds):
        t = time.perf_counter()
        list(nlp.pipe(captions, batch_size=args.batch_size))
        best_pipe = min(best_pipe, time.perf_counter() - t)
        t = time.perf_counter()
        graphs = parser.parse(captions)
        best_parse = min(best_parse, time.perf_counter() - t)
    assert len(graphs) == len(captions)

    pipe_rate, parse_rate = len(captions) / best_pipe, len(captions) / best_parse
    print(f"bare nlp.pipe        : {pipe_rate:8.1f} captions/s ({best_pipe:.2f}s)")
    print(f"CaptionParser.parse  : {parse_rate:8.1f} captions/s ({best_parse:.2f}s)")
    print(f"ratio parse/pipe     : {parse_rate / pipe_rate:.3f}  (target >= 0.9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
