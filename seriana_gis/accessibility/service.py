"""Published TEB timetable facts (``teb_service.yaml``) as the tram model's parameters.

The embedded default ships ``layers/default/teb_service.yaml``: facts about
line T1 (length, end-to-end running time, headways by period, ...), each with
its published source (format: ``layers/README.md``). The tram model
(:mod:`seriana_gis.accessibility.transit`) reads three of them, the ones the
file marks ``used_by_model: true`` (in service, not planned figures):

- the commercial speed :math:`v_c = L / T` from the line length :math:`L`
  (``length_km``) and the end-to-end running time :math:`T`
  (``end_to_end_min``, off-peak);
- the headway at the weekday peak and off-peak (``headway_min`` with
  ``period`` ``weekday_peak`` / ``weekday_offpeak``).

Which of the two headways a run waits for follows its time of day
(:mod:`seriana_gis.accessibility.period`).

A value published as a range ``[low, high]`` counts as its midpoint. Without
the file (another territory's embedded folder), the constants of
:mod:`seriana_gis.accessibility.transit` stand.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .._errors import ConfigError
from ..config import read_yaml
from ..network.profile import DEFAULT_TIME_OF_DAY
from .period import headway_period, run_period
from .transit import TransitParams

#: The file name in an embedded folder.
SERVICE_FILE = "teb_service.yaml"


@dataclass(frozen=True)
class ServiceFact:
    """One published fact.

    Attributes
    ----------
    key, period, status, unit
        As in the file.
    value
        The number (a range's midpoint), or the text of a time of day.
    source
        ``title (url, date)`` of its source.
    used_by_model
        Whether the file marks it for the model.
    """

    key: str
    value: float | str
    unit: str
    period: str
    status: str
    source: str
    used_by_model: bool


def _value(raw: Any, *, where: str) -> float | str:
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int | float) for v in raw):
        return (float(raw[0]) + float(raw[1])) / 2
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    if isinstance(raw, str):
        return raw
    msg = f"{where}: value {raw!r} is not a number, a [low, high] range or a time."
    raise ConfigError(msg)


def read_teb_service(path: str | os.PathLike[str]) -> list[ServiceFact]:
    """Read the facts of a ``teb_service.yaml`` file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of ServiceFact

    Raises
    ------
    ConfigError
        Missing file, bad YAML, no ``facts`` list, a fact without key, value or source.
    """
    raw, _ = read_yaml(Path(path), what="TEB service file")
    if not isinstance(raw, dict) or not isinstance(raw.get("facts"), list):
        msg = f"{path}: expected a mapping with a 'facts' list (see layers/README.md)."
        raise ConfigError(msg)
    facts = []
    for i, f in enumerate(raw["facts"]):
        where = f"{path}, facts[{i}]"
        if not isinstance(f, dict) or not all(k in f for k in ("key", "value", "source")):
            msg = f"{where}: every fact needs a key, a value and a source."
            raise ConfigError(msg)
        src = f["source"] if isinstance(f["source"], dict) else {}
        facts.append(
            ServiceFact(
                key=str(f["key"]),
                value=_value(f["value"], where=where),
                unit=str(f.get("unit", "")),
                period=str(f.get("period", "all")),
                status=str(f.get("status", "in_service")),
                source=f"{src.get('title', '?')} ({src.get('url', '?')}, {src.get('date', '?')})",
                used_by_model=bool(f.get("used_by_model", False)),
            )
        )
    return facts


def _pick(facts: list[ServiceFact], key: str, period: str | None, *, where: str) -> ServiceFact:
    hits = [
        f
        for f in facts
        if f.key == key
        and f.status == "in_service"
        and (period is None or f.period == period)
        and isinstance(f.value, float)
    ]
    used = [f for f in hits if f.used_by_model] or hits
    if not used:
        what = f"{key}" + (f" ({period})" if period else "")
        msg = f"{where}: no in-service fact {what}; the tram model needs it."
        raise ConfigError(msg)
    return used[0]


def params_from_service(
    facts: list[ServiceFact], *, base: TransitParams | None = None, where: str = SERVICE_FILE
) -> tuple[TransitParams, str]:
    """The tram model's speed and headways from the published facts.

    Parameters
    ----------
    facts
        From :func:`read_teb_service`.
    base
        The other parameters (defaults when omitted).
    where
        The file, for messages.

    Returns
    -------
    tuple
        The parameters and a note naming the facts and their sources.
    """
    length = _pick(facts, "length_km", None, where=where)
    run = _pick(facts, "end_to_end_min", "weekday_offpeak", where=where)
    peak = _pick(facts, "headway_min", headway_period(peak=True), where=where)
    off = _pick(facts, "headway_min", headway_period(peak=False), where=where)
    assert isinstance(length.value, float) and isinstance(run.value, float)
    speed = length.value / (run.value / 60.0)
    note = (
        f"TEB from {where}: {length.value:g} km in {run.value:g} min = {speed:.1f} km/h "
        f"[{length.source}; {run.source}], headways {peak.value:g} min peak [{peak.source}] and "
        f"{off.value:g} min off-peak [{off.source}]"
    )
    params = replace(
        base or TransitParams(),
        speed_kph=speed,
        headway_peak_min=float(peak.value),
        headway_offpeak_min=float(off.value),
        source=note,
    )
    return params, note


def transit_params(
    embedded_dir: Path,
    *,
    time_of_day: str = DEFAULT_TIME_OF_DAY,
    peak: bool | None = None,
    base: TransitParams | None = None,
) -> tuple[TransitParams, str]:
    """The tram model's parameters of a territory: its service facts when it ships them.

    Parameters
    ----------
    embedded_dir
        The territory's embedded folder (``teb_service.yaml`` is read from it).
    time_of_day
        The run's time of day: the headway is the one of its period
        (:func:`~seriana_gis.accessibility.period.run_period`).
    peak
        Override the headway (True: weekday peak, False: off-peak): a mixed run.
    base
        The other parameters.

    Returns
    -------
    tuple
        The parameters and a note for the provenance.
    """
    start = replace(base or TransitParams(), peak=run_period(time_of_day, peak=peak).peak)
    path = embedded_dir / SERVICE_FILE
    if not path.is_file():
        return start, "TEB speed and headways: built-in defaults (no teb_service.yaml)"
    return params_from_service(read_teb_service(path), base=start, where=str(path))
