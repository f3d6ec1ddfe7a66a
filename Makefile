# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format browser clean

demo: browser
	$(BIN)/troubleshooter demo

test: browser
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# A Chromium for Playwright: first Playwright's own download, then (as root with apt)
# Debian's chromium package. Fonts make screenshots readable.
browser: $(STAMP)
	@if $(BIN)/troubleshooter doctor --browser-only >/dev/null 2>&1; then \
		echo "browser: ok"; \
	elif $(BIN)/playwright install chromium; then \
		echo "browser: Playwright's Chromium installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "browser: Playwright's download failed; installing Debian's chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-dejavu-core fonts-liberation >/dev/null; \
	else \
		echo "browser: none found. Run 'playwright install chromium', install Chromium," \
		     "or pass --executable-path / --channel msedge." >&2; exit 1; \
	fi
	@$(BIN)/troubleshooter doctor --browser-only

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
