"""Speed profiles: the parameters of the road travel-time model, read from and written to YAML.

A speed profile holds what :mod:`seriana_gis.network.model` needs to turn a
road graph into travel times:

- **speed factors** by road group and setting (:data:`SPEED_TERMS`): the
  running speed of a link is the factor times its free-flow speed (the
  ``maxspeed`` or the class default of :mod:`seriana_gis.network.speeds`);
- **junction delays** in seconds by junction kind (:data:`JUNCTION_KINDS`,
  which edges pay them: :mod:`seriana_gis.network.junctions`);
- **morning-peak factors** (:data:`PEAK_TERMS`): multipliers of the off-peak
  running time in built-up areas (``urban``, which also multiplies the junction
  delays) and on motorways and main roads outside them (``extraurban_main``);
  minor rural and mountain roads keep their off-peak times (congestion gathers
  on the main roads and in the towns).

``seriana calibrate`` fits them to observed trips
(:mod:`seriana_gis.calibration`); the embedded default ships a calibrated
profile (``layers/default/speeds.yaml``).

Priors and bounds
-----------------
The fit starts from, is pulled weakly towards, and never leaves the ranges of
this table. Delays are the *control delay* of the Highway Capacity Manual (the
time lost to decelerate, wait and accelerate):

=====================  =====  ============  ==============================================
parameter              prior  bounds        why
=====================  =====  ============  ==============================================
speed factor (each)    1.0    0.25 – 1.2    1.0 = the free-flow (legal or class) speed;
                                            0.25 is a crawl, 1.2 allows drivers a little
                                            over the limit
signals                15 s   0 – 55 s      HCM 6th ed. level of service of signalised
                                            junctions: B is 10–20 s per vehicle (prior at
                                            its middle), D ends at 55 s
roundabout             7.5 s  0 – 35 s      HCM 6th ed. levels of service of unsignalised
                                            junctions and roundabouts: A is 0–10 s (prior
priority               5 s    0 – 35 s      at its middle for a roundabout entry, lower for
                                            a give-way), D ends at 35 s
peak factor (each)     1.3    1.0 – 2.0     the peak is never faster than off-peak; TomTom's
                                            Traffic Index puts the extra time of driving in
                                            Milan at 30 % and Rome at 39 % over free flow
                                            (2023 figures, citynow.it, October 2024): prior
                                            1.3; in Bucharest, among Europe's most congested,
                                            a morning-peak drive of 30 min takes 28 min more
                                            (TomTom 2019, HotNews.ro, January 2020): 1.93,
                                            so 2.0 bounds it
=====================  =====  ============  ==============================================

Sources of the HCM thresholds: the HCM 6 signalised level-of-service table
(A < 10, B 10–20, C 20–35, D 35–55, E 55–80 s per vehicle) as restated in a
traffic impact analysis (Linscott, Law & Greenspan for the City of Santa Ana,
2018, table 12-1); the HCM 6 stop-controlled table (A ≤ 10, B 10–15, C 15–25,
D 25–35, E 35–50 s) as restated in a transportation impact study for the City
of Pleasanton (2023, table 2).

Time of day
-----------
:data:`TIME_OF_DAY` profiles selectable per run:

- ``free_flow``: every factor 1, no junction delay: the legal or class speed
  on an empty road, the model's upper bound on speed (what the tool computed
  before calibration; kept for comparison);
- ``off_peak``: the calibrated factors and delays (a weekday outside the peaks);
- ``am_peak``: ``off_peak`` with the running times in built-up areas and on
  the main roads outside them multiplied by the peak factors, and the junction
  delays by the urban one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .._errors import ConfigError
from .._io import write_text
from ..config import check_keys, read_yaml
from .junctions import JUNCTION_KINDS

#: Road group × setting terms that carry a speed factor.
SPEED_TERMS: tuple[str, ...] = (
    "motorway",
    "main_urban",
    "main_rural",
    "local_urban",
    "local_rural",
    "mountain",
)
#: What the two peak factors multiply: running times in built-up areas (and every junction
#: delay); running times on motorways and main roads outside them. Minor rural and mountain
#: roads keep their off-peak times.
PEAK_TERMS: tuple[str, ...] = ("urban", "extraurban_main")
#: Time-of-day profiles a run may select.
TIME_OF_DAY: tuple[str, ...] = ("free_flow", "off_peak", "am_peak")
#: The time of day used when none is given.
DEFAULT_TIME_OF_DAY = "off_peak"

#: Prior value, lower and upper bound, prior standard deviation of each kind of parameter.
SPEED_FACTOR_PRIOR = (1.0, 0.25, 1.2, 0.5)
#: Speed factors with a lower upper bound than :data:`SPEED_FACTOR_PRIOR`'s. A motorway's
#: factor multiplies its legal limit (130 km/h on the A4) and has no junction between
#: its exits to carry the stops: above 1.0 the model would drive the A4 faster than the
#: law allows on average (the 1.2 bound let the fit reach 154 km/h on one trip, RT009).
SPEED_FACTOR_UPPER: dict[str, float] = {"motorway": 1.0}
JUNCTION_DELAY_PRIOR: dict[str, tuple[float, float, float, float]] = {
    "signals": (15.0, 0.0, 55.0, 10.0),
    "roundabout": (7.5, 0.0, 35.0, 10.0),
    "priority": (5.0, 0.0, 35.0, 10.0),
}
PEAK_FACTOR_PRIOR = (1.3, 1.0, 2.0, 0.3)

_KEYS = ("name", "description", "speed_factors", "junction_delays_s", "am_peak_factors")
_OPTIONAL = ("calibration",)


@dataclass(frozen=True)
class Parameter:
    """One parameter of the model with its prior and bounds.

    Attributes
    ----------
    group
        ``speed_factors``, ``junction_delays_s`` or ``am_peak_factors``.
    name
        Its key inside the group.
    prior, lower, upper, sigma
        Prior value, bounds, prior standard deviation.
    """

    group: str
    name: str
    prior: float
    lower: float
    upper: float
    sigma: float

    @property
    def label(self) -> str:
        """``group.name``."""
        return f"{self.group}.{self.name}"


def parameters() -> tuple[Parameter, ...]:
    """Every parameter of the model, in the order of :meth:`SpeedProfile.vector`."""
    prior, lower, upper, sigma = SPEED_FACTOR_PRIOR
    out = [
        Parameter("speed_factors", t, prior, lower, SPEED_FACTOR_UPPER.get(t, upper), sigma)
        for t in SPEED_TERMS
    ]
    out += [Parameter("junction_delays_s", k, *JUNCTION_DELAY_PRIOR[k]) for k in JUNCTION_KINDS]
    out += [Parameter("am_peak_factors", t, *PEAK_FACTOR_PRIOR) for t in PEAK_TERMS]
    return tuple(out)


@dataclass(frozen=True)
class SpeedProfile:
    """The parameters of the road travel-time model (see the module docs).

    Attributes
    ----------
    speed_factors
        :data:`SPEED_TERMS` → factor of the free-flow speed.
    junction_delays_s
        :data:`JUNCTION_KINDS` → seconds.
    am_peak_factors
        :data:`PEAK_TERMS` → multiplier of off-peak times at the morning peak.
    name
        A short name recorded in the provenance of the times it produces.
    description
        What it is.
    calibration
        What the fit reported (trips, errors, date), for the record.
    source
        Where it was read from (a file path, or ``prior``).
    """

    speed_factors: Mapping[str, float]
    junction_delays_s: Mapping[str, float]
    am_peak_factors: Mapping[str, float]
    name: str = "prior"
    description: str = ""
    calibration: Mapping[str, Any] = field(default_factory=dict)
    source: str = "prior"

    def __post_init__(self) -> None:
        for p in parameters():
            group: Mapping[str, float] = getattr(self, p.group)
            if set(group) != set(getattr(_NAMES, p.group)):
                missing = sorted(set(getattr(_NAMES, p.group)) - set(group))
                extra = sorted(set(group) - set(getattr(_NAMES, p.group)))
                msg = (
                    f"speed profile {self.name!r}: {p.group} must have exactly the keys "
                    f"{', '.join(getattr(_NAMES, p.group))}"
                    + (f"; missing {', '.join(missing)}" if missing else "")
                    + (f"; unknown {', '.join(extra)}" if extra else "")
                    + "."
                )
                raise ConfigError(msg)
            value = group[p.name]
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or not (p.lower <= value <= p.upper):
                msg = (
                    f"speed profile {self.name!r} ({self.source}): {p.label} is {value!r}; it "
                    f"must be a number from {p.lower:g} to {p.upper:g}."
                )
                raise ConfigError(msg)

    def vector(self) -> np.ndarray:
        """The parameters as one array, in the order of :func:`parameters`."""
        return np.array([getattr(self, p.group)[p.name] for p in parameters()], dtype=float)

    @classmethod
    def from_vector(cls, x: np.ndarray | list[float], **kwargs: Any) -> SpeedProfile:
        """A profile from an array in the order of :func:`parameters`.

        Parameters
        ----------
        x
            The values.
        **kwargs
            ``name``, ``description``, ``calibration``, ``source``.
        """
        groups: dict[str, dict[str, float]] = {
            "speed_factors": {},
            "junction_delays_s": {},
            "am_peak_factors": {},
        }
        params = parameters()
        if len(x) != len(params):
            msg = f"expected {len(params)} parameter values, got {len(x)}."
            raise ConfigError(msg)
        for p, value in zip(params, x, strict=True):
            groups[p.group][p.name] = float(value)
        return cls(
            speed_factors=groups["speed_factors"],
            junction_delays_s=groups["junction_delays_s"],
            am_peak_factors=groups["am_peak_factors"],
            **kwargs,
        )

    def to_mapping(self) -> dict[str, Any]:
        """The profile as the mapping written to YAML."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["speed_factors"] = {k: round(float(self.speed_factors[k]), 4) for k in SPEED_TERMS}
        out["junction_delays_s"] = {
            k: round(float(self.junction_delays_s[k]), 2) for k in JUNCTION_KINDS
        }
        out["am_peak_factors"] = {k: round(float(self.am_peak_factors[k]), 4) for k in PEAK_TERMS}
        if self.calibration:
            out["calibration"] = dict(self.calibration)
        return out


