# Doorloop: every target creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The project's own packages; byte-compiled at install because an editable install
# leaves them as source, and with PYTHONDONTWRITEBYTECODE set every start would compile
# them again (~0.15 s of `doorloop` start-up). compileall skips up-to-date files.
PACKAGES := desktop legal_rules doorloop_protocol central_api coordination
# Every dependency (app, dev and package extras, the build backend) at an exact version
# with hashes, for Python 3.11 on Linux, Windows and macOS. `make lock` after editing
# pyproject.toml; `make upgrade` to move everything to the newest allowed versions.
LOCK := requirements.lock
LOCK_ARGS := pip compile pyproject.toml --extra dev --extra package --universal \
	--python-version 3.11 --generate-hashes --quiet -o $(LOCK)


.PHONY: run test lint bench package clean central i18n lock upgrade system-check

# The locked set with hash checking, then the project itself without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $(STAMP)

run: $(STAMP) system-check
	$(BIN)/python -m compileall -q $(PACKAGES)
	$(BIN)/doorloop $(ARGS)

# One clear line naming a missing system package instead of Qt's abort (Linux).
system-check: $(STAMP)
	$(BIN)/python -m desktop.system_check

central: $(STAMP)
	$(BIN)/python -m compileall -q $(PACKAGES)
	$(BIN)/doorloop-central serve $(ARGS)

# Style, the layer contracts and the type gate (all configured in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m compileall -q $(PACKAGES)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

package: $(STAMP)
	$(BIN)/python packaging/build.py

clean:
	rm -rf build dist .pytest_cache

# Extract, merge and compile the translation catalogue (see desktop/i18n.py).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output -o desktop/locale/doorloop.pot desktop
	test -f desktop/locale/en/LC_MESSAGES/doorloop.po || $(BIN)/pybabel init -i desktop/locale/doorloop.pot -d desktop/locale -D doorloop -l en
	$(BIN)/pybabel update -i desktop/locale/doorloop.pot -d desktop/locale -D doorloop -l en --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d desktop/locale -D doorloop --statistics
	cd central_api/web && ../../$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output -o locale/doorloop_web.pot .
	cd central_api/web && ../../$(BIN)/pybabel update -i locale/doorloop_web.pot -d locale -D doorloop_web -l en --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	cd central_api/web && ../../$(BIN)/pybabel compile -d locale -D doorloop_web --statistics

# Resolve the lock again from pyproject.toml, keeping every pin that still fits.
lock: $(STAMP)
	$(BIN)/uv $(LOCK_ARGS)

# Move every pin to the newest version pyproject.toml allows (review: README).
upgrade: $(STAMP)
	$(BIN)/uv $(LOCK_ARGS) --upgrade
