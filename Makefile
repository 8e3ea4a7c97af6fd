# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
UV_VERSION ?= 0.13.9
VENV := .venv
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
# Bytecode written at install: a process starts without compiling every module it imports
# (which it would do on each start where PYTHONDONTWRITEBYTECODE is set).
export UV_COMPILE_BYTECODE := 1

.PHONY: run test test-fast lint format translations extract-messages install lock clean bench

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed translations
	$(VENV)/bin/python -m compileall -q -j 0 config service workers

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy --statistics -d service/translations

extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o service/translations/messages.pot .
	$(VENV)/bin/pybabel update -i service/translations/messages.pot -d service/translations --no-fuzzy-matching

run: install
	$(VENV)/bin/referral init --demo
	$(VENV)/bin/referral run

test: install
	$(VENV)/bin/pytest --cov --cov-report=term --cov-fail-under=$${REFERRAL_COVERAGE_MIN:-90} $(PYTEST_ARGS)

test-fast: install
	$(VENV)/bin/pytest -x -q tests/unit $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: $(UV)
	$(UV) lock --python $(PYTHON)

clean:
	rm -rf $(VENV) .tools .pytest_cache .coverage .coverage.* htmlcov

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "wrk is not installed: falling back to the Python load generator"
	$(VENV)/bin/python -m bench.run
