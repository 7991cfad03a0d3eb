"""Throughput of the vision models on one device: a BLIP-base-sized captioner and a DETR-ResNet-50-sized detector.

Both are built with random weights from their default configs (no downloads), saved to a temp
folder and loaded back through the project's own HFCaptioner / HFDetector, so the numbers include
the real pre-processing, generate() and post-processing. Each model is timed

  * in a plain loop (one process, batches of --batch-size images), and
  * through Ray Data (`map_batches` with an actor pool of --actors actors sharing the device),
    when ray is installed,

while `nvidia-smi` samples GPU utilisation. The captioner writes exactly 20 tokens per image
(min_new_tokens = max_new_tokens = 20), so its rate does not depend on random weights stopping early.

    python bench/gpu_models.py                       # on a GPU machine, fp16
    python bench/gpu_models.py --device cpu --tiny   # a smoke run of the same code at toy sizes

Prints one line per measurement and writes them all as JSON to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: import `pipeline`

CAPTION_TOKENS = 20


# ---- models ---------------------------------------------------------------------------------------
def build_blip(dest: Path, tiny: bool, dtype: str) -> Path:
    """Random BLIP captioner (BlipConfig defaults = base size, 384-px input; or a toy one) saved to `dest`."""
    return save_blip(dest, "tiny" if tiny else "base", dtype)


BLIP_SIZES = {  # (width, layers, heads, image size, vocab) of the small sizes; "base" = BlipConfig()
    "tiny": (32, 2, 2, 64, 512),
    "small": (256, 4, 4, 224, 2048),
}


def save_blip(dest: Path, size: str, dtype: str) -> Path:
    """Random BLIP of `size` ("tiny", "small" or "base") with its processor, saved to `dest`."""
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    if size in BLIP_SIZES:
        width, layers, heads, image, n_vocab = BLIP_SIZES[size]
        cfg = BlipConfig(
            vision_config=dict(hidden_size=width, intermediate_size=4 * width if size != "tiny" else 2 * width,
                               num_hidden_layers=layers, num_attention_heads=heads, image_size=image, patch_size=16),
            text_config=dict(vocab_size=n_vocab, hidden_size=width, intermediate_size=4 * width if size != "tiny" else 2 * width,
                             num_hidden_layers=layers, num_attention_heads=heads, encoder_hidden_size=width,
                             bos_token_id=2, eos_token_id=3, sep_token_id=3, pad_token_id=0),
            projection_dim=width,
        )
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    else:
        cfg = BlipConfig()
        t = cfg.text_config
        vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        assert len(vocab) == 104 and vocab[t.sep_token_id] == "[SEP]"
    size_px = cfg.vision_config.image_size
    n_vocab = cfg.text_config.vocab_size
    vocab += [f"w{i}" for i in range(n_vocab - len(vocab))]
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)})
    torch.manual_seed(0)
    model = BlipForConditionalGeneration(cfg)
    if dtype in ("float16", "bfloat16"):
        model = model.to(getattr(torch, dtype))  # half the bytes to write and read back
    model.save_pretrained(dest)
    proc = BlipProcessor(image_processor=BlipImageProcessor(size={"height": size_px, "width": size_px}), tokenizer=tok)
    proc.save_pretrained(dest)
    return dest


def build_detr(dest: Path, tiny: bool, dtype: str) -> Path:
    """Random DETR with a ResNet-50 backbone built from config (no timm, no pretrained weights), or a toy one."""
    import torch
    from transformers import DetrConfig, DetrForObjectDetection, DetrImageProcessor, ResNetConfig

    labels = {i: f"class_{i}" for i in range(91)}
    if tiny:
        backbone = ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], out_features=["stage2"])
        cfg = DetrConfig(use_timm_backbone=False, use_pretrained_backbone=False, backbone_config=backbone, d_model=32,
                         encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                         encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=20, id2label=labels)
        proc = DetrImageProcessor(size={"shortest_edge": 96, "longest_edge": 128})
    else:
        backbone = ResNetConfig(out_features=["stage4"])  # defaults: ResNet-50 (bottleneck, 3-4-6-3)
        cfg = DetrConfig(use_timm_backbone=False, use_pretrained_backbone=False, backbone_config=backbone,
                         id2label=labels)  # defaults: d_model 256, 6+6 layers, 100 queries
        proc = DetrImageProcessor()  # 800 px shortest edge, as detr-resnet-50
    torch.manual_seed(0)
    model = DetrForObjectDetection(cfg)
    if dtype in ("float16", "bfloat16"):
        model = model.to(getattr(torch, dtype))
    model.save_pretrained(dest)
    proc.save_pretrained(dest)
    return dest


def make_model(kind: str, path: str, device: str, dtype: str) -> Any:
    """The project's wrapper for a saved model: HFCaptioner (fixed 20 tokens) or HFDetector."""
    if kind == "captioner":
        from pipeline.vision.hf_captioner import HFCaptioner

        m = HFCaptioner(path, max_new_tokens=CAPTION_TOKENS, min_new_tokens=CAPTION_TOKENS, device=device, dtype=dtype)
    else:
        from pipeline.vision.hf_detector import HFDetector

        m = HFDetector(path, score_threshold=0.5, device=device, dtype=dtype)
    m.load()
    return m


