"""The embedded default: authored GeoJSON layers shipped in ``layers/default/``.

The Seriana Valley default data (a register of documented dismissed industrial
sites, the TEB light-rail line T1 and its planned extension, tourism assets and
the destinations of the accessibility analyses) are authored by the
seriana_gis authors from public facts and shipped as RFC 7946 GeoJSON
(EPSG:4326, lon/lat). ``layers/README.md`` gives every file's sources.

:func:`read_embedded` reads a layer as it is stored, without validation: the
caller passes the result to :func:`seriana_gis.layers.validate_layer`.

Example
-------
>>> from seriana_gis.sources.embedded import read_embedded, embedded_provenance
>>> stops = read_embedded("teb_stops")  # doctest: +SKIP
>>> embedded_provenance("brownfields")["licence"]
'CC BY 4.0'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from .._errors import DataError

if TYPE_CHECKING:
    from ..config import StudyArea

#: Licence of the authored default layers (our choice, stated in layers/README.md).
EMBEDDED_LICENCE = "CC BY 4.0"
#: Attribution required by :data:`EMBEDDED_LICENCE`.
EMBEDDED_ATTRIBUTION = "seriana_gis authors, embedded default data (layers/README.md)"
#: When the embedded default was authored.
EMBEDDED_EDITION = "2026-11"
#: File suffix of the embedded layers.
EMBEDDED_SUFFIX = ".geojson"

#: Licence of a layer holding OpenStreetMap data (ODbL share-alike covers the whole layer).
OSM_LICENCE = "ODbL 1.0"
#: Attribution required by :data:`OSM_LICENCE`.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: Licence and attribution of the layers that are not :data:`EMBEDDED_LICENCE`.
_LICENCES: dict[str, tuple[str, str]] = {
    "brownfields": (
        OSM_LICENCE,
        f"{OSM_ATTRIBUTION} (footprints of the osm_outline sites, OSM snapshot of 2021-04-17); "
        "seriana_gis authors (the register's attributes and the other footprints, "
        "layers/README.md); MTB Bergamo (positions read off its GPS tracks: the Valle "
        "Seriana cycle path and the valley-floor ends of mountain-bike tracks, CC BY-SA 4.0)",
    ),
    "teb_stops": (
        OSM_LICENCE,
        f"{OSM_ATTRIBUTION} (stop positions Bergamo FS-Ranica, OSM snapshot of 2021-04-17); "
        "seriana_gis authors (the other stops, layers/README.md)",
    ),
    "teb_lines": (
        OSM_LICENCE,
        f"{OSM_ATTRIBUTION} (line vertices at the stops Bergamo FS-Ranica); seriana_gis authors",
    ),
    "roads": (
        OSM_LICENCE,
        f"{OSM_ATTRIBUTION} (signals and roundabouts along the links inside Bergamo, OSM "
        "snapshot of 2021-04-17); seriana_gis authors (the network, layers/README.md)",
    ),
}

#: What each embedded layer is, for the provenance table.
_SOURCES: dict[str, str] = {
    "brownfields": (
        "embedded default: register of documented dismissed and under-used industrial areas of "
        "the Seriana Valley, the Bergamo fringe and the airport belt, one published source per "
        "site (press, municipal plans, heritage inventories); footprints from OpenStreetMap "
        "inside Bergamo, elsewhere a square of the published area at the documented position, "
        "or a point where no area is published (geometry_quality); NOT the official Regione "
        "Lombardia census of dismissed areas (2008-2010, 746 areas)"
    ),
    "teb_lines": (
        "embedded default: TEB line T1 Bergamo-Albino through its stops (Bergamo FS-Ranica between "
        "stop positions from OpenStreetMap, beyond authored along the former Valle Seriana "
        "railway) and the planned Albino-Vertova extension (schematic); geometry approximate"
    ),
    "teb_stops": (
        "embedded default: the 16 stops of TEB line T1 in order (Bergamo FS-Ranica: stop positions "
        "from OpenStreetMap, 2021-04-17; beyond: former railway station coordinates from Italian "
        "Wikipedia or interpolated) and 3 planned extension stops (proxy positions)"
    ),
    "tourism_assets": (
        "embedded default: ski areas, heritage, museums, natural sites and a schematic Seriana "
        "Valley cycle path, authored from public knowledge; positions approximate"
    ),
    "destinations": (
        "embedded default: Orio al Serio airport terminal, Bergamo station, Fiera di Bergamo and "
        "the A4 Bergamo and Seriate junctions, authored from public knowledge; positions approximate"
    ),
}


def embedded_dir(area: StudyArea | None = None) -> Path:
    """The folder holding the embedded layers.

    Parameters
    ----------
    area
        A study area; its ``embedded_dir`` (the ``embedded:`` key of the configuration)
        is used when set.

    Returns
    -------
    pathlib.Path
        ``area.embedded_dir`` when set, else ``layers/default`` of the installed package.
    """
    if area is not None and area.embedded_dir is not None:
        return Path(area.embedded_dir)
    from ..config import default_layers_dir

    return default_layers_dir() / "default"


def available_layers(area: StudyArea | None = None) -> list[str]:
    """The names of the embedded layers present in :func:`embedded_dir`, sorted."""
    folder = embedded_dir(area)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(EMBEDDED_SUFFIX)] for p in folder.glob(f"*{EMBEDDED_SUFFIX}"))


def read_embedded(layer: str, *, area: StudyArea | None = None) -> gpd.GeoDataFrame:
    """Read the embedded layer ``layer`` as stored (EPSG:4326), without validation.

    Parameters
    ----------
    layer
        The layer name, e.g. ``"teb_stops"`` (the file ``<layer>.geojson``).
    area
        The study area whose ``embedded_dir`` to read from; the shipped default when omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        The raw layer; pass it to :func:`seriana_gis.layers.validate_layer`.

    Raises
    ------
    DataError
        If the file is missing (the message lists the available layers) or unreadable.
    """
    folder = embedded_dir(area)
    path = folder / f"{layer}{EMBEDDED_SUFFIX}"
    if not path.is_file():
        present = available_layers(area)
        listing = ", ".join(present) if present else "none"
        msg = (
            f"embedded layer {layer!r} not found: {path} does not exist. Layers available in "
            f"{folder}: {listing}. Check the layer name, or the 'embedded:' folder of the "
            "study-area configuration."
        )
        raise DataError(msg)
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several error types for corrupt files
        msg = f"cannot read embedded layer {layer!r} from {path}: {exc}. Restore the file from git."
        raise DataError(msg) from exc


def embedded_provenance(layer: str) -> dict[str, object]:
    """Provenance of an embedded layer, for the ``provenance`` table.

    Parameters
    ----------
    layer
        The layer name.

    Returns
    -------
    dict
        Keys ``source``, ``licence``, ``attribution``, ``edition``. The licence is
        :data:`EMBEDDED_LICENCE` unless the layer holds OpenStreetMap data
        (:data:`OSM_LICENCE`: the brownfields' outlines, the TEB stops and line).
    """
    source = _SOURCES.get(layer, f"embedded default: {layer}, authored from public facts")
    licence, attribution = _LICENCES.get(layer, (EMBEDDED_LICENCE, EMBEDDED_ATTRIBUTION))
    return {
        "source": source,
        "licence": licence,
        "attribution": attribution,
        "edition": EMBEDDED_EDITION,
    }


def _cell(value: object) -> str:
    """A Markdown table cell: missing values as an en dash, pipes escaped."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    text = str(value).strip()
    return text.replace("|", "\\|").replace("\n", " ") if text else "–"


def register_table(brownfields: gpd.GeoDataFrame) -> str:
    """The site table of ``layers/README.md``, rendered from the brownfields layer.

    Parameters
    ----------
    brownfields
        The embedded register as read by :func:`read_embedded` (not changed).

    Returns
    -------
    str
        A Markdown table, one row per site in the layer's order: id, name,
        municipality, former use, closure year, published area ("not published"
        where none is), status, planned use, committed use, heritage, how the
        footprint was drawn, and the source (title linked to its address, and date).
    """
    lines = [
        "| id | site | municipality | former use | closed | area m² | status | planned use "
        "| committed use | heritage | footprint | source |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in brownfields.itertuples(index=False):
        r = row._asdict()
        year = r.get("closure_year")
        closed = "–" if year is None or year != year else f"{int(year)}"
        published = r.get("area_m2")
        area = (
            "not published"
            if published is None or published != published
            else f"{float(published):,.0f}"
        )
        title = _cell(r.get("source_title"))
        url = r.get("source_url")
        source = f"[{title}]({url})" if isinstance(url, str) and url else title
        date = r.get("source_date")
        if isinstance(date, str) and date:
            source += f", {date}"
        heritage = r.get("heritage")
        note = r.get("heritage_note")
        if isinstance(note, str) and note:
            heritage = f"{heritage} ({note})"
        cells = [
            r["id"], r["name"], r["municipality"], r["former_use"], closed, area, r["status"],
            r.get("planned_use"), r.get("committed_use"), heritage, r.get("geometry_quality"),
        ]  # fmt: skip
        lines.append("| " + " | ".join(_cell(c) for c in cells) + f" | {source} |")
    return "\n".join(lines)
