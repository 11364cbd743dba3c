"""Published TEB service facts as the tram model's speed and headways."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seriana_gis._errors import ConfigError
from seriana_gis.accessibility.service import (
    params_from_service,
    read_teb_service,
    transit_params,
)
from seriana_gis.accessibility.transit import TransitParams
from seriana_gis.config import default_layers_dir

SRC = {"kind": "press", "title": "T", "url": "https://x.it/a", "date": "2024", "quote": "q"}


def _write(path: Path, facts: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"line": "T1", "facts": facts}), encoding="utf-8")
    return path


FACTS = [
    {"key": "length_km", "value": 12.0, "unit": "km", "status": "in_service", "source": SRC},
    {"key": "end_to_end_min", "value": 27, "unit": "min", "status": "planned",
     "period": "weekday_offpeak", "source": SRC},
    {"key": "end_to_end_min", "value": [28, 32], "unit": "min", "status": "in_service",
     "period": "weekday_offpeak", "source": SRC, "used_by_model": True},
    {"key": "headway_min", "value": 8, "unit": "min", "status": "in_service",
     "period": "weekday_peak", "source": SRC, "used_by_model": True},
    {"key": "headway_min", "value": [10, 14], "unit": "min", "status": "in_service",
     "period": "weekday_offpeak", "source": SRC},
    {"key": "first_run", "value": "06:00", "unit": "time", "status": "in_service", "source": SRC},
]  # fmt: skip


def test_params_by_hand(tmp_path: Path) -> None:
    facts = read_teb_service(_write(tmp_path / "s.yaml", FACTS))
    params, note = params_from_service(facts, base=TransitParams(peak=False))
    # 12 km in the midpoint of 28-32 min (the planned 27 min is never used): 24 km/h
    assert params.speed_kph == pytest.approx(24.0)
    assert params.headway_peak_min == 8.0
    assert params.headway_offpeak_min == 12.0  # midpoint of 10-14
    assert params.peak is False and params.headway_min == 12.0
    assert "24.0 km/h" in note and "https://x.it/a" in params.source


def test_missing_fact_is_named(tmp_path: Path) -> None:
    facts = read_teb_service(_write(tmp_path / "s.yaml", FACTS[:3]))
    with pytest.raises(ConfigError, match=r"headway_min \(weekday_peak\)"):
        params_from_service(facts)
    with pytest.raises(ConfigError, match="key, a value and a source"):
        read_teb_service(_write(tmp_path / "b.yaml", [{"key": "length_km", "value": 3}]))
    with pytest.raises(ConfigError, match="not a number"):
        read_teb_service(_write(tmp_path / "c.yaml", [{**FACTS[0], "value": {"a": 1}}]))


def test_without_a_file_the_defaults_stand(tmp_path: Path) -> None:
    params, note = transit_params(tmp_path, peak=True)
    assert params == TransitParams(peak=True)
    assert "built-in" in note


def test_shipped_facts_equal_the_documented_defaults() -> None:
    """The defaults of the tram model are the shipped published facts."""
    params, _ = transit_params(default_layers_dir() / "default", peak=True)
    default = TransitParams()
    assert params.speed_kph == pytest.approx(default.speed_kph)
    assert params.headway_peak_min == default.headway_peak_min
    assert params.headway_offpeak_min == default.headway_offpeak_min
