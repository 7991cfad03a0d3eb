"""Make the CenterNet COCO ONNX detector on this machine (npm + a throwaway TensorFlow venv), or copy a shared one.

Recipe (see /work/shared/models/README.md): `npm pack @vladmandic/human@3.3.6`, fill the node
attributes the TF.js export dropped (`tfjs_fill_attrs.py`, shipped next to this module), convert
with `tf2onnx --tfjs --opset 13` inside a venv holding tensorflow-cpu 2.15, then check the result
by its detections on scikit-image's astronaut photo before moving it into place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable

from pipeline.core.atomic import atomic_write
from pipeline.core.ids import file_sha256
from pipeline.vision.model_store import CENTERNET_FILE, centernet_path

NPM_PACKAGE = "@vladmandic/human@3.3.6"
TF_REQUIREMENTS = ("tensorflow-cpu==2.15.*", "tf2onnx==1.16.1", "numpy<2")
OPSET = 13
CENTERNET_SHA256 = "d641afe569353df4437957059bb8b5d02cb56d6d6d8ef16362eedc677e418113"
MIN_PERSON_SCORE = 0.3
FILL_ATTRS = Path(__file__).with_name("tfjs_fill_attrs.py")
REPO_ROOT = Path(__file__).resolve().parents[2]

Log = Callable[[str], None]


class BuildError(RuntimeError):
    """Building or fetching the model failed; the message is one line saying what and how to fix it."""


def _tail(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) if lines else "(no output)"


def _run(cmd: list[str], cwd: Path, what: str, hint: str, timeout: float = 3600) -> str:
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        raise BuildError(f"{what} failed: {cmd[0]} not found; {hint}") from e
    except subprocess.TimeoutExpired as e:
        raise BuildError(f"{what} timed out after {timeout:.0f}s; {hint}") from e
    if p.returncode != 0:
        raise BuildError(f"{what} failed (exit {p.returncode}): {_tail(p.stderr or p.stdout)}; {hint}")
    return p.stdout


def _find_python(log: Log) -> str:
    """A Python 3.9-3.11 interpreter for tensorflow-cpu 2.15 (python3.11, then python3, then this one)."""
    for name in ("python3.11", "python3.10", "python3", sys.executable):
        exe = shutil.which(name) if os.sep not in name else name
        if not exe:
            continue
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=60,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out in ("3.9", "3.10", "3.11"):
            log(f"using {exe} (Python {out}) for the TensorFlow venv")
            return exe
    raise BuildError("no Python 3.9-3.11 interpreter found (tensorflow-cpu 2.15 needs one); install python3.11")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return file_sha256(str(path))


def verify_centernet(path: Path) -> float:
    """Run the detector at `path` on skimage's astronaut; return the best `person` score.

    Raises BuildError when the file does not load or finds no person scoring >= MIN_PERSON_SCORE.
    """
    from skimage import data

    from pipeline.vision.onnx_detector import OnnxDetector
    from pipeline.vision.types import ModelUnavailable

    det = OnnxDetector(path, score_threshold=0.05, device="cpu")
    try:
        det.load()
        boxes = det.detect([data.astronaut()])[0]
    except (ModelUnavailable, Exception) as e:  # noqa: BLE001 - any failure means a bad model
        why = str(e).splitlines()[0] if str(e).strip() else type(e).__name__
        raise BuildError(f"model check failed for {path}: {why}") from e
    persons = [b.score for b in boxes if b.label == "person"]
    best = max(persons, default=0.0)
    if best < MIN_PERSON_SCORE:
        seen = ", ".join(f"{b.label} {b.score:.2f}" for b in boxes[:5]) or "nothing"
        raise BuildError(
            f"model check failed for {path}: astronaut photo gave no person >= {MIN_PERSON_SCORE} (saw {seen})"
        )
    return best


def _install_atomically(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(dest, lambda tmp: shutil.copyfile(src, tmp))


def build_centernet(dest: Path | None = None, work: Path | None = None, log: Log = print) -> Path:
    """Build centernet_coco.onnx from npm and install it at `dest` (default centernet_path()); returns `dest`.

    `work` is the scratch folder (a temporary one, removed afterwards, when None). Needs npm, a
    Python 3.9-3.11 and PyPI access (~500 MB of TensorFlow). Raises BuildError with one line on failure.
    """
    dest = Path(dest) if dest is not None else centernet_path()
    own_work = work is None
    work = Path(tempfile.mkdtemp(prefix="kg-centernet-")) if work is None else Path(work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        if not shutil.which("npm"):
            raise BuildError("npm not found; install Node.js/npm (e.g. `apt-get install npm`) to fetch the detector")
        log(f"[1/5] npm pack {NPM_PACKAGE}")
        out = _run(["npm", "pack", NPM_PACKAGE, "--silent"], work, f"npm pack {NPM_PACKAGE}",
                   "check npm registry access (npm config get registry)", timeout=900)
        tgz = work / (out.strip().splitlines()[-1] if out.strip() else "vladmandic-human-3.3.6.tgz")
        if not tgz.is_file():
            found = sorted(work.glob("vladmandic-human-*.tgz"))
            if not found:
                raise BuildError(f"npm pack {NPM_PACKAGE} produced no .tgz in {work}")
            tgz = found[-1]
        with tarfile.open(tgz) as tf:
            wanted = ("package/models/centernet.json", "package/models/centernet.bin")
            members = [m for m in tf.getmembers() if m.name in wanted]
            if len(members) != 2:
                raise BuildError(f"{tgz.name} lacks package/models/centernet.json/.bin")
            tf.extractall(work, members=members, filter="data")
        src_json = work / "package" / "models" / "centernet.json"

        venv = work / "tfc"
        vpy = venv / "bin" / "python"
        if not vpy.exists():
            py = _find_python(log)
            log(f"[2/5] creating venv {venv}")
            _run([py, "-m", "venv", str(venv)], work, "python -m venv", "install the python3-venv package")
        log(f"[3/5] pip install {' '.join(TF_REQUIREMENTS)} (about 500 MB, a few minutes)")
        _run([str(vpy), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *TF_REQUIREMENTS],
             work, "pip install of the TensorFlow converter", "check PyPI access (pip config list) and disk space",
             timeout=3600)

        log("[4/5] filling TF.js node attributes and converting with tf2onnx (opset 13)")
        filled = work / "cn" / "centernet.json"
        _run([str(vpy), str(FILL_ATTRS), str(src_json), str(filled)], work, "tfjs_fill_attrs.py",
             "the TF.js graph format may have changed")
        onnx_out = work / CENTERNET_FILE
        _run([str(vpy), "-m", "tf2onnx.convert", "--tfjs", str(filled), "--output", str(onnx_out),
              "--opset", str(OPSET)], work, "tf2onnx conversion", "see tf2onnx output above", timeout=1800)
        if not onnx_out.is_file():
            raise BuildError(f"tf2onnx wrote no {onnx_out}")

        log("[5/5] checking detections on the astronaut photo")
        score = verify_centernet(onnx_out)
        log(f"check passed: person {score:.2f}")
        _install_atomically(onnx_out, dest)
        log(f"installed {dest} ({dest.stat().st_size / 1e6:.1f} MB, sha256 {sha256_file(dest)[:12]}..., "
            f"{time.monotonic() - t0:.0f}s)")
        return dest
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)


def shared_candidates() -> list[Path]:
    """Where a ready-made model may be copied from: $KG_SHARED_MODELS (folder or file), <repo>/../shared/models."""
    out: list[Path] = []
    env = os.environ.get("KG_SHARED_MODELS")
    if env:
        p = Path(env).expanduser()
        out.append(p if p.suffix == ".onnx" else p / CENTERNET_FILE)
    out.append(REPO_ROOT.parent / "shared" / "models" / CENTERNET_FILE)
    return out


def ensure_centernet(log: Log = print) -> Path:
    """centernet_path() once it exists: as found, else copied from a shared folder (sha256-checked), else built."""
    dest = centernet_path()
    if dest.is_file():
        return dest
    for cand in shared_candidates():
        if not cand.is_file():
            continue
        digest = sha256_file(cand)
        if digest != CENTERNET_SHA256:
            log(f"skipping {cand}: sha256 {digest[:12]}... is not the known {CENTERNET_SHA256[:12]}...")
            continue
        _install_atomically(cand, dest)
        if sha256_file(dest) != CENTERNET_SHA256:
            dest.unlink(missing_ok=True)
            raise BuildError(f"copy of {cand} to {dest} is corrupt (sha256 mismatch); check disk space")
        log(f"copied {cand} -> {dest}")
        return dest
    log("no ready-made model found; building it from npm")
    return build_centernet(dest, log=log)


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.vision.model_build [--build] [DEST]`: ensure (default) or force-build the detector."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", action="store_true", help="always build from npm (do not copy a shared file)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder to keep (default: temporary)")
    ap.add_argument("dest", nargs="?", type=Path, default=None)
    a = ap.parse_args(argv)
    try:
        path = build_centernet(a.dest, a.work) if a.build else (
            ensure_centernet() if a.dest is None else build_centernet(a.dest, a.work))
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
