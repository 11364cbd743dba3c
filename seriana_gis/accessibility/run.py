"""Everything at once: :func:`run_accessibility` and :func:`run_scenario`.

Given the territorial database's layers and a road graph, computes for each
site layer (``brownfields``, ``municipalities``, ``tourism_assets``) the car and
transit times to each destination with their legs, the walk to the nearest TEB
stop, the car time to the nearest A4 junction, the population catchments and
Hansen accessibility; the isochrones around each destination; an OD matrix
(municipalities × brownfields); and a travel-time raster per destination. A
scenario reruns the same on a changed road graph and/or with the TEB extension
and reports the differences.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from .. import columns as names
from .._errors import DataError, NetworkError
from .._progress import task
from ..config import DEFAULT_CRS
from ..network import get_engine
from ..network.hgv import lorry_graph, lorry_streets
from ..network.routing import RoadGraph
from ..network.snap import MAX_SNAP_M
from .catchment import BETA_PER_MIN, THRESHOLDS_MIN, catchment
from .isochrones import BUFFER_M, ISOCHRONE_MINUTES, isochrones
from .period import HEADWAY_PERIODS, RunPeriod, graph_time_of_day, run_period
from .raster import CELL_M, TravelTimeRaster, travel_time_raster
from .scenarios import Scenario, apply_road_changes, scenario_deltas
from .times import destination_table, layer_od_matrix, lorry_times, travel_times
from .transit import TransitParams, params_from_mapping, tram_stops

if TYPE_CHECKING:
    from ..economy.scenario import JobLossScenario

logger = logging.getLogger(__name__)

#: The layers that get accessibility columns.
SITE_LAYERS: tuple[str, ...] = ("brownfields", "municipalities", "tourism_assets")
#: Default destinations (the StudyArea default).
DEFAULT_DESTINATIONS: tuple[str, ...] = ("bgy", "bergamo")


@dataclass
class AccessibilityResult:
    """What :func:`run_accessibility` computed.

    Attributes
    ----------
    layers
        Each site layer with its result columns appended (a new GeoDataFrame).
    tables
        The result columns alone, per layer, on the layer's index.
    isochrones
        The ``isochrones`` layer (destination, minutes, area_km2, method, geometry).
    rasters
        ``car_{d}_min`` → :class:`~seriana_gis.accessibility.raster.TravelTimeRaster`.
    od
        Car minutes, municipality (ISTAT) × brownfield id (empty if either is missing).
    stops
        The tram stops used (with the extension's when on).
    params
        The transit parameters used.
    with_extension
        Whether the TEB extension was run.
    destinations
        The destination ids.
    period
        The time of day of the road times and the TEB headway period
        (:class:`~seriana_gis.accessibility.period.RunPeriod`; ``mixed`` when
        the parameters override the headway of the road times' period).
    notes
        What was left out, and the run's period in words.
    """

    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    isochrones: gpd.GeoDataFrame
    rasters: dict[str, TravelTimeRaster]
    od: pd.DataFrame
    stops: gpd.GeoDataFrame | None
    params: TransitParams
    with_extension: bool
    destinations: tuple[str, ...]
    period: RunPeriod
    notes: list[str] = field(default_factory=list)


#: Columns an accessibility run adds beside the derived ones of :mod:`seriana_gis.columns`.
_RUN_COLUMNS = frozenset({"road_node", "snap_m", "snap_flag", "snap_note", names.JOBS_LOST_REACH})


def strip_results(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` without the columns an earlier accessibility run added.

    Parameters
    ----------
    gdf
        A site layer, possibly read back from the database (not changed).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer without ``car_*``, ``transit_*``, ``walk_*``, ``pop_*min``,
        ``hansen_pop``, ``delta_*``, ``road_node`` and ``snap_*`` columns.
    """
    drop = [
        c
        for c in gdf.columns
        if isinstance(c, str) and (c in _RUN_COLUMNS or names.is_accessibility_result(c))
    ]
    return gdf.drop(columns=drop)


def _usable(layers: Mapping[str, gpd.GeoDataFrame], name: str) -> gpd.GeoDataFrame | None:
    gdf = layers.get(name)
    if gdf is None:
        return None
    if len(gdf) == 0:
        logger.warning("layer %s is empty: no accessibility columns for it", name)
        return None
    return gdf


def _warn_far_sites(table: pd.DataFrame, gdf: gpd.GeoDataFrame, *, layer: str) -> None:
    """One warning per layer naming the sites snapped over the limit (``snap_flag``)."""
    if "snap_flag" not in table.columns:
        return
    flag = table["snap_flag"].fillna(False).astype(bool)
    if flag.any():
        ids = (gdf["id"] if "id" in gdf.columns else gdf.index.to_series())[flag.to_numpy()]
        listed = ", ".join(map(str, ids[:10])) + (" ..." if len(ids) > 10 else "")
        logger.warning(
            "%s: %d feature(s) lie more than %.0f m from the nearest road node (%s); their times "
            "include a long access leg and are flagged in snap_flag",
            layer,
            len(ids),
            MAX_SNAP_M,
            listed,
        )


def run_accessibility(
    layers: Mapping[str, gpd.GeoDataFrame],
    G: RoadGraph,
    *,
    destinations: Sequence[str] = DEFAULT_DESTINATIONS,
    with_extension: bool = False,
    params: TransitParams | None = None,
    site_layers: Sequence[str] = SITE_LAYERS,
    isochrone_minutes: Sequence[float] = ISOCHRONE_MINUTES,
    isochrone_buffer_m: float = BUFFER_M,
    thresholds: Sequence[float] = THRESHOLDS_MIN,
    beta: float = BETA_PER_MIN,
    walk_graph: RoadGraph | None = None,
    rasters: bool = True,
    cell_m: float = CELL_M,
    job_loss: JobLossScenario | None = None,
    employment: pd.DataFrame | None = None,
) -> AccessibilityResult:
    """Compute every accessibility output.

    Parameters
    ----------
    layers
        The territorial database's layers by name (not changed). Needs
        ``destinations`` and ``municipalities``; ``teb_lines`` and ``teb_stops``
        for transit columns.
    G
        The road graph (not changed).
    destinations
        Destination ids (``bgy``, ``bergamo``, ...).
    with_extension
        Run the planned TEB extension.
    params
        Transit parameters; when omitted, the defaults with the TEB headway of
        ``G``'s time of day (:func:`~seriana_gis.accessibility.period.run_period`).
    site_layers
        The layers to compute columns for (missing or empty ones are skipped).
    isochrone_minutes, isochrone_buffer_m
        Isochrone budgets and buffer.
    thresholds, beta
        Catchment thresholds (min) and Hansen decay (per min).
    walk_graph
        Optional pedestrian graph for the walking legs.
    rasters
        Compute the travel-time rasters.
    cell_m
        Raster cell size.
    job_loss
        The job-loss scenario of the brownfields' ``jobs_lost_reach`` column
        (:mod:`seriana_gis.economy.reach`); default the shipped
        ``analyses/job_loss.yaml``, left out with a warning naming it when it
        does not describe the study area's zones (a scenario given here must).
    employment
        The employment layer, for losses by municipality (default: the
        scenario's territory).

    Returns
    -------
    AccessibilityResult
        See its attributes.

    Raises
    ------
    DataError
        No destinations or municipalities layer.
    NetworkError
        The graph is not routable.
    ConfigError
        An unknown destination id.
    """
    get_engine(G)  # checks the graph once; every later routing call reuses the cached engine
    period = run_period(graph_time_of_day(G), peak=None if params is None else params.peak)
    params = params or TransitParams(peak=period.peak)
    dest_layer = layers.get("destinations")
    munis = layers.get("municipalities")
    for name, gdf in (("destinations", dest_layer), ("municipalities", munis)):
        if gdf is None or len(gdf) == 0:
            msg = f"the {name} layer is missing or empty; rebuild the database with seriana build."
            raise DataError(msg)
    assert dest_layer is not None and munis is not None
    dests = destination_table(G, dest_layer, list(destinations))
    stops = None
    lines, stop_layer = layers.get("teb_lines"), layers.get("teb_stops")
    notes: list[str] = [f"period: {period.label}"]
    if period.mixed:
        logger.warning(
            "mixed period: road times at %s, TEB at the %s headway (an override of the "
            "headway of %s): car and transit times are not of the same hour",
            period.time_of_day,
            HEADWAY_PERIODS[period.headway_period],
            period.time_of_day,
        )
    if lines is not None and stop_layer is not None and len(lines) and len(stop_layer):
        stops = tram_stops(lines, stop_layer, with_extension=with_extension, municipalities=munis)
    else:
        notes.append("no TEB layers: transit columns not computed")
        logger.warning("teb_lines / teb_stops missing or empty: no transit columns")
    lorry = None
    if "brownfields" in site_layers and _usable(layers, "brownfields") is not None:
        try:
            lorry = (lorry_streets(G), lorry_graph(G))
        except NetworkError as exc:
            notes.append(f"no lorry times: {exc}")
            logger.warning("no lorry times: %s", exc)
    out_layers: dict[str, gpd.GeoDataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    steps = len(site_layers) + 1 + (len(dests) if rasters else 0)
    with task("accessibility: routing", total=steps) as advance:
        for name in site_layers:
            gdf = _usable(layers, name)
            if gdf is None:
                continue
            tt = travel_times(
                G,
                gdf,
                dest_layer,
                destination_ids=list(destinations),
                stops=stops,
                params=params,
                layer=name,
                walk_graph=walk_graph,
            )
            tt = tt.rename(columns={"node": "road_node"})
            ca = catchment(G, gdf, munis, layer=name, thresholds=thresholds, beta=beta)
            parts = [tt, ca]
            if name == "brownfields" and lorry is not None:
                # a logistics site's lorries: to the A4 over the roads fit for them
                parts.append(lorry_times(*lorry, gdf, dest_layer, layer=name))
            table = pd.concat(parts, axis=1)
            tables[name] = table
            _warn_far_sites(table, gdf, layer=name)
            kept = strip_results(gdf)
            kept = kept.drop(columns=[c for c in table.columns if c in kept.columns])
            joined = pd.concat([kept, table], axis=1)
            out_layers[name] = gpd.GeoDataFrame(joined, geometry=gdf.geometry.name, crs=gdf.crs)
            advance(1)
        iso = isochrones(G, dests, minutes=isochrone_minutes, buffer_m=isochrone_buffer_m)
        advance(1)
        grids: dict[str, TravelTimeRaster] = {}
        if rasters:
            area = shapely.union_all(munis.to_crs(DEFAULT_CRS).geometry.to_numpy())
            for d, row in dests.iterrows():
                grids[names.travel_time("car", str(d))] = travel_time_raster(
                    G,
                    row["node"],
                    area,
                    dest_access_s=float(row["access_s"]),
                    destination=str(d),
                    cell_m=cell_m,
                )
                advance(1)
    od = pd.DataFrame()
    bf = _usable(layers, "brownfields")
    if bf is not None and "istat" in munis.columns and "id" in bf.columns:
        od = layer_od_matrix(
            G,
            munis,
            bf,
            origin_id="istat",
            origin_layer="municipalities",
            destination_layer="brownfields",
        )
    if len(od) and "brownfields" in out_layers:
        _add_reach(
            out_layers, tables, od, munis, job_loss, employment, notes, layers.get("economy")
        )
    return AccessibilityResult(
        layers=out_layers,
        tables=tables,
        isochrones=iso,
        rasters=grids,
        od=od,
        stops=stops,
        params=params,
        with_extension=with_extension,
        destinations=tuple(destinations),
        period=period,
        notes=notes,
    )


def _add_reach(
    out_layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame],
    od: pd.DataFrame,
    munis: gpd.GeoDataFrame,
    job_loss: JobLossScenario | None,
    employment: pd.DataFrame | None,
    notes: list[str],
    economy: gpd.GeoDataFrame | None = None,
) -> None:
    """Add ``jobs_lost_reach`` to the brownfields (in place of the outputs being built).

    The losses by municipality of the ``economy`` layer are used when it has
    them (an ``employment`` source); otherwise the scenario's territory's.
    """
    from ..economy.geo import municipal_losses
    from ..economy.reach import COLUMN, reach_from_layers
    from ..economy.scenario import left_out_note, load_scenario

    scenario = job_loss if job_loss is not None else load_scenario()
    if job_loss is None and "zone" in munis.columns:
        # the shipped scenario is the Seriana Valley's: another territory goes without it
        note = left_out_note(
            scenario,
            munis["zone"].astype(str),
            what=f"{COLUMN} not computed",
            named_in="configuration",
        )
        if note is not None:
            logger.warning(note)
            notes.append(note)
            return
    losses = None if employment is not None else municipal_losses(economy)
    reach = reach_from_layers(od, munis, scenario, employment=employment, losses=losses)
    bf = out_layers["brownfields"]
    values = bf["id"].astype(str).map(reach.rename(index=str)).to_numpy(dtype=float)
    bf[COLUMN] = values
    if "brownfields" in tables:
        tables["brownfields"][COLUMN] = values


def run_scenario(
    layers: Mapping[str, gpd.GeoDataFrame],
    G: RoadGraph,
    scenario: Scenario,
    *,
    base: AccessibilityResult,
    rasters: bool = False,
    walk_graph: RoadGraph | None = None,
    job_loss: JobLossScenario | None = None,
) -> tuple[AccessibilityResult, dict[str, pd.DataFrame]]:
    """Rerun with a scenario and compare with the base run.

    Parameters
    ----------
    layers
        As for :func:`run_accessibility` (not changed).
    G
        The base road graph (not changed; the scenario works on a copy).
    scenario
        What changes (:func:`~seriana_gis.accessibility.scenarios.load_scenario`).
    base
        The base run (its destinations, extension switch and parameters are reused
        unless the scenario overrides them).
    rasters
        Compute the scenario's rasters too.
    walk_graph
        Optional pedestrian graph for the walking legs.
    job_loss
        The job-loss scenario of ``jobs_lost_reach``, as for :func:`run_accessibility`.

    Returns
    -------
    tuple
        The scenario's result and, per layer, the deltas
        (:func:`~seriana_gis.accessibility.scenarios.scenario_deltas`).
    """
    H = apply_road_changes(G, scenario.roads) if scenario.roads else G
    params = (
        params_from_mapping(
            scenario.transit, where=f"scenario {scenario.name}, transit", base=base.params
        )
        if scenario.transit
        else base.params
    )
    ext = base.with_extension if scenario.with_extension is None else scenario.with_extension
    result = run_accessibility(
        layers,
        H,
        destinations=base.destinations,
        with_extension=ext,
        params=params,
        rasters=rasters,
        walk_graph=walk_graph,
        job_loss=job_loss,
    )
    deltas = {
        name: scenario_deltas(base.tables[name], result.tables[name])
        for name in base.tables
        if name in result.tables
    }
    return result, deltas
