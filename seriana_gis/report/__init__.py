"""Reports the office hands out: an Excel workbook and a printable PDF atlas.

- :func:`write_report`: ``seriana.xlsx`` (sites with scores, ranks, reasons
  and status; municipalities; allocation; provenance) and ``atlas.pdf`` (one
  page per site) from the territorial database's layers;
- :mod:`seriana_gis.report.tables`: the tables (shared with ``seriana compare``);
- :mod:`seriana_gis.report.workbook`, :mod:`seriana_gis.report.atlas`: the writers.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .._errors import DataError
from .._io import check_writable
from .atlas import write_atlas
from .tables import allocation_table, labelled, municipalities_table, sites_table
from .workbook import column_kinds, write_workbook

__all__ = ["ReportFiles", "write_report"]

READ_ME = [
    (
        "Sites",
        "One row per brownfield: its attributes, best use, and per suitability profile "
        "its score (0–1), rank (1 best), Monte Carlo rank interval (5th–95th percentile), why it "
        "ranks there and, when not scored, why not; then its travel times (minutes).",
    ),
    (
        "Municipalities",
        "One row per municipality: population and indicators, travel times from "
        "its centre, its number of brownfields and their best score per profile.",
    ),
    (
        "Allocation",
        "The sites allocated to the study's targets by the suitability step (when it ran).",
    ),
    ("Provenance", "Every layer's source, licence, attribution, edition and retrieval date."),
    (
        "Rounding",
        "Values are rounded once, half away from zero: scores to 3 decimals, minutes to "
        "1, residents and areas to whole numbers; the maps, the CSV files and this workbook show "
        "the same figures.",
    ),
]


@dataclass(frozen=True)
class ReportFiles:
    """The files :func:`write_report` wrote."""

    workbook: Path
    atlas: Path


def _data_date(provenance: pd.DataFrame) -> dt.datetime | None:
    if "retrieved" not in provenance.columns:
        return None
    dates = pd.to_datetime(provenance["retrieved"], errors="coerce", utc=True).dropna()
    return None if dates.empty else dates.max().to_pydatetime().replace(tzinfo=None)


def write_report(
    layers: Mapping[str, Any],
    provenance: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    allocation: pd.DataFrame | None = None,
    overwrite: bool = False,
) -> ReportFiles:
    """Write ``seriana.xlsx`` and ``atlas.pdf`` into ``folder``.

    Parameters
    ----------
    layers
        The database's layers (``brownfields`` required; not changed).
    provenance
        The database's provenance table.
    folder
        Where to write (created if needed).
    allocation
        The suitability step's allocation (``allocation.csv``), when there is one.
    overwrite
        Replace existing files; without it nothing is written when either exists.

    Returns
    -------
    ReportFiles
        The two files.

    Raises
    ------
    DataError
        Without brownfields.
    OutputExistsError
        If a file exists and ``overwrite`` is false (checked before writing anything).
    """
    brown = layers.get("brownfields")
    if not isinstance(brown, gpd.GeoDataFrame) or brown.empty:
        msg = "the report needs the brownfields layer; build the database first (seriana build)."
        raise DataError(msg)
    root = Path(folder)
    xlsx, pdf = root / "seriana.xlsx", root / "atlas.pdf"
    for path in (xlsx, pdf):
        check_writable(path, overwrite=overwrite)
    names = {}
    dest = layers.get("destinations")
    if isinstance(dest, gpd.GeoDataFrame) and {"id", "name"}.issubset(dest.columns):
        names = dict(zip(dest["id"].astype(str), dest["name"].astype(str), strict=True))
    destinations = cols.destination_labels(names)

    frames: dict[str, pd.DataFrame] = {"Sites": sites_table(brown)}
    towns = layers.get("municipalities")
    if isinstance(towns, gpd.GeoDataFrame) and not towns.empty:
        frames["Municipalities"] = municipalities_table(towns, brown)
    if allocation is not None and not allocation.empty:
        frames["Allocation"] = allocation_table(allocation, brown)
    frames["Provenance"] = provenance.reset_index(drop=True)
    kinds = {k: column_kinds([str(c) for c in f.columns]) for k, f in frames.items()}
    kinds["Provenance"] = ["text"] * len(frames["Provenance"].columns)
    sheets = {k: labelled(f, destinations=destinations) for k, f in frames.items()}
    sheets["Provenance"] = frames["Provenance"]
    write_workbook(
        sheets,
        kinds,
        xlsx,
        read_me=READ_ME,
        overwrite=overwrite,
        created=_data_date(provenance),
    )
    write_atlas(layers, pdf, overwrite=overwrite, destinations=destinations)
    return ReportFiles(workbook=xlsx, atlas=pdf)
