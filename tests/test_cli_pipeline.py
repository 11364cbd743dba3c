"""`seriana demo` end to end, and the suitability command's outputs and bad input.

The demo runs the whole chain on the embedded default in a temporary folder;
the checks compare its outputs with each other and with the inputs (every site
scored or excluded with a reason, ranks a permutation, CSV equal to the
database), not with numbers copied from a previous run.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from seriana_gis import database
from seriana_gis.cli import app

runner = CliRunner()


def test_demo_writes_every_output(demo_dir):
    db = demo_dir / "data" / "seriana.gpkg"
    names = set(database.list_layers(db))
    assert {
        "municipalities",
        "brownfields",
        "teb_stops",
        "road_edges",
        "isochrones",
        "provenance",
    } <= names
    assert (demo_dir / "maps" / "index.html").is_file()
    assert (demo_dir / "maps" / "overview.html").is_file()
    assert (demo_dir / "exports" / "seriana.qgz").is_file()
    assert (demo_dir / "data" / "accessibility" / "car_bgy_min.tif").is_file()
    for name in ("scores", "robustness", "allocation", "municipalities"):
        assert (demo_dir / "data" / "suitability" / f"{name}.csv").is_file()


def test_demo_scores_every_site_or_says_why(demo_dir):
    bf = database.read_layer(demo_dir / "data" / "seriana.gpkg", "brownfields")
    # the job-loss scenario's criterion: jobs lost within 30 min, never more than the 5,000
    reach = bf["jobs_lost_reach"]
    assert reach.notna().all() and (reach > 0).all() and (reach <= 5000).all()
    for profile in ("logistics", "services", "social_housing"):
        scored = bf[f"score_{profile}"].notna()
        excluded = bf[f"excluded_{profile}"].fillna("").astype(str).str.len() > 0
        assert (scored ^ excluded).all(), profile  # scored, or excluded with a reason
        ranks = bf.loc[scored, f"rank_{profile}"].astype(int).sort_values().tolist()
        assert ranks[0] == 1 and ranks[-1] <= scored.sum()
        assert (
            (bf[f"score_{profile}"].dropna() >= 0) & (bf[f"score_{profile}"].dropna() <= 1)
        ).all()
    targets = pd.read_csv(demo_dir / "data" / "suitability" / "allocation_targets.csv", index_col=0)
    assert {"service_jobs@valley", "industry_jobs@valley"} <= set(targets.index)
    csv = pd.read_csv(demo_dir / "data" / "suitability" / "scores.csv", index_col=0)
    pd.testing.assert_series_equal(
        csv["score_logistics"].sort_index(),
        bf.set_index("id")["score_logistics"].sort_index(),
        check_names=False,
    )


def test_demo_runs_again_over_its_own_outputs(demo_dir):
    result = runner.invoke(app, ["-q", "demo", "--output", str(demo_dir)])
    assert result.exit_code == 0, result.output


def test_suitability_refuses_to_replace_csv_without_overwrite(demo_dir):
    db = demo_dir / "data" / "seriana.gpkg"
    out = demo_dir / "data" / "suitability"
    result = runner.invoke(app, ["suitability", "--database", str(db), "--out", str(out)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output


def test_suitability_unknown_profile(demo_dir, tmp_path):
    db = demo_dir / "data" / "seriana.gpkg"
    result = runner.invoke(
        app, ["suitability", "-d", str(db), "--out", str(tmp_path), "--profile", "logistic"]
    )
    assert result.exit_code == 2
    assert "Did you mean 'logistics'" in result.output


def test_suitability_before_accessibility_says_what_to_run(tmp_path):
    from seriana_gis.build import build_database
    from seriana_gis.config import load_study_area

    db = tmp_path / "fresh.gpkg"
    build_database(load_study_area(), path=db, cache_dir=tmp_path / "cache")
    result = runner.invoke(app, ["suitability", "-d", str(db), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "Run `seriana accessibility` first" in result.output


def test_suitability_bad_profile_file(demo_dir, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "broken.yaml").write_text("name: broken\ncritera: []\n", encoding="utf-8")
    db = demo_dir / "data" / "seriana.gpkg"
    result = runner.invoke(
        app, ["suitability", "-d", str(db), "--out", str(tmp_path / "s"), "--analyses", str(folder)]
    )
    assert result.exit_code == 2
    assert "broken.yaml" in result.output and "criteria" in result.output


PROFILE_WITH_RASTER = """\
name: flat
criteria:
  airport:
    indicator: car_bgy_min
    direction: cost
    standardisation: {method: linear_minmax}
    weight: 0.5
  slope:
    indicator: {kind: raster, layer: slope}
    direction: cost
    standardisation: {method: linear_range, low: 0, high: 20}
    weight: 0.5
