"""The README's promise, one bad input at a time: one clear message, exit code 2.

For every class of bad input (CRS, GTFS, YAML, profiles and allocation, layers,
databases), through the real command line: the exit code is 2, the output
holds one error saying what is wrong, where and how to fix it, there is no
traceback, the inputs are byte for byte as they were and nothing is written.
Overpass faults are in ``test_overpass.py``, interruptions in ``test_interrupts.py``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from accessibility_samples import NEAR_PROFILE, near_analyses, sample_database
from test_gtfs import feed_files, write_zip
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.database import read_layer

runner = CliRunner()
# the small test areas leave most of the embedded sites outside: warned, not refused
pytestmark = pytest.mark.filterwarnings("ignore::seriana_gis._errors.DataWarning")

#: Two points in Gorle and Seriate (lon, lat), for a small brownfields file.
SITES_LONLAT = [(9.7130, 45.6985), (9.7250, 45.6850)]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _expect_exit_2(args: list[str], folder: Path, *expected: str) -> None:
    before = _snapshot(folder)
    result = runner.invoke(app, args)
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert out.count("error:") == 1, out
    for text in expected:
        assert text in out, f"{text!r} not in {out!r}"
    assert _snapshot(folder) == before  # inputs untouched, nothing written


# --- the study area and its sources (seriana build) -------------------------


def _config(tmp_path: Path, **extra: object) -> Path:
    raw: dict[str, object] = {"name": "x", "province": "BG",
                              "zones": {"z": {"municipalities": ["Gorle", "Seriate"]}}}  # fmt: skip
    raw.update(extra)
    cfg = tmp_path / "area.yaml"
    cfg.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return cfg


def _sites_csv(tmp_path: Path, *, utm: bool) -> Path:
    pts = gpd.GeoSeries.from_xy(*zip(*SITES_LONLAT, strict=True), crs="EPSG:4326")
    if utm:
        pts = pts.to_crs("EPSG:32632")
    rows = ["id,name,municipality,former_use,area_m2,status,x,y"]
    for i, p in enumerate(pts):
        rows.append(f"B{i},Site {i},Gorle,textile,{1000 * (i + 1)},dismissed,{p.x},{p.y}")
    path = tmp_path / "sites.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _build(tmp_path: Path, cfg: Path) -> list[str]:
    return ["build", "--config", str(cfg), "--database", str(tmp_path / "out" / "x.gpkg"),
            "--maps", str(tmp_path / "out" / "maps"), "--cache", str(tmp_path / "cache")]  # fmt: skip


def _brownfields_file(tmp_path: Path, *, utm: bool, crs: str, **more: str) -> Path:
    csv = _sites_csv(tmp_path, utm=utm)
    spec = {"kind": "file", "path": csv.name, "x": "x", "y": "y", "crs": crs, **more}
    return _config(tmp_path, sources={"brownfields": spec})


BUILD_CASES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "geographic analysis CRS": (
        lambda t: _config(t, crs="EPSG:4326"),
        ("area.yaml, crs: EPSG:4326", "is geographic (degrees)", "EPSG:32632"),
    ),
    "unknown analysis CRS": (
        lambda t: _config(t, crs="EPSG:99999"),
        ("'EPSG:99999' is not a coordinate reference system PROJ knows",),
    ),
    "unknown declared CRS": (
        lambda t: _brownfields_file(t, utm=False, crs="EPSG:4327x"),
        ("brownfields.crs", "'EPSG:4327x' is not a coordinate reference system"),
    ),
    "lon/lat declared as UTM": (
        lambda t: _brownfields_file(t, utm=False, crs="EPSG:32632"),
        (
            "sites.csv",
            "do not fit the CRS it declares, EPSG:32632",
            "They fit EPSG:4326",
            "Declare 'crs: EPSG:4326'",
        ),
    ),
    "UTM declared as lon/lat": (
        lambda t: _brownfields_file(t, utm=True, crs="EPSG:4326"),
        ("are not longitudes and latitudes", "They fit EPSG:32632"),
    ),
    "YAML yes where a name is expected": (
        lambda t: _config(t, zones={"z": {"municipalities": ["Gorle", "yes"]}}),
        ("unknown municipality name 'yes'",),
    ),
    "missing column-mapping file": (
        lambda t: _brownfields_file(t, utm=False, crs="EPSG:4326", mapping="nope.yaml"),
        ("column-mapping file", "nope.yaml not found", "correct 'mapping:'"),
    ),
}


@pytest.mark.parametrize("case", list(BUILD_CASES))
def test_build_bad_input(case: str, tmp_path: Path) -> None:
    make, expected = BUILD_CASES[case]
    cfg = make(tmp_path)
    _expect_exit_2(_build(tmp_path, cfg), tmp_path, *expected)
    assert not (tmp_path / "out").exists()


def test_yaml_yes_stays_a_string(tmp_path: Path) -> None:
    """``yes`` in the YAML text (not quoted) is the name 'yes', not True."""
    cfg = tmp_path / "area.yaml"
    cfg.write_text("name: x\nprovince: BG\nzones:\n  z:\n    municipalities: [Gorle, yes]\n")
    _expect_exit_2(_build(tmp_path, cfg), tmp_path, "unknown municipality name 'yes'")


def test_non_utf8_yaml(tmp_path: Path) -> None:
    cfg = tmp_path / "area.yaml"
    text = "name: x\ntitle: Comunità montana\nzones:\n  z:\n    municipalities: [Gorle]\n"
    cfg.write_bytes(text.encode("cp1252"))
    _expect_exit_2(_build(tmp_path, cfg), tmp_path, "area.yaml is not UTF-8 text",
                   "byte 0xe0 on line 2", "Save it again as UTF-8")  # fmt: skip


# --- the census of dismissed areas (numbers, areas, statuses; sources.census) ---

CENSUS_MAPPING = (
    "columns: {id: id, name: name, municipality: municipality, former_use: former_use, "
    "area_m2: area, status: status}\n"
)
CENSUS_CASES = {
    "an area written 20.000,0 with no convention declared": (
        "",
        '"20.000,0";dismissed',
        ("line 2 (id B0), column 'area'", "decimal:"),
    ),
    "a negative area": ('decimal: ","\n', "-5;dismissed", ("area '-5' is not positive",)),
    "a status outside the vocabulary": (
        'decimal: ","\n',
        "500;abandoned",
        ("column 'status' has value(s) 'abandoned' outside its vocabulary", "Allowed values"),
    ),
}


@pytest.mark.parametrize("case", list(CENSUS_CASES))
def test_census_bad_input(case: str, tmp_path: Path) -> None:
    convention, values, expected = CENSUS_CASES[case]
    (tmp_path / "map.yaml").write_text(CENSUS_MAPPING + convention, encoding="utf-8")
    (tmp_path / "sites.csv").write_text(
        "id;name;municipality;former_use;area;status;x;y\n"
        f"B0;Site 0;Gorle;textile;{values};9.713;45.6985\n",
        encoding="utf-8",
    )
    spec = {"kind": "file", "path": "sites.csv", "x": "x", "y": "y", "crs": "EPSG:4326",
            "mapping": "map.yaml"}  # fmt: skip
    cfg = _config(tmp_path, sources={"brownfields": spec})
    _expect_exit_2(_build(tmp_path, cfg), tmp_path, *expected)


# --- GTFS feeds (teb: {kind: gtfs}) ------------------------------------------


def _feed(tmp_path: Path, edit: Callable[[dict[str, str]], None]) -> Path:
    files = feed_files()
    edit(files)
    write_zip(tmp_path / "feed.zip", files)
    return _config(tmp_path, sources={"teb": {"kind": "gtfs", "path": "feed.zip"}})


def _duplicate_stop(files: dict[str, str]) -> None:
    # a second S_B_0, 25 km east of the first
    files["stops.txt"] += "S_B_0,Bravo bis,45.7,10.03,0,S_B\n"


def _one_stop_trips(files: dict[str, str]) -> None:
    lines = files["stop_times.txt"].splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.endswith(("S_A_0,1", "S_A_0,5", "S_B_1,30"))]
    files["stop_times.txt"] = "\n".join(keep) + "\n"


def _far_away(files: dict[str, str]) -> None:
    for name in ("stops.txt", "shapes.txt"):
        files[name] = files[name].replace(",9.7", ",21.7")  # 12 degrees east: 930 km


GTFS_CASES = {
    "duplicate stop id": (
        _duplicate_stop,
        ("stops.txt, stop 'S_B_0' appears 2 times (Bravo / Bravo bis;", "m apart)"),
    ),
    "one-stop trips": (_one_stop_trips, ("serves one stop only", "stop_times.txt")),
    "stops far from the study area": (
        _far_away,
        ("every feature lies", "km or more from the study area"),
    ),
}


@pytest.mark.parametrize("case", list(GTFS_CASES))
def test_gtfs_bad_input(case: str, tmp_path: Path) -> None:
    edit, expected = GTFS_CASES[case]
    cfg = _feed(tmp_path, edit)
    _expect_exit_2(_build(tmp_path, cfg), tmp_path, *expected)


def test_the_duplicate_stops_distance_is_told(tmp_path: Path) -> None:
    cfg = _feed(tmp_path, _duplicate_stop)
    out = " ".join(runner.invoke(app, _build(tmp_path, cfg)).output.split())
    metres = float(re.search(r"; ([0-9,]+) m apart", out)[1].replace(",", ""))  # type: ignore[index]
    # on a sphere of radius 6371 km: 0.32 degrees of longitude (9.71 to 10.03 E) at 45.7 N
    expected = math.radians(10.03 - 9.71) * 6_371_000 * math.cos(math.radians(45.7))
    assert metres == pytest.approx(expected, rel=0.005)


# --- profiles, allocation, layers, databases (seriana suitability / accessibility) --


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with accessibility computed (the synthetic territory)."""
    folder = tmp_path_factory.mktemp("bad_input")
    db = sample_database(folder / "db" / "t.gpkg")
    result = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(folder / "acc")])
    assert result.exit_code == 0, result.output
    return db


