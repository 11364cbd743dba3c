"""The accessibility stage as ``seriana accessibility`` and the notebooks run it.

:func:`run_accessibility` computes from layers and a graph; this module adds
what a command does around it, so that the command, the notebooks and any
batch runner share one implementation:

- :func:`load_road_graph`: the database's road graph, else the configured source;
- :func:`run_transit_params`: the territory's tram parameters at the graph's period;
- :func:`walk_network`: the pedestrian graph the ``--walk`` rule asks for;
- :func:`accessibility_stage`: a run, and with a scenario the scenario's own results
  with its changes from the run without it (``delta_*``) beside them;
- :func:`accessibility_tables`: the CSV tables of a stage, by file name;
- :func:`accessibility_provenance`: the provenance rows of the layers it writes;
- :func:`write_accessibility`: the database layers, CSV files and rasters.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for a graph)

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from .. import columns
from .._errors import ConfigError, DataError
from .._io import atomic_path, check_writable, staged_outputs
from ..build import DEFAULT_CACHE, Territory, road_graph, speed_profile
from ..config import StudyArea
from ..database import provenance_frame, read_provenance
from ..network import gdfs_to_graph
from ..network.arrays import RoadArrays, use_arrays
from ..network.model import apply_speed_profile, profile_note
from ..network.osm_arrays import walk_arrays_from_osm_file
from ..network.overpass_arrays import fetch_walk_arrays
from ..network.profile import DEFAULT_TIME_OF_DAY, check_time_of_day
from ..network.routing import RoadGraph, _as_arrays
from ..network.sources import osm_file_kind
from ..network.walk import fetch_walk, walk_graph, walk_graph_from_osm_file
from ..runs import (
    BASE,
    RunRecord,
    layer_name,
    now,
    result_columns,
    slug,
    write_run,
)
from ..sources.embedded import embedded_dir
from ..staleness import input_hashes, strip_suitability
from .period import HEADWAY_PERIODS, graph_time_of_day, run_period
from .run import DEFAULT_DESTINATIONS, SITE_LAYERS, AccessibilityResult, run_accessibility
from .run import run_scenario as _run_scenario
from .scenarios import Scenario
from .service import transit_params
from .times import check_destinations
from .transit import TransitParams

logger = logging.getLogger(__name__)

#: The database layers accessibility reads (hashed for staleness).
ACCESSIBILITY_INPUTS: tuple[str, ...] = (
    "destinations",
    "municipalities",
    *SITE_LAYERS,
    "teb_lines",
    "teb_stops",
    "road_edges",
    "road_nodes",
)
#: How walks to and from the TEB are timed (``seriana accessibility --walk``).
WalkRule = Literal["auto", "roads", "straight"]
#: The id columns kept beside a scenario's deltas in its CSV files.
_ID_COLUMNS = ("id", "istat", "name")


def load_road_graph(
    layers: Mapping[str, gpd.GeoDataFrame],
    area: StudyArea,
    *,
    cache_dir: Path = DEFAULT_CACHE,
    speeds: str | Path | None = None,
    time_of_day: str = DEFAULT_TIME_OF_DAY,
    lean: bool | None = None,
) -> tuple[RoadGraph, str]:
    """The database's road graph, else one from the configuration's road source, timed.

    A large graph (:data:`~seriana_gis.network.arrays.LEAN_MIN_NODES` nodes in the
    database, or an OSM file of :data:`~seriana_gis.network.arrays.LEAN_MIN_PBF_BYTES` of
    PBF or the XML size holding as much)
    is held as road arrays (:class:`~seriana_gis.network.arrays.RoadArrays`), never as
    a networkx graph; every later step accepts either and gives the same times.

    Parameters
    ----------
    layers
        The territorial database's layers (``road_nodes`` and ``road_edges``
        when the database holds a road graph; ``municipalities`` otherwise).
    area
        The study area (its ``roads`` source is used when the database has no graph).
    cache_dir
        Cache folder for a downloaded road network.
    speeds
        A speed profile file (``--speeds``); the territory's calibrated profile
        when omitted (:func:`seriana_gis.build.speed_profile`).
    time_of_day
        ``free_flow``, ``off_peak`` or ``am_peak``.
    lean
        Force road arrays (True) or networkx (False); None: by size, or the
        ``SERIANA_LEAN`` environment variable (:func:`~seriana_gis.network.arrays.use_arrays`).

    Returns
    -------
    tuple
        The graph (or road arrays), its ``travel_time`` from the road model under the profile
        (``G.graph["speed_profile"]``, ``G.graph["time_of_day"]``), and a short
        description of where it came from.
    """
    profile = speed_profile(area, speeds)
    nodes, edges = layers.get("road_nodes"), layers.get("road_edges")
    if nodes is not None and edges is not None and len(nodes) and len(edges):
        base: RoadGraph = (
            RoadArrays.from_layers(nodes, edges)
            if use_arrays(nodes=len(nodes), lean=lean)
            else gdfs_to_graph(nodes, edges)
        )
        graph = apply_speed_profile(base, profile, time_of_day=check_time_of_day(time_of_day))
        return graph, "road_edges/road_nodes of the database"
    t = Territory(area=area)
    t.layers["municipalities"] = layers["municipalities"]
    graph, prov = road_graph(
        t, cache_dir=cache_dir, profile=profile, time_of_day=time_of_day, lean=lean
    )
    return graph, str(prov.get("source", "configured road source"))


def run_transit_params(G: RoadGraph, area: StudyArea, *, peak: bool | None = None) -> TransitParams:
    """The territory's tram parameters at the headway of ``G``'s time of day.

    The published facts of the territory's ``teb_service.yaml`` when it ships one
    (:func:`~seriana_gis.accessibility.service.transit_params`), with the headway of the
    road graph's period (:mod:`seriana_gis.accessibility.period`): the command, batch
    and the notebooks wait for the tram at the hour their roads are timed for.

    Parameters
    ----------
    G
        The road graph (:func:`load_road_graph`; its ``time_of_day``).
    area
        The study area (its embedded folder).
    peak
        Override the headway (``--peak`` / ``--off-peak``): a mixed run.

    Returns
    -------
    TransitParams
    """
    return transit_params(embedded_dir(area), time_of_day=graph_time_of_day(G), peak=peak)[0]


def walk_network(
    G: RoadGraph,
    area: StudyArea,
    *,
    walk: WalkRule = "auto",
    municipalities: gpd.GeoDataFrame | None = None,
    cache_dir: Path = DEFAULT_CACHE,
) -> RoadGraph | None:
    """The pedestrian graph for the walks to and from the TEB, or None for straight lines.

    When the roads come from OpenStreetMap (``kind: file`` or ``kind: osm``)
    the walks run on OSM's pedestrian network (footways, paths, crossings,
    pedestrian streets and the streets: :func:`~seriana_gis.network.walk.walk_graph_from_osm_file`,
    :func:`~seriana_gis.network.walk.fetch_walk`); on another road graph, on its
    walkable part (:func:`~seriana_gis.network.walk.walk_graph`).

    Parameters
    ----------
    G
        The road graph (not changed).
    area
        The study area: ``auto`` walks on a network unless the roads are the
        embedded strategic network (main roads only).
    walk
        ``roads`` (a network), ``straight`` (lines x the detour factor) or ``auto``.
    municipalities
        The study area's municipalities (the polygon of a live ``kind: osm`` download).
    cache_dir
        The download cache of a ``kind: osm`` source.

    Returns
    -------
    networkx.MultiDiGraph or None
    """
    if walk not in ("auto", "roads", "straight"):
        msg = f"walk must be 'auto', 'roads' or 'straight', got {walk!r}."
        raise ConfigError(msg)
    spec = area.source("roads")
    on_roads = walk == "roads" or (walk == "auto" and spec.kind != "embedded")
    if not on_roads:
        return None
    if spec.kind == "file" and spec.path is not None:
        if _as_arrays(G) is not None and osm_file_kind(spec.path) is not None:
            return walk_arrays_from_osm_file(spec.path)  # a large territory: arrays, as its roads
        return walk_graph_from_osm_file(spec.path)
    if spec.kind == "osm" and municipalities is not None:
        if _as_arrays(G) is not None:  # a large territory: arrays, as its roads
            return fetch_walk_arrays(municipalities, cache_dir=cache_dir)
        return fetch_walk(municipalities, cache_dir=cache_dir)
    return walk_graph(G)


def check_accessibility_inputs(
    layers: Mapping[str, gpd.GeoDataFrame],
    destinations: Sequence[str],
    *,
    where: str = "the database",
) -> None:
    """Fail early unless the layers hold every destination asked for.

    Parameters
    ----------
    layers
        The territorial database's layers.
    destinations
        Destination ids.
    where
        What the layers were read from, for the message (the database's path).

    Raises
    ------
    DataError
        The database has no destinations.
    ConfigError
        An unknown destination id.
    """
    dest = layers.get("destinations")
    if dest is None or len(dest) == 0:
        msg = f"{where} has no destinations; rebuild it with seriana build."
        raise DataError(msg)
    check_destinations(dest, list(destinations))


@dataclass(frozen=True)
class AccessibilityStage:
    """One accessibility run as a command writes it.

    Attributes
    ----------
    result
        The run's result (:func:`~seriana_gis.accessibility.run.run_accessibility`):
        with a scenario, the scenario's (its times, catchments, isochrones,
        rasters), so that the run's layers and files are the scenario's own.
    layers
        Each site layer with its result columns and, with a scenario, its
        ``delta_*`` columns (scenario minus the same options without it).
    scenario
        The scenario of the run, if any.
    deltas
        Per site layer, the scenario's ``delta_*`` columns (empty without a scenario).
    graph_source
        Where the road graph came from.
    inputs
        The hashes of the database layers read (``layer:<name>``, see
        :func:`seriana_gis.staleness.input_hashes`).
    road_times
        Which speed profile and time of day timed the roads
        (:func:`~seriana_gis.network.model.profile_note`).
    """

    result: AccessibilityResult
    layers: dict[str, gpd.GeoDataFrame]
    scenario: Scenario | None = None
    deltas: dict[str, pd.DataFrame] = field(default_factory=dict)
    graph_source: str = "road graph"
    inputs: dict[str, str] = field(default_factory=dict)
    road_times: str = ""

    @property
    def columns(self) -> dict[str, list[str]]:
        """The result columns added to each layer."""
        return {
            name: [*table.columns, *self.deltas.get(name, pd.DataFrame()).columns]
            for name, table in self.result.tables.items()
        }

    @property
    def database_layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers written back into the territorial database."""
        return {**self.layers, "isochrones": self.result.isochrones}

    @property
    def note(self) -> str:
        """One line saying what was computed, for the provenance table."""
        r = self.result
        return (
            f"car and TEB transit times to {', '.join(r.destinations)} on {self.graph_source}; "
            + f"period {r.period.label}; "
            + (f"{self.road_times}; " if self.road_times else "")
            + f"TEB {HEADWAY_PERIODS[r.period.headway_period]} headway "
            f"{r.params.headway_min:g} min, wait {r.params.wait_min:g} min ({r.params.source}); "
            f"TEB extension {'on' if r.with_extension else 'off'}"
            + (
                f"; scenario {self.scenario.name} (delta_* columns: the change from the run "
                "without it)"
                if self.scenario is not None
                else ""
            )
        )


