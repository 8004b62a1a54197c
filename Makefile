# ReviewDesk (审核台) — everything a newcomer needs: `make run`, `make test`.
#
#   make run     set up, then start the desktop program
#   make test    set up, then lint, then run the test suite (Qt offscreen)
#   make lint    ruff and mypy (strict for policy/ and models/; settings in pyproject.toml)
#   make dist    set up, then build dist/ReviewDesk/ with PyInstaller
#   make bench   run the benchmarks (figures only, never fails the build)
#   make fuzz    the property-based intake tests with many more examples
#   make bench-large  a 1,000,000-row CSV through `assess`: time and peak memory
#   make clean   remove build output (keeps .venv; `make distclean` drops it too)
#
# Setup = Debian packages (installed when run as root, listed otherwise; see
# scripts/system-deps.sh) + a virtualenv in .venv with the dependencies of
# pyproject.toml (project and dev extras). A stamp makes re-runs fast.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.stamp
# Prefer python3.11; any python3 >= 3.11 will do.
PYTHON  ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
DIST_EXE := dist/ReviewDesk/ReviewDesk
DIST_CLI := dist/ReviewDesk/reviewdesk-cli

.PHONY: run test lint dist bench bench-large fuzz clean distclean setup system-deps screenshots

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "make: no python3 found; install Python 3.11 or newer" >&2; exit 1; fi
	@"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "make: $(PYTHON) is Python $$("$(PYTHON)" -c 'import platform; print(platform.python_version())'); ReviewDesk needs Python 3.11 or newer." >&2; \
	  echo "make: install python3.11 or run: make PYTHON=/path/to/python3.11" >&2; exit 1; }
	"$(PYTHON)" -m venv $(VENV)

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install --upgrade pip
	$(VPY) scripts/requirements.py pyproject.toml dev > $(VENV)/requirements.txt
	$(VPY) -m pip install -r $(VENV)/requirements.txt
	@touch $@

# `make run` opens the demo workspace, creating it first when it is missing.
DEMO_WORKSPACE ?= demo-workspace

run: setup
	@[ -f "$(DEMO_WORKSPACE)/reviewdesk.db" ] || $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" demo
	$(VPY) main.py --workspace "$(DEMO_WORKSPACE)"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest

dist: setup
	$(VPY) -m PyInstaller --noconfirm --clean --log-level WARN build.spec
	@echo "bundle:     $$(du -sh dist/ReviewDesk | cut -f1)  dist/ReviewDesk/"
	@echo "executable: $$(du -h $(DIST_EXE) | cut -f1)  $(DIST_EXE)"
	@echo "sha256:     $$(sha256sum $(DIST_EXE) | cut -d' ' -f1)  $(DIST_EXE)"
	@echo "sha256:     $$(sha256sum $(DIST_CLI) | cut -d' ' -f1)  $(DIST_CLI)"
	@echo "sha256 of the whole folder (sorted file list): $$(cd dist/ReviewDesk && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"

bench: setup
	@[ -x $(DIST_EXE) ] || $(MAKE) dist
	$(VPY) -m bench

# The intake properties of tests/models/intake/test_properties.py with thousands of examples, and the hostile files.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -q tests/models/intake/test_properties.py tests/cli/test_hostile_inputs.py

# A 1,000,000-row CSV imported into a throwaway workspace: seconds and peak memory (goal: ≤ 72 s, ≤ 2 GB).
bench-large: setup
	$(VPY) -m bench.large

# The main views of the demo workspace, as the README shows them.
screenshots: setup
	@[ -f "$(DEMO_WORKSPACE)/reviewdesk.db" ] || $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" demo
	@mkdir -p docs/screenshots
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/queue.png --view queue
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/review.png --view review --select LC2024-0001
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/policy.png --view policy
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/stats.png --view stats
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/lead-queue.png --view queue --as-reviewer 科长丙
	QT_QPA_PLATFORM=offscreen $(VPY) main.py --workspace "$(DEMO_WORKSPACE)" --screenshot docs/screenshots/review-draft.png --view review --as-reviewer 审核员乙 \
		--draft "设备购置发票与清单金额一致，拟同意初审意见；备案文件待核原件。"

clean:
	rm -rf build dist .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
