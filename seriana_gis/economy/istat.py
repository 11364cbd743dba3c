"""Readers for ISTAT's employment files and for any user table with a column mapping.

Three shapes are read, all as CSV (comma, semicolon, pipe or tab; UTF-8 with
or without BOM, or Windows-1252/Latin-1 as Excel saves it):

**I.Stat export** (``dati.istat.it`` and the 2011 census warehouse
``dati-censimentoindustriaeservizi.istat.it``: *Censimento industria e
servizi 2011, dati per comune*; the ASIA local units tables ``DICA_ASIAULP``)
— one row per cell, a code column beside each label column:

``ITTER107, Territorio, TIPO_DATO_CIS, Tipo dato, ATECO_2007, Ateco 2007,
CLLVT, Classe di addetti, ..., TIME, Seleziona periodo, Value, Flag Codes, Flags``

**SDMX-CSV** (``esploradati.istat.it``, dataflow
``183_285_DF_DICA_ASIAULP_7`` / ``183_1163_DF_DICA_ASIAULP_TERRIFDATA_7``:
ASIA local units and persons employed, per comune and ATECO division):

``DATAFLOW, FREQ, REF_AREA, DATA_TYPE, ECON_ACTIVITY_NACE_2007,
PERS_EMPL_SIZE_CLASS, TIME_PERIOD, OBS_VALUE, ...`` (with ``labels=both``
every cell reads ``CODE: Label``; the code is used).

**Any other table** through a column-mapping YAML file (as for the
brownfield census), one row per territory, year and ATECO code:

.. code-block:: yaml

    columns: {territory: PRO_COM_T, name: COMUNE, year: ANNO, ateco: ATECO,
              local_units: UL, employees: ADDETTI}
    defaults: {year: 2011}          # a constant for a column the file lacks
    decimal: ","                    # optional: "," or "." (default: see Values below)

Codes
-----
- Territory (``ITTER107``/``REF_AREA``): municipalities as six-digit ISTAT
  codes (``016004``; five digits, as Excel leaves them, are zero-padded),
  ``ITC46`` the province of Bergamo, ``ITC4`` Lombardy, ``IT`` Italy.
- Measure (``TIPO_DATO_CIS``/``DATA_TYPE``): ``LU`` local units of active
  enterprises, ``LUEMPDAA`` their persons employed (annual average); any other
  code is read from its label (``... addetti ...`` → employees, ``... unità
  locali ...`` → local units) or named with ``measures: {CODE: employees}``.
- Activity (``ATECO_2007``/``ECON_ACTIVITY_NACE_2007``): ``0010`` all
  activities, section letters, two-digit divisions (checked against the
  ATECO 2007 tree of the ``ateco`` package).
- Size class (``CLLVT``/``PERS_EMPL_SIZE_CLASS``): only ``TOTAL`` is kept.
  Any other dimension with more than one value is an error: export the totals.
- Values: ISTAT's ``-`` (no cases) is 0; ``..``, ``....``, ``x`` and empty
  cells (confidential, not available) are missing, never zero. Thousands
  separators and the decimal comma of Italian exports are read (``1.234``,
  ``12,5``, ``1.234,5``) when the convention is known: declared
  (``decimal=","``, or ``decimal:`` in the mapping) or, for a
  semicolon-separated file (Excel's Italian CSV), the comma. Otherwise the
  dot is the decimal point, and a value that reads two ways (``12.500``) is an
  error saying how to declare it (:mod:`seriana_gis.sources.numbers`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError, DataError
from ..config import check_keys, read_yaml
from .layer import MEASURES, check_employment, territory_level
from .sectors import check_codes

_ISTAT = {
    "territory": "ITTER107",
    "name": "Territorio",
    "measure": "TIPO_DATO_CIS",
    "measure_label": "Tipo dato",
    "ateco": "ATECO_2007",
    "year": "TIME",
    "value": "Value",
}
_SDMX = {
    "territory": "REF_AREA",
    "measure": "DATA_TYPE",
    "ateco": "ECON_ACTIVITY_NACE_2007",
    "year": "TIME_PERIOD",
    "value": "OBS_VALUE",
}
#: Measure codes of ISTAT's tables (CL_TIPO_DATO_CIS).
MEASURE_CODES: dict[str, str] = {"LU": "local_units", "LUEMPDAA": "employees"}
_SIZE_COLUMNS = ("CLLVT", "PERS_EMPL_SIZE_CLASS")
_IGNORED = frozenset(
    {
        "Flag Codes",
        "Flags",
        "Seleziona periodo",
        "Select time",
        "DATAFLOW",
        "FREQ",
        "Frequenza",
        "OBS_STATUS",
        "OBS_FLAG",
        "BASE_PER",
        "UNIT_MEASURE",
        "UNIT_MULT",
        "DECIMALS",
        "NOTE_REF_AREA",
        "NOTE_DATA_TYPE",
        "LAST_UPDATE",
    }
)
_MISSING = frozenset({"", "..", "...", "....", "x", "X", ":", "nan", "NaN"})
_MAPPING_KEYS = ("columns", "defaults", "decimal", "measures", "encoding")
_OURS = ("territory", "name", "year", "ateco", "local_units", "employees")


def read_text(path: Path, *, encoding: str | None = None) -> str:
    """The file's text: UTF-8 (BOM or not), else Windows-1252 as Excel saves it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}."
        raise DataError(msg) from None
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            msg = f"{path}: cannot decode as {encoding} ({exc}); try encoding: cp1252 or utf-8."
            raise DataError(msg) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict") if _cp1252_ok(raw) else raw.decode("latin-1")


