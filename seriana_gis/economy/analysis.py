"""Specialisation and change: location quotients and shift-share, over frames.

Location quotient (Florence 1939; Isard 1960) of sector :math:`i` in
territory :math:`r` against a reference area (the province, the region):

.. math::

    LQ_{ir} = \\frac{e_{ir} / e_r}{E_i / E}

with :math:`e` the territory's employees and :math:`E` the reference's;
above 1 the territory is specialised in the sector. The same ratio of shares
works with shares of a sub-total (textiles within manufacturing).

Shift-share (Dunn 1960) of the change of sector :math:`i` between two years:

.. math::

    \\Delta e_i = \\underbrace{e_i^0 G}_{\\text{reference growth}}
                + \\underbrace{e_i^0 (G_i - G)}_{\\text{industry mix}}
                + \\underbrace{e_i^0 (g_i - G_i)}_{\\text{regional shift}}

with :math:`G = E^1/E^0 - 1` the reference's total growth, :math:`G_i` the
reference's growth in the sector and :math:`g_i` the territory's. The three
parts add up to the observed change.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._errors import DataError


def location_quotient(share: float, reference_share: float) -> float:
    """:math:`LQ` from a territory's share and the reference's share (same base)."""
    if not reference_share > 0:
        msg = f"the reference share must be > 0, got {reference_share!r}."
        raise DataError(msg)
    return float(share) / float(reference_share)


def location_quotients(
    employment: pd.DataFrame,
    reference: pd.Series,
    *,
    total: str = "total",
) -> pd.DataFrame:
    """Location quotients of every sector column against a reference area.

    Parameters
    ----------
    employment
        One row per territory, one column per sector, with the ``total``
        column (e.g. :func:`~seriana_gis.economy.layer.sector_employment`
        for one year, or zone sums). Not changed.
    reference
        The reference area's employees by sector (same names, with ``total``).
    total
        The column of all activities.

    Returns
    -------
    pandas.DataFrame
        On ``employment``'s index, one column per sector (``total`` excluded):
        :math:`LQ`; NaN where the territory has no employees.
    """
    for name, obj in (("employment", employment.columns), ("reference", reference.index)):
        if total not in obj:
            msg = f"location_quotients: {name} has no {total!r} column; give the all-activities total."
            raise DataError(msg)
    sectors = [c for c in employment.columns if c != total and c in reference.index]
    if not sectors:
        msg = "location_quotients: no sector is in both the employment table and the reference."
        raise DataError(msg)
    ref = pd.to_numeric(reference[sectors]) / float(reference[total])
    if (ref <= 0).any():
        bad = ", ".join(ref.index[ref <= 0])
        msg = f"location_quotients: the reference has no employees in {bad}; its LQ is undefined."
        raise DataError(msg)
    tot = pd.to_numeric(employment[total]).replace(0, np.nan)
    shares = employment[sectors].apply(pd.to_numeric).div(tot, axis=0)
    return shares.div(ref, axis=1)


def shift_share(
    start: pd.Series,
    end: pd.Series,
    *,
    reference_start: pd.Series,
    reference_end: pd.Series,
    total: str = "total",
) -> pd.DataFrame:
    """Classic shift-share decomposition of each sector's change.

    Parameters
    ----------
    start, end
        The territory's employees by sector in the first and last year
        (indexed by sector; ``total`` optional).
    reference_start, reference_end
        The reference area's, with the ``total`` of all activities.
    total
        The name of the all-activities total.

    Returns
    -------
    pandas.DataFrame
        One row per sector: ``start``, ``end``, ``change``,
        ``reference_growth``, ``industry_mix``, ``regional_shift`` (the last
        three add up to ``change``), and a ``total`` row summing them.
    """
    for name, s in (("reference_start", reference_start), ("reference_end", reference_end)):
        if total not in s.index or not float(s[total]) > 0:
            msg = f"shift_share: {name} needs a positive {total!r} (all activities)."
            raise DataError(msg)
    sectors = [s for s in start.index if s != total]
    missing = [
        s
        for s in sectors
        if s not in end.index or s not in reference_start.index or s not in reference_end.index
    ]
    if missing:
        msg = f"shift_share: sector(s) {', '.join(missing)} missing from the end year or the reference."
        raise DataError(msg)
    e0 = pd.to_numeric(start[sectors]).astype(float)
    e1 = pd.to_numeric(end[sectors]).astype(float)
    r0 = pd.to_numeric(reference_start[sectors]).astype(float)
    r1 = pd.to_numeric(reference_end[sectors]).astype(float)
    if (r0 <= 0).any():
        bad = ", ".join(r0.index[r0 <= 0])
        msg = f"shift_share: the reference has no employees in {bad} in the first year."
        raise DataError(msg)
    g_all = float(reference_end[total]) / float(reference_start[total]) - 1.0
    g_ref = r1 / r0 - 1.0
    g_loc = (e1 / e0.replace(0, np.nan) - 1.0).fillna(0.0)
    out = pd.DataFrame(
        {
            "start": e0,
            "end": e1,
            "change": e1 - e0,
            "reference_growth": e0 * g_all,
            "industry_mix": e0 * (g_ref - g_all),
            "regional_shift": np.where(e0 > 0, e0 * (g_loc - g_ref), e1),
        }
    )
    out.loc[total] = out.sum(axis=0)
    out.index.name = "sector"
    return out


def zone_totals(frame: pd.DataFrame, zone_of: Mapping[str, str]) -> pd.DataFrame:
    """Sum municipal rows (index: ISTAT codes) into zones; rows of other codes are dropped."""
    keep = frame.index.isin(list(zone_of))
    numeric = frame.loc[keep].select_dtypes("number")
    return numeric.groupby(numeric.index.map(zone_of)).sum(min_count=1)
