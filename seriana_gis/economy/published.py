"""Published employment figures: the study's own and every sourced figure we found.

``layers/default/economy_published.csv`` (documented in ``layers/README.md``)
holds one figure per row with its territory, indicator, sector, years, value,
bound (``exact``, ``more_than``, ``about``), unit, source and the quoted
sentence. Territories are the study's and the press's names, not our zones:

============== ===============================================================
territory      meaning
============== ===============================================================
province_bg    the province of Bergamo
valley         the study's Seriana Valley (lower and upper valley)
lower_valley   the study's lower valley (former Comunità Montana Valle Seriana
               Inferiore, 18 municipalities)
upper_valley   the study's upper valley
valle_seriana  the press's "Val Seriana", boundary not stated
============== ===============================================================

Which zones of a configuration each territory covers is an assumption of the
job-loss scenario file (``analyses/job_loss.yaml``, ``territories:``).
No municipal figure was found: the table is zone-level (see the notes of
``layers/README.md``), and the analyses of the default work at that level.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._errors import DataError
from ..config import default_layers_dir
from .sectors import SECTORS

#: The territories the published figures refer to.
TERRITORIES: dict[str, str] = {
    "province_bg": "Province of Bergamo",
    "valley": "Seriana Valley (the study's lower and upper valley)",
    "lower_valley": "Lower valley (the study's)",
    "upper_valley": "Upper valley (the study's)",
    "valle_seriana": "Val Seriana (press; boundary not stated)",
}
#: How a value is bounded: the figure itself, a lower bound of its size, or a round figure.
BOUNDS = ("exact", "more_than", "about")
#: Sector labels published figures use besides :data:`SECTORS` (combinations join with ``+``).
EXTRA_SECTORS = ("industry", "construction", "services", "artisan")
_COLUMNS = (
    "id", "territory", "indicator", "sector", "year_from", "year", "value", "bound", "unit",
    "source", "url", "note",
)  # fmt: skip


def default_published_path() -> Path:
    """The shipped table of published figures."""
    return default_layers_dir() / "default" / "economy_published.csv"


def load_published(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a table of published figures (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``; ``value`` float, ``year`` and ``year_from`` nullable
        integers, the other columns strings (empty where not given).

    Raises
    ------
    DataError
        A missing column, an unknown territory, sector or bound, a value that
        is not a number, a row without source, a repeated id.
    """
    p = Path(path) if path is not None else default_published_path()
    from .istat import read_text, table

    raw, _ = table(read_text(p, encoding="utf-8"), path=p)
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        msg = f"{p}: missing column(s) {', '.join(missing)}."
        raise DataError(msg)
    out = raw[list(_COLUMNS)].copy()
    sectors = set(SECTORS) | set(EXTRA_SECTORS)
    for line, row in out.iterrows():
        where = f"{p}, line {line} ({row['id']})"
        if row["territory"] not in TERRITORIES:
            msg = f"{where}: territory {row['territory']!r} is not one of {', '.join(TERRITORIES)}."
            raise DataError(msg)
        if row["bound"] not in BOUNDS:
            msg = f"{where}: bound {row['bound']!r} is not one of {', '.join(BOUNDS)}."
            raise DataError(msg)
        unknown = [s for s in row["sector"].split("+") if s and s not in sectors]
        if unknown:
            msg = (
                f"{where}: sector {', '.join(unknown)} is not one of {', '.join(sorted(sectors))}."
            )
            raise DataError(msg)
        if not row["source"].strip():
            msg = f"{where}: every figure needs its source."
            raise DataError(msg)
    value = pd.to_numeric(out["value"], errors="coerce")
    if value.isna().any():
        line = value.index[value.isna()][0]
        msg = f"{p}, line {line}: value {out['value'][line]!r} is not a number."
        raise DataError(msg)
    out["value"] = value.astype(float)
    for col in ("year", "year_from"):
        out[col] = pd.to_numeric(out[col].replace("", None)).astype("Int64")
    if out["id"].duplicated().any():
        dup = out.loc[out["id"].duplicated(), "id"].iloc[0]
        msg = f"{p}: id {dup!r} appears more than once."
        raise DataError(msg)
    return out.set_index("id")


def figure(
    published: pd.DataFrame,
    *,
    territory: str,
    indicator: str,
    sector: str = "",
    default: float | None = None,
) -> float:
    """The value of the one figure with this territory, indicator and sector.

    Without a figure, ``default`` when given (NaN, say), else an error.
    """
    rows = published[
        (published["territory"] == territory)
        & (published["indicator"] == indicator)
        & (published["sector"] == sector)
    ]
    if len(rows) == 0 and default is not None:
        return default
    if len(rows) != 1:
        msg = (
            f"{len(rows)} published figures for territory={territory!r}, indicator={indicator!r}, "
            f"sector={sector!r}; expected one."
        )
        raise DataError(msg)
    return float(rows["value"].iloc[0])
