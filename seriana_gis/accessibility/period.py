"""The period of a run: one time of day for the road times and the TEB headway.

A planner comparing ``car_bergamo_min`` with ``transit_bergamo_min`` on one
map compares two figures of the same hour of the day. The run's time of day
(:data:`~seriana_gis.network.profile.TIME_OF_DAY`, ``seriana accessibility
--time-of-day``) therefore chooses both the road profile and the tram headway
(the ``period`` of the ``headway_min`` facts of ``teb_service.yaml``,
:mod:`seriana_gis.accessibility.service`):

=============  =====================  ==============================================
time of day    TEB headway            why
=============  =====================  ==============================================
``am_peak``    ``weekday_peak``       the morning peak, on the roads and the tram
``off_peak``   ``weekday_offpeak``    a weekday outside the peaks
``free_flow``  ``weekday_offpeak``    empty roads are never the peak hour: free
                                      flow idealises the off-peak roads (no
                                      congestion, no junction delay), so it keeps
                                      the off-peak tram, and a comparison of
                                      ``free_flow`` with ``off_peak`` shows the
                                      road model alone
=============  =====================  ==============================================

A graph timed without a speed profile (travel times at the legal or class
speeds) is a ``free_flow`` graph. A run may still override the headway
(``seriana accessibility --peak`` / ``--off-peak``, a scenario's
``transit: {peak: ...}``): the run is then *mixed*, and its period
(:class:`RunPeriod`) says so in the run's options and provenance.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for a graph)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..network.profile import DEFAULT_TIME_OF_DAY, check_time_of_day

if TYPE_CHECKING:
    from ..network.routing import RoadGraph

#: The TEB headway periods a run may use (``period`` of ``teb_service.yaml``) → words.
HEADWAY_PERIODS: Mapping[str, str] = MappingProxyType(
    {"weekday_peak": "weekday peak", "weekday_offpeak": "weekday off-peak"}
)
#: Time of day of the road model → the TEB headway period of the same run (module docs).
TRAM_PERIOD: Mapping[str, str] = MappingProxyType(
    {"free_flow": "weekday_offpeak", "off_peak": "weekday_offpeak", "am_peak": "weekday_peak"}
)


def headway_period(*, peak: bool) -> str:
    """``weekday_peak`` or ``weekday_offpeak``: the headway period of ``TransitParams.peak``."""
    return "weekday_peak" if peak else "weekday_offpeak"


def tram_peak(time_of_day: str) -> bool:
    """Whether a run at ``time_of_day`` waits for the tram at its weekday peak headway.

    Parameters
    ----------
    time_of_day
        One of :data:`~seriana_gis.network.profile.TIME_OF_DAY`.

    Returns
    -------
    bool

    Raises
    ------
    ConfigError
        An unknown time of day.
    """
    return TRAM_PERIOD[check_time_of_day(time_of_day)] == "weekday_peak"


def graph_time_of_day(G: RoadGraph) -> str:
    """The time of day of a road graph's travel times (``G.graph["time_of_day"]``).

    A graph (or road arrays) timed by
    :func:`~seriana_gis.network.model.apply_speed_profile` records its time of
    day; one without a speed profile runs at the legal or class speeds, which
    is ``free_flow``.
    """
    attrs = G.graph
    if attrs.get("speed_profile") is None:
        return "free_flow"
    return check_time_of_day(str(attrs.get("time_of_day", DEFAULT_TIME_OF_DAY)))


@dataclass(frozen=True)
class RunPeriod:
    """The time of day of a run's road times and of its TEB headway.

    Attributes
    ----------
    time_of_day
        The road model's time of day.
    peak
        Whether the TEB headway is the weekday peak one (``TransitParams.peak``).
    """

    time_of_day: str
    peak: bool

    def __post_init__(self) -> None:
        check_time_of_day(self.time_of_day)

    @property
    def headway_period(self) -> str:
        """The TEB headway period used: ``weekday_peak`` or ``weekday_offpeak``."""
        return headway_period(peak=self.peak)

    @property
    def mixed(self) -> bool:
        """Whether the TEB headway is not the one of the road times' period (an override)."""
        return self.headway_period != TRAM_PERIOD[self.time_of_day]

    @property
    def label(self) -> str:
        """The period in words, for the provenance and the run options.

        ``off_peak (road times and TEB weekday off-peak headway)``, or for a mixed run
        ``MIXED: road times am_peak, TEB weekday off-peak headway``.
        """
        tram = f"TEB {HEADWAY_PERIODS[self.headway_period]} headway"
        if self.mixed:
            return f"MIXED: road times {self.time_of_day}, {tram}"
        return f"{self.time_of_day} (road times and {tram})"

    def options(self) -> dict[str, object]:
        """The run options that record the period (``seriana runs``)."""
        return {
            "time_of_day": self.time_of_day,
            "tram_headway": self.headway_period,
            "period": self.label,
        }


def run_period(time_of_day: str = DEFAULT_TIME_OF_DAY, *, peak: bool | None = None) -> RunPeriod:
    """The period of a run at ``time_of_day``, with the TEB headway of the same period.

    Parameters
    ----------
    time_of_day
        One of :data:`~seriana_gis.network.profile.TIME_OF_DAY`.
    peak
        Override the TEB headway (True: weekday peak, False: off-peak); None
        (the default): the headway of ``time_of_day`` (:data:`TRAM_PERIOD`).

    Returns
    -------
    RunPeriod

    Raises
    ------
    ConfigError
        An unknown time of day.
    """
    return RunPeriod(time_of_day, tram_peak(time_of_day) if peak is None else peak)
