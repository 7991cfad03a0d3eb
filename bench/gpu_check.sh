#!/usr/bin/env bash
# One prepared GPU check for the vision models; run from the repo root on a machine with a CUDA GPU.
#
#   bench/gpu_check.sh                 # GPU machine: pytest -m gpu, then bench/gpu_models.py (fp16); < 8 min
#   bench/gpu_check.sh --wheelhouse [3.10 3.11 ...]
#                                      # networked machine: download the wheels the GPU side may lack into
#                                      # .whl/ (carry it along when the GPU machine has no network)
#
# On the GPU machine it uses .venv/bin/python when that imports torch with CUDA, else python3 (torch
# must already be there: it is never installed here, a CUDA build is many GB). Missing light packages
# (transformers, safetensors, pytest, ...) go into a venv that sees the system site-packages, from
# .whl/ when present (no network needed), else from PyPI with short timeouts.
# Results: printed, and written as JSON to $OUT/gpu_bench.json (or bench/out/gpu_bench.json).
# KG_GPU_CHECK_DEVICE=cpu runs the same steps without a GPU at toy sizes (a smoke test of this script).
set -uo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
say() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

NEEDED=("transformers>=5,<6" "safetensors" "pillow" "numpy" "pytest")
OPTIONAL=("scikit-image" "onnxruntime-gpu")   # only some GPU tests use them; skipped when absent

if [[ "${1:-}" == "--wheelhouse" ]]; then
  shift
  versions=("$@"); [[ ${#versions[@]} -eq 0 ]] && versions=(3.10 3.11 3.12)
  mkdir -p .whl
  for v in "${versions[@]}"; do
    say "downloading wheels for CPython $v into .whl/"
    python3 -m pip download -q --only-binary=:all: --python-version "$v" --implementation cp \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
      -d .whl "${NEEDED[@]}" || { echo "error: pip download failed for Python $v" >&2; exit 1; }
  done
  du -sh .whl
  exit 0
fi

# ---- pick a python that has torch with CUDA -----------------------------------------------------------
DEVICE=${KG_GPU_CHECK_DEVICE:-cuda}
if [[ "$DEVICE" == cpu ]]; then
  TORCH_OK='import torch'
  BENCH_ARGS=(--device cpu --tiny --seconds 3 --ray-timeout 100)
else
  TORCH_OK='import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'
  BENCH_ARGS=(--device cuda --dtype float16 --seconds 20 --ray-timeout 100)
fi
PY=""
for cand in .venv/bin/python python3 python; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "$TORCH_OK" 2>/dev/null; then
    PY=$(command -v "$cand"); break
  fi
done
if [[ -z "$PY" ]]; then
  echo "error: no python here imports torch with a CUDA GPU (python3 -c 'import torch' first; install a CUDA torch build)" >&2
  nvidia-smi -L 2>/dev/null || echo "(nvidia-smi not found)"
  exit 2
fi
say "python: $PY ($("$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")'))"
nvidia-smi -L 2>/dev/null || true

# ---- add what is missing ------------------------------------------------------------------------------
missing() {  # prints the pip names whose modules $PY cannot import
  "$PY" - "$@" <<'EOF'
import importlib.util, sys
mods = {"transformers>=5,<6": "transformers", "safetensors": "safetensors", "pillow": "PIL", "numpy": "numpy",
        "pytest": "pytest", "scikit-image": "skimage", "onnxruntime-gpu": "onnxruntime"}
for pkg in sys.argv[1:]:
    if importlib.util.find_spec(mods[pkg]) is None:
        print(pkg)
    elif pkg.startswith("transformers"):
        import transformers
        if int(transformers.__version__.split(".")[0]) < 5:
            print(pkg)
EOF
}
pip_install() {  # pip_install PY PKG... : from .whl/ when present, else PyPI with short timeouts
  local py=$1; shift
  if [[ -d .whl ]]; then
    "$py" -m pip install -q --disable-pip-version-check --no-index --find-links .whl "$@"
  else
    "$py" -m pip install -q --disable-pip-version-check --timeout 15 --retries 1 "$@"
  fi
}
need=($(missing "${NEEDED[@]}"))
opt=($(missing "${OPTIONAL[@]}"))
if [[ ${#need[@]} -gt 0 || ${#opt[@]} -gt 0 ]]; then
  VENV=${KG_GPU_VENV:-/tmp/kg-gpu-venv}
  if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY" -m venv --system-site-packages "$VENV" || { echo "error: cannot create venv $VENV" >&2; exit 2; }
  fi
  PY="$VENV/bin/python"
  if [[ ${#need[@]} -gt 0 ]]; then
    say "installing ${need[*]}"
    pip_install "$PY" "${need[@]}" || { echo "error: pip install of ${need[*]} failed (no network? run 'bench/gpu_check.sh --wheelhouse' on a networked machine and bring .whl/)" >&2; exit 2; }
  fi
  for p in "${opt[@]}"; do
    say "optional: installing $p"
    timeout 120 bash -c "$(declare -f pip_install); pip_install '$PY' '$p'" || say "optional $p not installed; tests that need it skip"
  done
fi
"$PY" -c "$TORCH_OK" || { echo "error: torch (with CUDA) no longer imports in $PY" >&2; exit 2; }

# ---- tests --------------------------------------------------------------------------------------------
RESULT=${OUT:-bench/out}
mkdir -p "$RESULT"
say "pytest -m gpu tests/vision"
# --confcutdir keeps the repo-level conftest (Ray, Parquet helpers) out: these tests need only tests/vision
timeout 150 "$PY" -m pytest -m gpu tests/vision --confcutdir=tests/vision -q -p no:cacheprovider -rs 2>&1 | tail -25
TEST_RC=${PIPESTATUS[0]}
say "pytest exit code $TEST_RC"

# ---- throughput ---------------------------------------------------------------------------------------
say "bench/gpu_models.py (BLIP-base captioner, DETR-R50 detector, fp16; loop and Ray Data)"
export TRANSFORMERS_VERBOSITY=error TOKENIZERS_PARALLELISM=false
timeout 330 "$PY" bench/gpu_models.py "${BENCH_ARGS[@]}" --json "$RESULT/gpu_bench.json" 2>&1 | grep -v -E 'Loading weights|Writing model|^\s*$'
BENCH_RC=${PIPESTATUS[0]}
say "bench exit code $BENCH_RC; results in $RESULT/gpu_bench.json"
[[ $TEST_RC -eq 0 && $BENCH_RC -eq 0 ]]