def run_model(model: Any, images: list[np.ndarray]) -> int:
    """Run one batch; returns the number of outputs."""
    if hasattr(model, "caption"):
        return len(model.caption(images))
    return len(model.detect(images))


def make_images(n: int, h: int, w: int, seed: int = 0) -> list[np.ndarray]:
    """`n` distinct RGB uint8 noise images of h x w."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for _ in range(n)]


# ---- GPU sampling ---------------------------------------------------------------------------------
class GpuSampler:
    """Samples `nvidia-smi` utilisation / memory every `period_ms` in the background (no-op without nvidia-smi)."""

    def __init__(self, period_ms: int = 200) -> None:
        self.period_ms = period_ms
        self.samples: list[tuple[float, float]] = []
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "GpuSampler":
        exe = shutil.which("nvidia-smi")
        if exe:
            gpu = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0] or "0"
            cmd = [exe, "-i", gpu, "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits",
                   f"-lms={self.period_ms}"]
            try:
                self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            except OSError:
                self._proc = None
        if self._proc is not None:
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                util, mem = (float(x) for x in line.strip().split(",")[:2])
            except ValueError:
                continue
            self.samples.append((util, mem))

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def summary(self) -> dict[str, float | None]:
        if not self.samples:
            return {"gpu_util_mean": None, "gpu_util_max": None, "gpu_mem_max_mib": None, "gpu_samples": 0}
        u = np.array([s[0] for s in self.samples])
        m = np.array([s[1] for s in self.samples])
        return {"gpu_util_mean": round(float(u.mean()), 1), "gpu_util_max": float(u.max()),
                "gpu_mem_max_mib": float(m.max()), "gpu_samples": len(u)}


# ---- measurements ---------------------------------------------------------------------------------
@dataclass
class Result:
    model: str
    mode: str
    device: str
    dtype: str
    batch_size: int
    images: int
    seconds: float
    images_per_s: float
    extra: dict = field(default_factory=dict)

    def line(self) -> str:
        gpu = self.extra.get("gpu_util_mean")
        g = ""
        if gpu is not None:
            g = (f"  gpu util mean {gpu}% max {self.extra.get('gpu_util_max')}% "
                 f"mem {self.extra.get('gpu_mem_max_mib')} MiB")
        more = "".join(f"  {k}={v}" for k, v in self.extra.items() if not k.startswith("gpu_"))
        return (f"{self.model:<10} {self.mode:<6} {self.device}/{self.dtype} bs={self.batch_size:<3} "
                f"{self.images:>5} img in {self.seconds:6.1f}s = {self.images_per_s:8.1f} img/s{g}{more}")


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def bench_loop(name: str, kind: str, path: str, device: str, dtype: str, batch_size: int, pool: list[np.ndarray],
               seconds: float, min_batches: int = 3) -> Result:
    """Plain loop: load once, warm up with 2 batches, then time batches until `seconds` (>= min_batches)."""
    t_load = time.perf_counter()
    model = make_model(kind, path, device, dtype)
    load_s = time.perf_counter() - t_load

    def batch(i: int) -> list[np.ndarray]:
        return [pool[(i * batch_size + j) % len(pool)] for j in range(batch_size)]

    for i in range(2):
        run_model(model, batch(i))
    _sync(device)
    n = 0
    with GpuSampler() as gs:
        t0 = time.perf_counter()
        i = 0
        while i < min_batches or time.perf_counter() - t0 < seconds:
            n += run_model(model, batch(i))
            i += 1
        _sync(device)
        dt = time.perf_counter() - t0
    extra: dict[str, Any] = {"load_s": round(load_s, 1), **gs.summary()}
    proc = getattr(model, "_image_processor", None) or getattr(model, "_processor", None)
    extra["processor"] = type(proc).__name__
    if device.startswith("cuda"):
        import torch

        extra["torch_max_alloc_mib"] = round(torch.cuda.max_memory_allocated() / 2**20)
    del model
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
    return Result(name, "loop", device, dtype, batch_size, n, round(dt, 2), round(n / dt, 1), extra)


class _Actor:
    """Ray Data actor: loads the model once, runs it on each batch, stamps the finish time."""

    def __init__(self, kind: str, path: str, device: str, dtype: str) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        self.model = make_model(kind, path, device, dtype)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        images = list(batch["image"])
        n = run_model(self.model, images)
        return {"n": np.array([n], dtype=np.int64), "t_done": np.array([time.time()])}


def bench_ray(name: str, kind: str, path: str, device: str, dtype: str, batch_size: int, n_images: int,
              actors: int, h: int, w: int) -> Result:
    """Ray Data: images made in tasks, `map_batches` through an actor pool of `actors` sharing one device.

    Reports the steady rate (images finished after every actor has done one batch, over that time)
    and, as `wall_images_per_s`, the rate over the whole run including actor start and model loads.
    """
    import ray

    def gen(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids = batch["id"]
        rng = np.random.default_rng(int(ids[0]))
        return {"image": rng.integers(0, 256, size=(len(ids), h, w, 3), dtype=np.uint8)}

    gpus = 1.0 / actors if device.startswith("cuda") else 0.0
    # leave a CPU for the read/generate tasks, or the actors can take every CPU and starve the input
    cpus_total = float(ray.cluster_resources().get("CPU", 1.0))
    actor_cpus = min(1.0, max(0.25, (cpus_total - 1.0) / actors))
    ds = ray.data.range(n_images, override_num_blocks=max(1, n_images // batch_size)).map_batches(
        gen, batch_size=batch_size, batch_format="numpy")
    ds = ds.map_batches(_Actor, fn_constructor_kwargs=dict(kind=kind, path=path, device=device, dtype=dtype),
                        batch_size=batch_size, batch_format="numpy",
                        compute=ray.data.ActorPoolStrategy(size=actors), num_gpus=gpus, num_cpus=actor_cpus)
    with GpuSampler() as gs:
        t0 = time.time()
        rows = ds.take_all()
        wall = time.time() - t0
    finished = sorted((float(r["t_done"]), int(r["n"])) for r in rows)
    total = sum(n for _, n in finished)
    # steady state: from the moment every actor has finished one batch to the last batch
    k = min(actors, len(finished)) - 1
    window = finished[-1][0] - finished[k][0] if finished else 0.0
    if len(finished) - 1 > k and window > 0:
        steady = sum(n for _, n in finished[k + 1:]) / window
    else:
        steady, window = total / wall, wall
    extra = {"actors": actors, "wall_s": round(wall, 1), "wall_images_per_s": round(total / wall, 1), **gs.summary()}
    return Result(name, "ray", device, dtype, batch_size, total, round(window, 2), round(steady, 1), extra)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--dtype", default=None, help="float16 (cuda default), bfloat16 or float32 (cpu default)")
    ap.add_argument("--tiny", action="store_true", help="toy-sized models and images (a smoke test of this script)")
    ap.add_argument("--models", default="captioner,detector", help="comma list: captioner, detector")
    ap.add_argument("--caption-batch", type=int, default=None, help="images per captioner batch (64; tiny 8)")
    ap.add_argument("--detect-batch", type=int, default=None, help="images per detector batch (16; tiny 8)")
    ap.add_argument("--seconds", type=float, default=None, help="timed seconds per loop measurement (30; tiny 3)")
    ap.add_argument("--ray", choices=["auto", "yes", "no"], default="auto", help="also time through Ray Data")
    ap.add_argument("--actors", type=int, default=2, help="Ray actors sharing the device")
    ap.add_argument("--ray-images", type=int, default=None,
                    help="images per Ray run (default: ~--seconds of loop rate)")
    ap.add_argument("--ray-timeout", type=float, default=150.0, help="give up on a Ray run after this many seconds")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    a = ap.parse_args(argv)

    import torch

    if a.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda but torch sees no CUDA GPU (use --device cpu --tiny for a smoke run)",
              file=sys.stderr)
        return 2
    dtype = a.dtype or ("float16" if a.device.startswith("cuda") else "float32")
    tiny = a.tiny
    cap_bs = a.caption_batch or (8 if tiny else 64)
    det_bs = a.detect_batch or (8 if tiny else 16)
    seconds = a.seconds if a.seconds is not None else (3.0 if tiny else 30.0)
    h, w = (96, 128) if tiny else (480, 640)
    want = {m.strip() for m in a.models.split(",") if m.strip()}
    use_ray = a.ray == "yes"
    if a.ray == "auto":
        try:
            import ray  # noqa: F401

            use_ray = True
        except ImportError:
            use_ray = False
    env = {"torch": torch.__version__, "cuda": torch.version.cuda,
           "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
           "cpus": os.cpu_count()}
    try:
        import transformers

        env["transformers"] = transformers.__version__
    except ImportError:
        pass
    print(f"# env: {env}", flush=True)
    if not a.device.startswith("cuda") and tiny:
        torch.set_num_threads(1)  # toy models: threads only fight each other (Ray actors get 1 thread too)

    results: list[Result] = []
    pool = make_images(16, h, w)
    work = Path(tempfile.mkdtemp(prefix="kg-gpu-bench-"))
    ray_started = False
    try:
        plan: list[tuple[str, str, Callable[[Path, bool, str], Path], int]] = []
        if "captioner" in want:
            plan.append(("blip-base" if not tiny else "blip-tiny", "captioner", build_blip, cap_bs))
        if "detector" in want:
            plan.append(("detr-r50" if not tiny else "detr-tiny", "detector", build_detr, det_bs))
        for name, kind, build, bs in plan:
            t = time.perf_counter()
            path = str(build(work / name, tiny, dtype))
            print(f"# built {name} (random weights) in {time.perf_counter() - t:.1f}s", flush=True)
            r = bench_loop(name, kind, path, a.device, dtype, bs, pool, seconds)
            results.append(r)
            print(r.line(), flush=True)
            if use_ray:
                import ray

                if not ray_started:
                    ray.init(num_gpus=1 if a.device.startswith("cuda") else 0, include_dashboard=False,
                             logging_level="ERROR", log_to_driver=False)
                    ray.data.DataContext.get_current().enable_progress_bars = False
                    ray_started = True
                n = a.ray_images or max(bs * a.actors * 3, int(r.images_per_s * seconds) // bs * bs)
                box: list[Any] = []
                th = threading.Thread(target=lambda: box.append(
                    bench_ray(name, kind, path, a.device, dtype, bs, n, a.actors, h, w)), daemon=True)
                th.start()
                th.join(a.ray_timeout)
                if not box:
                    print(f"# ray run of {name} did not finish in {a.ray_timeout:.0f}s (or failed); skipping Ray",
                          flush=True)
                    use_ray = False
                    continue
                results.append(box[0])
                print(box[0].line(), flush=True)
    finally:
        if ray_started:
            import ray

            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"env": env, "results": [asdict(r) for r in results]}, indent=2))
        print(f"# wrote {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
