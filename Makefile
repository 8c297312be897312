# Two commands: `make run` (the app on 127.0.0.1:8000) and `make test` (the whole suite).
# `make run PORT=8080 HOST=0.0.0.0`: any address and port (HOST is added to ALLOWED_HOSTS).
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local
export HOST ?= 127.0.0.1
export PORT ?= 8000
URL_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
# Invitation links point here (docs/teams.md); set it to the public address behind a proxy.
export PUBLIC_BASE_URL ?= http://$(URL_HOST):$(PORT)

.PHONY: run test venv venv-dev migrate lint bench-analytics bench-live clean

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
	$(PY) manage.py seed_demo --base-url http://$(URL_HOST):$(PORT)
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

# 50 watchers of one creator, messages from the worker and the web: SQLite, then PostgreSQL.
bench-live: venv
	$(PY) bench/live.py --stream-seconds 8
	./scripts/pg-throwaway $(PY) bench/live.py --db postgres --stream-seconds 8
