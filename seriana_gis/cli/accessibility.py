"""``seriana accessibility``: travel times, isochrones, catchments and rasters into the database."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from pathlib import Path
from typing import Annotated

import geopandas as gpd
import networkx as nx
import pandas as pd
import typer

from .._errors import ConfigError, DataError
from .._io import atomic_path, check_writable
from ..accessibility import TransitParams, load_scenario, run_accessibility, run_scenario
from ..accessibility.run import SITE_LAYERS
from ..accessibility.times import check_destinations
from ..build import DEFAULT_CACHE, Territory, road_graph
from ..config import StudyArea, load_study_area
from ..database import DEFAULT_DATABASE, read_database, read_provenance, update_database
from ..network import gdfs_to_graph
from ..network.walk import walk_graph
from ._common import CacheOpt, ConfigOpt, DatabaseOpt, done, report_errors

logger = logging.getLogger(__name__)

HELP = """\
Compute accessibility from the territorial database: car and TEB transit
times (per leg) from every brownfield, municipality and tourism asset to each
destination, the walk to the nearest TEB stop, the car time to the nearest A4
junction, residents within 15 and 30 min and Hansen accessibility, isochrones
(10/20/30/45 min) and a travel-time GeoTIFF per destination. Results go back
into the database (new columns, layer 'isochrones') and into CSV files.

The road graph is the database's road_edges/road_nodes, else the
configuration's road source (the embedded strategic network by default).

Examples:

  seriana accessibility

  seriana accessibility --destinations bgy,bergamo,fiera --off-peak

  seriana accessibility --with-extension --out data/accessibility_ext --overwrite

  seriana accessibility --scenario analyses/scenarios/ss671_closed.yaml --overwrite
