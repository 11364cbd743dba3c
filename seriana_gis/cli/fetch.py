"""``seriana fetch``: download OpenStreetMap data once, cached for offline builds."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from ..build import DEFAULT_CACHE, Territory, download_area_features, teb_feed
from ..config import load_study_area
from ..layers.municipalities import municipalities_layer
from ..sources import osm
from ..sources.overpass import check_overpass_url
from ._common import CacheOpt, ConfigOpt, OverpassOpt, done, report_errors

HELP = """\
Download OpenStreetMap data for the study area through osmnx and keep it in
the cache folder, so that later builds with 'kind: osm' sources run offline.
When the configuration's teb source is a GTFS feed given by 'url', 'teb'
downloads that feed (again) instead.

Examples:

  seriana fetch tourism

  seriana fetch all --cache cache/

  seriana fetch teb --overpass-url https://overpass.kumi.systems/api
"""


class What(enum.StrEnum):
    """What to download."""

    tourism = "tourism"
    teb = "teb"
    roads = "roads"
    all = "all"


@report_errors
def fetch(
    what: Annotated[What, typer.Argument(help="tourism, teb, roads or all.")] = What.all,
    config: ConfigOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    overpass_url: OverpassOpt = None,
) -> None:
    area = load_study_area(config)
    if overpass_url is not None:
        check_overpass_url(overpass_url)
    t = Territory(area=area)
    t.add("municipalities", municipalities_layer(area))
    if what in (What.tourism, What.all):
        n = len(
            download_area_features(
                t,
                osm.TOURISM_TAGS,
                cache_dir=cache,
                overpass_url=overpass_url,
                what="tourism features",
            )
        )
        done(f"tourism: {n} OSM features cached in {cache}")
    teb_spec = area.source("teb")
    if what in (What.teb, What.all) and teb_spec.kind == "gtfs":
        if teb_spec.url is None:
            done(f"TEB: local GTFS feed {teb_spec.path}; nothing to download")
        else:
            feed = teb_feed(teb_spec, cache_dir=cache, refresh=True)
            done(f"TEB: GTFS feed {teb_spec.url} cached as {feed}")
    elif what in (What.teb, What.all):
        n = len(
            download_area_features(
                t, osm.TEB_TAGS, cache_dir=cache, overpass_url=overpass_url, what="TEB features"
            )
        )
        done(f"TEB: {n} OSM features cached in {cache}")
    if what in (What.roads, What.all):
        from ..network.sources import fetch_roads
        from ..network.walk import fetch_walk

        graph = fetch_roads(t.polygon, crs=area.crs, cache_dir=cache, overpass_url=overpass_url)
        done(
            f"roads: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges cached in {cache}"
        )
        walk = fetch_walk(t.polygon, crs=area.crs, cache_dir=cache, overpass_url=overpass_url)
        done(
            f"pedestrian network: {walk.number_of_nodes()} nodes, {walk.number_of_edges()} edges "
            f"cached in {cache}"
        )
