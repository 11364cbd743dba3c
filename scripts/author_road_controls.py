"""Write the junction controls of the embedded roads inside the Bergamo OSM snapshot.

A one-off authoring script, run by hand when ``layers/default/roads.geojson`` or
the matching rules change (not by the package, not by CI):

    .venv/bin/python scripts/author_road_controls.py [--shared ../shared/data]

For every embedded road link lying inside the snapshot
``osm/bergamo_city_2021-04-17.osm.pbf`` of the shared data, the OSM route a car
follows along it is found and the traffic signals it passes and the
roundabouts it enters are counted in each direction
(:func:`seriana_gis.network.link_controls.link_controls`, on the drive graph
:func:`seriana_gis.network.sources.graph_from_osm_file` builds). The counts go to
the columns ``signals_forward``, ``signals_backward``, ``roundabout_forward``,
``roundabout_backward`` (empty for the links outside the snapshot or not
matched: there the road model infers junctions from the line network) and a
sentence to the link's ``source_note``. Those columns are derived from
OpenStreetMap: ODbL 1.0, "© OpenStreetMap contributors" (layers/README.md).
Every other property and the geometry are left as they are. Then run
``make calibrate-default``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import geopandas as gpd

from seriana_gis.network.link_controls import COLUMNS, link_controls
from seriana_gis.network.sources import graph_from_osm_file

ROOT = Path(__file__).resolve().parents[1]
ROADS = ROOT / "layers" / "default" / "roads.geojson"
SNAPSHOT = Path("osm") / "bergamo_city_2021-04-17.osm.pbf"
NOTE = (
    "junction controls: signals and roundabout entries counted along the OSM route matched to "
    "this link in the OpenStreetMap snapshot of 2021-04-17 (scripts/author_road_controls.py; "
    "(c) OpenStreetMap contributors, ODbL 1.0)"
)


def _feature_line(feature: dict[str, object]) -> str:
    return json.dumps(feature, ensure_ascii=False)


def main() -> None:
    """Read the layer and the snapshot, count, write the layer back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    doc = json.loads(ROADS.read_text(encoding="utf-8"))
    lines = gpd.read_file(ROADS)
    G = graph_from_osm_file(args.shared / SNAPSHOT)  # noqa: N806
    counts = link_controls(lines, G)
    for feature, (_, row) in zip(doc["features"], counts.iterrows(), strict=True):
        props = feature["properties"]
        note = str(props.pop("source_note", ""))
        note = note.split("; " + NOTE.split(":")[0])[0]
        for col in COLUMNS:
            value = row[col]
            props[col] = None if math.isnan(value) else int(value)
        if not math.isnan(row["match_ratio"]):
            note = f"{note}; {NOTE}"
        props["source_note"] = note
    body = ",\n".join(_feature_line(f) for f in doc["features"])
    text = (
        '{\n"type": "FeatureCollection",\n"name": "roads",\n"features": [\n' + body + "\n]\n}\n"
    )
    ROADS.write_text(text, encoding="utf-8")
    matched = counts["match_ratio"].notna()
    print(f"{int(matched.sum())} of {len(counts)} links matched; written to {ROADS}")
    print(lines.loc[matched, ["id", "name"]].join(counts[matched]).to_string())


if __name__ == "__main__":
    main()