def accessibility_stage(
    layers: Mapping[str, gpd.GeoDataFrame],
    G: RoadGraph,
    *,
    destinations: Sequence[str] = DEFAULT_DESTINATIONS,
    with_extension: bool = False,
    params: TransitParams | None = None,
    scenario: Scenario | None = None,
    walk_graph: RoadGraph | None = None,
    graph_source: str = "road graph",
    run: str = BASE,
    records: Sequence[RunRecord] = (),
    job_loss: Path | None = None,
) -> AccessibilityStage:
    """Run accessibility on the database's layers, and a scenario against it.

    Parameters
    ----------
    layers
        The territorial database's layers (not changed); needs ``destinations``.
    G
        The road graph (:func:`load_road_graph`; not changed).
    destinations
        Destination ids, checked against the ``destinations`` layer.
    with_extension
        Run the planned TEB extension.
    params
        Transit parameters (defaults when omitted).
    scenario
        A scenario: the run's results are the scenario's, with its ``delta_*``
        columns (against the same options without the scenario) beside them.
    walk_graph
        The pedestrian graph (:func:`walk_network`), or None for straight walks.
    graph_source
        Where ``G`` came from (for the provenance note).
    run
        The run's name. A run other than ``base`` starts from the site layers
        without the base run's suitability results.
    records
        The database's run records (:func:`seriana_gis.runs.read_runs`), to
        tell input columns from result columns.
    job_loss
        The study area's job-loss scenario file (``StudyArea.job_loss``), for
        ``jobs_lost_reach``; None for the shipped one, left out with a warning
        on a territory it does not describe.

    Returns
    -------
    AccessibilityStage

    Raises
    ------
    DataError
        The database has no destinations.
    ConfigError
        An unknown destination id.
    """
    from ..economy.scenario import load_scenario

    check_accessibility_inputs(layers, destinations)
    inputs = input_hashes(layers, ACCESSIBILITY_INPUTS, records=records)
    if run != BASE:
        layers = {
            **layers,
            **{
                n: strip_suitability(
                    layers[n], drop=result_columns(records, n, stage="suitability")
                )
                for n in SITE_LAYERS
                if n in layers
            },
        }
    jobs = load_scenario(job_loss) if job_loss is not None else None
    result = run_accessibility(
        layers,
        G,
        destinations=destinations,
        with_extension=with_extension,
        params=params,
        walk_graph=walk_graph,
        job_loss=jobs,
        rasters=scenario is None,
    )
    deltas: dict[str, pd.DataFrame] = {}
    if scenario is not None:
        # the run holds the scenario's own results; the run without it is the reference
        # of the deltas only
        result, deltas = _run_scenario(
            layers, G, scenario, base=result, rasters=True, walk_graph=walk_graph, job_loss=jobs
        )
    out = dict(result.layers)
    for name, delta in deltas.items():
        keep = out[name]
        out[name] = gpd.GeoDataFrame(
            pd.concat([keep, delta], axis=1), geometry=keep.geometry.name, crs=keep.crs
        )
    return AccessibilityStage(
        result=result,
        layers=out,
        scenario=scenario,
        deltas=deltas,
        graph_source=graph_source,
        inputs=inputs,
        road_times=profile_note(G),
    )


