"""A plain overview of every layer of the database (the build step writes it).

Each GeoDataFrame of the dictionary becomes one layer (id ``overview_{name}``)
in a fixed colour, with a popup listing its attribute columns. Nothing is
classified, so the map works on any layer, known or not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

from .. import symbology as sym
from .._io import check_writable
from . import style
from .elements import DataLayer, LayerControl, add_call, add_dataset, offline_map
from .features import SIMPLIFY_TOLERANCE_M, feature_collection
from .review import write_map

#: Most attribute columns listed in an overview popup.
MAX_POPUP_COLUMNS = 15
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def overview_map(
    layers: Mapping[str, Any],
    *,
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: territorial database",
    simplify_m: float = SIMPLIFY_TOLERANCE_M,
) -> folium.Map:
    """Every layer on one offline map, each in its own colour.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame; other values (tables) and empty layers are
        skipped. Not changed.
    tiles, attribution
        Optional background tiles, as for :func:`seriana_gis.maps.review_map`.
    title
        Page title.
    simplify_m
        Display simplification tolerance in metres.

    Returns
    -------
    folium.Map
        The map; layer ``name`` is ``seriana.layers["overview_" + name]`` in the page.
    """
    m = offline_map(title=title, tiles=tiles, attribution=attribution)
    boxes: list[list[float]] = []
    for i, (name, gdf) in enumerate(layers.items()):
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.empty:
            continue
        lid = "overview_" + _SAFE_ID.sub("_", str(name))
        columns = [c for c in gdf.columns if c != gdf.geometry.name][:MAX_POPUP_COLUMNS]
        text, _, box = feature_collection(
            gdf, layer=str(name), columns=columns, tolerance_m=simplify_m
        )
        add_dataset(m, lid, text)
        if box is not None:
            boxes.append(box)
        colour = sym.QUALITATIVE[i % len(sym.QUALITATIVE)]
        title_col = next((c for c in ("name", "id", "istat") if c in columns), None)
        spec = {
            "id": lid,
            "data": lid,
            "style": {"kind": "fixed", "colour": colour},
            "legend": style.legend(str(name), [[colour, f"{len(gdf)} features", "fill"]]),
            "popup": {"title": title_col, "fields": [[c, c, "text"] for c in columns]},
            "tooltip": title_col,
            "weight": 1.5,
            "fill_opacity": 0.4,
            "opacity": 0.9,
            "radius": 5.0,
            "stroke": None,
            "dash": None,
            "hollow": None,
        }
        DataLayer(spec, name=str(name), show=True).add_to(m)
    LayerControl(collapsed=False).add_to(m)
    if boxes:
        add_call(
            m,
            "fit",
            [
                [min(b[0] for b in boxes), min(b[1] for b in boxes)],
                [max(b[2] for b in boxes), max(b[3] for b in boxes)],
            ],
        )
    return m


def write_overview_map(
    layers: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    **options: Any,
) -> Path:
    """Write :func:`overview_map` to ``path`` (one self-contained HTML file).

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame.
    path
        The HTML file to write.
    overwrite
        Replace an existing file.
    **options
        Keyword options of :func:`overview_map` (``title``, ``tiles`` …).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    check_writable(Path(path), overwrite=overwrite)
    return write_map(overview_map(layers, **options), path, overwrite=overwrite)
