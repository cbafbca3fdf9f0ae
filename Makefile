# Hotline. `make demo` and `make test` work on a machine with only Python 3.11+ and make:
# uv comes from PyPI into .tools/ when it is not installed, and never downloads a Python.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: help demo sms-demo call-demo test test-fast lint fmt setup serve worker bench messages clean

help:
	@echo "make demo   set up, load demo data, serve http://127.0.0.1:8000 with the task worker"
	@echo "make test   run the test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make sms-demo  text the running demo's line 233733 (HELP, then a crisis text)"
	@echo "make call-demo call the running demo's phone line (the screen pop, abandoned calls)"
	@echo "make lint   ruff, ruff format --check, import contracts, mypy, makemigrations --check"
	@echo "make bench  run the benchmarks in bench/"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

setup: .venv/.synced
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) createcachetable

demo: setup
	DEBUG=1 $(MANAGE) demo_setup
	DEBUG=1 $(MANAGE) load_library_seed
	DEBUG=1 $(MANAGE) demo_contacts
	DEBUG=1 $(MANAGE) directory_demo
	DEBUG=1 $(MANAGE) cases_demo
	DEBUG=1 $(MANAGE) sms_demo --setup
	DEBUG=1 $(MANAGE) call_demo --setup
	@echo "Serving http://127.0.0.1:8000 (staff sign-in: /accounts/sign-in/). Ctrl-C stops."
	@echo "Text the demo line from another terminal: make sms-demo (or .venv/bin/python manage.py sms_demo)."
	@echo "Call the demo phone line: make call-demo; its calls pop up at /console/calls/."
	@# The worker and the demo's Twilio stand-in end with the server, also when the server
	@# cannot start (port 8000 taken).
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	DEBUG=1 $(MANAGE) worker & \
	DEBUG=1 $(MANAGE) sms_gateway & \
	DEBUG=1 $(MANAGE) runserver --noreload 127.0.0.1:8000

sms-demo: .venv/.synced
	DEBUG=1 $(MANAGE) sms_demo

call-demo: .venv/.synced
	DEBUG=1 $(MANAGE) call_demo

serve: setup
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

worker: setup
	DEBUG=1 $(MANAGE) worker

test: .venv/.synced
	DEBUG=1 $(PY) -m pytest -n auto $(ARGS)

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-logo
	DEBUG=1 .venv/bin/mypy .
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

fmt: .venv/.synced
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: setup
	@for script in bench/*.py; do DEBUG=1 $(PY) $$script || exit 1; done

# Needs GNU gettext (msgfmt); the compiled .mo files are committed so installs need neither.
messages: .venv/.synced
	DEBUG=1 $(MANAGE) makemessages -l es --ignore='.venv/*' --ignore='.tools/*'
	DEBUG=1 $(MANAGE) compilemessages --ignore='.venv/*' --ignore='.tools/*'

clean:
	rm -rf .venv .tools staticfiles
