# LSTM, Three Ways. `make book` builds the HTML; `make test` checks everything.
# Both create .venv and install requirements.txt on first use; later runs skip that step.

SHELL := bash
.SHELLFLAGS := -eo pipefail -c

VENV ?= .venv
BIN := $(VENV)/bin
# The set-up step: create .venv (or a VENV that does not exist yet) and install the pinned
# requirements and this checkout's `companion` into it. An existing VENV other than .venv is
# an environment of your own: it is used as it is, nothing is installed into it and its
# editable `companion` is not repointed (PYTHONPATH below makes this checkout's companion the
# one every process imports). `make test SETUP=` reuses any VENV as it is.
OWN_VENV := $(if $(filter-out $(abspath .venv),$(abspath $(VENV))),$(wildcard $(VENV)/bin/python))
SETUP ?= $(if $(OWN_VENV),own-venv,$(VENV)/.installed)
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
# Both editions, always a clean build (Sphinx keeps pages whose source has gone, and the
# browser test opens every page): English into _build/html, then the Chinese edition, from the
# same sources and the translations in locale/zh_CN, into _build/html/zh_CN.
JB_BUILD := rm -rf _build/html _build/.doctrees _build/jupyter_execute && \
  $(BIN)/jupyter-book build . -W -n --keep-going && \
  $(BIN)/python -m tools.translations build

# Quiet TensorFlow, and make the checkout's own `companion` the one every process imports.
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND := tensorflow
export PYTHONPATH := $(CURDIR)

.PHONY: book test lab notebooks lint translations check-translations unit nbval nbval-portable \
  build browser-test bench clean own-venv

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }
	$(BIN)/python -m pip check
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

own-venv:
	@echo "Using $(VENV) as it is: nothing is installed into it."

book: $(SETUP)
	$(JB_BUILD)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@echo "简体中文版: file://$(CURDIR)/_build/html/zh_CN/index.html"

test: lint check-translations unit nbval build

lint: $(SETUP)
	$(BIN)/ruff check .

# After an English edit: refresh the Chinese edition's catalogues (locale/zh_CN/LC_MESSAGES)
# and list the messages that are new or changed and need translating.
translations: $(SETUP)
	$(BIN)/python -m tools.translations update

# Every message translated, none fuzzy, each translation with its English message's roles,
# inline math and link targets.
check-translations: $(SETUP)
	$(BIN)/python -m tools.translations check

# The unit tests on Keras's default backend, TensorFlow, then the tests that run Keras again on
# JAX and on PyTorch, each backend in a process of its own (Keras takes one per process).
unit: $(SETUP)
	$(BIN)/python -m pytest -n $(WORKERS) tests
	for backend in jax torch; do \
	  KERAS_BACKEND=$$backend $(BIN)/python -m pytest -n $(WORKERS) -m keras -q tests || exit 1; \
	done

# Every notebook re-executed and its outputs compared with the stored ones, $(WORKERS) notebooks
# at a time (each notebook's cells run in order, in one kernel).
WORKERS ?= 2
NBVAL := $(BIN)/python -m pytest -p no:cacheprovider --nbval --nbval-current-env \
  --nbval-sanitize-with tests/nbval_sanitize.cfg -n $(WORKERS) --dist loadfile

nbval: $(SETUP)
	$(NBVAL) $(NOTEBOOKS)

# The same check as on other CPUs: each line changes the numeric kernels that PyTorch (ATen,
# MKL), TensorFlow (oneDNN) and NumPy (OpenBLAS) pick, and the thread counts, so the last
# digits of floats differ as they do on a reader's machine. Stored outputs must not depend on
# them: see "How this book is tested".
OTHER_CPUS := \
  "ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_CORETYPE=Sandybridge" \
  "ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell OMP_NUM_THREADS=1 MKL_NUM_THREADS=1"

export SHOW_KERNELS := import torch; \
  print("PyTorch CPU kernels:", torch.backends.cpu.get_cpu_capability(), "threads:", torch.get_num_threads())

# Each notebook is checked on one of the simulated CPUs, chosen in turn: notebook k of the sorted
# list runs on CPU (k + PORTABLE_TURN) mod 2. The turn is the commit count, so the next commit
# swaps every notebook's CPU and two consecutive commits check every notebook on both.
# `make nbval-portable PORTABLE_TURN=0` then `PORTABLE_TURN=1` checks both on one commit.
PORTABLE_TURN ?= $(shell git rev-list --count HEAD 2>/dev/null || echo 0)

nbval-portable: $(SETUP)
	cpus=($(OTHER_CPUS)); notebooks=($(NOTEBOOKS)); \
	for k in "$${!cpus[@]}"; do \
	  mine=(); \
	  for i in "$${!notebooks[@]}"; do \
	    if (( (i + $(PORTABLE_TURN)) % $${#cpus[@]} == k )); then mine+=("$${notebooks[i]}"); fi; \
	  done; \
	  (( $${#mine[@]} )) || continue; \
	  cpu=$${cpus[k]}; echo "nbval as on another CPU: $$cpu"; echo "notebooks: $${mine[*]}"; \
	  env $$cpu $(BIN)/python -c "$$SHOW_KERNELS" && env $$cpu $(NBVAL) "$${mine[@]}" || exit 1; \
	done

build: $(SETUP)
	$(JB_BUILD)

# Build the book, serve it on 127.0.0.1 and open every page in headless Chromium (Debian's
# /usr/bin/chromium, which .ci/run installs): requests, console, MathJax, images, tab sets,
# search. Full-page screenshots go to _build/screenshots/. Then open a chapter in JupyterLab as
# `make lab` does, run all its cells there, and check that none fails.
browser-test: build
	$(BIN)/python tests/browser/check_book.py _build/html --screenshots _build/screenshots
	$(BIN)/python tests/browser/check_lab.py book/rnn.ipynb --screenshot _build/screenshots/lab.png

# Serve the book's notebooks in JupyterLab, on this environment's kernel (companion included).
# No browser is opened (a server may have none): open the address JupyterLab prints.
lab: $(SETUP)
	@test -x $(BIN)/jupyter || { echo "$(VENV) has no JupyterLab (pip install jupyterlab)"; exit 1; }
	@echo "JupyterLab serves book/: open the http://127.0.0.1:...?token=... address it prints"
	@echo "below in your browser; Ctrl-C stops it."
	$(BIN)/jupyter lab --no-browser --ServerApp.root_dir=book \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

# Re-execute every notebook in place, in this environment, storing fresh outputs.
notebooks: $(SETUP)
	$(BIN)/python -m tools.notebooks $(NOTEBOOKS)

# Time the three backends on this machine (a few minutes); results in benchmarks/results/.
bench: $(SETUP)
	$(BIN)/python benchmarks/bench.py --out benchmarks/results

clean:
	rm -rf _build