def _cp1252_ok(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def table(text: str, *, path: Path) -> tuple[pd.DataFrame, str]:
    """Parse CSV text with its own delimiter; every cell a string."""
    head = text.splitlines()[0] if text.strip() else ""
    if not head:
        msg = f"{path}: the file is empty."
        raise DataError(msg)
    counts = {d: head.count(d) for d in (",", ";", "|", "\t")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        msg = f"{path}: cannot find the column separator (comma, semicolon, pipe or tab) in the header."
        raise DataError(msg)
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    header = [h.strip() for h in next(reader)]
    body: list[list[str]] = []
    lines: list[int] = []
    for r in reader:
        if not any(c.strip() for c in r):
            continue
        line = reader.line_num
        if len(r) != len(header):
            msg = (
                f"{path}, line {line}: {len(r)} fields where the header has {len(header)}. "
                "Check quoting of names with separators, or save the file again from I.Stat."
            )
            raise DataError(msg)
        body.append(r)
        lines.append(line)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = pd.Index(lines)  # file line numbers, for messages
    return frame, delim


def _code(cell: object) -> str:
    """``CODE: Label`` (SDMX labels=both) → ``CODE``; strips spaces."""
    text = str(cell).strip()
    return text.split(":", 1)[0].strip() if ": " in text else text


def parse_numbers(values: pd.Series, *, decimal: str | None, where: str) -> pd.Series:
    """Numbers as ISTAT and Excel write them; ``-`` is 0, ``..``/``x``/empty missing.

    Each value is read by :func:`seriana_gis.sources.numbers.parse_number`
    under the declared ``decimal`` (``","``: ``1.234,5``; ``"."``:
    ``1234.5``). Undeclared, a value that reads two ways (``12.500``) or has a
    comma is an error saying how to declare the convention; never a guess.
    """
    from ..sources.numbers import NumberFormat, NumberFormatError, parse_number

    fmt = NumberFormat(decimal=decimal)
    out = pd.Series(np.nan, index=values.index, dtype=float)
    for line, raw in values.items():
        text = str(raw).strip()
        if text == "-":
            out[line] = 0.0
        elif text in _MISSING:
            continue
        else:
            try:
                out[line] = parse_number(text, fmt=fmt)
            except NumberFormatError as exc:
                msg = (
                    f"{where}, line {line}: {raw!r} {exc}. ISTAT writes missing values as '..' "
                    "or an empty cell."
                )
                raise DataError(msg) from None
    return out


def _measure_of(code: str, label: str, extra: Mapping[str, str]) -> str | None:
    if code in extra:
        return extra[code]
    if code in MEASURE_CODES:
        return MEASURE_CODES[code]
    low = label.casefold()
    if "addett" in low or "persons employed" in low:
        return "employees"
    if "unità locali" in low or "unita locali" in low or "local units" in low:
        return "local_units"
    return None


def _keep_totals(frame: pd.DataFrame, *, used: set[str], path: Path) -> pd.DataFrame:
    """Keep the total size class; refuse other dimensions with several values."""
    out = frame
    for col in _SIZE_COLUMNS:
        if col in out.columns:
            codes = out[col].map(_code)
            out = out[codes.isin(("TOTAL", "TOT"))]
            if out.empty:
                msg = (
                    f"{path}: column {col} has no TOTAL rows; export the total of the size classes."
                )
                raise DataError(msg)
    labels = {c for c in out.columns if c not in used and c not in _IGNORED}
    codes_cols = [c for c in labels if re.fullmatch(r"[A-Z0-9_]+", c) and c not in _SIZE_COLUMNS]
    for col in codes_cols:
        vals = sorted(set(out[col].map(_code)))
        if len(vals) > 1:
            msg = (
                f"{path}: column {col} has several values ({', '.join(vals[:6])}); the file must "
                f"hold one value of {col} (its total). Filter it in I.Stat before exporting."
            )
            raise DataError(msg)
    return out


def _from_cells(
    frame: pd.DataFrame,
    cols: Mapping[str, str],
    *,
    path: Path,
    decimal: str | None,
    measures: Mapping[str, str],
    dataset: str,
) -> pd.DataFrame:
    """I.Stat / SDMX cells (one value per row) → the employment layer."""
    # the columns read; label columns (Territorio, Tipo dato, ...) are not code columns
    used = set(cols.values())
    frame = _keep_totals(frame, used=used, path=path)
    mcode = frame[cols["measure"]].map(_code)
    mlabel = (
        frame[cols["measure_label"]]
        if "measure_label" in cols and cols["measure_label"] in frame
        else frame[cols["measure"]]
    )
    measure = pd.Series(
        [_measure_of(c, str(lab), measures) for c, lab in zip(mcode, mlabel, strict=True)],
        index=frame.index,
        dtype=object,
    )
    unknown = sorted(set(mcode[measure.isna()]))
    if unknown:
        msg = (
            f"{path}: measure code(s) {', '.join(unknown[:6])} in column {cols['measure']} are "
            "neither local units (LU) nor persons employed (LUEMPDAA). Filter them out, or name "
            "them in a mapping file: measures: {CODE: employees}."
        )
        raise DataError(msg)
    bad_m = set(measure) - set(MEASURES)
    if bad_m:
        msg = (
            f"{path}: 'measures' maps to {', '.join(sorted(bad_m))}; use local_units or employees."
        )
        raise ConfigError(msg)
    where = f"{path}, column {cols['value']}"
    value = parse_numbers(frame[cols["value"]], decimal=decimal, where=where)
    terr = _territories(frame[cols["territory"]], where=f"{path}, column {cols['territory']}")
    years = _years(frame[cols["year"]], where=f"{path}, column {cols['year']}")
    ateco = check_codes(frame[cols["ateco"]].map(_code), where=f"{path}, column {cols['ateco']}")
    long = pd.DataFrame(
        {"territory": terr, "year": years, "ateco": ateco, "measure": measure, "value": value}
    )
    dup = long.duplicated(["territory", "year", "ateco", "measure"], keep=False)
    if dup.any():
        line = dup.index[dup.to_numpy()][0]
        msg = (
            f"{path}, line {line}: the same territory, year, activity and measure appear more than "
            "once; the export mixes another dimension. Keep the totals only."
        )
        raise DataError(msg)
    wide = long.set_index(["territory", "year", "ateco", "measure"])["value"].unstack("measure")
    wide = wide.reset_index()
    wide.columns.name = None
    for m in MEASURES:
        if m not in wide.columns:
            wide[m] = np.nan
    names = None
    if "name" in cols and cols["name"] in frame.columns:
        names = (
            pd.Series(frame[cols["name"]].to_numpy(), index=terr.to_numpy())
            .groupby(level=0)
            .first()
        )
    wide["name"] = wide["territory"].map(names) if names is not None else ""
    wide["level"] = wide["territory"].map(territory_level)
    wide["source"] = f"{path.name} ({dataset})"
    return check_employment(wide, source=str(path))


def _territories(codes: pd.Series, *, where: str) -> pd.Series:
    out = codes.map(_code).astype(str).str.strip()
    num = out.str.fullmatch(r"\d{4,6}")
    out[num] = out[num].str.zfill(6)
    empty = out == ""
    if empty.any():
        line = empty.index[empty.to_numpy()][0]
        msg = f"{where}, line {line}: empty territory code."
        raise DataError(msg)
    return out


def _years(values: pd.Series, *, where: str) -> pd.Series:
    text = values.map(_code).astype(str).str.strip().str[:4]
    ok = text.str.fullmatch(r"(19|20)\d\d")
    if not ok.all():
        line = ok.index[~ok.to_numpy()][0]
        msg = f"{where}, line {line}: {values[line]!r} is not a year (YYYY or YYYY-MM-DD)."
        raise DataError(msg)
    return text.astype(int)


def load_employment_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a column-mapping file for :func:`read_employment`."""
    p = Path(path)
    raw = read_yaml(p, what="employment column-mapping file")[0] or {}
    check_keys(raw, _MAPPING_KEYS, where=str(p))
    for section in ("columns", "defaults"):
        check_keys(raw.get(section) or {}, _OURS, where=f"{p}, {section}")
    if raw.get("decimal") not in (None, ",", "."):
        msg = f"{p}: decimal must be ',' or '.', got {raw['decimal']!r}."
        raise ConfigError(msg)
    measures = raw.get("measures") or {}
    bad = {v for v in measures.values() if v not in MEASURES}
    if bad:
        msg = f"{p}, measures: {', '.join(map(str, sorted(bad)))} is not one of {', '.join(MEASURES)}."
        raise ConfigError(msg)
    return dict(raw)


def _from_table(frame: pd.DataFrame, mapping: Mapping[str, Any], *, path: Path) -> pd.DataFrame:
    """A user table (one row per territory, year, activity) through its mapping."""
    columns: Mapping[str, str] = mapping.get("columns") or {}
    defaults: Mapping[str, Any] = mapping.get("defaults") or {}
    absent = {o: t for o, t in columns.items() if t not in frame.columns}
    if absent:
        wanted = ", ".join(f"{t!r} (for {o})" for o, t in absent.items())
        msg = (
            f"{path}: the mapping names column(s) {wanted} that the file lacks. Columns in the "
            f"file: {', '.join(frame.columns)}. Fix the 'columns' section of the mapping."
        )
        raise DataError(msg)
    out = frame.rename(columns={t: o for o, t in columns.items()})
    for col, value in defaults.items():
        if col not in out.columns:
            out[col] = str(value)
    need = [c for c in ("territory", "year", "ateco") if c not in out.columns]
    if need or not any(m in out.columns for m in MEASURES):
        msg = (
            f"{path}: no column for {', '.join(need) or 'local_units or employees'}. Name the "
            "file's columns in the mapping's 'columns' (or a constant in 'defaults')."
        )
        raise DataError(msg)
    decimal = mapping.get("decimal")
    result = pd.DataFrame(
        {
            "territory": _territories(
                out["territory"], where=f"{path}, column {columns.get('territory', 'territory')}"
            ),
            "year": _years(out["year"], where=f"{path}, column {columns.get('year', 'year')}"),
            "ateco": check_codes(
                out["ateco"], where=f"{path}, column {columns.get('ateco', 'ateco')}"
            ),
        }
    )
    for m in MEASURES:
        result[m] = (
            parse_numbers(out[m], decimal=decimal, where=f"{path}, column {columns.get(m, m)}")
            if m in out.columns
            else np.nan
        )
    result["name"] = out["name"].astype(str) if "name" in out.columns else ""
    result["level"] = result["territory"].map(territory_level)
    result["source"] = path.name
    return check_employment(result, source=str(path))


def read_employment(
    path: str | Path,
    *,
    mapping: str | Path | Mapping[str, Any] | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read an ISTAT employment file (I.Stat, SDMX-CSV) or a mapped table.

    Parameters
    ----------
    path
        The CSV file (see the module docstring for the shapes read).
    mapping
        A column-mapping file (or its parsed content): required for a table
        that is neither an I.Stat nor an SDMX export; optional otherwise
        (``measures:``, ``decimal:``, ``encoding:``).
    encoding
        Force an encoding (default: UTF-8, else Windows-1252).
    decimal
        ``","`` or ``"."`` (default: the mapping's, else ``","`` for a
        semicolon-separated file, else undeclared).

    Returns
    -------
    pandas.DataFrame
        The employment layer (:data:`~seriana_gis.economy.layer.EMPLOYMENT_COLUMNS`).

    Raises
    ------
    DataError
        Unreadable file, unknown shape, bad codes or numbers; the message names
        the file, line and column and says how to fix it.
    """
    p = Path(path)
    spec: dict[str, Any] = {}
    if isinstance(mapping, str | Path):
        spec = load_employment_mapping(mapping)
    elif mapping is not None:
        spec = dict(mapping)
    text = read_text(p, encoding=encoding or spec.get("encoding"))
    frame, delim = table(text, path=p)
    # a semicolon-separated file is a CSV saved by Excel in Italian, whose decimal is the comma
    dec = decimal or spec.get("decimal") or ("," if delim == ";" else None)
    measures = {str(k): str(v) for k, v in (spec.get("measures") or {}).items()}
    if spec.get("columns"):
        return _from_table(frame, spec, path=p)
    if all(
        c in frame.columns for c in ("ITTER107", "TIPO_DATO_CIS", "ATECO_2007", "TIME", "Value")
    ):
        cols = dict(_ISTAT)
        if "Tipo dato" not in frame.columns:
            cols.pop("measure_label")
        return _from_cells(frame, cols, path=p, decimal=dec, measures=measures, dataset="I.Stat")
    if all(c in frame.columns for c in _SDMX.values()):
        return _from_cells(frame, _SDMX, path=p, decimal=dec, measures=measures, dataset="SDMX")
    msg = (
        f"{p}: neither an I.Stat export (ITTER107, TIPO_DATO_CIS, ATECO_2007, TIME, Value) nor "
        "an SDMX-CSV export (REF_AREA, DATA_TYPE, ECON_ACTIVITY_NACE_2007, TIME_PERIOD, "
        f"OBS_VALUE); columns found: {', '.join(frame.columns)}. For another table give a "
        "column-mapping file (mapping=..., see the user guide)."
    )
    raise DataError(msg)
