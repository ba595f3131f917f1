# The portal's two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app

.PHONY: run test install install-test browser nginx translations bench clean lock basemap

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Dependencies come from the lock files, every file checked against its hash, so every install is the same;
# the package itself is installed on top without resolving anything. Re-install only when a lock changes.
$(VENV)/.installed: pyproject.toml requirements/app.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/app.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

# After changing the dependencies in pyproject.toml: pin them again, with hashes, from PyPI.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --index-url https://pypi.org/simple \
		--no-header -q -o requirements/app.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
		--index-url https://pypi.org/simple --no-header -q -o requirements/test.lock

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations browser nginx

translations:
	@if ls smartcities/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d smartcities/translations; fi

# Extract interface text into messages.pot and merge it into every catalogue; translate, then `make translations`.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l --sort-by-file \
		--project=smartcities -o smartcities/translations/messages.pot smartcities templates
	$(BIN)/pybabel -q update -i smartcities/translations/messages.pot -d smartcities/translations --ignore-obsolete

# Browser tests drive Debian's Chromium with Playwright, and inject axe-core from npm.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@if [ -f tests/browser/package.json ] && [ ! -d tests/browser/node_modules ]; then \
		cd tests/browser && npm ci --silent --no-audit --no-fund; fi

# The proxy tests run the shipped nginx site (deploy/nginx/) in front of the app: Debian's nginx, and openssl
# for their throwaway TLS certificate.
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || { \
		echo "Installing Debian's nginx for the proxy tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl >/dev/null; }

# The offline basemap (static/basemap/): Natural Earth's 1:10m countries from the world-atlas npm package,
# clipped to Southeast Asia and simplified (smartcities/geo/basemap.py). The result is committed.
WORLD_ATLAS := world-atlas@2.0.2
basemap: $(VENV)/.installed
	@work=$$(mktemp -d) && (cd $$work && npm pack $(WORLD_ATLAS) --silent >/dev/null && tar xzf world-atlas-*.tgz) && \
	$(BIN)/python -m smartcities.geo.basemap $$work/package/countries-10m.json static/basemap/southeast-asia.geojson && \
	cp $$work/package/LICENSE static/basemap/world-atlas-LICENSE && rm -rf $$work

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	@echo "Serving the ASCN portal on http://127.0.0.1:$(PORT), with the worker that sends e-mail and webhooks"
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config python:smartcities.gunicorn_config --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - app:app

# Lint (ruff) and a security scan that fails on any high-severity finding (bandit) come before the tests.
test: install-test
	$(BIN)/ruff check
	$(BIN)/bandit --quiet --recursive smartcities --severity-level high
	$(BIN)/pytest

bench: install-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/overlap_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
