"""Live OpenStreetMap through osmnx, cached on disk.

Every download goes through osmnx with its response cache in the project's
cache folder, so that ``seriana fetch`` once online makes every later build
work offline. :func:`osm_settings` sets osmnx's (global) settings for one
block and restores them afterwards; it also lets tests point the Overpass
endpoint at a server on 127.0.0.1.

The tourism and TEB readers turn raw OSM features (downloaded, or read from a
local OSM-derived file) into our schemas. OSM data are © OpenStreetMap
contributors, ODbL 1.0.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .._errors import DataError, SourceUnavailableError
from .._progress import task
from .overpass import OverpassError, check_overpass_url, overpass_request

logger = logging.getLogger(__name__)

ATTRIBUTION = "© OpenStreetMap contributors"
LICENCE = "ODbL 1.0"

#: Tags asked of Overpass for tourism assets.
TOURISM_TAGS: dict[str, bool | str | list[str]] = {
    "tourism": ["attraction", "museum", "gallery", "viewpoint", "artwork"],
    "historic": True,
    "amenity": ["place_of_worship", "theatre", "arts_centre"],
    "natural": ["peak", "waterfall", "cave_entrance", "spring"],
    "leisure": ["nature_reserve", "park"],
    "landuse": "winter_sports",
    "boundary": "protected_area",
}
#: Tags asked of Overpass for the TEB light rail.
TEB_TAGS: dict[str, bool | str | list[str]] = {
    "railway": ["tram", "light_rail", "tram_stop"],
}


@contextlib.contextmanager
def osm_settings(
    *, cache_dir: str | Path, overpass_url: str | None = None, offline: bool = False
) -> Iterator[None]:
    """Set osmnx's settings for one block and restore them afterwards.

    Parameters
    ----------
    cache_dir
        Where osmnx caches Overpass responses (``<cache_dir>/osmnx``).
    overpass_url
        Another Overpass endpoint (a mirror, or a local stand-in on 127.0.0.1).
        The rate-limit status check is switched off for it.
    offline
        Answer only from the cache (osmnx's ``cache_only_mode``).

    Within the block osmnx's Overpass requests go through
    :func:`seriana_gis.sources.overpass.overpass_request`.
    """
    import osmnx as ox
    from osmnx import _overpass

    names = ("use_cache", "cache_folder", "overpass_url", "overpass_rate_limit", "cache_only_mode")
    saved = {n: getattr(ox.settings, n) for n in names}
    request = _overpass._overpass_request
    try:
        ox.settings.use_cache = True
        ox.settings.cache_folder = str(Path(cache_dir) / "osmnx")
        if overpass_url is not None:
            ox.settings.overpass_url = check_overpass_url(overpass_url)
            ox.settings.overpass_rate_limit = False
        ox.settings.cache_only_mode = offline
        # bounded retries with visible waits, and errors that say what came back
        _overpass._overpass_request = overpass_request
        yield
    finally:
        _overpass._overpass_request = request
        for n, v in saved.items():
            setattr(ox.settings, n, v)


def download_features(
    polygon: BaseGeometry,
    tags: dict[str, bool | str | list[str]],
    *,
    cache_dir: str | Path,
    overpass_url: str | None = None,
    what: str = "features",
) -> gpd.GeoDataFrame:
    """Download OSM features inside ``polygon`` (EPSG:4326) through osmnx, with the disk cache.

    Raises
    ------
    SourceUnavailableError
        When Overpass cannot be reached and nothing is cached.
    """
    import osmnx as ox

    with (
        osm_settings(cache_dir=cache_dir, overpass_url=overpass_url),
        task(f"OpenStreetMap: {what}"),
    ):
        try:
            gdf = ox.features_from_polygon(polygon, tags)
        except OverpassError as exc:
            msg = f"cannot download {what} from OpenStreetMap: {exc}"
            raise OverpassError(msg) from None
        except ox._errors.InsufficientResponseError:
            return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
        except Exception as exc:  # requests' ConnectionError, HTTPError, Timeout...
            msg = (
                f"cannot download {what} from OpenStreetMap ({type(exc).__name__}: {exc}). "
                "Check the network (or the Overpass endpoint), run `seriana fetch` once online, "
                "or use the embedded default (kind: embedded)."
            )
            raise SourceUnavailableError(msg) from None
    logger.info("OpenStreetMap: %d %s", len(gdf), what)
    return gdf


def _tag(gdf: gpd.GeoDataFrame, key: str) -> pd.Series:
    if key in gdf.columns:
        return gdf[key].astype(object).where(gdf[key].notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def classify_tourism(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Our tourism category for each OSM feature, or None for features that are not assets.

    ========================================================  ==============
    OSM tags                                                  category
    ========================================================  ==============
    ``landuse=winter_sports``, ``piste:type``                  ski_area
    ``tourism=museum|gallery``                                 museum
    ``historic=*``, ``amenity=place_of_worship|theatre|...``   heritage
    ``natural=*``, ``leisure=nature_reserve``, protected area  natural_site
    ``tourism=viewpoint``                                      natural_site
    ``tourism=attraction|artwork``, ``leisure=park``           other
    ========================================================  ==============

    Accommodation and information boards are services, not assets: they get None.
    """
    tourism, historic = _tag(gdf, "tourism"), _tag(gdf, "historic")
    amenity, natural = _tag(gdf, "amenity"), _tag(gdf, "natural")
    leisure, landuse = _tag(gdf, "leisure"), _tag(gdf, "landuse")
    boundary, piste = _tag(gdf, "boundary"), _tag(gdf, "piste:type")
    conditions = [
        (landuse == "winter_sports") | piste.notna(),
        tourism.isin(["museum", "gallery"]),
        historic.notna() | amenity.isin(["place_of_worship", "theatre", "arts_centre"]),
        natural.notna()
        | leisure.isin(["nature_reserve"])
        | (boundary == "protected_area")
        | (tourism == "viewpoint"),
        tourism.isin(["attraction", "artwork"]) | (leisure == "park"),
    ]
    choices = ["ski_area", "museum", "heritage", "natural_site", "other"]
    cat = np.select([c.to_numpy(dtype=bool) for c in conditions], choices, default="")
    return pd.Series(cat, index=gdf.index).replace("", None)


def tourism_from_osm(
    gdf: gpd.GeoDataFrame, *, source_note: str = "OpenStreetMap", crs: str = "EPSG:32632"
) -> gpd.GeoDataFrame:
    """Turn OSM tourism/historic features into ``tourism_assets`` rows.

    Unnamed features and features that are not assets (see :func:`classify_tourism`)
    are dropped. Polygons are kept as polygons.

    Parameters
    ----------
    gdf
        OSM features (from osmnx, or a file with OSM tag columns and an ``osm_id``
        or ``element``/``id`` index).
    source_note
        Stored per row.
    crs
        The CRS of the result.
    """
    if gdf.crs is None:
        msg = "OSM features have no CRS (OSM data are EPSG:4326): set it before converting."
        raise DataError(msg)
    cat = classify_tourism(gdf)
    name = _tag(gdf, "name")
    keep = cat.notna() & name.notna()
    sub = gdf[keep]
    if "osm_id" in sub.columns:
        ids = sub["osm_id"].astype(str)
    else:
        ids = pd.Series(
            ["/".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in sub.index]
        )
    out = gpd.GeoDataFrame(
        {
            "id": ["osm:" + i for i in ids],
            "name": name[keep].to_numpy(),
            "category": cat[keep].to_numpy(),
            "source_note": source_note,
        },
        geometry=sub.geometry.to_numpy(),
        crs=gdf.crs,
    ).to_crs(crs)
    return out.drop_duplicates("id").reset_index(drop=True)


def _track_path(tracks: np.ndarray, stops: list[BaseGeometry]) -> shapely.LineString:
    """One line along the tracks between the two stops farthest apart.

    Track ways (both directions, crossovers, sidings) become a graph on their
    vertices (rounded to 0.1 m); gaps under 50 m between way ends are bridged;
    the shortest path between the graph nodes nearest the two extreme stops is
    the line, oriented to start at its western end.
    """
    import networkx as nx
    from scipy.spatial import cKDTree

    graph = nx.Graph()
    ends: list[tuple[float, float]] = []
    for geom in tracks:
        for part in getattr(geom, "geoms", [geom]):
            xy = [tuple(np.round(c, 1)) for c in shapely.get_coordinates(part)]
            ends += [xy[0], xy[-1]]
            for a, b in itertools.pairwise(xy):
                graph.add_edge(a, b, weight=float(np.hypot(a[0] - b[0], a[1] - b[1])))
    end_arr = np.array(ends)
    for i, j in cKDTree(end_arr).query_pairs(50.0):
        a, b = tuple(end_arr[i]), tuple(end_arr[j])
        if not nx.has_path(graph, a, b):
            graph.add_edge(a, b, weight=float(np.hypot(*(end_arr[i] - end_arr[j]))))
    nodes = np.array(list(graph.nodes))
    tree = cKDTree(nodes)
    sxy = np.array([[p.x, p.y] for p in stops])
    dist = np.hypot(*(sxy[:, None, :] - sxy[None, :, :]).transpose(2, 0, 1))
    i, j = np.unravel_index(np.argmax(dist), dist.shape)
    a, b = (tuple(nodes[tree.query(sxy[k])[1]]) for k in (i, j))
    try:
        path = nx.shortest_path(graph, a, b, weight="weight")
    except nx.NetworkXNoPath:
        msg = "the OSM tram tracks are broken between the end stops (gaps over 50 m)."
        raise DataError(msg) from None
    line = shapely.LineString(path)
    return line.reverse() if path[0][0] > path[-1][0] else line


def teb_from_osm(
    gdf: gpd.GeoDataFrame, *, line_id: str = "T1", crs: str = "EPSG:32632"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build ``teb_lines`` and ``teb_stops`` from OSM tram ways and stop nodes.

    The track ways are merged into one line; stops are the named
    ``railway=tram_stop`` points, one per name (the mean of the platform pair),
    ordered by their position along the line from its end nearest Bergamo FS
    (the westernmost end).
    """
    railway = _tag(gdf, "railway")
    g = gdf.to_crs(crs)
    tracks = g[railway.isin(["tram", "light_rail"]).to_numpy() & g.geom_type.str.contains("Line")]
    stops = g[
        (railway == "tram_stop").to_numpy() & (g.geom_type == "Point") & _tag(g, "name").notna()
    ]
    if tracks.empty or stops.empty:
        msg = "no TEB tracks or stops in the OSM data: check the area covers the line."
        raise DataError(msg)
    by_name = stops.groupby(_tag(stops, "name").to_numpy())
    pts = {n: shapely.centroid(shapely.MultiPoint(list(grp.geometry))) for n, grp in by_name}
    merged = _track_path(tracks.geometry.to_numpy(), list(pts.values()))
    order = sorted(pts, key=lambda n: merged.project(pts[n]))
    stop_gdf = gpd.GeoDataFrame(
        {
            "id": [f"{line_id}_{i + 1:02d}" for i in range(len(order))],
            "name": order,
            "line": line_id,
            "seq": np.arange(1, len(order) + 1),
            "municipality": None,
            "status": "existing",
        },
        geometry=[pts[n] for n in order],
        crs=crs,
    )
    line_gdf = gpd.GeoDataFrame(
        {
            "id": [line_id],
            "name": [f"TEB {line_id}"],
            "status": ["existing"],
            "length_m": [merged.length],
            "source_note": ["OpenStreetMap (track ways merged)"],
        },
        geometry=[merged],
        crs=crs,
    )
    return line_gdf, stop_gdf