def _suitability(db: Path, tmp_path: Path, profile: str, allocation: str) -> list[str]:
    folder, alloc = near_analyses(tmp_path / "profiles")
    (folder / "near.yaml").write_text(profile, encoding="utf-8")
    alloc.write_text(allocation, encoding="utf-8")
    return ["suitability", "-d", str(db), "--analyses", str(folder), "--allocation", str(alloc),
            "--draws", "0", "--out", str(tmp_path / "s")]  # fmt: skip


ALLOCATION = "targets:\n  jobs: {value: 5}\nuses:\n  near: {profile: near, per_ha: {jobs: 100}}\n"
SUITABILITY_CASES = {
    "misspelt profile in the allocation": (
        NEAR_PROFILE,
        ALLOCATION.replace("profile: near", "profile: naer"),
        ("near_allocation.yaml, uses.near: no profile 'naer'. Did you mean 'near'?",),
    ),
    "exclusion layer not given": (
        NEAR_PROFILE + "constraints:\n  exclude_intersecting: [flood_hazard]\n",
        ALLOCATION,
        (
            "near.yaml",
            "exclude_intersecting: layer 'flood_hazard' was not given",
            "--layer flood_hazard=PATH",
        ),
    ),
    "profile error names the file and criterion": (
        NEAR_PROFILE + "  stops:\n    indicator: {kind: count_within, layer: teb_stops, "
        "distance_m: 500, where: {kind_of_stop: [tram]}}\n    direction: benefit\n"
        "    standardisation: {method: linear_range, low: 0, high: 3}\n    weight: 1\n",
        ALLOCATION,
        ("near.yaml, criteria.stops.indicator:", "layer 'teb_stops' has no column 'kind_of_stop'"),
    ),
    "YAML yes where true or false is expected": (
        NEAR_PROFILE,
        ALLOCATION,
        (),
    ),
}


