"""Another territory through the whole chain: build, accessibility, suitability, map.

The Val Cavallina (five municipalities by ISTAT name, in two zones of its own)
with a small OSM road file written here: the SS42 from the A4 junction of
Seriate up the valley, and the links to the airport and Bergamo station, drawn
as straight ways between the municipalities' representative points and the
embedded destinations. Three brownfields authored for the test (not documented
areas). The shipped job-loss scenario (``analyses/job_loss.yaml``) is the
Seriana Valley's: on this territory the criterion "jobs lost within reach" and
the scenario's job targets are left out, each with one warning naming the
file and how to give one; with the territory's own scenario (``job_loss:`` in
its configuration, ``job_targets:`` in an allocation file) they are back.
"""

from __future__ import annotations

import json
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.config import default_layers_dir
from seriana_gis.economy.scenario import default_scenario_path
from seriana_gis.sources import istat
from seriana_gis.suitability.profile import default_analyses_dir

pytestmark = [
    # the embedded TEB, tourism assets and destinations (the airport, Bergamo station) lie
    # outside the Val Cavallina: the build keeps them, flags them and says so
    pytest.mark.filterwarnings("ignore:.*lie outside the study area:UserWarning"),
    pytest.mark.slow,
]

ZONES = {
    "lower": ["Trescore Balneario", "Entratico", "Luzzana"],
    "upper": ["Casazza", "Endine Gaiano"],
}
CODES = {  # ISTAT codes of the names above (ISTAT's list of municipalities, province BG)
    "Trescore Balneario": "016218",
    "Entratico": "016094",
    "Luzzana": "016130",
    "Casazza": "016058",
    "Endine Gaiano": "016093",
}
# the test sites: (id, municipality, area m², former use), placed 150 m east of the
# municipality's representative point
SITES = [
    ("VC1", "Trescore Balneario", 40_000.0, "textile"),
    ("VC2", "Casazza", 15_000.0, "mechanical"),
    ("VC3", "Endine Gaiano", 8_000.0, "other"),
]


def _points() -> dict[str, tuple[float, float]]:
    """lon/lat of each municipality's representative point and of the embedded destinations."""
    b = istat.boundaries(list(CODES.values()), year=2023).to_crs(32632)
    rep = gpd.GeoSeries(b.representative_point(), crs=32632).to_crs(4326)
    name_of = {c: n for n, c in CODES.items()}
    out = {name_of[str(c)]: (p.x, p.y) for c, p in zip(b.index, rep, strict=True)}
    dest = gpd.read_file(default_layers_dir() / "default" / "destinations.geojson")
    out.update({str(i): (p.x, p.y) for i, p in zip(dest["id"], dest.geometry, strict=True)})
    return out


