# The two commands of the README:  make book  (build the site)  and  make test  (run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: book test bench clean

$(BIN)/dlcourse: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

book: $(BIN)/dlcourse
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(BIN)/dlcourse
	$(BIN)/python -m pytest

bench: $(BIN)/dlcourse
	$(BIN)/dlcourse bench

clean:
	rm -rf _build .pytest_cache