def accessibility_run_name(
    *,
    scenario: str | None = None,
    with_extension: bool = False,
    peak: bool | None = None,
    walk: str = "auto",
    destinations: Sequence[str] | None = None,
    default_destinations: Sequence[str] = DEFAULT_DESTINATIONS,
    speeds: str | Path | None = None,
    time_of_day: str = DEFAULT_TIME_OF_DAY,
) -> str:
    """The default name of a run: ``base`` with the shipped inputs, else one from the options.

    The period is named by its time of day (the TEB headway follows it,
    :mod:`seriana_gis.accessibility.period`); a headway override (``peak``)
    other than the period's own names the mix.

    Examples: a scenario ``ss671_closed`` gives ``ss671_closed``; the extension
    ``extension``; the morning peak (roads and tram) ``am_peak``; off-peak road
    times with the tram's peak headway ``tram-peak``, the morning-peak roads with
    the off-peak tram ``am_peak_tram-off-peak``; another speed profile
    ``speeds-<file stem>``.
    """
    period = run_period(time_of_day, peak=peak)
    parts = [scenario] if scenario else []
    parts += ["extension"] if with_extension else []
    parts += [] if walk == "auto" else [f"walk-{walk}"]
    parts += [] if time_of_day == DEFAULT_TIME_OF_DAY else [time_of_day]
    parts += ["tram-peak" if period.peak else "tram-off-peak"] if period.mixed else []
    parts += [] if speeds is None else [f"speeds-{Path(speeds).stem}"]
    if destinations is not None and set(destinations) != set(default_destinations):
        parts.append("to-" + "-".join(destinations))
    return slug("_".join(parts)) if parts else BASE


