# The portal's two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app

.PHONY: run test install install-test browser nginx translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

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

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	@echo "Serving the ASCN portal on http://127.0.0.1:$(PORT)"
	$(BIN)/gunicorn --config python:smartcities.gunicorn_config --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - app:app

test: install-test
	$(BIN)/pytest

bench: install-test
	$(BIN)/python bench/overlap_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
