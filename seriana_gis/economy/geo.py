"""The ``economy`` layer: the employment indicators on the map, at the level they are known.

With an employment layer by municipality (ISTAT's census or ASIA, the
``employment`` source), one polygon per municipality of the study area:

- ``manufacturing_share``: employees in manufacturing (section C) / all, 0–1;
- ``textile_lq``: location quotient of textiles (division 13) against the
  province of Bergamo (``ITC46`` rows of the same file);
- ``employment_change_pct``: change of all employees between the first and
  the last year of the file (NaN with one year);
- ``jobs_lost``: the job-loss scenario's jobs, distributed by exposure.

Without one (the embedded default), one polygon per territory of the study
(the union of its zones, ``analyses/job_loss.yaml``) with the published
figures only (``layers/default/economy_published.csv``): the valley's
manufacturing share (2005), the upper valley's textile specialisation
(textiles' share of manufacturing against the province's, the study's 50 %
and 15 %), the lower and upper valley's employment change 1991–2005, and the
valley's 5,000 jobs of the scenario. An indicator a territory has no figure
for is NaN: nothing is spread from a territory onto its parts.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import symbology as sym
from .._errors import DataError
from .analysis import location_quotient
from .layer import sector_employment
from .published import TERRITORIES, figure
from .scenario import JobLossScenario, ScenarioLosses, scenario_losses

#: The indicators of the layer, in map order.
INDICATORS: tuple[str, ...] = (
    "manufacturing_share",
    "textile_lq",
    "employment_change_pct",
    "jobs_lost",
)
#: The province the location quotients compare with (ITTER107 / NUTS-3 code).
PROVINCE = "ITC46"


def _value(pub: pd.DataFrame, territory: str, indicator: str, sector: str) -> float:
    return figure(pub, territory=territory, indicator=indicator, sector=sector, default=np.nan)


def _territory_rows(
    municipalities: gpd.GeoDataFrame, published: pd.DataFrame, scenario: JobLossScenario
) -> gpd.GeoDataFrame:
    rows = []
    for terr, zones in scenario.territories.items():
        part = municipalities[municipalities["zone"].isin(zones)]
        if part.empty:
            continue
        textile = _value(published, terr, "share_of_manufacturing_pct", "textiles")
        textile_ref = _value(published, "province_bg", "share_of_manufacturing_pct", "textiles")
        manuf = _value(published, terr, "share_of_employment_pct", "manufacturing")
        rows.append(
            {
                "territory": terr,
                "name": TERRITORIES.get(terr, terr),
                "level": "territory",
                "zones": "+".join(zones),
                "manufacturing_share": manuf / 100.0,
                "textile_lq": location_quotient(textile, textile_ref)
                if np.isfinite(textile) and np.isfinite(textile_ref)
                else np.nan,
                "employment_change_pct": _value(published, terr, "employment_change_pct", "total"),
                "jobs_lost": float(scenario.total_jobs) if terr == scenario.territory else np.nan,
                "source": "published figures (economy_published.csv); job-loss scenario",
                "geometry": part.geometry.union_all(),
            }
        )
    if not rows:  # none of the scenario's territories is in this study area
        return gpd.GeoDataFrame(geometry=[], crs=municipalities.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=municipalities.crs)


def _municipal_rows(
    municipalities: gpd.GeoDataFrame, employment: pd.DataFrame, scenario: JobLossScenario | None
) -> gpd.GeoDataFrame:
    zone_of = dict(
        zip(municipalities["istat"].astype(str), municipalities["zone"].astype(str), strict=True)
    )
    sectors = sector_employment(employment, sectors=["total", "manufacturing", "textiles"])
    last = int(employment["year"].max())
    first = int(employment["year"].min())
    now = sectors.xs(last, level="year")
    if PROVINCE not in now.index:
        msg = (
            f"the employment layer has no row for the province ({PROVINCE}) in {last}: keep the "
            "province of Bergamo in the ISTAT export, the location quotients compare with it."
        )
        raise DataError(msg)
    ref = now.loc[PROVINCE]
    out = municipalities[["istat", "name", "zone", municipalities.geometry.name]].copy()
    codes = out["istat"].astype(str)
    tot = codes.map(now["total"]).astype(float)
    out = out.rename(columns={"istat": "territory", "zone": "zones"})
    out.insert(2, "level", "municipality")
    out["manufacturing_share"] = codes.map(now["manufacturing"]).astype(float) / tot
    ref_textile = float(ref["textiles"]) / float(ref["total"])
    out["textile_lq"] = codes.map(now["textiles"]).astype(float) / tot / ref_textile
    if first < last:
        before = sectors.xs(first, level="year")["total"]
        out["employment_change_pct"] = 100.0 * (tot / codes.map(before).astype(float) - 1.0)
    else:
        out["employment_change_pct"] = np.nan
    out["jobs_lost"] = np.nan  # the scenario does not describe this study area
    out["source"] = f"employment layer {first}-{last}"
    if scenario is not None:
        losses = scenario_losses(scenario, zone_of=zone_of, employment=employment)
        out["jobs_lost"] = codes.map(losses.losses).astype(float)
        out["source"] += "; job-loss scenario"
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=out.geometry.name)


def economy_layer(
    municipalities: gpd.GeoDataFrame,
    *,
    published: pd.DataFrame,
    scenario: JobLossScenario | None,
    employment: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The ``economy`` layer (see the module docstring).

    Parameters
    ----------
    municipalities
        The municipalities layer (``istat``, ``name``, ``zone``; not changed).
    published
        The published figures (:func:`~seriana_gis.economy.published.load_published`).
    scenario
        The job-loss scenario (its ``territories`` place the published
        figures), or None when it does not describe the study area: then
        ``jobs_lost`` is NaN, and without ``employment`` the layer is empty.
    employment
        The employment layer, or None for the territory level.

    Returns
    -------
    geopandas.GeoDataFrame
        In the municipalities' CRS, with ``territory``, ``name``, ``level``,
        ``zones``, the :data:`INDICATORS` (rounded to their kind's decimals:
        shares 3, location quotients 2, changes 1, jobs 0) and ``source``.
    """
    if employment is not None and employment["level"].eq("municipality").any():
        out = _municipal_rows(municipalities, employment, scenario)
    elif scenario is None:
        return gpd.GeoDataFrame(geometry=[], crs=municipalities.crs)
    else:
        out = _territory_rows(municipalities, published, scenario)
    # rounded once, to the decimals of each indicator's kind (seriana_gis.symbology)
    return gpd.GeoDataFrame(sym.round_frame(out), geometry=out.geometry.name, crs=out.crs)


def municipal_losses(economy: pd.DataFrame | None) -> ScenarioLosses | None:
    """The scenario's losses by municipality from an ``economy`` layer, or None at territory level."""
    if economy is None or economy.empty or "jobs_lost" not in economy.columns:
        return None
    rows = economy[(economy["level"] == "municipality") & economy["jobs_lost"].notna()]
    if rows.empty:
        return None
    losses = pd.Series(
        rows["jobs_lost"].to_numpy(dtype=float).round().astype(int),
        index=rows["territory"].astype(str).to_numpy(),
        name="jobs_lost",
    )
    return ScenarioLosses(
        level="municipality",
        losses=losses,
        zones=dict(zip(losses.index, rows["zones"].astype(str), strict=True)),
        note=f"{int(losses.sum()):,} jobs lost in {len(losses)} municipalities (economy layer).",
    )