def accessibility_file_names(
    layers: Sequence[str], destinations: Sequence[str], *, scenario: str | None = None
) -> list[str]:
    """The files an accessibility run writes into its output folder.

    Parameters
    ----------
    layers
        The site layers present (non-empty) in the database.
    destinations
        The destination ids (one raster each).
    scenario
        The scenario's name, if one is run.

    Returns
    -------
    list of str
    """
    present = [n for n in SITE_LAYERS if n in layers]
    names = [f"{n}.csv" for n in present]
    names += [f"{columns.travel_time('car', d)}.tif" for d in destinations]
    names += ["od_municipalities_brownfields.csv", "teb_stops_used.csv"]
    if scenario is not None:
        names += [f"scenario_{scenario}_{n}.csv" for n in present]
    return names


def accessibility_tables(stage: AccessibilityStage) -> dict[str, pd.DataFrame]:
    """The CSV tables of a run, by file name (the rasters are in ``stage.result.rasters``).

    Parameters
    ----------
    stage
        The run (:func:`accessibility_stage`).

    Returns
    -------
    dict
        File name → table: one per site layer (without geometry), a scenario's
        deltas beside the ids, the OD matrix and the TEB stops used.
    """
    tables: dict[str, pd.DataFrame] = {}
    if stage.scenario is not None:
        for name, delta in stage.deltas.items():
            keep = stage.result.layers[name]
            ids = pd.DataFrame(keep.drop(columns=keep.geometry.name))
            id_cols = [c for c in _ID_COLUMNS if c in ids.columns]
            tables[f"scenario_{stage.scenario.name}_{name}.csv"] = pd.concat(
                [ids[id_cols], delta], axis=1
            )
    for name, gdf in stage.layers.items():
        tables[f"{name}.csv"] = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    tables["od_municipalities_brownfields.csv"] = stage.result.od
    if stage.result.stops is not None:
        tables["teb_stops_used.csv"] = pd.DataFrame(stage.result.stops.drop(columns="geometry"))
    return tables