@dataclass(frozen=True)
class _Names:
    speed_factors: tuple[str, ...] = SPEED_TERMS
    junction_delays_s: tuple[str, ...] = JUNCTION_KINDS
    am_peak_factors: tuple[str, ...] = PEAK_TERMS


_NAMES = _Names()


def prior_profile() -> SpeedProfile:
    """The uncalibrated profile: every parameter at its prior value."""
    return SpeedProfile.from_vector(
        [p.prior for p in parameters()],
        name="prior",
        description="uncalibrated: free-flow speeds, junction delays at their HCM-based priors",
        source="prior",
    )


def profile_from_mapping(raw: Any, *, where: str) -> SpeedProfile:
    """Validate a parsed speed-profile mapping.

    Parameters
    ----------
    raw
        The parsed YAML document.
    where
        Its file, for messages.

    Returns
    -------
    SpeedProfile
    """
    check_keys(
        raw,
        _KEYS + _OPTIONAL,
        where=where,
        required=("speed_factors", "junction_delays_s", "am_peak_factors"),
    )
    groups: dict[str, dict[str, float]] = {}
    for group in ("speed_factors", "junction_delays_s", "am_peak_factors"):
        names: tuple[str, ...] = getattr(_NAMES, group)
        check_keys(raw[group], names, where=f"{where}, {group}", required=names)
        groups[group] = dict(raw[group])
    calibration = raw.get("calibration") or {}
    if not isinstance(calibration, Mapping):
        msg = f"{where}, calibration: expected a mapping (written by seriana calibrate)."
        raise ConfigError(msg)
    return SpeedProfile(
        speed_factors=groups["speed_factors"],
        junction_delays_s=groups["junction_delays_s"],
        am_peak_factors=groups["am_peak_factors"],
        name=str(raw.get("name", Path(where).stem)),
        description=str(raw.get("description", "")),
        calibration=dict(calibration),
        source=where,
    )


