# The two commands of the README:
#   make site    install newsreel into .venv and build the example blog into site/
#   make serve   the same, then preview it with live reload on http://127.0.0.1:8000/
#   make test    install newsreel, its test tools and Chromium/nginx, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVE_ARGS ?=
PYTEST_ARGS ?= --durations=20  # (the slowest tests, listed at the end: CI must stay under 20 minutes)

.PHONY: site serve test install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# An editable install leaves newsreel's own modules uncompiled: where PYTHONDONTWRITEBYTECODE
# is set (as in many containers), every command would compile them again (0.1 s of each build).
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	$(BIN)/python -m compileall -q newsreel

site: install
	$(BIN)/newsreel build

serve: install
	$(BIN)/newsreel serve $(SERVE_ARGS)

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m compileall -q newsreel
	scripts/install-test-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)
