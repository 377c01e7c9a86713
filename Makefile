# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   trains the MNIST MLP with and without BatchNorm and writes the figure
#   make test   runs the test suite
# Another Python: make demo PYTHON=python3.12 (the README gives the commands without make).
PYTHON ?= python3
# The course's matrices are small: one BLAS thread is faster than two (0.55 against 0.82 ms
# per MNIST step on a 2-core machine) and steadier when the machine is busy.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test gradcheck bench clean-notebooks clean FORCE

# "3.12 True": a Python's version and whether minigrad runs on it; nothing if it does not start
version_of = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2], sys.version_info >= (3, 11))' 2>/dev/null)
WANTED := $(call version_of,$(PYTHON))
FOUND := $(call version_of,$(PY))
# .venv is made again when it is missing or broken, holds a Python too old, or holds another
# version than the PYTHON=... given on the command line (or in the environment)
ifneq ($(lastword $(FOUND)),True)
  REBUILD := yes
else ifneq ($(origin PYTHON),file)
  ifneq ($(FOUND),$(WANTED))
    REBUILD := yes
  endif
endif
ifdef REBUILD
$(STAMP): FORCE
endif

# The interpreter is checked before anything is installed.
$(STAMP): requirements.txt pyproject.toml
	@if [ "$(lastword $(WANTED))" != True ]; then \
	  echo "minigrad needs Python 3.11 or newer, and '$(PYTHON)' is $(or $(firstword $(WANTED)),not a Python that runs here)."; \
	  echo "Name one that is, e.g. make demo PYTHON=python3.12 (or python3.11, python3.13)."; \
	  exit 1; fi
	$(if $(and $(REBUILD),$(wildcard $(VENV))),@echo "making $(VENV) again with $(PYTHON) (Python $(firstword $(WANTED))): it held Python $(or $(firstword $(FOUND)),that no longer starts)")
	$(if $(REBUILD),rm -rf $(VENV))
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m minigrad demo

test: $(STAMP)
	$(PY) -m pytest -q

gradcheck: $(STAMP)
	$(PY) -m minigrad gradcheck

bench: $(STAMP)
	$(PY) benchmarks/bench.py

clean-notebooks: $(STAMP)
	$(PY) -m jupyter nbconvert --clear-output --inplace lessons/*.ipynb

FORCE:

clean:
	rm -rf $(VENV) .venv-lowest out .pytest_cache