def _osm(path: Path, pts: dict[str, tuple[float, float]]) -> None:
    """An OSM XML file of straight two-way ways between the named points."""
    ways: list[tuple[str, dict[str, str], list[str]]] = [
        ("1", {"highway": "primary", "name": "to Bergamo"}, ["bergamo", "fiera", "bgy"]),
        ("2", {"highway": "primary", "name": "Orio"}, ["a4_bergamo", "bgy", "a4_seriate"]),
        ("3", {"highway": "motorway", "ref": "A4"}, ["a4_bergamo", "a4_seriate"]),
        (
            "4",
            {"highway": "trunk", "ref": "SS42", "maxspeed": "70"},
            ["a4_seriate", *ZONES["lower"], *ZONES["upper"]],
        ),
    ]
    # a local street 200 m north of every point, so that the simplified graph keeps a
    # junction there (osmnx merges the links through a node with two neighbours)
    north = 200 / 111_320
    spurs = {f"{name} north": (lon, lat + north) for name, (lon, lat) in pts.items()}
    ways += [
        (f"{100 + i}", {"highway": "residential"}, [n, f"{n} north"]) for i, n in enumerate(pts)
    ]
    ids = {name: str(i + 1) for i, name in enumerate([*pts, *spurs])}
    root = ET.Element("osm", version="0.6", generator="test")
    for name, (lon, lat) in {**pts, **spurs}.items():
        ET.SubElement(root, "node", id=ids[name], lat=f"{lat:.6f}", lon=f"{lon:.6f}", version="1")
    for wid, tags, names in ways:
        way = ET.SubElement(root, "way", id=wid, version="1")
        for n in names:
            ET.SubElement(way, "nd", ref=ids[n])
        for k, v in {**tags, "oneway": "no"}.items():
            ET.SubElement(way, "tag", k=k, v=v)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _sites(path: Path, pts: dict[str, tuple[float, float]]) -> None:
    east = 150 / (111_320 * math.cos(math.radians(45.7)))  # 150 m in degrees of longitude
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": sid,
                "name": f"Test site {sid}",
                "municipality": muni,
                "former_use": use,
                "area_m2": area,
                "status": "dismissed",
                "source_note": "authored for the test, not a documented area",
            },
            "geometry": {"type": "Point", "coordinates": [pts[muni][0] + east, pts[muni][1]]},
        }
        for sid, muni, area, use in SITES
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def _config(folder: Path, *, job_loss: str | None = None) -> Path:
    lines = ["name: val_cavallina", "title: Val Cavallina", "year: 2023", "province: BG"]
    lines.append("zones:")
    for zone, names in ZONES.items():
        lines += [f"  {zone}:", "    municipalities:", *[f"      - {n}" for n in names]]
    lines += [
        "destinations: [bgy, bergamo]",
        "sources:",
        "  roads: {kind: file, path: val_cavallina.osm}",
        "  brownfields: {kind: file, path: sites.geojson}",
    ]
    if job_loss is not None:
        lines.append(f"job_loss: {job_loss}")
    path = folder / ("val_cavallina.yaml" if job_loss is None else "val_cavallina_jobs.yaml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


JOB_LOSS = """\
title: Test scenario for the Val Cavallina (not a published figure)
total_jobs: 600
territory: val_cavallina
territories:
  val_cavallina: [lower, upper]
split:
  service_jobs: {share: 0.5}
  industry_jobs: {share: 0.5}
"""

ALLOCATION = """\
title: Val Cavallina, the test scenario's job targets
job_targets: val_cavallina_job_loss.yaml
uses:
  logistics: {profile: logistics, per_ha: {industry_jobs: 50}}
  services: {profile: services, per_ha: {service_jobs: 150}}
"""


@pytest.fixture(scope="module")
def territory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("val_cavallina")
    pts = _points()
    _osm(folder / "val_cavallina.osm", pts)
    _sites(folder / "sites.geojson", pts)
    (folder / "val_cavallina_job_loss.yaml").write_text(JOB_LOSS, encoding="utf-8")
    (folder / "my_allocation.yaml").write_text(ALLOCATION, encoding="utf-8")
    _config(folder)
    _config(folder, job_loss="val_cavallina_job_loss.yaml")
    return folder


def _run(*args: Any) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _squeezed(text: str) -> str:
    """The text without whitespace (a warning wrapped to the terminal's width, paths folded)."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def chain(territory: Path) -> dict[str, str]:
    """build → accessibility → suitability → map through the CLI, with the shipped scenario."""
    f = territory
    db = f / "vc.gpkg"
    return {
        "build": _run("build", "-c", f / "val_cavallina.yaml", "-d", db, "--maps", f / "maps"),
        "accessibility": _run(
            "accessibility", "-c", f / "val_cavallina.yaml", "-d", db, "-o", f / "acc"
        ),
        "suitability": _run("suitability", "-d", db, "-o", f / "suit", "--draws", "20"),
        "map": _run("map", "-d", db, "-o", f / "maps"),
    }


def test_the_chain_runs_on_a_territory_of_its_own(territory: Path, chain: dict[str, str]) -> None:
    db = territory / "vc.gpkg"
    munis = gpd.read_file(db, layer="municipalities").set_index("istat")
    assert sorted(munis.index) == sorted(CODES.values())
    assert set(munis["zone"]) == {"lower", "upper"}
    assert munis["car_bgy_min"].notna().all()
    # up the valley is farther from the airport: the SS42 chain is in this order
    order = [munis.loc[CODES[n], "car_bgy_min"] for n in [*ZONES["lower"], *ZONES["upper"]]]
    assert order == sorted(order)
    # no faster than a straight line at the motorway's 130 km/h
    bgy = _points()["bgy"]
    for name, code in CODES.items():
        lon, lat = _points()[name]
        km = math.hypot(
            (lon - bgy[0]) * 111.32 * math.cos(math.radians(45.7)), (lat - bgy[1]) * 111.32
        )
        assert munis.loc[code, "car_bgy_min"] > km / 130 * 60
    sites = gpd.read_file(db, layer="brownfields").set_index("id")
    assert sorted(sites.index) == ["VC1", "VC2", "VC3"]
    assert not sites["outside_study_area"].any()
    assert sites[["car_bgy_min", "car_bergamo_min", "hgv_a4_min"]].notna().all().all()
    # logistics scores the sites of 1 ha or more; the smaller one is excluded and says why
    assert sites.loc[["VC1", "VC2"], "score_logistics"].notna().all()
    assert sites.loc["VC3", "excluded_logistics"] == "area 8,000 m² < minimum 10,000 m²"
    # no TEB in the Val Cavallina: the profiles that need a walk to a stop say so
    assert sites["excluded_services"].str.contains("missing value of walk_teb_min").all()
    # the criterion is left out (no column, no contribution), the profiles still score
    assert "jobs_lost_reach" not in sites.columns
    scores = pd.read_csv(territory / "suit" / "scores.csv", index_col=0)
    assert not [c for c in scores.columns if c.endswith("_jobs_lost")]
    assert "contrib_logistics_motorway" in scores.columns
    # the allocation keeps the target its file states, without the valley's job targets
    targets = pd.read_csv(territory / "suit" / "allocation_targets.csv", index_col=0)
    assert list(targets.index) == ["social_dwellings"]
    # no economy layer: the published figures and the scenario are the valley's
    assert "economy" not in set(pyogrio.list_layers(db)[:, 0])
    assert (territory / "maps" / "index.html").is_file()


def test_each_command_says_once_what_it_left_out_and_names_the_scenario(
    chain: dict[str, str],
) -> None:
    scenario = _squeezed(str(default_scenario_path()))
    for command in ("build", "accessibility"):
        out = _squeezed(chain[command])
        assert out.count(scenario) == 1, chain[command]
        assert "job_loss:my_job_loss.yaml" in out  # how to give one: the configuration's key
    out = _squeezed(chain["suitability"])
    assert _squeezed(f"job targets of {default_analyses_dir() / 'allocation.yaml'} left out") in out
    assert out.count(scenario) == 2  # the warning, and the allocation line of the summary
    assert "job_targets:my_job_loss.yaml" in out and "--allocation" in out
    assert "jobs_lost(needscolumn'jobs_lost_reach'" in out  # both profiles left it out
    assert "§2.6" in chain["accessibility"]


def test_the_territorys_own_scenario_brings_the_criterion_and_targets_back(
    territory: Path, chain: dict[str, str]
) -> None:
    f = territory
    db = f / "vc_own.gpkg"  # a copy: the chain's database stays as the other tests read it
    shutil.copyfile(f / "vc.gpkg", db)
    config = f / "val_cavallina_jobs.yaml"
    _run("accessibility", "-c", config, "-d", db, "-o", f / "acc2", "--overwrite")
    alloc = f / "my_allocation.yaml"
    _run("suitability", "-d", db, "-o", f / "suit2", "--draws", "0", "--allocation", alloc)
    sites = gpd.read_file(db, layer="brownfields").set_index("id")
    munis = gpd.read_file(db, layer="municipalities").set_index("istat")
    od = pd.read_csv(f / "acc2" / "od_municipalities_brownfields.csv", index_col=0)
    od.index = od.index.astype(str).str.zfill(6)
    # by hand: 600 jobs spread over the five municipalities by population, each worker
    # weighted by 2^(-t/15) within 30 min
    share = munis["population"] / munis["population"].sum()
    for sid in sites.index:
        t = od[sid].reindex(share.index)
        expected = sum(600 * s * 2 ** (-m / 15) for s, m in zip(share, t, strict=True) if m <= 30)
        assert sites.loc[sid, "jobs_lost_reach"] == pytest.approx(expected, rel=1e-6)
    targets = pd.read_csv(f / "suit2" / "allocation_targets.csv", index_col=0)
    assert targets.loc["service_jobs@val_cavallina", "target"] == 300
    assert targets.loc["industry_jobs@val_cavallina", "target"] == 300


def test_a_territorys_own_scenario_must_describe_its_zones(territory: Path, tmp_path: Path) -> None:
    # the shipped (valley) scenario named as this territory's: stopped before any work
    text = (territory / "val_cavallina.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + f"job_loss: {default_scenario_path()}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "-c", str(bad), "-d", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert (
        "bad.yaml, job_loss:" in out
        and "none of which this study area has (its zones: lower, upper)" in out
    )
    assert not (tmp_path / "x.gpkg").exists()
