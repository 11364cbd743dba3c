"""The published reference facts of the embedded default: schema, units, sources.

``layers/default/reference_trips.csv`` (observed car trips the road model is
calibrated on) and ``layers/default/teb_service.yaml`` (TEB timetable facts)
are research data: every figure must carry its published source. These tests
check the files as data (columns, vocabularies, units, place references that
resolve, a source on every row); the checks are plain functions so that a test
below shows each one rejects a broken row. The format is documented in
``layers/README.md``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from seriana_gis.config import default_layers_dir, load_study_area

DEFAULT = default_layers_dir() / "default"
TRIPS = DEFAULT / "reference_trips.csv"
SERVICE = DEFAULT / "teb_service.yaml"

COLUMNS = (
    "trip_id",
    "origin",
    "destination",
    "origin_name",
    "destination_name",
    "time_offpeak_min",
    "time_peak_min",
    "distance_km",
    "time_bound",
    "source_kind",
    "source_title",
    "source_url",
    "source_date",
    "source_quote",
    "conversion",
    "distance_source_url",
    "distance_source_quote",
    "note",
    "use_in_fit",
)
SOURCE_KINDS = {
    "press",
    "timetable",
    "official_document",
    "municipal_document",
    "tourism_site",
    "encyclopedia",
    "routing_service",
    "other",
}
BOUNDS = {"", "upper", "lower"}
DATE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|undated)$")
URL = re.compile(r"^https?://\S+$")
#: A generous box around the province of Bergamo (lon, lat): points outside are typos.
BBOX = (9.3, 45.4, 10.3, 46.2)
#: Door-to-door car speeds outside this range mean a unit error (km/h).
SPEED_RANGE_KPH = (5.0, 110.0)
PERIODS = {
    "all",
    "weekday",
    "weekday_peak",
    "weekday_offpeak",
    "weekday_evening",
    "saturday_morning",
    "saturday_afternoon",
    "sunday",
}


def _places() -> tuple[set[str], set[str]]:
    area = load_study_area()
    munis = {m.name for m in area.municipalities}
    dests = json.loads((DEFAULT / "destinations.geojson").read_text(encoding="utf-8"))
    return munis, {f["properties"]["id"] for f in dests["features"]}


def place_problem(ref: str, munis: set[str], dests: set[str]) -> str | None:
    """Why a place reference does not resolve, or None."""
    kind, _, value = ref.partition(":")
    if kind == "muni":
        return None if value in munis else f"unknown municipality {value!r}"
    if kind == "dest":
        return None if value in dests else f"unknown destination {value!r}"
    if kind == "point":
        try:
            lon, lat = (float(v) for v in value.split(","))
        except ValueError:
            return f"point {value!r} is not 'lon,lat'"
        inside = BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]
        return None if inside else f"point {value!r} outside the Bergamo area"
    return f"{ref!r} is not muni:/dest:/point:"


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def row_problems(row: dict[str, str], munis: set[str], dests: set[str]) -> list[str]:
    """Everything wrong with one trip row (empty when the row is valid)."""
    out = []
    for col in ("origin", "destination"):
        problem = place_problem(row[col], munis, dests)
        if problem:
            out.append(f"{col}: {problem}")
    if row["origin"] == row["destination"]:
        out.append("origin equals destination")
    try:
        off, peak, dist = (
            _number(row[c]) for c in ("time_offpeak_min", "time_peak_min", "distance_km")
        )
    except ValueError as exc:
        return [*out, f"not a number: {exc}"]
    if off is None and peak is None:
        out.append("no time (time_offpeak_min or time_peak_min)")
    for name, value, high in (
        ("time", off, 300),
        ("peak time", peak, 300),
        ("distance", dist, 200),
    ):
        if value is not None and not 0 < value < high:
            out.append(f"{name} {value} outside (0, {high})")
    if dist is not None:
        for minutes in (m for m in (off, peak) if m):
            speed = dist / (minutes / 60.0)
            if not SPEED_RANGE_KPH[0] <= speed <= SPEED_RANGE_KPH[1]:
                out.append(f"implied speed {speed:.0f} km/h: a unit error?")
    if row["time_bound"] not in BOUNDS:
        out.append(f"time_bound {row['time_bound']!r} not in {sorted(BOUNDS)}")
    if row["source_kind"] not in SOURCE_KINDS:
        out.append(f"source_kind {row['source_kind']!r} not in the vocabulary")
    if not URL.match(row["source_url"]):
        out.append("source_url is not an http(s) address")
    if not DATE.match(row["source_date"]):
        out.append(f"source_date {row['source_date']!r} is not YYYY[-MM[-DD]] or 'undated'")
    for col in ("source_title", "source_quote", "origin_name", "destination_name"):
        if not row[col].strip():
            out.append(f"{col} is empty")
    if row["distance_source_url"] and dist is None:
        out.append("distance_source_url without distance_km")
    if row["distance_source_url"] and not row["distance_source_quote"].strip():
        out.append("distance_source_url without distance_source_quote")
    return out


def _read_trips() -> tuple[list[str], list[dict[str, str]]]:
    with TRIPS.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_trips_columns_and_ids() -> None:
    header, rows = _read_trips()
    assert tuple(header) == COLUMNS
    ids = [r["trip_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate trip_id"
    assert all(re.fullmatch(r"RT\d{3}", i) for i in ids)


def test_every_trip_is_valid_and_sourced() -> None:
    munis, dests = _places()
    _, rows = _read_trips()
    problems = {r["trip_id"]: row_problems(r, munis, dests) for r in rows}
    assert {k: v for k, v in problems.items() if v} == {}


def test_trips_cover_every_zone() -> None:
    area = load_study_area()
    zone_of = {m.name: m.zone for m in area.municipalities}
    _, rows = _read_trips()
    zones = {
        zone_of[ref.removeprefix("muni:")]
        for r in rows
        for ref in (r["origin"], r["destination"])
        if ref.startswith("muni:")
    }
    assert {"lower_valley", "upper_valley", "bergamo_area"} <= zones


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"origin": "muni:Clusonne"}, "unknown municipality"),
        ({"destination": "dest:airport"}, "unknown destination"),
        ({"origin": "point:45.7,9.7"}, "outside the Bergamo area"),
        ({"time_offpeak_min": "", "time_peak_min": ""}, "no time"),
        ({"time_offpeak_min": "0.45"}, "implied speed"),
        ({"source_kind": "blog"}, "source_kind"),
        ({"source_url": "ecodibergamo.it/x"}, "source_url"),
        ({"source_date": "17/03/2020"}, "source_date"),
        ({"source_quote": " "}, "source_quote is empty"),
        ({"time_bound": "max"}, "time_bound"),
        ({"distance_km": "", "distance_source_url": "https://x.it"}, "without distance_km"),
    ],
)
def test_row_check_rejects_a_broken_row(change: dict[str, str], expected: str) -> None:
    good = {
        "trip_id": "RT999",
        "origin": "muni:Clusone",
        "destination": "muni:Bergamo",
        "origin_name": "Clusone",
        "destination_name": "Bergamo",
        "time_offpeak_min": "45",
        "time_peak_min": "",
        "distance_km": "37",
        "time_bound": "",
        "source_kind": "press",
        "source_title": "t",
        "source_url": "https://www.ecodibergamo.it/x",
        "source_date": "2020-03-17",
        "source_quote": "circa 45 minuti",
        "conversion": "",
        "distance_source_url": "",
        "distance_source_quote": "",
        "note": "",
    }
    munis, dests = {"Clusone", "Bergamo"}, {"bgy"}
    assert row_problems(good, munis, dests) == []
    problems = row_problems({**good, **change}, munis, dests)
    assert any(expected in p for p in problems), problems


def fact_problems(fact: dict[str, Any]) -> list[str]:
    """Everything wrong with one TEB service fact."""
    out = [f"missing {k}" for k in ("key", "value", "unit", "status", "source") if k not in fact]
    if fact.get("status") not in {"in_service", "planned"}:
        out.append(f"status {fact.get('status')!r}")
    if "period" in fact and fact["period"] not in PERIODS:
        out.append(f"period {fact['period']!r}")
    value = fact.get("value")
    numbers = value if isinstance(value, list) else [value]
    if fact.get("unit") != "time" and not all(
        isinstance(v, int | float) and v > 0 for v in numbers
    ):
        out.append(f"value {value!r} is not a positive number or [low, high]")
    src = fact.get("source") or {}
    if src.get("kind") not in SOURCE_KINDS:
        out.append(f"source kind {src.get('kind')!r}")
    if not URL.match(str(src.get("url", ""))):
        out.append("source url")
    if not DATE.match(str(src.get("date", ""))):
        out.append(f"source date {src.get('date')!r}")
    for k in ("title", "quote"):
        if not str(src.get(k, "")).strip():
            out.append(f"source {k} empty")
    return out


def test_teb_service_facts_are_sourced() -> None:
    data = yaml.safe_load(SERVICE.read_text(encoding="utf-8"))
    assert data["line"] == "T1"
    problems = {f"{i}:{f.get('key')}": fact_problems(f) for i, f in enumerate(data["facts"])}
    assert {k: v for k, v in problems.items() if v} == {}
    used = {(f["key"], f.get("period")) for f in data["facts"] if f.get("used_by_model")}
    # one end-to-end time and the peak and off-peak headways feed the tram model
    assert {("end_to_end_min", "weekday_offpeak"), ("headway_min", "weekday_peak")} <= used
    assert ("headway_min", "weekday_offpeak") in used
    assert all(f["status"] == "in_service" for f in data["facts"] if f.get("used_by_model"))


def test_fact_check_rejects_a_broken_fact() -> None:
    good: dict[str, Any] = {
        "key": "headway_min",
        "value": 15,
        "unit": "min",
        "period": "weekday_offpeak",
        "status": "in_service",
        "source": {
            "kind": "press",
            "title": "t",
            "url": "https://x.it",
            "date": "2023-06-06",
            "quote": "ogni 15 minuti",
        },
    }
    assert fact_problems(good) == []
    assert fact_problems({**good, "value": -15})
    assert fact_problems({**good, "period": "rush"})
    assert fact_problems({**good, "source": {**good["source"], "quote": ""}})
    assert fact_problems({k: v for k, v in good.items() if k != "source"})


def test_data_files_are_documented() -> None:
    readme = (Path(DEFAULT).parent / "README.md").read_text(encoding="utf-8")
    for name in ("reference_trips.csv", "teb_service.yaml"):
        assert f"`default/{name}`" in readme
