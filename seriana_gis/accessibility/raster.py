"""Travel-time rasters: car minutes to a destination on a 100 m grid (GeoTIFF).

Each cell centre :math:`c` takes the time of its nearest road node :math:`n_c`
plus a straight-line access leg at the snap access speed :math:`v_a` (20 km/h,
as for sites, :mod:`seriana_gis.network.snap`):

.. math:: t(c) = \\frac{T(n_c, n_d) + a_d}{60} + \\frac{\\lVert c - n_c \\rVert}{v_a \\cdot 60}

in minutes. The grid is in EPSG:32632, aligned on multiples of the cell size,
covering the study area's bounds; cells whose centre is outside the study area
(or whose node cannot reach the destination) are nodata (-9999). Written as a
one-band float32 GeoTIFF through rasterio.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.features import geometry_mask

from .._errors import ConfigError, DataError
from .._io import atomic_path
from ..config import DEFAULT_CRS
from ..network import get_engine
from ..network.routing import Routable
from ..network.snap import ACCESS_SPEED_KPH

#: Cell size (m).
CELL_M = 100.0
#: Nodata value of the rasters.
NODATA = -9999.0


@dataclass(frozen=True)
class TravelTimeRaster:
    """A travel-time grid: ``values`` (minutes, float32, :data:`NODATA` outside), ``transform``, ``crs``."""

    values: np.ndarray
    transform: Affine
    crs: str
    destination: str

    def write(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write a GeoTIFF atomically (refuses to replace a file unless ``overwrite``)."""
        with (
            atomic_path(path, overwrite=overwrite) as tmp,
            rasterio.open(
                tmp,
                "w",
                driver="GTiff",
                height=self.values.shape[0],
                width=self.values.shape[1],
                count=1,
                dtype="float32",
                crs=self.crs,
                transform=self.transform,
                nodata=NODATA,
                compress="deflate",
            ) as dst,
        ):
            dst.write(self.values.astype(np.float32), 1)
            dst.update_tags(
                destination=self.destination, unit="minutes", quantity="car travel time"
            )
        return Path(path)


def travel_time_raster(
    G: Routable,
    dest_node: object,
    area: object,
    *,
    dest_access_s: float = 0.0,
    destination: str = "",
    cell_m: float = CELL_M,
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> TravelTimeRaster:
    """Car minutes to a destination on a regular grid over the study area.

    Parameters
    ----------
    G
        The road graph (not changed), or its engine.
    dest_node
        The destination's road node.
    area
        The study area, a shapely (Multi)Polygon in EPSG:32632.
    dest_access_s
        The destination's snap leg :math:`a_d` (s).
    destination
        Its id, stored as a tag.
    cell_m
        Cell size (m).
    access_speed_kph
        Speed :math:`v_a` of the cell-to-node leg.

    Returns
    -------
    TravelTimeRaster
        The grid.
    """
    if cell_m <= 0 or access_speed_kph <= 0:
        msg = f"cell_m and access_speed_kph must be positive, got {cell_m}, {access_speed_kph}."
        raise ConfigError(msg)
    if area is None or getattr(area, "is_empty", True):
        msg = "the study area is empty; the raster needs the municipalities' union."
        raise DataError(msg)
    minx, miny, maxx, maxy = area.bounds  # type: ignore[attr-defined]
    x0, y1 = np.floor(minx / cell_m) * cell_m, np.ceil(maxy / cell_m) * cell_m
    width = int(np.ceil((maxx - x0) / cell_m))
    height = int(np.ceil((y1 - miny) / cell_m))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1)
    engine = get_engine(G)
    times = engine.times_to(engine.positions([dest_node], what="destination"))[0]
    nodes = engine.node_table
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    cx = x0 + (cols + 0.5) * cell_m
    cy = y1 - (rows + 0.5) * cell_m
    dist, idx = nodes.kdtree.query(np.column_stack([cx.ravel(), cy.ravel()]))
    t = (times[idx] + dest_access_s) / 60.0
    t = t + dist / (access_speed_kph / 3.6) / 60.0
    values = t.reshape(height, width)
    outside = geometry_mask([area], out_shape=(height, width), transform=transform)
    values = np.where(outside | ~np.isfinite(values), NODATA, values).astype(np.float32)
    return TravelTimeRaster(
        values=values, transform=transform, crs=DEFAULT_CRS, destination=destination
    )
