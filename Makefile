# Doorloop: every target creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The project's own packages; byte-compiled at install because an editable install
# leaves them as source, and with PYTHONDONTWRITEBYTECODE set every start would compile
# them again (~0.15 s of `doorloop` start-up). compileall skips up-to-date files.
PACKAGES := desktop legal_rules doorloop_protocol central_api


.PHONY: run test lint bench package clean central i18n

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m compileall -q $(PACKAGES)
	$(BIN)/doorloop $(ARGS)

central: $(STAMP)
	$(BIN)/python -m compileall -q $(PACKAGES)
	$(BIN)/doorloop-central serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m compileall -q $(PACKAGES)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

package: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[package]'
	$(BIN)/python packaging/build.py

clean:
	rm -rf build dist .pytest_cache

# Extract, merge and compile the translation catalogue (see desktop/i18n.py).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output -o desktop/locale/doorloop.pot desktop
	test -f desktop/locale/en/LC_MESSAGES/doorloop.po || $(BIN)/pybabel init -i desktop/locale/doorloop.pot -d desktop/locale -D doorloop -l en
	$(BIN)/pybabel update -i desktop/locale/doorloop.pot -d desktop/locale -D doorloop -l en --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d desktop/locale -D doorloop --statistics
