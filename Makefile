# LSTM, Three Ways. `make book` builds the HTML; `make test` checks everything.
# Both create .venv and install requirements.txt on first use; later runs skip that step.

SHELL := bash
.SHELLFLAGS := -eo pipefail -c

VENV ?= .venv
BIN := $(VENV)/bin
# The set-up step; `make test SETUP=` reuses an existing VENV as it is.
SETUP ?= $(VENV)/.installed
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
# Always a clean build: Sphinx keeps pages whose source has gone, and the browser test opens
# every page in _build/html.
JB_BUILD := rm -rf _build/html _build/.doctrees _build/jupyter_execute && \
  $(BIN)/jupyter-book build . -W -n --keep-going

# Quiet TensorFlow, and make the checkout's own `companion` the one every process imports.
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND := tensorflow
export PYTHONPATH := $(CURDIR)

.PHONY: book test notebooks lint unit nbval build browser-test bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }
	$(BIN)/python -m pip check
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

book: $(SETUP)
	$(JB_BUILD)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: lint unit nbval build

lint: $(SETUP)
	$(BIN)/ruff check .

unit: $(SETUP)
	$(BIN)/python -m pytest tests

nbval: $(SETUP)
	$(BIN)/python -m pytest -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)

build: $(SETUP)
	$(JB_BUILD)

# Build the book, serve it on 127.0.0.1 and open every page in headless Chromium (Debian's
# /usr/bin/chromium, which .ci/run installs): requests, console, MathJax, images, tab sets,
# search. Full-page screenshots go to _build/screenshots/.
browser-test: build
	$(BIN)/python tests/browser/check_book.py _build/html --screenshots _build/screenshots

# Re-execute every notebook in place, in this environment, storing fresh outputs.
notebooks: $(SETUP)
	$(BIN)/python -m tools.notebooks $(NOTEBOOKS)

# Time the three backends on this machine (a few minutes); results in benchmarks/results/.
bench: $(SETUP)
	$(BIN)/python benchmarks/bench.py --out benchmarks/results

clean:
	rm -rf _build
