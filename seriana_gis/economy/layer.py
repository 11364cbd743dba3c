"""The employment layer: local units and employees by territory, year and activity.

A long table, one row per territory, year and ATECO code (see
:data:`EMPLOYMENT_COLUMNS`), as the ISTAT loaders
(:mod:`seriana_gis.economy.istat`) return it. Territories are ISTAT codes:
six digits for a municipality (``016004`` Albino), ``ITTER107``/NUTS codes
for the province (``ITC46`` Bergamo), the region (``ITC4``) and Italy
(``IT``), so the same file carries the municipalities and the reference
area the location quotients compare them with.

:func:`sector_employment` turns it into one row per territory and year and one
column per named sector (:data:`~seriana_gis.economy.sectors.SECTORS`). A
sector is computed only from what the file holds: divisions are summed when
the file has divisions (a division ISTAT does not list for a municipality is
zero there: ISTAT omits empty cells), sections from section rows or, lacking
them, from their divisions; a sector the file cannot give is NaN, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .._errors import DataError
from ..layers.schemas import Column
from .sectors import SECTORS, TOTAL, Sector, ateco_table

#: The columns of the employment layer.
EMPLOYMENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "territory",
        "str",
        "ISTAT code: 6 digits for a municipality, ITC46 province, ITC4 region, IT",
    ),
    Column("name", "str", "territory name as the source gives it", required=False),
    Column("level", "str", "municipality, province, region, country or other"),
    Column("year", "int", "reference year of the count"),
    Column("ateco", "str", "TOTAL, an ATECO 2007 section letter or a two-digit division"),
    Column("local_units", "float", "local units (unità locali) of active enterprises", "units"),
    Column("employees", "float", "persons employed (addetti) in those local units", "persons"),
    Column("source", "str", "file and dataset the row comes from"),
)
MEASURES = ("local_units", "employees")


def territory_level(code: str) -> str:
    """``municipality`` (6 digits), ``province`` (NUTS-3 like ITC46), ``region``, ``country``."""
    if code.isdigit() and len(code) == 6:
        return "municipality"
    if code == "IT":
        return "country"
    if code.startswith("IT") and len(code) == 5:
        return "province"
    if code.startswith("IT") and len(code) == 4:
        return "region"
    return "other"


def check_employment(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Check the employment layer's columns and keys; return it sorted, typed.

    Raises
    ------
    DataError
        A missing column, a negative count, or two rows for the same territory,
        year and ATECO code.
    """
    missing = [c.name for c in EMPLOYMENT_COLUMNS if c.required and c.name not in frame.columns]
    if missing:
        msg = f"{source}: the employment table lacks column(s) {', '.join(missing)}."
        raise DataError(msg)
    out = frame.copy()
    out["year"] = out["year"].astype(int)
    for m in MEASURES:
        out[m] = pd.to_numeric(out[m], errors="raise").astype(float)
        neg = out[m] < 0
        if neg.any():
            row = out.loc[neg].iloc[0]
            msg = (
                f"{source}: negative {m} ({row[m]:g}) for territory {row['territory']}, "
                f"year {row['year']}, ATECO {row['ateco']}."
            )
            raise DataError(msg)
    key = ["territory", "year", "ateco"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        row = out.loc[dup].iloc[0]
        msg = (
            f"{source}: {int(dup.sum())} rows repeat a territory, year and ATECO code (first: "
            f"{row['territory']}, {row['year']}, {row['ateco']}). Keep one row per combination "
            "(filter the export to one size class and one legal form: the totals)."
        )
        raise DataError(msg)
    return out.sort_values(key).reset_index(drop=True)


def _sector_value(piece: pd.Series, sec: Sector, *, has_div: bool, has_sec: bool) -> float:
    """One sector's measure from one territory-year's rows (ATECO code → value)."""
    if sec.is_total:
        if TOTAL in piece.index:
            return float(piece[TOTAL])
        return float(piece[piece.index.str.fullmatch(r"[A-U]")].sum()) if has_sec else np.nan
    total = 0.0
    tree = ateco_table()
    for s in sec.sections:
        if s in piece.index:
            total += float(piece[s])
        elif has_div:
            divs = tree.index[(tree["level"] == "division") & (tree["section"] == s)]
            total += float(piece.reindex(divs).fillna(0.0).sum())
        elif has_sec:
            total += 0.0  # the file lists sections and this one is absent: none there
        else:
            return np.nan
    if sec.divisions:
        if not has_div:
            return np.nan
        total += float(piece.reindex(list(sec.divisions)).fillna(0.0).sum())
    return total


def sector_employment(
    layer: pd.DataFrame,
    *,
    sectors: Iterable[str] | None = None,
    measure: str = "employees",
) -> pd.DataFrame:
    """One row per territory and year, one column per sector.

    Parameters
    ----------
    layer
        The employment layer (:data:`EMPLOYMENT_COLUMNS`); not changed.
    sectors
        Sector names (default: every sector of :data:`SECTORS`).
    measure
        ``employees`` or ``local_units``.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``territory``, ``year``), with ``level`` and one float
        column per sector; NaN where the file cannot give the sector.
    """
    if measure not in MEASURES:
        msg = f"measure must be one of {', '.join(MEASURES)}, got {measure!r}."
        raise DataError(msg)
    names = list(sectors) if sectors is not None else list(SECTORS)
    secs = [SECTORS[n] for n in names]
    codes = layer["ateco"].astype(str)
    has_div = bool(codes.str.fullmatch(r"\d{2}").any())
    has_sec = bool(codes.str.fullmatch(r"[A-U]").any())
    rows = []
    for (terr, year), grp in layer.groupby(["territory", "year"], sort=True):
        piece = pd.Series(grp[measure].to_numpy(dtype=float), index=grp["ateco"].astype(str))
        rec: dict[str, object] = {"territory": terr, "year": int(year)}
        rec["level"] = grp["level"].iloc[0] if "level" in grp.columns else ""
        for sec in secs:
            rec[sec.name] = _sector_value(piece, sec, has_div=has_div, has_sec=has_sec)
        rows.append(rec)
    cols = ["territory", "year", "level", *names]
    return pd.DataFrame(rows, columns=cols).set_index(["territory", "year"])
