"""Benchmark: OCR images/s per core, the ocr stage vs bare RapidOCR on the same images.

Images: real photos (scikit-image, CC0) with a sign painted on each (tests/signs.py; no photo of
a sign can be downloaded here), 600x400 and 512x512. One onnxruntime thread each, so the figure
is per core. Baseline: the bare `rapidocr_onnxruntime.RapidOCR` call on the same BGR arrays;
measured: the `ocr` stage's batch function (decode-sized working copies in, regions and
captions out). Prints images/s of both and the ratio. Not a test.

Usage: .venv/bin/python bench/ocr.py [--n 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/pipeline.py shadows the package
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # tests/signs.py: the painted signs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="images")
    args = ap.parse_args()

    import numpy as np
    import pandas as pd
    from rapidocr_onnxruntime import RapidOCR
    from signs import sign_photo

    from helpers import jpeg
    from pipeline.stages.decode import DecodeStage
    from pipeline.stages.ocr import OcrConfig, OcrStage

    words = ["FISH MARKET", "OPEN DAILY", "BUS STOP", "BOOK SHOP", "FRESH BREAD", "NO PARKING"]
    photos = ["coffee", "astronaut", "chelsea", "rocket"]
    images = [sign_photo(words[i % len(words)], photos[i % len(photos)], at=(40 + 7 * (i % 5), 30 + 11 * (i % 7)))[0]
              for i in range(args.n)]
    bare = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    bare(np.ascontiguousarray(images[0][..., ::-1]))  # warm-up
    t0 = time.perf_counter()
    for img in images:
        bare(np.ascontiguousarray(img[..., ::-1]))
    base = args.n / (time.perf_counter() - t0)

    batch = DecodeStage()(pd.DataFrame({"id": [str(i) for i in range(args.n)], "image": [jpeg(im) for im in images]}))
    batch["regions"] = [[] for _ in range(args.n)]
    stage = OcrStage(OcrConfig(backend="rapidocr", threads=1))
    stage.setup()
    stage._ready = True
    stage(batch.iloc[:1])  # warm-up
    t0 = time.perf_counter()
    for i in range(0, args.n, 8):
        out = stage(batch.iloc[i:i + 8])
    rate = args.n / (time.perf_counter() - t0)
    read = sum(1 for caps in out["captions"] for c in caps if c["source"] == "ocr")
    print(f"{args.n} images (~600x400 and 512x512 with one sign each), 1 thread; last batch: {read}/{len(out)} captions read")
    print(f"bare RapidOCR {base:6.2f} img/s/core   ocr stage {rate:6.2f} img/s/core   ratio {rate / base:.2f}x")


if __name__ == "__main__":
    main()
