"""Put the OpenStreetMap streets of Bergamo into the embedded road layer.

A one-off authoring script, run by hand when the snapshot or the joins change
(not by the package, not by CI):

    .venv/bin/python scripts/author_city_roads.py [--shared ../shared/data]

then ``make calibrate-default``.

The embedded default's roads (``layers/default/roads.geojson``) are a strategic
skeleton authored from public facts (links ``R001``...: waypoints 0.3-1.5 km
apart). Inside the coverage of the OpenStreetMap snapshot
``osm/bergamo_city_2021-04-17.osm.pbf`` of the shared data (lon 9.6308-9.7213,
lat 45.6710-45.7241: Bergamo, Gorle, Torre Boldone, south Ranica, the north edge
of the airport) this script replaces the skeleton by the real drivable streets:

1. The snapshot's drivable ways (the osmnx ``drive`` filter: motorway to
   residential, unclassified and living_street, with their links; no service
   roads, tracks or private access) become a simplified road graph, as
   :func:`seriana_gis.network.sources.graph_from_osm_file` builds it but before
   its largest strongly connected component is taken. ``--streets`` chooses
   the classes taken: ``all`` (the drive filter, the default), ``unclassified``
   (residential and living_street left out) or ``tertiary`` (tertiary and
   above only).
2. Every edge becomes one line feature (a two-way street one feature whose
   ``oneway`` is false, a one-way edge a feature drawn in its direction): its
   OSM geometry (coordinates rounded to 6 decimals, about 0.1 m), ``highway``
   (the highest class of a merged edge), ``maxspeed`` (the OSM tag read as km/h
   by :func:`seriana_gis.network.speeds.parse_maxspeed`, empty when untagged),
   ``name`` and ``ref`` (the OSM tags; several merged ways' values joined by
   "; "), ``setting`` urban, and the junction controls the road model charges
   that edge on the OSM graph (``signals_forward/backward``,
   ``roundabout_forward/backward``: :func:`seriana_gis.network.junctions.junction_counts`,
   the rule the links of :mod:`seriana_gis.network.link_controls` are counted
   with). Self-loops are left out. ``source_note`` names the OSM way(s) and the
   licence: these features are ODbL 1.0, "(c) OpenStreetMap contributors".
3. The skeleton links lying wholly inside the coverage are removed; those that
   cross its edge (:data:`JOINS`) keep their vertices outside it and end at the
   OSM node where the same road leaves the snapshot (chosen by hand from the
   snapshot: the road's class, ref and name at the cut). Where that road is a
   dual carriageway cut by the extract, the node is the end of the carriageway
   leaving the city and a short authored one-way connector leads to the start
   of the carriageway entering it.
4. The largest strongly connected part of the whole is kept (OSM features off
   it are dropped; a skeleton link off it stops the script), and the script
   checks that every node of the result reaches every other.

**Status (2026-11-29): tried, not applied.** On the 30 reference trips the refit
with these streets was materially worse than the shipped skeleton, with every
choice of ``--streets`` (largest error and held-out median), and the demo
slower, so ``layers/default/roads.geojson`` is still the skeleton;
benchmarks/README.md ("OpenStreetMap streets of Bergamo") gives the numbers and
the reasons. Run it with ``--out`` to try it without touching the
shipped layer.

The skeleton outside the coverage is not touched. Junction controls of the
remaining skeleton links stay as they were (scripts/author_road_controls.py
counts links inside the snapshot; none is left there).
"""

# ruff: noqa: N803, N806  (H: the networkx / osmnx name for graphs)

from __future__ import annotations

import argparse
import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from seriana_gis.network.graph import GRAPH_CRS
from seriana_gis.network.junctions import class_rank, junction_counts, simplify_road_graph
from seriana_gis.network.sources import graph_from_osm_elements, read_pbf_highways
from seriana_gis.network.speeds import parse_maxspeed

