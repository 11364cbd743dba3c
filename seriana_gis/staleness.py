"""Which results are out of date, and the command that refreshes them.

Every stage of a run (:mod:`seriana_gis.runs`) records a hash of each input
it read: the database layers (their input columns and geometries, without
the result columns any run added), the files (scenario, profiles, allocation,
the study-area configuration) and, for suitability, the accessibility stage
it read. A stage is **stale** when an input has changed since: a layer
edited in QGIS or rebuilt, a profile file edited, the travel times recomputed
(``seriana accessibility --with-extension --run base --overwrite``), or its own
upstream stale. :func:`stage_status` says why, and the stage's record names the
command that computes it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from . import columns
from .database import read_database
from .runs import BASE, RunRecord, find, read_runs, result_columns

#: Column kinds suitability writes (:mod:`seriana_gis.columns`: every kind that is not
#: accessibility's), besides the allocation's ``alloc_*`` and a profile's computed
#: indicators (which its record lists).
SUITABILITY_KINDS = frozenset(columns.KINDS) - columns.ACCESSIBILITY_KINDS


def is_suitability_result(name: object) -> bool:
    """Whether a suitability run wrote a column of this name."""
    if not isinstance(name, str):
        return False
    if name.startswith((columns.ALLOCATION_PREFIX, "contrib_")):
        return True
    parsed = columns.parse(name)
    return parsed is not None and parsed.kind in SUITABILITY_KINDS


def strip_suitability(gdf: pd.DataFrame, *, drop: Iterable[str] = ()) -> pd.DataFrame:
    """A layer without suitability results (a new frame; accessibility columns stay).

    Parameters
    ----------
    gdf
        A layer as read from the database.
    drop
        Further columns to leave out (a profile's computed indicators, which the
        ``runs`` table lists).

    Returns
    -------
    pandas.DataFrame
        Same type as ``gdf``, without ``score_*``, ``rank_*``, ``alloc_*``, ... columns.
    """
    extra = set(drop)
    return gdf.drop(columns=[c for c in gdf.columns if c in extra or is_suitability_result(c)])


def input_part(gdf: pd.DataFrame, *, drop: Iterable[str] = ()) -> pd.DataFrame:
    """A layer without the result columns of any run (a new frame).

    Parameters
    ----------
    gdf
        A layer as read from the database.
    drop
        Further columns to leave out (the result columns the ``runs`` table lists).

    Returns
    -------
    pandas.DataFrame
        Same type as ``gdf``, without ``car_*``, ``transit_*``, ``score_*``, ... columns.
    """
    from .accessibility.run import strip_results  # not at the top: accessibility imports this

    return strip_suitability(strip_results(gdf), drop=drop)


def frame_hash(frame: pd.DataFrame) -> str:
    """SHA-256 (16 hex digits) of a frame's column names, values and geometries.

    Columns are taken in name order, so reordering them does not change the hash;
    rows are taken in order.
    """
    h = hashlib.sha256()
    geom = frame.geometry.name if hasattr(frame, "geometry") else None
    cols = sorted((str(c) for c in frame.columns if c != geom), key=str)
    h.update(json.dumps(cols).encode())
    h.update(str(len(frame)).encode())
    if cols:
        values = pd.util.hash_pandas_object(pd.DataFrame(frame[cols]), index=False)
        h.update(values.to_numpy().tobytes())
    if geom is not None:
        for wkb in shapely.to_wkb(frame.geometry.to_numpy(), output_dimension=3):
            h.update(b"" if wkb is None else wkb)
    return h.hexdigest()[:16]


def file_hash(path: str | Path) -> str:
    """SHA-256 (16 hex digits) of a file's bytes, or ``"missing"``."""
    p = Path(path)
    if not p.is_file():
        return "missing"
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16]


def input_hashes(
    layers: Mapping[str, pd.DataFrame],
    names: Iterable[str],
    *,
    records: Iterable[RunRecord] = (),
    files: Iterable[str | Path] = (),
) -> dict[str, str]:
    """The ``inputs`` of a stage: ``layer:<name>`` and ``file:<path>`` hashes.

    Parameters
    ----------
    layers
        The database's layers (as read by the stage).
    names
        The layers the stage reads (missing ones are skipped).
    records
        The database's run records (for the result columns to leave out).
    files
        The files the stage reads.
    """
    rec = list(records)
    out = {
        f"layer:{n}": frame_hash(input_part(layers[n], drop=result_columns(rec, n)))
        for n in names
        if n in layers
    }
    for f in files:
        out[f"file:{Path(f).resolve()}"] = file_hash(f)
    return out


