# Two commands: `make run` (the app on 127.0.0.1:8000) and `make test` (the whole suite).
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test venv venv-dev migrate lint bench-analytics clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || "$$(./scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

migrate: venv
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	./scripts/run-local

test: venv-dev
	./scripts/run-tests

lint: venv-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var/test-*

bench-analytics: venv
	./bench/run-analytics