ROOT = Path(__file__).resolve().parents[1]
ROADS = ROOT / "layers" / "default" / "roads.geojson"
SNAPSHOT = Path("osm") / "bergamo_city_2021-04-17.osm.pbf"
#: The snapshot's coverage (lon min, lat min, lon max, lat max; ../shared/data/README.md).
COVERAGE = (9.6308, 45.6710, 9.7213, 45.7241)
#: Skeleton links crossing the coverage's edge: the OSM node the link now ends at
#: (where the same road leaves the snapshot), and the nodes a one-way connector
#: leads to from it (the start of the other carriageway of a dual road cut there). Where
#: several nodes are given, the first one on a street taken (``--streets``).
JOINS: dict[str, tuple[int | tuple[int, ...], tuple[int, ...]]] = {
    # A4 Bergamo exit: the ramps (motorway_link) cut at the south edge: the one leaving
    # the city ends at 254076371, the two entering start at 31330964 and 362832230.
    "R005": (254076371, (31330964, 362832230)),
    # SS671 Asse interurbano towards Seriate (trunk_link SPexSS671) at the south-east
    # corner: carriageway out ends at 1942119131, carriageway in starts at 1942119132.
    "R009": (1942119131, (1942119132,)),
    # Via Aeroporto (SP116) at the south edge: the slip towards the airport (trunk_link)
    # ends at 4018643453, Via Aeroporto northbound starts at 2298225922.
    "R010": (4018643453, (2298225922,)),
    # SS671 variant towards Nembro (trunk, ref SP35 in the snapshot) at the east edge.
    "R030": (243847216, ()),
    # SP35 towards Ranica: Via Giacomo Matteotti at the north edge (Torre Boldone); without
    # the unclassified streets, Via Guglielmo Marconi (tertiary) 350 m east on the same edge.
    "R045": ((973500090, 241869365), ()),
    # Gorle towards Pedrengo: Via Giuseppe Mazzini (tertiary, SP38) at the east edge.
    "R056": (2062365608, ()),
    # Seriate towards Pedrengo: Via Italia (secondary) at the east edge.
    "R057": (7456283227, ()),
}
_MAIN = frozenset(
    {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link"}
    | {"secondary", "secondary_link", "tertiary", "tertiary_link"}
)
#: The OSM classes taken (``--streets``): all drivable ones, or down to unclassified or tertiary.
STREETS: dict[str, frozenset[str] | None] = {
    "all": None,
    "unclassified": _MAIN | {"unclassified"},
    "tertiary": _MAIN,
}
ODBL = "© OpenStreetMap contributors, ODbL 1.0"
OSM_NOTE = "OpenStreetMap way {ways}, snapshot 2021-04-17 (scripts/author_city_roads.py; {odbl})"
CUT_NOTE = (
    "cut at the edge of the OpenStreetMap snapshot's coverage and joined to OSM node {node} "
    "(scripts/author_city_roads.py)"
)
CONNECTOR_NOTE = (
    "authored one-way connector between the carriageways of {name} where the OpenStreetMap "
    "snapshot cuts them (OSM nodes {a} and {b}; scripts/author_city_roads.py; {odbl})"
)
PROPERTIES = (
    "id",
    "name",
    "ref",
    "highway",
    "maxspeed",
    "oneway",
    "setting",
    "sinuosity",
    "signals_forward",
    "signals_backward",
    "roundabout_forward",
    "roundabout_backward",
    "source_note",
)


def snapshot_graph(path: Path) -> nx.MultiDiGraph:
    """The snapshot's drivable roads, simplified, in EPSG:32632, every component kept."""
    nodes, ways = read_pbf_highways(path)
    H = graph_from_osm_elements(nodes, ways, source=str(path))
    return ox.project_graph(simplify_road_graph(H), to_crs=GRAPH_CRS)


def _values(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None or (isinstance(item, float) and math.isnan(item)):
            continue
        if str(item) not in out:
            out.append(str(item))
    return out


def _text(value: object) -> str | None:
    return "; ".join(sorted(_values(value))) or None


def _number(value: object) -> int | float | None:
    speed = parse_maxspeed(value)
    if speed is None:
        return None
    return int(speed) if float(speed).is_integer() else round(speed, 1)


def _lonlat(H: nx.MultiDiGraph, to4326: Transformer, u: int, v: int, d: dict[str, Any]) -> list:
    geom = d.get("geometry")
    xy = (
        list(geom.coords)
        if geom is not None
        else [(H.nodes[u]["x"], H.nodes[u]["y"]), (H.nodes[v]["x"], H.nodes[v]["y"])]
    )
    out: list[list[float]] = []
    for x, y in xy:
        lon, lat = to4326.transform(x, y)
        p = [round(lon, 6), round(lat, 6)]
        if not out or p != out[-1]:
            out.append(p)
    return out


def osm_features(
    H: nx.MultiDiGraph, *, classes: frozenset[str] | None = None
) -> list[tuple[dict[str, Any], list]]:
    """The properties and coordinates of one line feature per street of ``H`` (module docs,
    step 2), of the given classes only (all when None; junction controls still counted on
    the whole of ``H``, as on the OSM graph)."""
    counts = junction_counts(H)
    to4326 = Transformer.from_crs(GRAPH_CRS, "EPSG:4326", always_xy=True)
    coords = {e: _lonlat(H, to4326, e[0], e[1], H.edges[e]) for e in H.edges(keys=True)}
    by_pair: dict[tuple[int, int], list] = defaultdict(list)
    for e in coords:
        by_pair[e[:2]].append(e)
    done: set = set()
    out = []
    for e in sorted(coords, key=lambda e: (e[0], e[1], e[2])):
        u, v, _ = e
        if e in done or u == v or len(coords[e]) < 2:
            continue
        done.add(e)
        back = next(
            (b for b in by_pair[(v, u)] if b not in done and coords[b] == coords[e][::-1]), None
        )
        d = H.edges[e]
        highway = max(sorted(_values(d.get("highway"))), key=class_rank)
        if classes is not None and highway not in classes:
            continue
        ways = sorted({int(w) for w in _values(d.get("osmid"))})
        props: dict[str, Any] = {
            "name": _text(d.get("name")),
            "ref": _text(d.get("ref")),
            "highway": highway,
            "maxspeed": _number(d.get("maxspeed")),
            "oneway": back is None,
            "setting": "urban",
            "sinuosity": 1.0,
            "signals_forward": counts[e]["signals"],
            "signals_backward": None,
            "roundabout_forward": counts[e]["roundabout"],
            "roundabout_backward": None,
            "source_note": OSM_NOTE.format(ways=", ".join(map(str, ways)), odbl=ODBL),
        }
        if back is not None:
            done.add(back)
            props["signals_backward"] = counts[back]["signals"]
            props["roundabout_backward"] = counts[back]["roundabout"]
        out.append((props, coords[e]))
    return out


def _inside(p: list[float]) -> bool:
    return box(*COVERAGE).covers(Point(p))


def skeleton(
    doc: dict, node_lonlat: dict[int, list[float]], on_streets: set[tuple[float, float]]
) -> list[dict]:
    """The skeleton's features outside the coverage; crossing links cut and joined (step 3)
    to a node at an end of a street taken (``on_streets``: rounded lon/lat)."""
    out = []
    for feature in doc["features"]:
        props = dict(feature["properties"])
        fid = props["id"]
        coords = feature["geometry"]["coordinates"]
        inside = [_inside(p) for p in coords]
        if not any(inside):
            out.append(feature)
            continue
        if all(inside):
            continue
        if fid not in JOINS:
            msg = f"{fid} crosses the edge of the snapshot's coverage: give its join in JOINS."
            raise SystemExit(msg)
        nodes, others = JOINS[fid]
        taken = [n for n in np.atleast_1d(nodes).tolist() if _key(node_lonlat[n]) in on_streets]
        if not taken:
            msg = f"{fid}: none of the join nodes {nodes} is on a street taken; check JOINS."
            raise SystemExit(msg)
        node = taken[0]
        if inside[0] and not inside[-1]:
            kept = [node_lonlat[node], *coords[max(i for i, s in enumerate(inside) if s) + 1 :]]
        elif inside[-1] and not inside[0]:
            kept = [*coords[: min(i for i, s in enumerate(inside) if s)], node_lonlat[node]]
        else:
            msg = f"{fid} crosses the coverage's edge more than once; split it first."
            raise SystemExit(msg)
        note = str(props["source_note"]).split("; " + CUT_NOTE.split(" and")[0])[0]
        props["source_note"] = f"{note}; {CUT_NOTE.format(node=node)}"
        out.append(_feature(props, kept))
        for i, other in enumerate(others, start=1):
            connector = {
                **{k: props.get(k) for k in PROPERTIES},
                "id": f"{fid}J{i}",
                "oneway": True,
                "sinuosity": 1.0,
                "source_note": CONNECTOR_NOTE.format(
                    name=props["name"], a=node, b=other, odbl=ODBL
                ),
            }
            for k in PROPERTIES[8:12]:
                connector[k] = None
            out.append(_feature(connector, [node_lonlat[node], node_lonlat[other]]))
    return out


def _feature(props: dict[str, Any], coords: list) -> dict:
    return {
        "type": "Feature",
        "properties": {k: props.get(k) for k in PROPERTIES},
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def _key(p: list[float]) -> tuple[float, float]:
    return (round(p[0], 6), round(p[1], 6))


def merged_ends(features: list[dict], *, tolerance_m: float = 1.0) -> list[tuple[int, int]]:
    """Each feature's end nodes as :func:`seriana_gis.network.lines.graph_from_lines` makes
    them (ends within ``tolerance_m`` merged, chains included)."""
    ends = [
        _key(c)
        for f in features
        for c in (f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1])
    ]
    keys = sorted(set(ends))
    lonlat = np.array(keys)
    x, y = Transformer.from_crs("EPSG:4326", GRAPH_CRS, always_xy=True).transform(
        lonlat[:, 0], lonlat[:, 1]
    )
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(r=tolerance_m, output_type="ndarray")
    n = len(keys)
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    index = {k: int(label[i]) for i, k in enumerate(keys)}
    return [(index[ends[2 * i]], index[ends[2 * i + 1]]) for i in range(len(features))]


def directed(features: list[dict]) -> nx.DiGraph:
    """The features' end-to-end directed graph (nodes: :func:`merged_ends`)."""
    D = nx.DiGraph()
    for f, (a, b) in zip(features, merged_ends(features), strict=True):
        D.add_edge(a, b)
        if not f["properties"]["oneway"]:
            D.add_edge(b, a)
    return D


def main() -> None:
    """Read the layer and the snapshot, replace the city skeleton, write the layer back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--base", type=Path, default=ROADS, help="skeleton layer to start from")
    parser.add_argument("--out", type=Path, default=ROADS, help="layer to write")
    parser.add_argument(
        "--streets",
        choices=sorted(STREETS),
        default="all",
        help="which OSM classes to take (all: the drive filter)",
    )
    args = parser.parse_args()
    doc = json.loads(args.base.read_text(encoding="utf-8"))
    # the authored skeleton only (a layer this script wrote holds OSM streets and connectors)
    doc["features"] = [f for f in doc["features"] if re.fullmatch(r"R\d{3}", f["properties"]["id"])]
    H = snapshot_graph(args.shared / SNAPSHOT)
    to4326 = Transformer.from_crs(GRAPH_CRS, "EPSG:4326", always_xy=True)
    node_lonlat = {
        int(n): [round(c, 6) for c in to4326.transform(H.nodes[n]["x"], H.nodes[n]["y"])]
        for n in H.nodes
    }
    streets = [_feature(p, c) for p, c in osm_features(H, classes=STREETS[args.streets])]
    street_ends = {_key(f["geometry"]["coordinates"][i]) for f in streets for i in (0, -1)}
    kept = skeleton(doc, node_lonlat, street_ends)
    features = kept + streets
    ends = merged_ends(features)
    # a street whose ends merge (nodes under 1 m apart) would be a loop: left out
    loops = {i for i, (a, b) in enumerate(ends) if a == b}
    D = directed([f for i, f in enumerate(features) if i not in loops])
    largest = max(nx.strongly_connected_components(D), key=len)
    off = [f["properties"]["id"] for f, (a, _) in zip(kept, ends, strict=False) if a not in largest]
    if off:
        msg = f"skeleton links {off} are off the strongly connected network; check JOINS."
        raise SystemExit(msg)
    city = [
        f
        for i, (f, (a, b)) in enumerate(zip(features, ends, strict=True))
        if i >= len(kept) and i not in loops and a in largest and b in largest
    ]
    for i, f in enumerate(city, start=1):
        f["properties"]["id"] = f"C{i:05d}"
    features = kept + city
    if not nx.is_strongly_connected(directed(features)):
        msg = "the result is not one strongly connected network."
        raise SystemExit(msg)
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    text = '{\n"type": "FeatureCollection",\n"name": "roads",\n"features": [\n' + body + "\n]\n}\n"
    args.out.write_text(text, encoding="utf-8")
    classes: dict[str, int] = defaultdict(int)
    for f in city:
        classes[f["properties"]["highway"]] += 1
    print(
        f"{len(kept)} skeleton features kept ({sum('J' in f['properties']['id'] for f in kept)} "
        f"connectors), {len(city)} OSM street features ({len(loops)} loops and "
        f"{len(streets) - len(loops) - len(city)} off the strongly connected network left out); "
        f"{len(directed(features))} nodes; {len(text) / 1e6:.2f} MB"
    )
    print(dict(sorted(classes.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