@dataclass(frozen=True)
class StageStatus:
    """Whether one stage of one run is up to date.

    Attributes
    ----------
    record
        The stage's record.
    reasons
        Why it is stale (empty when current), one sentence each.
    """

    record: RunRecord
    reasons: tuple[str, ...]

    @property
    def stale(self) -> bool:
        """Whether an input has changed since the stage ran."""
        return bool(self.reasons)

    @property
    def message(self) -> str:
        """One sentence: which results are stale, why, and the command that refreshes them."""
        r = self.record
        return (
            f"the {r.stage} results of run {r.run!r} ({r.created}) are out of date: "
            f"{'; '.join(self.reasons)}. Refresh them with `{r.refresh}`."
        )


def _mixed_period(record: RunRecord) -> str | None:
    """Why an accessibility stage computed before one period per run is stale, if it mixed two.

    Before a run's time of day chose the TEB headway too, the headway was its own option
    (``peak``): the default run waited at the peak headway beside off-peak road times. A
    record without ``tram_headway`` whose two did not match is out of date.
    """
    from .accessibility.period import HEADWAY_PERIODS, TRAM_PERIOD, run_period
    from .network.profile import DEFAULT_TIME_OF_DAY

    opts = record.options
    if record.stage != "accessibility" or "tram_headway" in opts:
        return None
    peak, tod = opts.get("peak"), opts.get("time_of_day")
    if not isinstance(peak, bool):
        return None
    period = run_period(
        tod if isinstance(tod, str) and tod in TRAM_PERIOD else DEFAULT_TIME_OF_DAY, peak=peak
    )
    if not period.mixed:
        return None
    return (
        f"its TEB times wait at the {HEADWAY_PERIODS[period.headway_period]} headway beside "
        f"{period.time_of_day} road times (computed before a run's time of day chose the "
        "headway too)"
    )


def stage_status(
    record: RunRecord,
    *,
    layers: Mapping[str, pd.DataFrame],
    records: Iterable[RunRecord],
) -> StageStatus:
    """Check one stage's inputs against the database and the files as they are now.

    Parameters
    ----------
    record
        The stage's record.
    layers
        The database's layers now.
    records
        Every record of the database (for the upstream stage and the result columns).

    Returns
    -------
    StageStatus
    """
    rec = list(records)
    reasons: list[str] = []
    for key, old in record.inputs.items():
        kind, _, name = key.partition(":")
        if kind == "layer":
            if name not in layers:
                reasons.append(f"the layer {name} is no longer in the database")
                continue
            now = frame_hash(input_part(layers[name], drop=result_columns(rec, name)))
            if now != old:
                reasons.append(f"the layer {name} has changed since (edited or rebuilt)")
        elif kind == "file":
            now = file_hash(name)
            if now == "missing" and old != "missing":
                reasons.append(f"{name} is gone")
            elif now != old:
                reasons.append(f"{name} has changed since")
    mixed = _mixed_period(record)
    if mixed:
        reasons.append(mixed)
    if record.upstream:
        up = find(rec, record.upstream.get("run", BASE), "accessibility")
        label = f"the travel times of run {record.upstream.get('run', BASE)!r}"
        if up is None:
            reasons.append(f"{label} are gone")
        elif up.stamp != record.upstream.get("stamp"):
            reasons.append(f"{label} were computed again on {up.created}")
        elif stage_status(up, layers=layers, records=rec).stale:
            reasons.append(f"{label} are out of date themselves")
    return StageStatus(record=record, reasons=tuple(reasons))


def database_status(
    database: str | Path,
    *,
    stages: Iterable[tuple[str, str]] | None = None,
    layers: Mapping[str, pd.DataFrame] | None = None,
) -> list[StageStatus]:
    """The status of the runs recorded in a database.

    Parameters
    ----------
    database
        The territorial database.
    stages
        ``(run, stage)`` pairs to check (default: every recorded one); pairs
        not recorded are skipped.
    layers
        The database's base layers, if already read.

    Returns
    -------
    list of StageStatus
        In the order of the ``runs`` table (or of ``stages``).
    """
    records = read_runs(database)
    if stages is None:
        chosen = records
    else:
        chosen = [r for run, stage in stages if (r := find(records, run, stage)) is not None]
    if not chosen:
        return []
    base = layers if layers is not None else read_database(database)
    return [stage_status(r, layers=base, records=records) for r in chosen]
