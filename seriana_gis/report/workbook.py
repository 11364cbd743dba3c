"""The Excel workbook the office hands out (openpyxl).

Sheets, in order: ``Read me`` (what each sheet holds, the units, the rounding
rule), ``Sites`` (scores, ranks, intervals, why, status, travel times),
``Municipalities``, ``Allocation`` (when the suitability step allocated the
sites), ``Provenance`` (every layer's source, licence and attribution). Headers
are in words, numbers are stored as numbers rounded once
(:func:`seriana_gis.symbology.round_column`) with a display format of the same
decimals, the header row frozen and filtered.

The file's only time-dependent bytes are the document properties openpyxl
stamps (created, modified); everything else is the same for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import symbology as sym
from .._io import atomic_path, check_writable

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written (it is slow to import)
    from openpyxl import Workbook

#: Excel number formats by kind (:data:`seriana_gis.symbology.DECIMALS`).
NUMBER_FORMATS: dict[str, str] = {
    "score": "0.000",
    "min": "0.0",
    "share": "0.0%",
    "int": "#,##0",
    "m2": "#,##0",
    "m": "#,##0",
    "year": "0",
    "km2": "#,##0.00",
    "km": "#,##0.0",
    "tenth": "#,##0.0",
    "num": "#,##0.00",
}
#: The fill colour of the header row.
HEADER_FILL = "DDE6F0"


def _write_sheet(wb: Workbook, title: str, frame: pd.DataFrame, kinds: list[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append([str(c) for c in frame.columns])
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    for j, kind in enumerate(kinds, start=1):
        fmt = NUMBER_FORMATS.get(kind)
        letter = get_column_letter(j)
        width = max(10, min(48, len(str(frame.columns[j - 1])) + 2))
        ws.column_dimensions[letter].width = width
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if isinstance(cell.value, int | float):
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def _cell(value: object) -> object:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_workbook(
    sheets: Mapping[str, pd.DataFrame],
    kinds: Mapping[str, list[str]],
    path: str | os.PathLike[str],
    *,
    read_me: list[tuple[str, str]],
    overwrite: bool = False,
    created: dt.datetime | None = None,
) -> Path:
    """Write the sheets (headers in words) into one workbook, atomically.

    Parameters
    ----------
    sheets
        Sheet title → table (headers as they should read).
    kinds
        Sheet title → the kind of each column (:func:`seriana_gis.symbology.kind_of`
        of its source column; ``"text"`` for text), for the number formats.
    path
        The ``.xlsx`` to write.
    read_me
        ``(heading, text)`` rows of the first sheet.
    overwrite
        Replace an existing file.
    created
        The document's creation date (default: the data's date the caller knows, else now).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    target = Path(path)
    check_writable(target, overwrite=overwrite)
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    ws = wb.create_sheet("Read me")
    for heading, text in read_me:
        ws.append([heading, text])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    for title, frame in sheets.items():
        _write_sheet(wb, title, frame, kinds[title])
    wb.properties.creator = "seriana_gis"
    wb.properties.title = "Seriana Valley: brownfields report"
    if created is not None:
        wb.properties.created = created
    with atomic_path(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target


def column_kinds(columns: list[str]) -> list[str]:
    """The kind of each source column (``text`` for identifiers and words)."""
    text = {
        "id",
        "name",
        "municipality",
        "istat",
        "zone",
        "use",
        "ownership",
        "planned_use",
        "committed_use",
    }
    return ["text" if c in text else sym.kind_of(c) for c in columns]
