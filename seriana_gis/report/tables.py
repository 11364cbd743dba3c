"""The tables of the reports: sites, municipalities, allocation, provenance.

Each is a plain DataFrame with column headers in words
(:func:`seriana_gis.symbology.column_label`), categorical values in words and
numbers rounded once to the decimals of their kind
(:func:`seriana_gis.symbology.round_column`). The workbook and the CSV files
both write these frames, so they show the same figures as the maps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .. import symbology as sym
from ..maps.display import SITE_FACTS

#: Site attributes in the sites table, in order (those present).
SITE_ATTRIBUTES: tuple[str, ...] = ("id", "name", *SITE_FACTS)
#: Municipal attributes in the municipalities table, in order (those present).
MUNICIPAL_ATTRIBUTES: tuple[str, ...] = (
    "istat",
    "name",
    "zone",
    "population",
    "area_km2",
    "density",
    "share_65_plus",
    "old_age_index",
    "dependency_ratio",
    "pop_change_pct",
)
#: Columns whose values are written in words.
IN_WORDS: tuple[str, ...] = ("status", "best_use", "former_use", "heritage", "geometry_quality")


def _present(frame: pd.DataFrame, wanted: Sequence[str]) -> list[str]:
    have = set(frame.columns)
    return [c for c in wanted if c in have]


def _rounded(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of ``frame``: floats rounded to their kind, categorical values in words."""
    out = pd.DataFrame(frame[list(columns)]).reset_index(drop=True)
    out = sym.round_frame(out)
    for c in columns:
        if c in IN_WORDS:
            out[c] = [None if pd.isna(v) else sym.value_label(c, v) for v in out[c]]
    return out


def site_columns(columns: Sequence[str]) -> list[str]:
    """The site table's columns: attributes, best use, then per profile score, rank, interval, why."""
    out = _present(pd.DataFrame(columns=list(columns)), SITE_ATTRIBUTES)
    if cols.BEST_USE in columns:
        out.append(cols.BEST_USE)
    for p in cols.profile_columns(list(columns)):
        out += [c for c in (p.score, p.rank, p.p05, p.p95, p.why, p.excluded) if c]
    out += [c.name for c in cols.travel_time_columns(columns)]
    return out


def sites_table(brownfields: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per site: attributes, best use, scores, ranks, intervals, why, travel times.

    Sorted by the best-use profile's rank is not meaningful across profiles, so
    the sites keep the order of the first profile's rank (then the layer's order).
    """
    columns = site_columns(list(brownfields.columns))
    table = _rounded(brownfields, columns)
    ranks = [c.name for c in cols.parse_all(columns) if c.kind == "rank"]
    if ranks:
        table = table.sort_values(ranks[0], kind="stable", na_position="last")
    return table.reset_index(drop=True)


def municipalities_table(
    municipalities: gpd.GeoDataFrame, brownfields: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """One row per municipality: attributes, travel times, catchments, its sites and best scores."""
    columns = _present(municipalities, MUNICIPAL_ATTRIBUTES)
    columns += [c.name for c in cols.travel_time_columns(municipalities.columns)]
    table = _rounded(municipalities, columns)
    if brownfields is not None and "municipality" in brownfields.columns and "name" in columns:
        by_town = brownfields.groupby(brownfields["municipality"].astype(str))
        table["sites"] = table["name"].map(by_town.size()).fillna(0).astype(int)
        for p in cols.profile_columns(list(brownfields.columns)):
            if p.score:
                best = by_town[p.score].max()
                table[p.score] = sym.round_column(
                    p.score, table["name"].map(best).to_numpy(dtype=float)
                )
    return table


def allocation_table(allocation: pd.DataFrame, brownfields: gpd.GeoDataFrame) -> pd.DataFrame:
    """The allocation (``id, use, score`` and the targets' columns) with the sites' names."""
    out = sym.round_frame(allocation.reset_index(drop=True))
    if "id" in out.columns and {"id", "name"}.issubset(brownfields.columns):
        names = dict(zip(brownfields["id"].astype(str), brownfields["name"], strict=True))
        out.insert(1, "name", out["id"].astype(str).map(names))
    if "use" in out.columns:
        out["use"] = [None if pd.isna(v) else sym.value_label("best_use", v) for v in out["use"]]
    return out


def labelled(table: pd.DataFrame, *, destinations: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The table with its column headers in words (``car_bgy_min`` → "Car to Orio al Serio airport (min)")."""
    labels = {c: sym.column_label(str(c), destinations=destinations) for c in table.columns}
    labels |= {"sites": "Brownfields", "use": "Allocated use", "score": "Score"}
    return table.rename(columns=labels)
