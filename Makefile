# CNN math, hands-on: the course's everyday commands.
#
#   make course      set up .venv (first time only) and open the course in JupyterLab
#   make test        set up .venv with the test tools and run every test (unit, notebooks, browser)
#   make notebooks   re-execute every notebook top to bottom and clean it, in place
#   make bench       run the benchmarks
#   make student     build the student version of the notebooks
#   make assignments build nbgrader assignments of the lessons in build/nbgrader (source/, release/)
#   make clean       remove test artefacts and caches (keeps .venv); `make distclean` removes .venv too
#
# Needs only Python 3.11+ and make; everything else is installed into .venv inside this folder.
# Another interpreter: make course PYTHON=/usr/bin/python3.12
# Extra pytest options:  make test PYTEST_ARGS="-x -k relu"
# The quick part only:   make test PYTEST_ARGS='-m "not browser and not slow"'

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Stamps record which requirements the venv was last installed from, so pip only runs again when a
# requirements file (or pyproject.toml, which lists the package's own dependencies) is newer.
COURSE_STAMP := $(VENV)/.installed-course
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
NOTEBOOK ?= notebooks/00_start_here.ipynb
# The course's JupyterLab extension in labextension/ is installed by requirements.txt; a change to what
# its wheel holds (the committed build, install.json, the Python side) reinstalls it.
LABEXTENSION := $(wildcard labextension/pyproject.toml labextension/install.json \
                  labextension/cnnmath_rise_widgets/*.py \
                  labextension/cnnmath_rise_widgets/labextension/package.json \
                  labextension/cnnmath_rise_widgets/labextension/static/*)

.PHONY: help course test notebooks bench student assignments clean distclean venv

help:
	@sed -n '3,10p' Makefile | sed 's/^# \{0,1\}//'

# The interpreter is checked before anything is created, so an old Python fails with a message that
# says what to do instead of a pip resolver error later on.
$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' not found. The course needs Python 3.11 or newer: install it, or name it:" \
	       "make $(or $(MAKECMDGOALS),course) PYTHON=python3.11"; \
	  exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: the course needs Python 3.11 or newer, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "       Install Python 3.11+ and run again, naming it if it is not 'python3':" \
	       "make $(or $(MAKECMDGOALS),course) PYTHON=python3.11"; \
	  exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version 2>&1)"
	@$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv"; \
	  exit 1; }
	@# An up-to-date pip resolves and builds `-e .` (pyproject only) reliably; a failure here is not
	@# fatal because the pip that venv bundles usually copes.
	@$(PIP) install --quiet --upgrade pip || echo "warning: could not upgrade pip; carrying on with $$($(PIP) --version)"

venv: $(PY)

$(COURSE_STAMP): requirements.txt pyproject.toml $(LABEXTENSION) | $(PY)
	$(PIP) install -r requirements.txt
	@# Build matplotlib's font cache now, so the first lesson's first plot is not a long silent wait.
	$(PY) -c "import matplotlib.pyplot"
	@touch $@

$(TEST_STAMP): requirements.txt requirements-test.txt pyproject.toml $(LABEXTENSION) | $(PY)
	$(PIP) install -r requirements-test.txt
	$(PY) -c "import matplotlib.pyplot"
	@touch $@

# The LabApp options stop JupyterLab from fetching news and update checks, so a classroom without
# internet sees no errors. Until the first notebook exists, the notebooks folder (or the checkout) opens.
# Jupyter refuses to run as root unless told, which is what a container usually is.
course: $(COURSE_STAMP)
	$(VENV)/bin/jupyter lab $(firstword $(wildcard $(NOTEBOOK) notebooks) .) \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

# One pytest run for everything, so its closing line counts every test. Exit code 5 means "no tests
# collected" (for instance before any notebook exists): that is not a failure. git keeps no empty
# folders, so notebooks/ is only passed to pytest when it exists. The fixed hash seed matches
# tools/run_notebooks.py, so nbval's kernels print what the committed run printed.
test: $(TEST_STAMP)
	PYTHONHASHSEED=0 $(PY) -m pytest tests $(wildcard notebooks) --nbval-lax --nbval-current-env $(PYTEST_ARGS); \
	  status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests (exit code 5): counted as success"; exit 0; fi; \
	  exit $$status

notebooks: $(TEST_STAMP)
	$(PY) tools/run_notebooks.py

bench: $(TEST_STAMP)
	$(PY) benchmarks/run.py

student: $(COURSE_STAMP)
	$(PY) tools/make_student_version.py

# nbgrader is one of the test tools (requirements-test.txt), so this target installs those.
assignments: $(TEST_STAMP)
	$(PY) tools/make_assignments.py

# Rebuild the course's JupyterLab extension (labextension/src, TypeScript) the standard way: jlpm
# (JupyterLab's yarn) installs the Node packages pinned in labextension/yarn.lock, tsc compiles and
# jupyter-builder bundles into labextension/cnnmath_rise_widgets/labextension/. Needs Node.js 20+.
# Only whoever changes the extension runs this and commits the result: installing the course never
# runs Node. The next `make course` or `make test` reinstalls the rebuilt extension into .venv.
.PHONY: labextension
labextension: $(COURSE_STAMP)
	@command -v node >/dev/null 2>&1 || { echo "error: make labextension needs Node.js 20 or newer: node not found"; exit 1; }
	cd labextension && export PATH="$(abspath $(VENV))/bin:$$PATH" && jlpm install && jlpm build:prod

clean:
	rm -rf test-artifacts .pytest_cache .hypothesis build dist student *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print \
	  | xargs rm -rf

distclean: clean
	rm -rf $(VENV)

# --- Packaging and hosting checks (see docs/hosting.md) -------------------------------------------------
# uv (a fast pip replacement) locks Binder's environment and builds the scratch venvs of the checks below.
# It goes into .venv beside the course, changing none of the course's packages.
UV_VERSION := 0.13.9
BUILD_VERSION := 1.6.1
UV := $(VENV)/bin/uv
BINDER_PYTHON = $(patsubst python-%,%,$(strip $(shell cat binder/runtime.txt)))
OLDEST_VENV := build/venv-oldest

.PHONY: binder-lock binder-check dist dist-check test-oldest

$(UV): | $(PY)
	$(PIP) install --quiet "uv==$(UV_VERSION)" "build==$(BUILD_VERSION)"

# Binder's environment: everything requirements.txt (and binder/hub.in) needs, every package pinned (==), for Binder's Python
# (binder/runtime.txt) on Linux. The course's own two packages are left out: binder/postBuild installs them,
# so repo2docker can install this file before it copies the repository and reuse that layer on every
# commit. uv keeps the pins already in the file where they still fit; to move them all to the newest
# releases that fit: make binder-lock UV_COMPILE_ARGS=--upgrade
UV_COMPILE_ARGS ?=
binder-lock: $(UV)
	$(UV) pip compile requirements.txt binder/hub.in --python-version $(BINDER_PYTHON) --python-platform x86_64-unknown-linux-gnu \
	  --no-emit-package cnnmath --no-emit-package cnnmath-rise-widgets \
	  --custom-compile-command "make binder-lock" --quiet --output-file binder/requirements.txt $(UV_COMPILE_ARGS)

# Builds Binder's environment as repo2docker does (its base packages, then binder/requirements.txt, then
# binder/postBuild) in a scratch venv; fails on a pip check error or an extension JupyterLab marks incompatible.
binder-check: $(UV)
	$(PY) tools/check_binder_env.py

# cnnmath's sdist and wheel, in dist/.
dist: $(UV)
	rm -rf dist
	$(PY) -m build --outdir dist .

# Builds dist/ and installs the wheel, then the sdist, each into a fresh venv; runs the package tests there.
dist-check: $(UV)
	$(PY) tools/check_dist.py --python $(PYTHON)

# The quick suite (no browser, nothing slow, no nbval over the notebooks) against the oldest versions
# pyproject.toml allows: uv installs the lowest release of each of cnnmath's direct dependencies (and of
# the test tools' pins), the newest of everything they pull in. JupyterLab is not installed there, so the
# tests of Binder's files and of the installed lab extension stay in `make test`.
# Test modules that need a process no earlier test has touched (test_alt_text.py starts its own IPython
# shell and fails if one is left over); under pytest-xdist they run apart, in a pytest of their own.
SERIAL_TESTS := $(wildcard tests/test_alt_text.py)
OLDEST_TEST_TOOLS = $(shell grep -E '^(pytest|pytest-xdist|hypothesis|nbformat|nbclient|ipykernel)~=' requirements-test.txt)
test-oldest: $(UV)
	rm -rf $(OLDEST_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(OLDEST_VENV)
	$(UV) pip install --quiet --python $(OLDEST_VENV)/bin/python --resolution lowest-direct -e . $(OLDEST_TEST_TOOLS)
	$(UV) pip list --python $(OLDEST_VENV)/bin/python 2>/dev/null \
	  | grep -iE '^(numpy|matplotlib|ipywidgets|scikit-learn|scipy|pillow|tqdm|threadpoolctl) '
	PYTHONHASHSEED=0 $(OLDEST_VENV)/bin/python -m pytest tests -p no:cacheprovider -n 2 \
	  -m "not browser and not slow" --ignore=tests/browser --ignore=tests/test_binder_env.py \
	  --ignore=tests/test_labextension.py $(addprefix --ignore=,$(SERIAL_TESTS)) $(PYTEST_ARGS)
	$(if $(SERIAL_TESTS),PYTHONHASHSEED=0 $(OLDEST_VENV)/bin/python -m pytest -p no:cacheprovider \
	  -m "not browser and not slow" $(SERIAL_TESTS) $(PYTEST_ARGS))
