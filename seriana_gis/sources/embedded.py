"""The embedded default: authored GeoJSON layers shipped in ``layers/default/``.

The Seriana Valley default data (a sample register of dismissed industrial
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
>>> embedded_provenance("teb_stops")["licence"]
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

#: What each embedded layer is, for the provenance table.
_SOURCES: dict[str, str] = {
    "brownfields": (
        "embedded default: SAMPLE register of 11 real dismissed industrial sites authored from "
        "public facts (press, heritage inventories); for demonstration only, NOT the official "
        "Regione Lombardia census of dismissed areas (2008-2010, 746 areas); positions approximate"
    ),
    "teb_lines": (
        "embedded default: TEB line T1 Bergamo-Albino and the planned Albino-Vertova extension, "
        "authored from public facts along the former Valle Seriana railway; geometry approximate"
    ),
    "teb_stops": (
        "embedded default: the 16 stops of TEB line T1 in order, authored from public facts "
        "(former railway station coordinates, stop names); positions approximate"
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
        Keys ``source``, ``licence``, ``attribution``, ``edition``.
    """
    source = _SOURCES.get(layer, f"embedded default: {layer}, authored from public facts")
    return {
        "source": source,
        "licence": EMBEDDED_LICENCE,
        "attribution": EMBEDDED_ATTRIBUTION,
        "edition": EMBEDDED_EDITION,
    }
