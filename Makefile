# The two commands of the README's Quick start, plus helpers. Each target creates the
# virtual environment .venv from nothing (only Python 3 and pip are needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo tour test lint docs notebooks bench bench-gpu compare clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

## demo: the main job: generate spins (L = 16, 32, 64; 26 temperatures), train one-neuron
##       autoencoders, print T_c (one size and finite-size scaling) against Onsager, draw Fig. 14
demo: $(STAMP)
	$(BIN)/isingml pipeline --out-dir demo

## tour: a short simulation at T_c next to the exact values, and the Hopfield Fig. 2 example
tour: $(STAMP)
	$(BIN)/isingml simulate --size 32 --temperature 2.269 --sweeps 20000 --thermalize 2000 --algorithm wolff --seed 1
	$(BIN)/isingml simulate --size 64 --temperature 2.0 --sweeps 20000 --thermalize 2000 --seed 1
	$(BIN)/isingml hopfield demo --out hopfield_demo.png

## test: lint, format check, the documentation site, and the whole test suite (slow
##       statistical tests included); the site's build runs every notebook with small
##       parameters and fails as tests/test_notebooks.py would, so pytest leaves that one
##       test to it, and checks the site just built (tests/test_docs.py)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sphinx-build -E -W --keep-going -q -j auto -b html docs build/docs
	$(BIN)/python -m pytest -q --deselect tests/test_notebooks.py::test_notebook_runs_top_to_bottom

## docs: the documentation site in build/docs (Sphinx; any warning fails it): the user guide,
##       the API reference and the notebooks, executed with small parameters while it builds
docs: $(STAMP)
	$(BIN)/sphinx-build -E -W --keep-going -q -j auto -b html docs build/docs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## notebooks: run the analysis notebooks with full parameters; executed copies and HTML
##            pages in build/notebooks (the test suite runs them with small ones)
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	$(BIN)/python notebooks/execute.py --out build/notebooks

## bench: the pytest-benchmark suites
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only -q --ignore=benchmarks/bench_gpu.py

## bench-gpu: the GPU kernels against the CPU and PyTorch on the GPU (needs a GPU)
bench-gpu: $(STAMP)
	$(BIN)/python benchmarks/bench_gpu.py

## compare: side by side with the peers (installs the optional peer packages first)
compare: $(STAMP)
	-$(BIN)/python -m pip install --quiet isingenerator ising-rs hopfieldkit hopfieldnetwork torch
	$(BIN)/python benchmarks/compare.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .benchmarks build *.egg-info demo