"""


def test_suitability_reads_a_raster_given_on_the_command_line(demo_dir, tmp_path):
    import numpy as np
    import rasterio
    from affine import Affine

    # a synthetic "slope" growing 1 degree per km eastwards over the whole valley
    x0, y0, cell = 540_000.0, 5_100_000.0, 100.0
    cols = np.arange(600)
    grid = np.tile((x0 + (cols + 0.5) * cell - x0) / 1000.0, (600, 1)).astype("float32")
    tif = tmp_path / "slope é.tif"
    with rasterio.open(
        tif, "w", driver="GTiff", width=600, height=600, count=1, dtype="float32",
        crs="EPSG:32632", transform=Affine(cell, 0.0, x0, 0.0, -cell, y0),
    ) as dst:  # fmt: skip
        dst.write(grid, 1)
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "flat.yaml").write_text(PROFILE_WITH_RASTER, encoding="utf-8")
    db = demo_dir / "data" / "seriana.gpkg"
    args = ["suitability", "-d", str(db), "--out", str(tmp_path / "s"), "--analyses", str(folder),
            "--draws", "0", "--allocation", str(_allocation_for(tmp_path, "flat")),
            "--run", "flat", "--raster", f"slope={tif}"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # another profile folder is a named run: its own layer, the base results untouched
    assert "raster_slope_b1" not in database.read_layer(db, "brownfields").columns
    bf = database.read_layer(db, "brownfields__flat").set_index("id")
    pts = bf.geometry.representative_point()
    # the value at each site is the cell's value: distance of the cell centre from x0, in km
    expected = (np.floor((pts.x - x0) / cell) + 0.5) * cell / 1000.0
    np.testing.assert_allclose(bf["raster_slope_b1"], expected, rtol=1e-6)

    bad = runner.invoke(app, [*args[:-2], "--overwrite", "--raster", "slope"])
    assert bad.exit_code == 2 and "NAME=PATH" in bad.output


def _allocation_for(tmp_path, profile):
    path = tmp_path / "allocation.yaml"
    path.write_text(
        "targets:\n  industry_jobs: {value: 100}\n"
        f"uses:\n  industry: {{profile: {profile}, per_ha: {{industry_jobs: 50}}}}\n",
        encoding="utf-8",
    )
    return path


def test_suitability_excludes_sites_in_a_user_polygon_layer(demo_dir, tmp_path):
    import geopandas as gpd

    db = demo_dir / "data" / "seriana.gpkg"
    bf = database.read_layer(db, "brownfields").set_index("id")
    # a "flood-hazard" polygon around one site, delivered in WGS84
    hazard = gpd.GeoDataFrame(
        {"zone": ["P3"]}, geometry=[bf.loc["BF004"].geometry.buffer(80)], crs=bf.crs
    ).to_crs("EPSG:4326")
    path = tmp_path / "pai.gpkg"
    hazard.to_file(path)
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "safe.yaml").write_text(
        "name: safe\ncriteria:\n  airport:\n    indicator: car_bgy_min\n    direction: cost\n"
        "    standardisation: linear_minmax\n    weight: 1\n"
        "constraints:\n  exclude_intersecting: [flood_hazard]\n",
        encoding="utf-8",
    )
    args = ["suitability", "-d", str(db), "--out", str(tmp_path / "s"), "--analyses", str(folder),
            "--draws", "0", "--allocation", str(_allocation_for(tmp_path, "safe"))]  # fmt: skip
    missing = runner.invoke(app, args)
    assert missing.exit_code == 2 and "flood_hazard" in missing.output
    result = runner.invoke(app, [*args, "--layer", f"flood_hazard={path}"])
    assert result.exit_code == 0, result.output
    # named after the profile folder and the allocation file
    out = database.read_layer(db, "brownfields__profiles_allocation").set_index("id")
    assert "flood_hazard" in out.loc["BF004", "excluded_safe"]
    assert pd.isna(out.loc["BF004", "score_safe"])
    others = out.drop(index="BF004")
    assert others["score_safe"].notna().sum() >= 1
    assert not others["excluded_safe"].fillna("").str.contains("flood_hazard").any()


def test_one_profile_rerun_keeps_best_use_over_every_profile(demo_dir, tmp_path):
    import shutil

    db = tmp_path / "seriana.gpkg"
    shutil.copy(demo_dir / "data" / "seriana.gpkg", db)
    args = ["suitability", "-d", str(db), "--out", str(tmp_path / "s"), "--draws", "0"]
    # updating one profile of the base run replaces its results: --overwrite (issue 13)
    result = runner.invoke(app, [*args, "--profile", "services", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "best use over services, logistics, social_housing" in result.output
    bf = database.read_layer(db, "brownfields").set_index("id")
    # every profile the database holds (the shipped three, and any an earlier test ran)
    scores = bf[[c for c in bf.columns if c.startswith("score_")]]
    assert {"score_logistics", "score_services", "score_social_housing"} <= set(scores.columns)
    scored = scores.notna().any(axis=1)
    # the best use is the highest of the scores, not services everywhere
    expected = scores[scored].idxmax(axis=1).str.removeprefix("score_")
    assert bf.loc[scored, "best_use"].tolist() == expected.tolist()
    assert len(set(bf.loc[scored, "best_use"])) > 1
    # the allocation ran again on the three profiles' scores: no stale columns
    alloc = pd.read_csv(tmp_path / "s" / "allocation.csv", index_col=0)
    assert bf["alloc_use"].fillna("").tolist() == alloc["use"].reindex(bf.index).fillna("").tolist()
