"""Accessibility: car and TEB transit times, isochrones, OD matrices, catchments, rasters, scenarios.

Entry point: :func:`run_accessibility` (and :func:`run_scenario`); the CLI
command ``seriana accessibility`` runs it on the territorial database through
:func:`accessibility_stage` and :func:`write_accessibility` (:mod:`.pipeline`),
which notebooks and batch runs call too. Each
module documents its model and parameters:

- :mod:`.transit`: the TEB tram as a transit graph (commercial speed, headways,
  walking, park and ride, feeders, the planned extension);
- :mod:`.times`: car and transit times per site, town-centre rule, OD matrices;
- :mod:`.isochrones`: polygons of the area within 10/20/30/45 min of a destination;
- :mod:`.catchment`: residents within 15/30 min and Hansen accessibility;
- :mod:`.raster`: travel-time GeoTIFFs (100 m, EPSG:32632);
- :mod:`.scenarios`: scenario files (TEB extension, links added/removed/slowed) and deltas.
"""

from __future__ import annotations

from .catchment import BETA_PER_MIN, catchment, catchment_sums, population_centres
from .isochrones import isochrones
from .pipeline import AccessibilityStage, accessibility_stage, load_road_graph, write_accessibility
from .raster import TravelTimeRaster, travel_time_raster
from .run import AccessibilityResult, run_accessibility, run_scenario
from .scenarios import Scenario, apply_road_changes, load_scenario, parse_scenario, scenario_deltas
from .times import (
    car_minutes,
    combine_legs,
    destination_table,
    layer_od_matrix,
    locate_sites,
    transit_table,
    travel_times,
    walk_minutes,
)
from .transit import Feeder, TransitParams, ride_matrix, tram_stops, transit_graph

__all__ = [
    "BETA_PER_MIN",
    "AccessibilityResult",
    "AccessibilityStage",
    "Feeder",
    "Scenario",
    "TransitParams",
    "TravelTimeRaster",
    "accessibility_stage",
    "apply_road_changes",
    "car_minutes",
    "catchment",
    "catchment_sums",
    "combine_legs",
    "destination_table",
    "isochrones",
    "layer_od_matrix",
    "load_road_graph",
    "load_scenario",
    "locate_sites",
    "parse_scenario",
    "population_centres",
    "ride_matrix",
    "run_accessibility",
    "run_scenario",
    "scenario_deltas",
    "tram_stops",
    "transit_graph",
    "transit_table",
    "travel_time_raster",
    "travel_times",
    "walk_minutes",
    "write_accessibility",
]
