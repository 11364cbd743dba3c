"""``seriana calibrate`` on a small database with trips timed by hand; the profile in use."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyproj
import pytest
from accessibility_samples import X0, Y0, layers, road_graph
from typer.testing import CliRunner

from seriana_gis.calibration.trips import TRIP_COLUMNS
from seriana_gis.cli import app
from seriana_gis.database import provenance_frame, read_provenance, write_database
from seriana_gis.network import graph_to_gdfs
from seriana_gis.network.profile import load_speed_profile

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    L = layers()
    nodes, edges = graph_to_gdfs(road_graph())
    L["road_nodes"], L["road_edges"] = nodes, edges
    prov = provenance_frame(
        [{"layer": n, "source": "test", "feature_count": len(g)} for n, g in L.items()]
    )
    return write_database(L, tmp_path / "t.gpkg", provenance=prov)


def _trips(path: Path, extra: tuple[tuple[str, str, str, float, str], ...] = ()) -> Path:
    """Trips on the sample roads, timed by hand with every speed at half its limit.

    The main road (60 km/h, rural) at 30 km/h: 4 min per 2 km link; the spur (30 km/h,
    urban) at 15 km/h: 12 min for 3 km; a car leaving the spur at N2 gives way (6 s).
    M1's centre is N1 (2 km), M2's N4 (8 km), the station N0, the airport 100 m from N5
    (18 s at 20 km/h), the point N6 the spur's end (4 km, 3 km).
    """
    lon, lat = pyproj.Transformer.from_crs(32632, 4326, always_xy=True).transform(
        X0 + 4000, Y0 + 3000
    )
    n6 = f"point:{lon:.7f},{lat:.7f}"
    rows = [
        ("T1", "muni:M1", "dest:bergamo", 4.0, ""),
        ("T2", "muni:M2", "dest:bergamo", 16.0, ""),
        ("T3", "dest:bgy", "dest:bergamo", 20.0 + 0.3, ""),
        ("T4", "muni:M1", n6, 4.0 + 12.0, ""),
        ("T5", n6, "muni:M1", 12.0 + 0.1 + 4.0, ""),
        *extra,
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(TRIP_COLUMNS))
        w.writeheader()
        for tid, o, d, t, use in rows:
            w.writerow(
                {"trip_id": tid, "origin": o, "destination": d, "time_offpeak_min": t,
                 "source_kind": "survey", "source_title": "made by hand for the test",
                 "use_in_fit": use}
            )  # fmt: skip
    return path


def test_calibrate_writes_a_profile_that_accessibility_uses(db: Path, tmp_path: Path) -> None:
    trips = _trips(tmp_path / "trips.csv")
    out, report = tmp_path / "speeds.yaml", tmp_path / "errors.csv"
    args = ["calibrate", "-d", str(db), "--trips", str(trips), "--out", str(out)]
    result = runner.invoke(app, [*args, "--report", str(report), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "held out" in result.output and "T5" in result.output
    p = load_speed_profile(out)
    assert p.speed_factors["main_rural"] == pytest.approx(0.5, rel=0.02)
    assert p.speed_factors["local_urban"] == pytest.approx(0.5, rel=0.02)
    table = pd.read_csv(report)
    assert table["after_err_pct"].abs().max() < 1.0
    assert p.calibration["trips_sha256"] and p.calibration["observations"] == 5
    # the profile times the roads of a run, and the provenance says so
    acc = [
        "accessibility", "-d", str(db), "--out", str(tmp_path / "acc"), "--speeds", str(out),
        "--time-of-day", "off_peak", "--destinations", "bergamo",
    ]  # fmt: skip
    run = runner.invoke(app, acc)
    assert run.exit_code == 0, run.output
    # another speed profile (and other destinations) make a named run beside the base
    assert "speeds-speeds_to-bergamo" in run.output
    prov = read_provenance(db).set_index("layer")
    note = prov.loc["municipalities__speeds-speeds_to-bergamo", "note"]
    assert f"speed profile {p.name!r}" in note and "time of day off_peak" in note
    muni = pd.read_csv(tmp_path / "acc" / "municipalities.csv")
    # M1 (N1) to the station at 30 km/h: 4 min; M2 (N4): 16 min
    assert muni["car_bergamo_min"].tolist() == pytest.approx([4.0, 16.0], rel=0.02)
    # a second calibration refuses to replace the profile
    again = runner.invoke(app, [*args, "--report", str(report)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_a_trip_not_fitted_is_reported_but_does_not_move_the_fit(db: Path, tmp_path: Path) -> None:
    """T6: M2 -> station timed during roadworks at 48 min (3 x the 16 of T2), use_in_fit no."""
    trips = _trips(tmp_path / "trips.csv", (("T6", "muni:M2", "dest:bergamo", 48.0, "no"),))
    out, report = tmp_path / "speeds.yaml", tmp_path / "errors.csv"
    args = ["calibrate", "-d", str(db), "--trips", str(trips), "--out", str(out)]
    result = runner.invoke(app, [*args, "--report", str(report), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "not fitted: T6" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("T6 "))
    assert "(not fitted: use_in_fit no)" in line
    p = load_speed_profile(out)  # the same fit as without T6: half the limits
    assert p.speed_factors["main_rural"] == pytest.approx(0.5, rel=0.02)
    assert p.speed_factors["local_urban"] == pytest.approx(0.5, rel=0.02)
    assert p.calibration["observations"] == 5 and p.calibration["excluded_trips"] == ["T6"]
    table = pd.read_csv(report).set_index("trip_id")
    assert not table.loc["T6", "fitted"] and table.loc[["T1", "T5"], "fitted"].all()
    # its time is the fitted profile's (16 min, as T2), off by 16 / 48 - 1 = -66.7 %,
    # the same held out (no fit saw it); the recorded errors leave it out
    assert table.loc["T6", "after_min"] == pytest.approx(16.0, rel=0.02)
    assert table.loc["T6", "after_err_pct"] == pytest.approx(-66.7, abs=1.0)
    assert table.loc["T6", "heldout_min"] == table.loc["T6", "after_min"]
    assert p.calibration["max_abs_error_pct"]["after"] < 1.0


def test_every_trip_not_fitted_exits_2(db: Path, tmp_path: Path) -> None:
    trips = _trips(tmp_path / "trips.csv")
    pd.read_csv(trips, dtype=str).assign(use_in_fit="no").to_csv(trips, index=False)
    out, report = str(tmp_path / "s.yaml"), str(tmp_path / "e.csv")
    args = ["calibrate", "-d", str(db), "--trips", str(trips), "--out", out, "--report", report]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "use_in_fit: no" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("trip_id,origin\nT1,muni:M1\n", "missing column"),
        (None, "not found"),
    ],
)
def test_bad_trips_exit_2(db: Path, tmp_path: Path, content: str | None, message: str) -> None:
    trips = tmp_path / "bad.csv"
    if content is not None:
        trips.write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["calibrate", "-d", str(db), "--trips", str(trips), "--out", str(tmp_path / "s.yaml")]
    )
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_unknown_place_exits_2(db: Path, tmp_path: Path) -> None:
    trips = _trips(tmp_path / "trips.csv")
    text = trips.read_text(encoding="utf-8").replace("muni:M2", "muni:M3")
    trips.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app, ["calibrate", "-d", str(db), "--trips", str(trips), "--out", str(tmp_path / "s.yaml")]
    )
    assert result.exit_code == 2 and "'M3' is not in the study area" in result.output
