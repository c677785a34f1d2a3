# The two commands of the README:  make book  (build the site)  and  make test  (run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: book book-teacher test bench figures clean

$(BIN)/dlcourse: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

# The student edition, into _build/html: what may be published for everyone.
book: $(BIN)/dlcourse
	$(BIN)/dlcourse book build student

# The teacher edition, into _build/teacher/html: solutions folded; publish it only where students cannot reach it.
book-teacher: $(BIN)/dlcourse
	$(BIN)/dlcourse book build teacher

test: $(BIN)/dlcourse
	$(BIN)/python -m pytest

bench: $(BIN)/dlcourse
	$(BIN)/dlcourse bench

figures: $(BIN)/dlcourse
	$(BIN)/dlcourse figures

clean:
	rm -rf _build .pytest_cache