def accessibility_provenance(
    old: pd.DataFrame, stage: AccessibilityStage, *, config_hash: str, run: str = BASE
) -> pd.DataFrame:
    """The provenance rows of the layers a run writes.

    A site layer keeps its row (source, licence) with the run's note appended
    after ``" | accessibility: "`` (replacing an earlier run's); ``isochrones``
    gets a row of its own. A named run's layers (``brownfields__extension``)
    take the base layer's row.

    Parameters
    ----------
    old
        The database's provenance table.
    stage
        The run.
    config_hash
        The study-area configuration's hash.
    run
        The run's name.

    Returns
    -------
    pandas.DataFrame
    """
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    note = stage.note if run == BASE else f"run {run}: {stage.note}"
    rows = []
    for name, gdf in stage.database_layers.items():
        hit = old[old["layer"] == name]
        if len(hit) and name != "isochrones":
            row = hit.iloc[0].to_dict()
            prior = row.get("note")
            prior = "" if prior is None or pd.isna(prior) else str(prior)
            # the note before any accessibility run's (none when the layer had no note of
            # its own: then the earlier run's note opens it)
            base_note = f" | {prior}".split(" | accessibility: ")[0]
            row["note"] = f"{base_note} | accessibility: {note}".strip(" |")
        else:
            row = {
                "layer": name,
                "source": f"seriana accessibility: {note}",
                "licence": "as the input layers",
                "attribution": "seriana_gis",
                "edition": now[:10],
                "config_hash": config_hash,
                "note": note,
            }
        row["layer"] = layer_name(name, run)
        row["feature_count"] = len(gdf)
        row["retrieved"] = row.get("retrieved") or now
        rows.append(row)
    return provenance_frame(rows)


def write_accessibility(
    stage: AccessibilityStage,
    *,
    database: Path,
    out: Path,
    config_hash: str,
    run: str = BASE,
    overwrite: bool = False,
    command: str = "seriana accessibility",
    options: Mapping[str, object] | None = None,
    files: Sequence[str | Path] = (),
) -> RunRecord:
    """Write a run in one commit: CSV files and rasters into ``out``, layers and record into the database.

    Every output is staged and moved into place at the end
    (:func:`~seriana_gis._io.staged_outputs`): if anything fails, the previous
    files and database are left as they were. Hold
    :func:`~seriana_gis.lock.database_lock` from before reading the database
    to exclude concurrent writers.

    Parameters
    ----------
    stage
        The run (:func:`accessibility_stage`).
    database
        The territorial database the run read.
    out
        The folder of the CSV files and GeoTIFF rasters.
    config_hash
        The study-area configuration's hash (for new provenance rows).
    run
        The run's name: ``base`` replaces the base results (``brownfields``,
        ``isochrones``, ...), another name writes ``brownfields__{run}``, ...
    overwrite
        Replace existing files in ``out``.
    command
        The command line that computes the run again (for ``seriana status``).
    options
        The options of the run, recorded in the ``runs`` table.
    files
        The input files the run read (scenario, configuration), hashed for staleness.

    Returns
    -------
    RunRecord
        The run's record, as written to the ``runs`` table.

    Raises
    ------
    OutputExistsError
        A file exists in ``out`` and ``overwrite`` is false.
    """
    tables = accessibility_tables(stage)
    rasters = {f"{k}.tif": grid for k, grid in stage.result.rasters.items()}
    for name in [*tables, *rasters]:
        check_writable(out / name, overwrite=overwrite)
    written = stage.database_layers
    record = RunRecord(
        run=run,
        stage="accessibility",
        created=now(),
        command=command,
        options=dict(options or {}),
        inputs={**stage.inputs, **input_hashes({}, (), files=files)},
        layers={name: layer_name(name, run) for name in written},
        columns={layer_name(name, run): cols for name, cols in stage.columns.items()},
        folder=str(Path(out).resolve()),
        files=[*tables, *rasters],
    ).stamped()
    with staged_outputs():
        for name, table in tables.items():
            with atomic_path(out / name, overwrite=overwrite) as tmp:
                table.to_csv(tmp, index=name.startswith("od_"))
        for name, grid in rasters.items():
            grid.write(out / name, overwrite=overwrite)
        prov = accessibility_provenance(
            read_provenance(database), stage, config_hash=config_hash, run=run
        )
        layers = {layer_name(n, run): g for n, g in written.items()}
        write_run(database, record, layers, provenance=prov)
    return record
