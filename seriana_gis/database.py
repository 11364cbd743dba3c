"""The territorial database: one GeoPackage with every layer and a provenance table.

Layers (EPSG:32632) are stored under the names of
:data:`seriana_gis.config.LAYER_NAMES` (``municipalities``, ``brownfields``,
``teb_lines``, ``teb_stops``, ``tourism_assets``, ``destinations``,
``road_edges``, ``road_nodes``), later stages add their own (``isochrones``,
results columns). The non-spatial ``provenance`` table has one row per layer:

=================  ============================================================
column             meaning
=================  ============================================================
``layer``          the layer name
``source``         where it came from (package and edition, file path, OSM query)
``licence``        the data licence (CC BY 4.0, ODbL 1.0, ...)
``attribution``    the attribution the licence requires
``edition``        the data's edition or reference date
``retrieved``      when the source was read or downloaded (UTC, ISO 8601)
``feature_count``  number of features written
``config_hash``    SHA-256 of the study-area configuration file used
``note``           anything a reader must know (for example "sample, not the census")
=================  ============================================================

Every write is atomic: a temporary GeoPackage beside the target is completed,
then renamed over it. Updating a database copies it first, so a failed update
leaves the old file intact.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ._errors import DataError
from ._io import atomic_path, current_version
from .layers.schemas import SCHEMAS

logger = logging.getLogger(__name__)

#: Where ``seriana build`` writes by default (relative to the working folder).
DEFAULT_DATABASE = Path("data") / "seriana.gpkg"
PROVENANCE_LAYER = "provenance"
#: The table of named runs (:mod:`seriana_gis.runs`).
RUNS_TABLE = "runs"
#: Between a layer's name and a named run's in the run's layers (``brownfields__extension``).
RUN_SEPARATOR = "__"
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "layer",
    "source",
    "licence",
    "attribution",
    "edition",
    "retrieved",
    "feature_count",
    "config_hash",
    "note",
)


def provenance_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """A provenance table with the documented columns (missing values are empty strings)."""
    df = pd.DataFrame(list(rows))
    for col in PROVENANCE_COLUMNS:
        if col not in df.columns:
            df[col] = 0 if col == "feature_count" else ""
    df["feature_count"] = df["feature_count"].astype("int64")
    return df[list(PROVENANCE_COLUMNS)].astype(
        {c: str for c in PROVENANCE_COLUMNS if c != "feature_count"}
    )


def _write_layer(gdf: gpd.GeoDataFrame, path: Path, name: str) -> None:
    kwargs: dict[str, object] = {}
    if len(gdf) == 0:
        schema = SCHEMAS.get(name)
        kwargs["geometry_type"] = schema.geometry[0] if schema else "Unknown"
    elif len(set(gdf.geometry.geom_type)) > 1:
        kwargs["promote_to_multi"] = False
        kwargs["geometry_type"] = "Unknown"
    pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", **kwargs)


def _write_all(
    path: Path, layers: Mapping[str, gpd.GeoDataFrame], provenance: pd.DataFrame | None
) -> None:
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            pyogrio.write_dataframe(pd.DataFrame(gdf), path, layer=name, driver="GPKG")
        else:
            _write_layer(gdf, path, name)
    if provenance is not None:
        pyogrio.write_dataframe(provenance, path, layer=PROVENANCE_LAYER, driver="GPKG")


def write_database(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    path: str | Path,
    *,
    provenance: pd.DataFrame,
    overwrite: bool = True,
) -> Path:
    """Write every layer and the provenance table to one GeoPackage, atomically.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (or DataFrame for a table).
    path
        The GeoPackage to write.
    provenance
        The provenance table (:func:`provenance_frame`).
    overwrite
        Replace an existing database (the default for the database, which
        seriana_gis itself owns; user files are never passed here).

    Returns
    -------
    pathlib.Path
    """
    with atomic_path(path, overwrite=overwrite) as tmp:
        _write_all(tmp, layers, provenance)
    logger.info("wrote %s (%d layers)", path, len(layers))
    return Path(path)


def update_database(
    path: str | Path,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    *,
    provenance: pd.DataFrame | None = None,
) -> Path:
    """Replace or add layers in an existing database, atomically.

    Provenance rows given replace the rows of the same layers.
    """
    p = Path(path)
    source = current_version(p)  # this command's earlier update, if any
    _require(source)
    merged = None
    if provenance is not None:
        old = read_provenance(source)
        merged = pd.concat(
            [old[~old["layer"].isin(provenance["layer"])], provenance], ignore_index=True
        )
    with atomic_path(p, overwrite=True) as tmp:
        shutil.copyfile(source, tmp)
        _write_all(tmp, layers, merged)
    return p


def _require(path: Path) -> None:
    if not path.exists():
        msg = f"territorial database {path} not found. Run `seriana build` first (or pass --database)."
        raise DataError(msg)


def list_layers(path: str | Path) -> list[str]:
    """The layer and table names in a database."""
    p = Path(path)
    _require(p)
    try:
        return [str(n) for n in pyogrio.list_layers(p)[:, 0]]
    except Exception as exc:
        msg = f"{p} is not a readable GeoPackage ({exc}). Rebuild it with `seriana build`."
        raise DataError(msg) from None


def read_layer(
    path: str | Path, name: str, *, names: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Read one layer of the database; the error lists the layers present.

    ``names`` are the database's layers if already listed (:func:`list_layers`).
    """
    names = list_layers(path) if names is None else names
    if name not in names:
        msg = f"{path} has no layer {name!r}. Layers present: {', '.join(names)}."
        raise DataError(msg)
    return gpd.read_file(path, layer=name, engine="pyogrio")


def read_provenance(path: str | Path) -> pd.DataFrame:
    """The provenance table of a database."""
    names = list_layers(path)
    if PROVENANCE_LAYER not in names:
        msg = f"{path} has no provenance table: it was not written by seriana_gis. Rebuild it."
        raise DataError(msg)
    return pyogrio.read_dataframe(path, layer=PROVENANCE_LAYER, read_geometry=False)


def read_database(
    path: str | Path, *, layers: Iterable[str] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Read the layers of a database (all, or those named) into a dict.

    Without ``layers``: every layer of the base results, that is neither the
    ``provenance`` and ``runs`` tables nor the layers of named runs
    (``{layer}__{run}``, read with :func:`seriana_gis.runs.read_run`).

    Raises
    ------
    DataError
        The file is missing, not a GeoPackage, or a GeoPackage that is not a
        territorial database (no provenance table).
    """
    names = list_layers(path)
    if PROVENANCE_LAYER not in names:
        listed = ", ".join(names) or "none"
        msg = (
            f"{path} is a GeoPackage but not a territorial database written by seriana_gis "
            f"(it has no provenance table; its layers: {listed}). Build one with `seriana "
            "build`, or pass --database with the path of the one you built."
        )
        raise DataError(msg)
    if layers is not None:
        return {n: read_layer(path, n, names=names) for n in layers}
    skip = {PROVENANCE_LAYER, RUNS_TABLE}
    return {
        n: read_layer(path, n, names=names)
        for n in names
        if n not in skip and RUN_SEPARATOR not in n
    }
