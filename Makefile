# IPFin: `make run` starts everything on this machine; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint migrate seed bench bench-check lock e2e clean messages messages-check vendor

# Development and CI install the dev lock (production's packages plus the test and lint tools), hash-checked.
$(VENV)/.installed: requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## make run: web + worker + beat, on SQLite and the embedded broker unless DATABASE_URL / REDIS_URL are set.
run: seed
	HOST=$(HOST) PORT=$(PORT) ./scripts/run-all.sh

## make test: the whole suite (PostgreSQL/Redis tests skip unless DATABASE_URL / REDIS_URL point at them).
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

## make bench: every measure of issue 21 beside its baseline, 3 passes, on PostgreSQL (bench/README.md). Generates
## its data once per database (BENCH_SCALE=1 by default; BENCH_DATABASE_URL names the 1x database).
bench: venv
	$(PY) -m bench.run

## make bench-check: a small-scale run (0.02x, 3 passes) that fails when a ratio of any pass exceeds its target by
## more than BENCH_CHECK (1.5x) or a nightly job's query count grows with the data. Results in var/bench-check.json.
bench-check: venv
	mkdir -p var
	BENCH_SCALE=$${BENCH_SCALE:-0.02} BENCH_RUNS=3 BENCH_REPEAT=5 BENCH_SECTIONS=report,ledger,pages,dashboard,jobs,downloads \
	  BENCH_DASHBOARD_SCALES= BENCH_CHECK=$${BENCH_CHECK:-1.5} BENCH_OUT=var/bench-check.json $(PY) -m bench.run

MESSAGE_IGNORES := --ignore=.venv --ignore=var --ignore=node_modules --ignore=tests --ignore=bench

messages: venv
	$(PY) manage.py makemessages -l ko $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages --ignore=.venv

## make messages-check: regenerate the Korean catalogue from the code; fail on any untranslated or fuzzy entry.
messages-check: venv
	$(PY) manage.py makemessages -l ko $(MESSAGE_IGNORES) -v0
	@stats=$$(msgfmt --statistics -o /dev/null locale/ko/LC_MESSAGES/django.po 2>&1); echo "Korean catalogue: $$stats"; \
	  case "$$stats" in *fuzzy*|*untranslated*) echo "translate these (make messages, then edit locale/ko/LC_MESSAGES/django.po)"; exit 1;; esac

## make lock: re-pin requirements.lock (production) and requirements-dev.lock (+ dev tools) with hashes from
## pyproject.toml's ranges. Pins already in the files are kept; delete a line to let that package move.
PIP_COMPILE = /tmp/ipfin-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	rm -rf /tmp/ipfin-lock && $(PYTHON) -m venv /tmp/ipfin-lock
	/tmp/ipfin-lock/bin/pip install --quiet "pip-tools>=7.4"
	$(PIP_COMPILE) --output-file=requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra=dev --constraint=requirements.lock --output-file=requirements-dev.lock pyproject.toml

## make vendor: refresh Bootstrap in static/vendor and axe-core in tests/e2e/vendor from the npm registry
## (package.json pins them; axe-core is only for the browser tests' accessibility check, never served).
vendor:
	npm ci --ignore-scripts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/
	# no source maps are shipped: drop the references so that collectstatic's manifest finds every file
	sed -i 's#//\# sourceMappingURL=.*##' static/vendor/bootstrap/bootstrap.bundle.min.js
	sed -i 's#/\*\# sourceMappingURL=.* \*/##' static/vendor/bootstrap/bootstrap.min.css
	mkdir -p tests/e2e/vendor/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE tests/e2e/vendor/axe-core/

clean:
	rm -rf var/broker var/test-documents .pytest_cache
