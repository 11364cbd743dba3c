"""Styles and legends of the map runtime, built from :mod:`seriana_gis.symbology`.

Styles are plain dictionaries handed to the map runtime (``js/seriana.js``):

- ``{"kind": "fixed", "colour": ...}``: one colour;
- ``{"kind": "category", "property": ..., "map": {value: colour}, "other": ...}``;
- ``{"kind": "classes", "property": ..., "breaks": [...], "colours": [...], "missing": ...}``:
  a value ``v`` takes the colour of the first class whose upper break is ``>= v``
  (the rule of :class:`seriana_gis.symbology.Classes` and of QGIS).

A legend is ``{"title": ..., "entries": [[colour, label, swatch], ...]}`` with
``swatch`` one of ``fill``, ``line``, ``dash``, ``point``; the runtime writes
its texts with ``textContent``. Colours, classes and labels come from
:mod:`seriana_gis.symbology`, the module the QGIS styles use too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import symbology as sym


def classes_style(
    prop: str,
    classes: sym.Classes,
    *,
    swatch: str = "fill",
    values: Iterable[Any] | None = None,
) -> tuple[dict[str, Any], list[list[str]]]:
    """A class style and its legend entries.

    Parameters
    ----------
    prop
        The feature property that is classified.
    classes
        The classes (:func:`seriana_gis.symbology.score_classes`, ...).
    swatch
        Legend swatch kind.
    values
        The values drawn: when one is missing, the legend ends with the
        missing-value entry (:data:`~seriana_gis.symbology.MISSING`,
        :func:`~seriana_gis.symbology.missing_label`), as in the QGIS styles.

    Returns
    -------
    tuple
        The style dictionary and the legend entries ``[colour, label, swatch]``.
    """
    if not classes.colours:
        return {"kind": "fixed", "colour": sym.MISSING}, [[sym.MISSING, "no data", swatch]]
    style = {
        "kind": "classes",
        "property": prop,
        "breaks": classes.upper,
        "colours": list(classes.colours),
        "missing": sym.MISSING,
    }
    entries = [[c, lab, swatch] for c, lab in zip(classes.colours, classes.labels, strict=True)]
    if values is not None and any(sym.is_missing(v) for v in values):
        entries.append([sym.MISSING, sym.missing_label(prop), swatch])
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
        The categories present in the data
        (:func:`seriana_gis.symbology.category_colours` colours them).
    swatch
        Legend swatch kind (``fill``, ``line``, ``point``).

    Returns
    -------
    tuple
        The style dictionary and the legend entries, labelled in words.
    """
    values = list(values)
    mapping = sym.category_colours(prop, values)
    entries = [[colour, sym.value_label(prop, v), swatch] for v, colour in mapping.items()]
    if any(sym.is_missing(v) for v in values):
        # the runtime draws a missing value in the style's "other" colour: say what it means
        entries.append([sym.OTHER, sym.missing_label(prop), swatch])
    style = {"kind": "category", "property": prop, "map": mapping, "other": sym.OTHER}
    return style, entries


def legend(title: str, entries: list[list[str]]) -> dict[str, Any]:
    """A legend specification for the runtime (texts escaped there by ``textContent``)."""
    return {"title": title, "entries": entries}
