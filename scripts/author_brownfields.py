"""Author layers/default/brownfields.geojson from the register in scripts/brownfields_register.yaml.

A one-off authoring script, run by hand when the register changes (not by the
package, not by CI):

    .venv/bin/python scripts/author_brownfields.py [--shared ../shared/data]

The YAML holds every site's attributes and one ``place`` entry saying how its
footprint is drawn. Three ways, each written to the ``geometry_quality`` column:

``place: {osm: [way/123, relation/45]}`` -> ``osm_outline``
    The outline of the OpenStreetMap area element(s) (their union) in the Bergamo
    snapshot ``osm/bergamo_city_2021-04-17.osm.pbf`` of the shared data, taken
    as pyosmium assembles it (``osmium.geom.WKBFactory().create_multipolygon``).
    The ids go to the ``osm_id`` column.

``place: {block: [lat, lon], streets: [...]}`` -> ``osm_street_block``
    The city block that contains the point, i.e. the face of the snapshot's
    street network (drivable streets, railways, rivers and canals, polygonized
    with shapely) whose boundary runs along the streets the source names as
    the site's boundary. Used where the source describes the site as "between
    streets A, B and C" and no OSM element outlines the site itself. The block
    is the site's envelope: it also holds the street-side buildings.

``place: {block: [lat, lon], streets: [...], footprint: square}`` -> ``approximate_area_at_documented_location``
    As above, but where the block is much larger than the site: a square of the
    published area centred on the block's site point (the position comes from
    the OSM streets the source names; the shape does not).

``place: {lat: .., lon: .., how: "..."}`` -> ``approximate_area_at_documented_location``
    A square of the published ``area_m2``, axis-aligned in EPSG:32632, centred on
    the best published position; ``how`` says where that position comes from and
    is appended to ``source_note``. Everything the OSM snapshot does not cover
    (it stops at the Bergamo city limits) is drawn this way.

The layer is ODbL 1.0 as a whole once one OSM outline is in it ("© OpenStreetMap
contributors"): see layers/README.md. Coordinates are written as RFC 7946 lon/lat
with 6 decimals. ``tests/test_embedded_brownfields.py`` checks the outlines
against the snapshot independently of this script.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
import yaml
from pyproj import Transformer

from seriana_gis.layers.site_point import site_points

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "scripts" / "brownfields_register.yaml"
OUT = ROOT / "layers" / "default" / "brownfields.geojson"
PBF = "osm/bergamo_city_2021-04-17.osm.pbf"

#: Street-network ways whose faces are the city blocks.
BLOCK_HIGHWAYS = frozenset(
    {
        "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
        "living_street", "pedestrian", "motorway_link", "trunk_link", "primary_link",
        "secondary_link", "tertiary_link", "service",
    }
)  # fmt: skip
BLOCK_RAILWAYS = frozenset({"rail", "light_rail", "tram"})
BLOCK_WATERWAYS = frozenset({"river", "canal"})
#: Service ways that do not bound blocks (aisles and driveways inside a lot).
SKIP_SERVICE = frozenset({"parking_aisle", "driveway"})

#: Column order of the layer.
COLUMNS = (
    "id", "name", "municipality", "former_use", "former_company", "closure_year", "area_m2",
    "status", "planned_use", "committed_use", "heritage", "heritage_note", "ownership",
    "geometry_quality", "osm_id", "source_title", "source_url", "source_date", "source_note",
)  # fmt: skip

TO_UTM = Transformer.from_crs(4326, 32632, always_xy=True)
TO_WGS = Transformer.from_crs(32632, 4326, always_xy=True)


def _utm(g: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(g, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def _wgs(g: shapely.Geometry) -> shapely.Geometry:
    out = shapely.transform(g, lambda xy: np.column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1])))
    return shapely.set_precision(out, 1e-6)


class _Reader(osmium.SimpleHandler):
    """Area elements by id and the block-forming ways of the snapshot, in EPSG:32632."""

    def __init__(self, wanted: set[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.areas: dict[str, shapely.Geometry] = {}
        self.lines: list[shapely.LineString] = []
        self.factory = osmium.geom.WKBFactory()

    def way(self, w: Any) -> None:
        t = w.tags
        keep = (
            (t.get("highway") in BLOCK_HIGHWAYS and t.get("service") not in SKIP_SERVICE)
            or t.get("railway") in BLOCK_RAILWAYS
            or t.get("waterway") in BLOCK_WATERWAYS
        )
        if not keep:
            return
        try:
            xy = [(n.lon, n.lat) for n in w.nodes]
        except osmium.InvalidLocationError:
            return  # a way cut by the extract's edge
        if len(xy) >= 2:
            self.lines.append(_utm(shapely.LineString(xy)))

    def area(self, a: Any) -> None:
        oid = ("way/" if a.from_way() else "relation/") + str(a.orig_id())
        if oid in self.wanted:
            wkb = self.factory.create_multipolygon(a)
            self.areas[oid] = _utm(shapely.from_wkb(bytes.fromhex(wkb)))


def square(lat: float, lon: float, area_m2: float) -> shapely.Polygon:
    """A square of ``area_m2`` centred on (lat, lon), axis-aligned in EPSG:32632."""
    x, y = TO_UTM.transform(lon, lat)
    h = math.sqrt(area_m2) / 2
    return shapely.box(x - h, y - h, x + h, y + h)


def _block(lat: float, lon: float, faces: list[shapely.Polygon]) -> shapely.Polygon:
    x, y = TO_UTM.transform(lon, lat)
    p = shapely.Point(x, y)
    hits = [f for f in faces if f.contains(p)]
    if len(hits) != 1:
        msg = f"{len(hits)} street blocks contain {lat}, {lon}; move the point into one block"
        raise SystemExit(msg)
    return hits[0]


def author(shared: Path) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the register."""
    sites = sorted(yaml.safe_load(REGISTER.read_text(encoding="utf-8")), key=lambda s: s["id"])
    wanted = {oid for s in sites for oid in s["place"].get("osm", [])}
    reader = _Reader(wanted)
    reader.apply_file(str(shared / PBF), locations=True)
    missing = wanted - set(reader.areas)
    if missing:
        raise SystemExit(f"OSM elements not found as areas in the snapshot: {sorted(missing)}")
    faces = list(shapely.polygonize(list(shapely.get_parts(shapely.union_all(reader.lines)))).geoms)
    features = []
    for s in sites:
        place = s.pop("place")
        props = dict(s)
        if s.get("area_m2") is None and not ("osm" in place or "point" in place):
            raise SystemExit(f"{s['id']}: a footprint of the published area needs area_m2")
        if "osm" in place:
            geom = shapely.union_all([reader.areas[o] for o in place["osm"]])
            published = s.get("area_m2") is not None
            props["geometry_quality"] = (
                "osm_outline" if published else "osm_outline_area_unpublished"
            )
            props["osm_id"] = ";".join(place["osm"])
        elif "point" in place:
            if s.get("area_m2") is not None:
                raise SystemExit(f"{s['id']}: a published area is drawn as a square, not a point")
            lat, lon = place["point"]
            geom = _utm(shapely.Point(lon, lat))
            props["geometry_quality"] = "point_area_unpublished"
            props["osm_id"] = None
            props["source_note"] = (
                f"{props.get('source_note', '')} No area is published, so none is drawn: the "
                f"point is the documented position ({lat:.5f}, {lon:.5f}): {place['how']}"
            ).strip()
        elif "block" in place and place.get("footprint") == "square":
            lat, lon = place["block"]
            block = _block(lat, lon, faces)
            c = site_points([block])[0]
            h = math.sqrt(float(s["area_m2"])) / 2
            geom = shapely.box(c.x - h, c.y - h, c.x + h, c.y + h)
            props["geometry_quality"] = "approximate_area_at_documented_location"
            props["osm_id"] = None
            streets = ", ".join(place["streets"])
            props["source_note"] = (
                f"{props.get('source_note', '')} Footprint: a square of the published area "
                f"centred on the city block bounded by {streets} (OSM street centrelines of "
                f"2021-04-17; the block is {block.area:,.0f} m2); position good to the block, "
                "shape not documented."
            ).strip()
        elif "block" in place:
            lat, lon = place["block"]
            geom = _block(lat, lon, faces)
            props["geometry_quality"] = "osm_street_block"
            props["osm_id"] = None
            streets = ", ".join(place["streets"])
            props["source_note"] = (
                f"{props.get('source_note', '')} Footprint: the city block bounded by {streets} "
                f"(OSM street centrelines of 2021-04-17; {geom.area:,.0f} m2), as the source "
                "describes the site."
            ).strip()
        else:
            geom = square(place["lat"], place["lon"], float(s["area_m2"]))
            props["geometry_quality"] = "approximate_area_at_documented_location"
            props["osm_id"] = None
            props["source_note"] = (
                f"{props.get('source_note', '')} Footprint: a square of the published area "
                f"centred on the documented position ({place['lat']:.5f}, {place['lon']:.5f}): "
                f"{place['how']}"
            ).strip()
        if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        unknown = set(props) - set(COLUMNS)
        if unknown:
            raise SystemExit(f"{s['id']}: unknown keys {sorted(unknown)}")
        row = {c: props.get(c) for c in COLUMNS}
        features.append(
            {
                "type": "Feature",
                "properties": row,
                "geometry": json.loads(shapely.to_geojson(_wgs(geom))),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    """Write the layer."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    fc = author(args.shared)
    OUT.write_text(json.dumps(fc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(fc['features'])} sites to {OUT}")


if __name__ == "__main__":
    main()