def load_speed_profile(path: str | os.PathLike[str]) -> SpeedProfile:
    """Read and validate a speed profile (YAML) written by ``seriana calibrate`` or by hand.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    SpeedProfile

    Raises
    ------
    ConfigError
        Missing file, bad YAML, unknown or missing keys, values out of bounds.
    """
    raw, _ = read_yaml(
        Path(path),
        what="speed profile",
        hint="Write one with seriana calibrate, or see layers/default/speeds.yaml.",
    )
    return profile_from_mapping(raw, where=str(path))


def write_speed_profile(
    profile: SpeedProfile, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a speed profile as YAML, atomically.

    Parameters
    ----------
    profile
        The profile.
    path
        The file to write.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
    """
    header = (
        "# seriana_gis road speed profile (see seriana_gis.network.profile).\n"
        "# speed_factors x free-flow speed by road group and setting; junction delays in\n"
        "# seconds; am_peak_factors multiply off-peak running times (urban: also delays).\n"
    )
    text = header + yaml.safe_dump(
        profile.to_mapping(), sort_keys=False, allow_unicode=True, width=100
    )
    return write_text(path, text, overwrite=overwrite)


def default_profile_path(embedded_dir: Path) -> Path:
    """Where the calibrated profile of an embedded folder lives (``speeds.yaml``)."""
    return embedded_dir / "speeds.yaml"


def check_time_of_day(value: str) -> str:
    """Return ``value`` if it is one of :data:`TIME_OF_DAY`, else raise a clear error."""
    if value not in TIME_OF_DAY:
        msg = f"unknown time of day {value!r}; choose one of {', '.join(TIME_OF_DAY)}."
        raise ConfigError(msg)
    return value
