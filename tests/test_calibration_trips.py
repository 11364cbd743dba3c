"""The observed-trips file: schema, units, sources, places (fixtures built in code)."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from seriana_gis._errors import DataError
from seriana_gis.calibration.trips import (
    TRIP_COLUMNS,
    Place,
    parse_place,
    read_trips,
    trip_places,
    validate_trips,
)
from seriana_gis.config import default_layers_dir

GOOD = {
    "trip_id": "T1",
    "origin": "muni:Albino",
    "destination": "dest:bgy",
    "origin_name": "Albino",
    "destination_name": "airport",
    "time_offpeak_min": "25",
    "time_peak_min": "",
    "distance_km": "19.5",
    "time_bound": "",
    "source_kind": "press",
    "source_title": "A newspaper",
    "source_url": "https://example.org/a",
    "source_date": "2024-05",
    "source_quote": "25 minuti",
    "conversion": "",
    "distance_source_url": "",
    "distance_source_quote": "",
    "note": "",
}


def _frame(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{**GOOD, **r} for r in rows], dtype=str)


def _write(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(TRIP_COLUMNS))
        w.writeheader()
        for r in rows:
            w.writerow({**GOOD, **r})
    return path


def test_a_good_file_reads_typed(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "trips.csv",
        {},
        {
            "trip_id": "T2",
            "origin": "point:9.67,45.69",
            "time_offpeak_min": "",
            "time_peak_min": "12.5",
        },
        {
            "trip_id": "T3",
            "source_kind": "survey",
            "source_url": "",
            "source_date": "",
            "source_quote": "",
        },
    )
    t = read_trips(path)
    assert list(t.index) == ["T1", "T2", "T3"]
    assert t.loc["T1", "time_offpeak_min"] == 25.0
    assert pd.isna(t.loc["T2", "time_offpeak_min"]) and t.loc["T2", "time_peak_min"] == 12.5
    assert t.loc["T1", "distance_km"] == 19.5
    assert t.loc["T2", "origin_place"] == Place("point", (9.67, 45.69))
    assert t.loc["T1", "destination_place"] == Place("dest", "bgy")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"time_offpeak_min": "1500"}, "in seconds"),
        ({"time_offpeak_min": "-3"}, "positive"),
        ({"time_offpeak_min": "abc"}, "not a number"),
        ({"time_offpeak_min": ""}, "no time"),
        ({"distance_km": "19500"}, "in metres"),
        ({"origin": "Albino"}, "not a place reference"),
        ({"origin": "point:45.69"}, "lon,lat"),
        ({"origin": "point:245.6,9.6"}, "out of range"),
        ({"time_bound": "max"}, "time_bound"),
        ({"source_kind": "newspaper"}, "source_kind"),
        ({"source_url": ""}, "source_url"),
        ({"source_date": "May 2024"}, "source_date"),
        ({"source_quote": ""}, "source_quote"),
        ({"source_title": ""}, "source_title"),
        ({"trip_id": ""}, "trip_id is empty"),
        ({"use_in_fit": "maybe"}, "use_in_fit"),
    ],
)
def test_bad_rows_are_named(row: dict[str, str], message: str) -> None:
    with pytest.raises(DataError, match=message):
        validate_trips(_frame(row), source="trips.csv")


def test_duplicates_and_many_problems_in_one_message() -> None:
    frame = _frame({}, {}, {"trip_id": "T9", "time_offpeak_min": "0"})
    with pytest.raises(DataError) as err:
        validate_trips(frame, source="x.csv")
    text = str(err.value)
    assert "T1 appear(s) more than once" in text and "trip T9" in text and text.startswith("x.csv")


def test_missing_columns_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("trip_id,origin\nT1,muni:Albino\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column.*destination"):
        read_trips(path)
    with pytest.raises(DataError, match="not found"):
        read_trips(tmp_path / "absent.csv")
    path.write_bytes(b"trip_id,origin\n\xff\xfe\n")
    with pytest.raises(DataError, match="UTF-8"):
        read_trips(path)


def test_parse_place() -> None:
    assert parse_place("muni:Cazzano Sant'Andrea", where="w") == Place(
        "muni", "Cazzano Sant'Andrea"
    )
    assert parse_place(" dest:a4_seriate ", where="w") == Place("dest", "a4_seriate")
    with pytest.raises(DataError, match="names nothing"):
        parse_place("muni:", where="w")


def test_places_resolve_to_layers() -> None:
    munis = gpd.GeoDataFrame(
        {"name": ["Albino", "Nembro"]},
        geometry=[box(0, 0, 1000, 1000), box(2000, 0, 3000, 1000)],
        crs="EPSG:32632",
    )
    dests = gpd.GeoDataFrame({"id": ["bgy"]}, geometry=[Point(5000, 500)], crs="EPSG:32632")
    trips = validate_trips(_frame({}, {"trip_id": "T2", "origin": "muni:nembro"}))
    places = trip_places(trips, munis, dests)
    assert list(places.index) == ["muni:Albino", "muni:nembro", "dest:bgy"]
    assert (places.loc["muni:Albino", ["anchor_x", "anchor_y"]] == [500.0, 500.0]).all()
    assert places.loc["dest:bgy", "kind"] == "dest"
    bad = validate_trips(_frame({"origin": "muni:Albin"}))
    with pytest.raises(DataError, match="Did you mean 'Albino'"):
        trip_places(bad, munis, dests)
    bad = validate_trips(_frame({"destination": "dest:orio"}))
    with pytest.raises(DataError, match="not in the destinations layer"):
        trip_places(bad, munis, dests)


def test_embedded_reference_trips_are_valid() -> None:
    """The shipped file passes the validator, every row sourced (checked by the reader)."""
    path = default_layers_dir() / "default" / "reference_trips.csv"
    t = read_trips(path)
    assert len(t) >= 1
    published = t[~t["source_kind"].isin(["survey", "floating_car"])]
    assert published["source_url"].str.match(r"^https?://").all()
    assert (published["source_quote"].str.len() > 0).all()
