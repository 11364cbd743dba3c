"""Colours, classes and legends of the maps.

Styles are plain dictionaries handed to the map runtime (``js/seriana.js``):

- ``{"kind": "fixed", "colour": ...}``: one colour;
- ``{"kind": "category", "property": ..., "map": {value: colour}, "other": ...}``;
- ``{"kind": "classes", "property": ..., "breaks": [...], "colours": [...], "missing": ...}``:
  a value ``v`` takes the colour of the first class whose upper break is ``>= v``.

A legend is ``{"title": ..., "entries": [[colour, label, swatch], ...]}`` with
``swatch`` one of ``fill``, ``line``, ``dash``, ``point``; the runtime writes
its texts with ``textContent``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Sequential palette (ColorBrewer YlOrRd, 5 classes) for municipal indicators.
SEQUENTIAL: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Sequential palette (ColorBrewer YlGnBu, 5 classes) for suitability scores, low → high.
SCORES: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Travel-time palette for isochrones, near → far (ColorBrewer RdPu reversed).
ISOCHRONES: tuple[str, ...] = ("#7a0177", "#c51b8a", "#f768a1", "#fbb4b9", "#feebe2")
#: Qualitative palette (ColorBrewer Dark2, then Set1 without its red) for categories.
QUALITATIVE: tuple[str, ...] = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#377eb8",
    "#984ea3",
    "#666666",
)
#: Colour of a missing value.
MISSING = "#bdbdbd"
#: Colour of everything outside the named categories.
OTHER = "#969696"
#: Fixed colours of the context layers.
TEB_EXISTING = "#d7191c"
TEB_PLANNED = "#fdae61"
ROADS = "#636363"
DESTINATIONS = "#000000"
OUTLINE = "#525252"

#: Human labels of the municipal indicators.
INDICATOR_LABELS: dict[str, str] = {
    "population": "Population (residents)",
    "density": "Density (residents/km²)",
    "share_65_plus": "Share aged 65+",
    "old_age_index": "Old-age index (65+ per 100 aged 0–14)",
    "dependency_ratio": "Dependency ratio (%)",
    "area_km2": "Area (km²)",
}


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


def class_breaks(
    values: Iterable[Any], *, classes: int = 5, method: str = "quantile"
) -> list[float]:
    """Upper class breaks of the finite values.

    Parameters
    ----------
    values
        The values to classify; missing and infinite ones are ignored.
    classes
        The number of classes wanted (fewer are returned when values repeat).
    method
        ``quantile`` (equal counts) or ``equal`` (equal intervals).

    Returns
    -------
    list[float]
        Ascending, distinct upper bounds; the last is the maximum. Empty when
        there is no finite value.
    """
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return []
    if method == "quantile":
        qs = np.quantile(arr, np.linspace(0, 1, classes + 1)[1:])
    else:
        qs = np.linspace(arr.min(), arr.max(), classes + 1)[1:]
    breaks: list[float] = []
    for q in qs:
        if not breaks or q > breaks[-1]:
            breaks.append(float(q))
    return breaks


def classes_style(
    prop: str, breaks: Sequence[float], palette: Sequence[str]
) -> tuple[dict[str, Any], list[list[str]]]:
    """A class style and its legend entries for the breaks given.

    Parameters
    ----------
    prop
        The feature property that is classified.
    breaks
        Ascending upper class bounds (from :func:`class_breaks`).
    palette
        Colours, low → high; the palette is sampled when there are fewer breaks.

    Returns
    -------
    tuple
        The style dictionary and the legend entries ``[colour, label, "fill"]``.
    """
    n = len(breaks)
    if n == 0:
        return {"kind": "fixed", "colour": MISSING}, [[MISSING, "no data", "fill"]]
    idx = np.round(np.linspace(0, len(palette) - 1, n)).astype(int) if n > 1 else [len(palette) - 1]
    colours = [palette[i] for i in idx]
    entries: list[list[str]] = []
    lower: float | None = None
    for colour, upper in zip(colours, breaks, strict=True):
        label = f"≤ {_fmt(upper)}" if lower is None else f"{_fmt(lower)} – {_fmt(upper)}"
        entries.append([colour, label, "fill"])
        lower = upper
    style = {
        "kind": "classes",
        "property": prop,
        "breaks": [float(b) for b in breaks],
        "colours": colours,
        "missing": MISSING,
    }
    return style, entries


def category_style(
    prop: str, values: Iterable[Any], *, swatch: str = "fill"
) -> tuple[dict[str, Any], list[list[str]]]:
    """A categorical style (one colour per distinct value) and its legend entries.

    Parameters
    ----------
    prop
        The feature property holding the category.
    values
        The categories present in the data; their sorted distinct values get
        the qualitative palette in turn, the rest share :data:`OTHER`.
    swatch
        Legend swatch kind (``fill``, ``line``, ``point``).

    Returns
    -------
    tuple
        The style dictionary and the legend entries.
    """
    cats = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    mapping = {c: QUALITATIVE[i] for i, c in enumerate(cats[: len(QUALITATIVE)])}
    entries = [[colour, cat.replace("_", " "), swatch] for cat, colour in mapping.items()]
    if len(cats) > len(QUALITATIVE):
        entries.append([OTHER, "other", swatch])
    style = {"kind": "category", "property": prop, "map": mapping, "other": OTHER}
    return style, entries


def legend(title: str, entries: list[list[str]]) -> dict[str, Any]:
    """A legend specification for the runtime (texts escaped there by ``textContent``)."""
    return {"title": title, "entries": entries}


def label(name: str) -> str:
    """A readable label for a column or profile name.

    ``social_housing`` → ``social housing``; ``car_bgy_min`` → ``Travel time by
    car to bgy (min)``; the municipal indicators have their own labels.
    """
    if name in INDICATOR_LABELS:
        return INDICATOR_LABELS[name]
    parts = name.split("_")
    if len(parts) >= 3 and parts[-1] == "min":
        return f"Travel time by {parts[0]} to {' '.join(parts[1:-1])} (min)"
    return name.replace("_", " ")
