"""``seriana export``: QGIS-ready GeoPackage and project, and other formats."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from .._io import staged_outputs
from ..database import DEFAULT_DATABASE, read_provenance
from ..export import FORMATS, export_qgis
from ..runs import BASE, run_provenance, run_rasters
from ._common import DatabaseOpt, ShowRunOpt, done, read_shown_run, report_errors

HELP = """\
Export every layer and result for QGIS: one GeoPackage with default styles
and metadata, and a QGIS project beside it; GeoJSON (EPSG:4326), CSV of the
rankings and travel times, GeoTIFF rasters and Shapefiles on request.
An existing export is never replaced without --overwrite.

Examples:

  seriana export

  seriana export --out "exports/Valle Seriana" --format gpkg --format geojson --format csv

  seriana export --format shapefile --overwrite

  seriana export --format csv --csv-italian     # ';' and decimal comma for Excel in Italian

  seriana export --run extension --out exports/extension   # the results of a named run
"""

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Export folder.")]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        help=f"Output format, repeatable: {', '.join(FORMATS)} (default gpkg).",
        show_default=False,
    ),
]
RasterDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--rasters",
        help="Folder of travel-time GeoTIFFs to include (default: those the run's accessibility "
        "wrote, else data/accessibility/ beside the database when present).",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace an existing export.")]
ItalianOpt = Annotated[
    bool,
    typer.Option(
        "--csv-italian",
        help="CSV for spreadsheets set to Italian: ';' between fields and a decimal comma.",
    ),
]


@report_errors
def export(
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("exports"),
    format_: FormatOpt = None,
    rasters: RasterDirOpt = None,
    overwrite: OverwriteOpt = False,
    csv_italian: ItalianOpt = False,
    run: ShowRunOpt = BASE,
) -> None:
    layers = read_shown_run(database, run)
    provenance = run_provenance(read_provenance(database), database, run)
    if rasters is not None:
        tifs = {p.stem: p for p in sorted(rasters.glob("*.tif"))} if rasters.is_dir() else {}
    else:
        tifs = run_rasters(database, run)
    with staged_outputs():
        result = export_qgis(
            layers,
            provenance,
            out,
            formats=tuple(format_ or ("gpkg",)),
            overwrite=overwrite,
            rasters=tifs or None,
            csv_italian=csv_italian,
        )
    for note in result.notes:
        logging.getLogger("seriana_gis").warning(note)
    done(f"export written to {out} ({len(result.files)} files); open {result.project} in QGIS")
