"""Benchmark: each model stage inside the Ray pipeline vs the same stage in a plain loop.

Same images, same cores, one run. For each model stage (detect: ONNX CenterNet; caption: a
random-weight BLIP of modest size generating a fixed 20 tokens; extract: spaCy) it runs
decode + that stage through the Ray runner and through the in-process runner, and prints
images/s for both and the ratio (Ray / loop). Ray's own start-up (ray.init) is not timed;
actor start-up and model loading are, in both. The loop's parallelism is the model's own
threads (all cores); the Ray pipeline's is its actors (config: `concurrency` actors with
`detect.threads` each; torch uses one thread per actor). Not a test.

Usage: .venv/bin/python bench/model_stages.py [--n 300] [--stages detect,caption,extract]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/pipeline.py shadows the package
sys.path.insert(0, str(HERE.parent))


def build_small_blip(dest: Path) -> Path:
    """A random BLIP (4 layers, width 256, 224-px input) saved with its processor to `dest`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_models", HERE / "gpu_models.py")
    gpu_models = importlib.util.module_from_spec(spec)
    sys.modules["gpu_models"] = gpu_models
    spec.loader.exec_module(gpu_models)
    return gpu_models.save_blip(dest, "small", "float32")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="images")
    ap.add_argument("--stages", default="detect,caption,extract")
    ap.add_argument("--set", action="append", default=[], help="config override for both runs (repeatable)")
    args = ap.parse_args()

    import ray

    from pipeline.config import load_config
    from pipeline.core.stage import make_stage
    from pipeline.io.corpus import check_corpus
    from pipeline.io.sample import write_bench_corpus
    from pipeline.io.shards import plan_shards
    from pipeline.runners.local import LocalRunner
    from pipeline.runners.ray_data import RayRunner
    from pipeline.runners.staging import staging_schema

    work = Path(tempfile.mkdtemp(prefix="kg-bench-stages-"))
    corpus = write_bench_corpus(work / "bench.parquet", n=args.n)
    shards = plan_shards(check_corpus([str(corpus)], ["text"]), shard_rows=100)
    blip = build_small_blip(work / "blip") if "caption" in args.stages else None
    sets = {
        "detect": ["caption.backend=none"],
        "caption": ["detect.backend=none", "caption.backend=transformers", f"caption.model={blip}",
                    "caption.max_new_tokens=20", "caption.min_new_tokens=20", "caption.resources.batch_size=8",
                    "caption.resources.concurrency=2", "caption.resources.num_cpus=0.5"],
        "extract": ["detect.backend=none", "caption.backend=none"],
    }
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    print(f"{args.n} images, 2 cores; ratio = Ray pipeline images/s / plain loop images/s")
    for name in args.stages.split(","):
        cfg = load_config(HERE.parent / "jobs/configs/sample.yaml", ["decode.text_columns=[text]", *sets[name], *args.set])
        loaded_threads = cfg.detect.threads

        def stages():
            # the stages up to the one measured; the ones before it are switched off ("none")
            names = ["decode", "detect", "caption", "extract"]
            return [make_stage(n, getattr(cfg, n)) for n in names[: names.index(name) + 1]]

        rates = {}
        for runner_name, runner in (("loop", LocalRunner(batch_size=cfg.decode.resources.batch_size)), ("ray", RayRunner())):
            # the loop's parallelism is the model's own threads (all cores); Ray's is its actors
            cfg.detect.threads = None if runner_name == "loop" else loaded_threads
            st = stages()
            schema = staging_schema(st)
            staging = work / f"{name}-{runner_name}"
            t0 = time.perf_counter()
            runner.run(shards, st, schema, staging, progress=lambda m: None)
            rates[runner_name] = args.n / (time.perf_counter() - t0)
        print(f"{name:8s} loop {rates['loop']:7.2f} img/s   ray {rates['ray']:7.2f} img/s   ratio {rates['ray'] / rates['loop']:.2f}x")
    ray.shutdown()


if __name__ == "__main__":
    main()
