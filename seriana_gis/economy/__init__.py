"""The valley's economic base: employment by activity, specialisation, the job-loss scenario.

- :mod:`~seriana_gis.economy.sectors`: ATECO 2007 (from the ``ateco`` package) and the study's sectors;
- :mod:`~seriana_gis.economy.istat`: readers of ISTAT's census and ASIA files and of mapped tables;
- :mod:`~seriana_gis.economy.layer`: the employment layer and sector totals;
- :mod:`~seriana_gis.economy.published`: the published figures of the embedded default;
- :mod:`~seriana_gis.economy.analysis`: location quotients and shift-share;
- :mod:`~seriana_gis.economy.scenario`: the job-loss scenario and the allocation targets by zone;
- :mod:`~seriana_gis.economy.reach`: the criterion "jobs lost within reach".
"""

from .analysis import location_quotient, location_quotients, shift_share, zone_totals
from .istat import read_employment
from .layer import EMPLOYMENT_COLUMNS, sector_employment
from .published import figure, load_published
from .reach import jobs_lost_within_reach, municipal_weights, reach_criterion
from .scenario import (
    JobLossScenario,
    ScenarioLosses,
    ZoneTarget,
    allocation_targets,
    distribute,
    load_scenario,
    scenario_losses,
    zone_losses,
)
from .sectors import SECTORS, ateco_table

__all__ = [
    "EMPLOYMENT_COLUMNS",
    "SECTORS",
    "JobLossScenario",
    "ScenarioLosses",
    "ZoneTarget",
    "allocation_targets",
    "ateco_table",
    "distribute",
    "figure",
    "jobs_lost_within_reach",
    "load_published",
    "load_scenario",
    "location_quotient",
    "location_quotients",
    "municipal_weights",
    "reach_criterion",
    "read_employment",
    "scenario_losses",
    "sector_employment",
    "shift_share",
    "zone_losses",
    "zone_totals",
]
