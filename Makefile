# Plain set-up: a virtual environment in .venv, the package installed editable, the data fetched.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test setup data lint jupyter app clean

lab: setup data
	$(BIN)/videorecs-widgets lab

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,browser]"
	touch $(STAMP)

data: setup
	$(BIN)/videorecs-widgets fetch-data

# root (containers) needs --allow-root; JupyterLab refuses to start as root without it
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

jupyter: setup data $(VENV)/.jupyter
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

$(VENV)/.jupyter: pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,jupyter]"
	touch $@

# the app as a web page on 127.0.0.1 (Voila); builds the lab's models first if they are missing
app: setup data
	$(BIN)/videorecs-widgets app

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build .videorecs
