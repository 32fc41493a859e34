# pb: two commands do all set-up on a fresh machine (Debian, Python 3.11).
#   make run   -> .venv, install, migrate SQLite in instance/, demo data if empty, serve on 127.0.0.1:$(PORT)
#   make test  -> .venv, install test extras, run the whole suite

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi:app

.PHONY: run test install install-test migrate seed translations translations-extract worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# An editable install leaves pb's modules uncompiled; compiling them here, as pip does for
# a regular install, spares every process start compiling them again where Python may
# not write bytecode (PYTHONDONTWRITEBYTECODE; about 50 ms a `python -m pb.rules` call).
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q pb
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q pb
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# A random SECRET_KEY kept in instance/ so sessions survive restarts of the local server.
instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d pb/translations > /dev/null

migrate: $(VENV)/.installed instance/secret_key
	$(BIN)/flask db upgrade

# Without a worker nothing seals the audit log on the clock: seal what the demo wrote (cron does it in production).
seed: migrate
	$(BIN)/flask pb seed-demo
	$(BIN)/flask pb audit-seal --grace 0

# Plain HTTP on loopback, so the session cookie may not be Secure here; production keeps the default.
run: translations seed
	SESSION_COOKIE_SECURE=0 $(BIN)/flask run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(VENV)/.installed
	$(BIN)/flask pb worker

translations-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o pb/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i pb/translations/messages.pot -d pb/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/fill_english_catalogue.py

clean:
	rm -rf $(VENV) instance/pb.sqlite
