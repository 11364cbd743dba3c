"""Speed profiles: YAML round trip, validation, parameter order."""

from __future__ import annotations

from pathlib import Path

import pytest

from seriana_gis._errors import ConfigError, OutputExistsError
from seriana_gis.config import default_layers_dir
from seriana_gis.network.profile import (
    SpeedProfile,
    load_speed_profile,
    parameters,
    prior_profile,
    write_speed_profile,
)


def test_prior_values_and_order() -> None:
    p = prior_profile()
    labels = [q.label for q in parameters()]
    assert labels[:2] == ["speed_factors.motorway", "speed_factors.main_urban"]
    assert labels[6:9] == [
        "junction_delays_s.signals",
        "junction_delays_s.roundabout",
        "junction_delays_s.priority",
    ]
    assert list(p.vector()) == [1, 1, 1, 1, 1, 1, 15, 7.5, 5, 1.3, 1.3]
    assert all(q.lower <= q.prior <= q.upper for q in parameters())


def test_round_trip(tmp_path: Path) -> None:
    x = prior_profile().vector()
    x[1], x[8], x[9] = 0.55, 6.25, 1.4
    p = SpeedProfile.from_vector(x, name="mine", calibration={"trips": "t.csv"})
    path = write_speed_profile(p, tmp_path / "s.yaml")
    q = load_speed_profile(path)
    assert q.vector() == pytest.approx(x)
    assert q.name == "mine" and q.calibration == {"trips": "t.csv"} and q.source == str(path)
    with pytest.raises(OutputExistsError):
        write_speed_profile(p, path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("speed_factors: {}\n", "missing required key"),
        ("speed_factor: {}\n", "unknown key 'speed_factor'"),
        ("- a\n- b\n", "expected a mapping"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_speed_profile(path)


def test_values_out_of_bounds_and_unknown_terms(tmp_path: Path) -> None:
    p = prior_profile().to_mapping()
    p["speed_factors"]["mountain"] = 3.0
    with pytest.raises(
        ConfigError, match=r"speed_factors.mountain is 3.0; it must be a number from 0.25 to 1.2"
    ):
        SpeedProfile(**{k: p[k] for k in ("speed_factors", "junction_delays_s", "am_peak_factors")})
    p = prior_profile().to_mapping()
    p["speed_factors"]["motorway"] = 1.1  # above the legal limit on average: refused
    with pytest.raises(
        ConfigError, match=r"speed_factors.motorway is 1.1; it must be a number from 0.25 to 1\b"
    ):
        SpeedProfile(**{k: p[k] for k in ("speed_factors", "junction_delays_s", "am_peak_factors")})
    p = prior_profile().to_mapping()
    p["junction_delays_s"]["stop"] = 4
    path = tmp_path / "p.yaml"
    import yaml

    path.write_text(yaml.safe_dump(p), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'stop'"):
        load_speed_profile(path)
    with pytest.raises(ConfigError, match="not found"):
        load_speed_profile(tmp_path / "absent.yaml")


def test_shipped_profile_loads() -> None:
    path = default_layers_dir() / "default" / "speeds.yaml"
    p = load_speed_profile(path)
    assert p.calibration["trips"].endswith("reference_trips.csv")


def test_shipped_profile_keeps_the_a4_at_its_limit(study_area) -> None:  # type: ignore[no-untyped-def]
    # a planner reads speed_kph in QGIS: the A4 (maxspeed 130 in roads.geojson) must not
    # run faster than the law allows on average
    from seriana_gis.build import load_territory, road_graph

    G, _ = road_graph(load_territory(study_area))
    a4 = [d for _, _, d in G.edges(data=True) if d.get("highway") == "motorway"]
    assert a4
    assert max(float(d["speed_kph"]) for d in a4) <= 130.0 + 1e-9