"""

OutOpt = Annotated[
    Path, typer.Option("--out", "-o", help="Folder for the CSV files and the GeoTIFF rasters.")
]
DestOpt = Annotated[
    str | None,
    typer.Option(
        "--destinations",
        help="Comma-separated destination ids (default: the configuration's, e.g. bgy,bergamo).",
        show_default=False,
    ),
]
ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="A scenario file (YAML, see analyses/scenarios/): adds delta_* columns.",
        show_default=False,
    ),
]
ExtOpt = Annotated[
    bool, typer.Option("--with-extension", help="Run the planned TEB extension Albino-Vertova.")
]
PeakOpt = Annotated[
    bool, typer.Option("--peak/--off-peak", help="TEB headway: peak (10 min) or off-peak (20 min).")
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace existing CSV and GeoTIFF outputs.")
]


def _destinations(option: str | None, area: StudyArea) -> list[str]:
    if option is None:
        return list(area.destinations)
    ids = [d.strip() for d in option.split(",") if d.strip()]
    if not ids:
        msg = "--destinations: give comma-separated destination ids, e.g. bgy,bergamo."
        raise ConfigError(msg)
    return ids


def load_road_graph(
    layers: dict[str, gpd.GeoDataFrame], area: StudyArea, *, cache_dir: Path
) -> tuple[nx.MultiDiGraph, str]:
    """The database's road graph, else one from the configuration's road source."""
    nodes, edges = layers.get("road_nodes"), layers.get("road_edges")
    if nodes is not None and edges is not None and len(nodes) and len(edges):
        return gdfs_to_graph(nodes, edges), "road_edges/road_nodes of the database"
    t = Territory(area=area)
    t.layers["municipalities"] = layers["municipalities"]
    graph, prov = road_graph(t, cache_dir=cache_dir)
    return graph, str(prov.get("source", "configured road source"))


def _provenance(
    database: Path, names: list[str], counts: dict[str, int], note: str, config_hash: str
) -> pd.DataFrame:
    old = read_provenance(database)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for name in names:
        hit = old[old["layer"] == name]
        if len(hit) and name != "isochrones":
            row = hit.iloc[0].to_dict()
            prior = row.get("note")
            prior = "" if prior is None or pd.isna(prior) else str(prior)
            base_note = prior.split(" | accessibility: ")[0]
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
        row["feature_count"] = counts[name]
        row["retrieved"] = row.get("retrieved") or now
        rows.append(row)
    from ..database import provenance_frame

    return provenance_frame(rows)


class Walk(enum.StrEnum):
    """How walks to and from the TEB are timed."""

    auto = "auto"
    roads = "roads"
    straight = "straight"


WalkOpt = Annotated[
    Walk,
    typer.Option(
        "--walk",
        help="Walks to and from the TEB: over the road network ('roads'), as straight lines "
        "x 1.3 ('straight'), or 'auto': over the roads when they come from OpenStreetMap or an "
        "OSM file, straight on the embedded strategic network (main roads only).",
    ),
]


@report_errors
def accessibility(
    config: ConfigOpt = None,
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("data") / "accessibility",
    destinations: DestOpt = None,
    scenario: ScenarioOpt = None,
    with_extension: ExtOpt = False,
    peak: PeakOpt = True,
    cache: CacheOpt = DEFAULT_CACHE,
    overwrite: OverwriteOpt = False,
    walk: WalkOpt = Walk.auto,
) -> None:
    area = load_study_area(config)
    dest_ids = _destinations(destinations, area)
    scen = load_scenario(scenario) if scenario is not None else None
    layers = read_database(database)
    if "destinations" not in layers or len(layers["destinations"]) == 0:
        msg = f"{database} has no destinations; rebuild it with seriana build."
        raise DataError(msg)
    check_destinations(layers["destinations"], dest_ids)
    graph, graph_source = load_road_graph(layers, area, cache_dir=cache)
    params = TransitParams(peak=peak)
    present = [n for n in SITE_LAYERS if n in layers and len(layers[n])]
    outputs = [out / f"{n}.csv" for n in present]
    outputs += [out / f"car_{d}_min.tif" for d in dest_ids]
    outputs += [out / "od_municipalities_brownfields.csv", out / "teb_stops_used.csv"]
    if scen is not None:
        outputs += [out / f"scenario_{scen.name}_{n}.csv" for n in present]
    for p in outputs:
        check_writable(p, overwrite=overwrite)

    on_roads = walk == Walk.roads or (walk == Walk.auto and area.source("roads").kind != "embedded")
    walk_net = walk_graph(graph) if on_roads else None
    result = run_accessibility(
        layers,
        graph,
        destinations=dest_ids,
        with_extension=with_extension,
        params=params,
        walk_graph=walk_net,
    )
    written = dict(result.layers)
    if scen is not None:
        _, deltas = run_scenario(layers, graph, scen, base=result, walk_graph=walk_net)
        for name, delta in deltas.items():
            keep = written[name]
            written[name] = gpd.GeoDataFrame(
                pd.concat([keep, delta], axis=1), geometry=keep.geometry.name, crs=keep.crs
            )
            with atomic_path(out / f"scenario_{scen.name}_{name}.csv", overwrite=overwrite) as tmp:
                ids = pd.DataFrame(keep.drop(columns=keep.geometry.name))
                id_cols = [c for c in ("id", "istat", "name") if c in ids.columns]
                pd.concat([ids[id_cols], delta], axis=1).to_csv(tmp, index=False)
    for name, gdf in written.items():
        with atomic_path(out / f"{name}.csv", overwrite=overwrite) as tmp:
            pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_csv(tmp, index=False)
    for key, grid in result.rasters.items():
        grid.write(out / f"{key}.tif", overwrite=overwrite)
    with atomic_path(out / "od_municipalities_brownfields.csv", overwrite=overwrite) as tmp:
        result.od.to_csv(tmp)
    if result.stops is not None:
        with atomic_path(out / "teb_stops_used.csv", overwrite=overwrite) as tmp:
            pd.DataFrame(result.stops.drop(columns="geometry")).to_csv(tmp, index=False)

    note = (
        f"car and TEB transit times to {', '.join(dest_ids)} on {graph_source}; "
        f"{'peak' if peak else 'off-peak'} headway; TEB extension "
        f"{'on' if with_extension else 'off'}"
        + (f"; scenario {scen.name} deltas" if scen is not None else "")
    )
    db_layers: dict[str, gpd.GeoDataFrame] = {**written, "isochrones": result.isochrones}
    prov = _provenance(
        database,
        list(db_layers),
        {k: len(v) for k, v in db_layers.items()},
        note,
        area.config_hash,
    )
    update_database(database, db_layers, provenance=prov)
    counts = ", ".join(f"{n} {len(g)}" for n, g in written.items())
    done(f"{database}: accessibility columns for {counts}; isochrones {len(result.isochrones)}")
    done(f"CSV files and rasters in {out}")