@pytest.mark.parametrize("case", [c for c in SUITABILITY_CASES if "true or false" not in c])
def test_suitability_bad_input(case: str, computed: Path, tmp_path: Path) -> None:
    profile, allocation, expected = SUITABILITY_CASES[case]
    args = _suitability(computed, tmp_path, profile, allocation)
    before = _snapshot(computed.parent)
    _expect_exit_2(args, tmp_path, *expected)
    assert _snapshot(computed.parent) == before  # the database is untouched


def test_an_empty_profile_folder(computed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [
        "suitability",
        "-d",
        str(computed),
        "--analyses",
        str(empty),
        "--out",
        str(tmp_path / "s"),
    ]
    _expect_exit_2(args, tmp_path, f"profile folder {empty} holds no profile file",
                   "give --analyses another folder")  # fmt: skip


def test_yes_where_true_or_false_is_expected(computed: Path, tmp_path: Path) -> None:
    scen = tmp_path / "scen.yaml"
    scen.write_text("name: ext\nwith_extension: yes\n", encoding="utf-8")
    args = [
        "accessibility",
        "-d",
        str(computed),
        "--scenario",
        str(scen),
        "--out",
        str(tmp_path / "a"),
    ]
    _expect_exit_2(args, tmp_path, "with_extension: expected true or false, got 'yes'")


def test_a_geopackage_that_is_not_a_territorial_database(tmp_path: Path) -> None:
    other = tmp_path / "parcels.gpkg"
    gpd.GeoDataFrame({"code": ["a"]}, geometry=gpd.points_from_xy([0], [0]), crs=32632).to_file(
        other, layer="parcels"
    )
    for command in ("accessibility", "suitability", "map", "export", "status"):
        _expect_exit_2([command, "-d", str(other), "--out", str(tmp_path / "o")] if command
                       not in ("status",) else [command, "-d", str(other)],
                       tmp_path, "is a GeoPackage but not a territorial database",
                       "its layers: parcels")  # fmt: skip


def test_the_database_is_read_as_written(computed: Path) -> None:
    assert "car_bgy_min" in read_layer(computed, "brownfields").columns


# --- failures seen before anything is written ---------------------------------


def test_a_map_with_an_unknown_indicator_writes_no_page(computed: Path, tmp_path: Path) -> None:
    args = ["map", "-d", str(computed), "--out", str(tmp_path / "maps"), "--indicator", "nope"]
    _expect_exit_2(args, tmp_path, "nope")
    assert not (tmp_path / "maps").exists()


def test_a_build_whose_map_target_is_a_folder_writes_no_database(tmp_path: Path) -> None:
    (tmp_path / "maps" / "overview.html").mkdir(parents=True)
    cfg = _config(tmp_path)
    args = ["build", "--config", str(cfg), "--database", str(tmp_path / "out" / "x.gpkg"),
            "--maps", str(tmp_path / "maps")]  # fmt: skip
    _expect_exit_2(args, tmp_path, "overview.html is a folder")
    assert not (tmp_path / "out").exists()


def test_a_database_write_that_fails_leaves_no_csv(
    computed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seriana_gis import database
    from seriana_gis._errors import OutputError

    def full(*args: object, **kwargs: object) -> None:
        raise OutputError("cannot write the database: No space left on device.")

    monkeypatch.setattr(database, "_write_all", full)  # the CSVs and rasters are written first
    before = _snapshot(computed.parent)
    args = ["accessibility", "-d", str(computed), "--out", str(tmp_path / "acc"), "--run",
            "other"]  # fmt: skip
    _expect_exit_2(args, tmp_path, "No space left on device")
    assert not (tmp_path / "acc").exists()  # no CSV, no raster, no empty folder
    assert _snapshot(computed.parent) == before
