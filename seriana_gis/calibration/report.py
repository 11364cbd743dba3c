"""What ``seriana calibrate`` prints and records: per-trip errors, the targets, the provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from ..network.profile import SpeedProfile, parameters
from .fit import TARGET_MAX_PCT, TARGET_MEDIAN_PCT, CalibrationResult
from .floor import data_floors, source_scatter


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def trips_label(path: Path) -> str:
    """The trips file as recorded: ``layers/<...>`` for the shipped ones, else the path given."""
    from ..config import default_layers_dir

    p = Path(path).resolve()
    base = default_layers_dir().resolve()
    return f"layers/{p.relative_to(base)}" if p.is_relative_to(base) else str(path)


def calibration_record(
    result: CalibrationResult, *, trips: str, trips_sha256: str, network: str
) -> dict[str, Any]:
    """The ``calibration`` mapping written into the profile (what produced it, how well it fits).

    Parameters
    ----------
    result
        The calibration.
    trips
        The trips file (as given).
    trips_sha256
        Its hash.
    network
        The road network it was fitted on.
    """
    s = result.summary
    floors = data_floors(result.table)
    scatter = source_scatter(result.table)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "trips": trips,
        "trips_sha256": trips_sha256,
        "network": network,
        "observations": int(s["observations"]),
        "bound_observations": int(s["bound_observations"]),
        "excluded_trips": sorted(result.excluded),
        "median_abs_error_pct": {
            "before": round(float(s["before_median_abs_err_pct"]), 1),
            "after": round(float(s["after_median_abs_err_pct"]), 1),
            "heldout": round(float(s["heldout_median_abs_err_pct"]), 1),
        },
        "max_abs_error_pct": {
            "before": round(float(s["before_max_abs_err_pct"]), 1),
            "after": round(float(s["after_max_abs_err_pct"]), 1),
            "heldout": round(float(s["heldout_max_abs_err_pct"]), 1),
        },
        "targets_met": bool(s["median_target_met"] and s["max_target_met"]),
        "data_floor_pct": round(float(floors["floor_pct"].max()) if len(floors) else 0.0, 1),
        # the median error the true times would show against sources as scattered as these
        "source_scatter_median_pct": None
        if scatter is None
        else {
            "estimate": round(scatter.median_pct, 1),
            "low_95": round(scatter.median_pct_low, 1),
            "high_95": round(scatter.median_pct_high, 1),
            "trips": scatter.groups,
            "dof": scatter.dof,
        },
        "not_informed": [k for k, v in result.informed.items() if not v],
    }


#: How a trip marked ``use_in_fit: no`` is marked in the printed tables.
NOT_FITTED = "(not fitted: use_in_fit no)"


def _fmt(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.1f}"


def trip_lines(table: pd.DataFrame, *, heldout: bool = True) -> list[str]:
    """One line per observation: observed, before, after (and held out) with errors."""
    head = (
        f"{'trip':<8} {'from':<28} {'to':<24} {'period':<8} {'obs':>6} {'before':>14} {'after':>14}"
    )
    if heldout:
        head += f" {'held out':>14}"
    lines = [head]
    for _, r in table.iterrows():
        obs = ("<" if r["bound"] == "upper" else ">" if r["bound"] == "lower" else "") + _fmt(
            r["observed_min"]
        )
        line = (
            f"{r['trip_id']:<8} {str(r['origin'])[:28]:<28} {str(r['destination'])[:24]:<24} "
            f"{r['time_of_day']:<8} {obs:>6} "
            f"{_fmt(r['before_min']):>6} {r['before_err_pct']:+6.0f}% "
            f"{_fmt(r['after_min']):>6} {r['after_err_pct']:+6.0f}%"
        )
        if heldout:
            line += f" {_fmt(r['heldout_min']):>6} {r['heldout_err_pct']:+6.0f}%"
        if not r.get("fitted", True):
            line += f"  {NOT_FITTED}"
        lines.append(line)
    return lines


def summary_lines(result: CalibrationResult) -> list[str]:
    """The fitted parameters, the error statistics and the targets."""
    s = result.summary
    p = result.profile
    lines = ["fitted parameters (prior -> fitted):"]
    for par in parameters():
        value = getattr(p, par.group)[par.name]
        flag = (
            ""
            if result.informed.get(par.label, True)
            else "  (no trip informs it: kept near its prior)"
        )
        lines.append(f"  {par.label:<32} {par.prior:>7.3g} -> {value:>7.3g}{flag}")
    lines.append(
        f"median absolute error: before {s['before_median_abs_err_pct']:.1f} %, after "
        f"{s['after_median_abs_err_pct']:.1f} %, held out ({int(s['observations'])} observations, "
        f"k-fold) {s['heldout_median_abs_err_pct']:.1f} % (target <= {TARGET_MEDIAN_PCT:g} %): "
        + ("met" if s["median_target_met"] else "NOT MET")
    )
    lines.append(
        f"largest absolute error: before {s['before_max_abs_err_pct']:.1f} %, after "
        f"{s['after_max_abs_err_pct']:.1f} % (target <= {TARGET_MAX_PCT:g} %): "
        + ("met" if s["max_target_met"] else "NOT MET")
        + f"; held out {s['heldout_max_abs_err_pct']:.1f} %"
    )
    if s.get("not_fitted_observations"):
        lines.append(
            f"{int(s['not_fitted_observations'])} observation(s) of trips marked use_in_fit: no "
            "are timed and listed (marked) but left out of the fit and of these figures."
        )
    if s["bound_observations"]:
        lines.append(
            f"{int(s['bound_observations'])} observation(s) are published bounds (< or >): their "
            "error is the violation (0 when kept); medians are over the typical values."
        )
    return lines


def check_lines(table: pd.DataFrame, profile: SpeedProfile, *, network: str) -> list[str]:
    """The errors of a profile on another network (no fit), with the targets."""
    lines = [f"check of profile {profile.name!r} on {network}:"]
    if len(table) == 0:
        return [*lines, "  no trip lies inside that network's coverage"]
    for _, r in table.iterrows():
        obs = ("<" if r["bound"] == "upper" else "") + _fmt(r["observed_min"])
        mark = "" if r.get("fitted", True) else f"  {NOT_FITTED}"
        lines.append(
            f"  {r['trip_id']:<8} {str(r['origin'])[:28]:<28} {str(r['destination'])[:24]:<24} "
            f"{r['time_of_day']:<8} obs {obs:>6}  model {_fmt(r['model_min']):>6} "
            f"({r['err_pct']:+.0f}%){mark}"
        )
    if "fitted" in table.columns:
        table = table[table["fitted"].astype(bool)]
    if len(table) == 0:
        return [*lines, "  every trip inside that network's coverage is marked use_in_fit: no"]
    typical = table["bound"] == ""
    med = float(table.loc[typical, "err_pct"].abs().median()) if typical.any() else 0.0
    mx = float(table["err_pct"].abs().max())
    lines.append(
        f"  median absolute error {med:.1f} % (target <= {TARGET_MEDIAN_PCT:g} %), largest "
        f"{mx:.1f} % (target <= {TARGET_MAX_PCT:g} %): "
        + ("met" if med <= TARGET_MEDIAN_PCT and mx <= TARGET_MAX_PCT else "NOT MET")
    )
    return lines
