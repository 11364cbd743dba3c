"""Two runs side by side: how ranks, scores, travel times and catchments changed.

:func:`compare_layers` matches the sites of two runs by ``id`` and the
municipalities by ``istat`` (a base and a scenario, or two weightings) and
returns, per site and profile, the score and rank in each run and their change
(a positive rank change is a move up), the best use in each; and per
municipality each travel time and catchment in each run and its change
(scenario minus base, as :func:`seriana_gis.accessibility.scenarios.scenario_deltas`).
:func:`write_comparison` writes them as CSV (optionally for Italian
spreadsheets), as sheets of one Excel workbook, and as an offline map of the
changes.

A run is a named run of a territorial database (:mod:`seriana_gis.runs`:
``base``, ``extension``, ``ss671_closed``, another weighting...), or the base
run of another database file: :func:`run_source` reads an argument of
``seriana compare`` as one or the other, and :func:`read_compared` reads the
layers a comparison needs as the run sees them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import columns as cols
from . import symbology as sym
from ._errors import DataError
from ._io import check_writable, write_text
from .export.formats import write_csv
from .maps import style
from .maps.elements import (
    DataLayer,
    LayerControl,
    add_call,
    add_dataset,
    offline_map,
    render_html,
)
from .maps.features import serialise
from .report.workbook import column_kinds, write_workbook
from .runs import BASE, read_run, read_runs

__all__ = [
    "COMPARED_LAYERS",
    "Comparison",
    "RunSource",
    "compare_layers",
    "read_compared",
    "run_source",
    "write_comparison",
]

logger = logging.getLogger(__name__)

#: The layers of each run a comparison reads: sites by ``id``, municipalities by ``istat``.
COMPARED_LAYERS: tuple[str, ...] = ("brownfields", "municipalities")

#: Diverging palette of changes (ColorBrewer RdBu, 6 classes): worse red, better blue.
CHANGES: tuple[str, ...] = ("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac")
#: Class edges of a score change.
SCORE_CHANGE_EDGES: tuple[float, ...] = (-1.0, -0.1, -0.02, 0.0, 0.02, 0.1, 1.0)


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side.

    Attributes
    ----------
    sites
        Per site: ``id``, ``name``, ``municipality``; per profile ``p``
        ``score_{p}`` in each run (:func:`side`), its ``delta_``, ``rank_{p}`` in
        each run and ``rank_up_{p}`` (base rank minus scenario rank: positive
        is a move up); ``best_use`` in each run.
    municipalities
        Per municipality: ``istat``, ``name``; every travel time and catchment
        in each run and its ``delta_`` (scenario minus base).
    names
        The two runs' names (``base``, ``scenario`` by default).
    """

    sites: pd.DataFrame
    municipalities: pd.DataFrame
    names: tuple[str, str]


@dataclass(frozen=True)
class RunSource:
    """One side of a comparison: a run of a territorial database.

    Attributes
    ----------
    database
        The territorial database (GeoPackage).
    run
        The run's name in it (``base`` for a database file given alone).
    label
        What the comparison's tables call it.
    """

    database: Path
    run: str
    label: str


def is_database_path(argument: str) -> bool:
    """Whether a ``seriana compare`` argument names a database file rather than a run.

    A path is one with a folder separator or ending in ``.gpkg``
    (``data/weights.gpkg``, ``./other``); anything else is a run name (run
    names have neither, see :func:`seriana_gis.runs.check_run_name`).
    """
    return "/" in argument or os.sep in argument or argument.lower().endswith(".gpkg")


def run_source(argument: str, *, database: str | os.PathLike[str]) -> RunSource:
    """Read one argument of ``seriana compare``: a run of ``database``, or a database file.

    Parameters
    ----------
    argument
        A run name (``base``, ``extension``: a run of ``database``), or the path
        of a territorial database (see :func:`is_database_path`), whose base
        run is compared.
    database
        The database the run names refer to.

    Returns
    -------
    RunSource
        Labelled with the run's name, or the file's stem.

    Raises
    ------
    DataError
        ``database`` has no run of that name (the message lists the runs it
        has), or a file is missing or not a territorial database.
    """
    if is_database_path(argument):
        path = Path(argument)
        if not path.is_file():
            msg = (
                f"{path} not found: an argument with a '/' or ending in .gpkg is a territorial "
                f"database file. Give the path of one, or a run name of {database} (`seriana "
                "runs` lists them)."
            )
            raise DataError(msg)
        read_runs(path)  # an unreadable file is one clear error
        return RunSource(database=path, run=BASE, label=path.stem)
    db = Path(database)
    runs = list(dict.fromkeys(r.run for r in read_runs(db)))
    if argument != BASE and argument not in runs:
        have = f"its runs: {', '.join(runs)}" if runs else "it has no named runs yet"
        msg = (
            f"{db} has no run {argument!r}; {have} (`seriana runs -d {db}` lists them with "
            "their options). To compare a database file instead, give its path (ending in "
            ".gpkg, or with a '/')."
        )
        raise DataError(msg)
    return RunSource(database=db, run=argument, label=argument)


def read_compared(source: RunSource) -> dict[str, gpd.GeoDataFrame]:
    """The layers a comparison reads (:data:`COMPARED_LAYERS`), as the run sees them."""
    return read_run(source.database, source.run, layers=COMPARED_LAYERS)


def distinct(base: RunSource, scenario: RunSource) -> tuple[RunSource, RunSource]:
    """The two sides of a comparison with different labels (a file's path where stems clash).

    Raises
    ------
    DataError
        Both name the same run of the same database.
    """
    if base.run == scenario.run and base.database.resolve() == scenario.database.resolve():
        msg = (
            f"both runs are {base.run!r} of {base.database}: compare two different runs "
            "(`seriana runs` lists them)."
        )
        raise DataError(msg)
    if base.label != scenario.label:
        return base, scenario
    relabel = [
        RunSource(database=s.database, run=s.run, label=str(s.database))
        if s.run == BASE and s.label == s.database.stem
        else s
        for s in (base, scenario)
    ]
    if relabel[0].label == relabel[1].label:
        relabel[1] = RunSource(
            database=scenario.database, run=scenario.run, label=f"{scenario.label} (2)"
        )
    return relabel[0], relabel[1]


def _warn_one_sided(names: tuple[str, str], what: str, a: list[str], b: list[str]) -> None:
    for name, have, other in ((names[0], a, b), (names[1], b, a)):
        if missing := [c for c in other if c not in have]:
            logger.warning(
                "%s has no %s %s: the comparison shows them for %s only, their changes are empty.",
                name,
                what,
                ", ".join(missing),
                names[1] if name == names[0] else names[0],
            )


def side(column: str, run: str) -> str:
    """A column of one run in a comparison: ``{column}@{run}``."""
    return f"{column}@{run}"


def rank_up(profile: str) -> str:
    """The rank change of a profile: base rank minus scenario rank (up is positive)."""
    return f"rank_up_{profile}"


def _frame(layers: Mapping[str, Any], name: str, key: str, where: str) -> pd.DataFrame:
    gdf = layers.get(name)
    if not isinstance(gdf, pd.DataFrame) or gdf.empty:
        return pd.DataFrame({key: pd.Series(dtype=str)})
    if key not in gdf.columns:
        msg = f"{where}: layer {name!r} has no {key!r} column to match features by."
        raise DataError(msg)
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name, errors="ignore"))
    out[key] = out[key].astype(str)
    if out[key].duplicated().any():
        dup = out.loc[out[key].duplicated(), key].iloc[0]
        msg = (
            f"{where}: layer {name!r} has {key} {dup!r} twice; ids must be unique to compare runs."
        )
        raise DataError(msg)
    return out.set_index(key)


def _numbers(frame: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    """A column as numbers on ``index`` (NaN where the frame lacks the row or the column)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").reindex(index)


def _pair(
    a: pd.DataFrame, b: pd.DataFrame, columns: list[str], names: tuple[str, str], key: str
) -> pd.DataFrame:
    index = a.index.union(b.index, sort=False)
    out = pd.DataFrame(index=pd.Index(index, name=key))
    for c in columns:
        out[side(c, names[0])] = _numbers(a, c, index)
        out[side(c, names[1])] = _numbers(b, c, index)
        out[cols.delta(c)] = out[side(c, names[1])] - out[side(c, names[0])]
    return out


def compare_layers(
    base: Mapping[str, Any],
    scenario: Mapping[str, Any],
    *,
    names: tuple[str, str] = ("base", "scenario"),
) -> Comparison:
    """Compare two runs' layers (see :class:`Comparison`).

    Parameters
    ----------
    base, scenario
        Layer name → GeoDataFrame of each run (``brownfields`` with ``id``,
        ``municipalities`` with ``istat``); not changed.
    names
        How the two runs are called in the tables.

    Raises
    ------
    DataError
        If a layer cannot be matched (no id column, repeated ids), or the runs
        share no site and no municipality.
    """
    a_sites = _frame(base, "brownfields", "id", names[0])
    b_sites = _frame(scenario, "brownfields", "id", names[1])
    a_towns = _frame(base, "municipalities", "istat", names[0])
    b_towns = _frame(scenario, "municipalities", "istat", names[1])
    if (
        a_sites.index.intersection(b_sites.index).empty
        and a_towns.index.intersection(b_towns.index).empty
    ):
        msg = (
            f"the runs {names[0]!r} and {names[1]!r} share no brownfield id and no municipality: "
            "compare two runs of the same territory."
        )
        raise DataError(msg)
    scored = [
        [p.name for p in cols.profile_columns(list(frame.columns)) if p.score]
        for frame in (a_sites, b_sites)
    ]
    _warn_one_sided(names, "scores for", *scored)
    profiles = list(dict.fromkeys([*scored[1], *scored[0]]))
    sites = _pair(a_sites, b_sites, [cols.score(p) for p in profiles], names, "id")
    for p in profiles:
        for run, frame in zip(names, (a_sites, b_sites), strict=True):
            sites[side(cols.rank(p), run)] = _numbers(frame, cols.rank(p), sites.index)
        sites[rank_up(p)] = (
            sites[side(cols.rank(p), names[0])] - sites[side(cols.rank(p), names[1])]
        )
    for run, frame in zip(names, (a_sites, b_sites), strict=True):
        if cols.BEST_USE in frame.columns:
            sites[side(cols.BEST_USE, run)] = frame[cols.BEST_USE].reindex(sites.index)
    ident = b_sites.combine_first(a_sites)
    for c in ("municipality", "name"):
        if c in ident.columns:
            sites.insert(0, c, ident[c].reindex(sites.index))
    measured = [
        [
            c
            for c in frame.columns
            if (parsed := cols.parse(c, profiles=())) is not None
            and parsed.kind in ("travel_time", "catchment", "hansen")
        ]
        for frame in (a_towns, b_towns)
    ]
    _warn_one_sided(names, "travel times or catchments", *measured)
    measures = list(dict.fromkeys([*measured[0], *measured[1]]))
    if not profiles and not measures:
        msg = (
            f"neither {names[0]!r} nor {names[1]!r} has results to compare (scores or travel "
            "times): run `seriana accessibility` and `seriana suitability` first."
        )
        raise DataError(msg)
    towns = _pair(a_towns, b_towns, measures, names, "istat")
    names_of = b_towns.combine_first(a_towns)
    if "name" in names_of.columns:
        towns.insert(0, "name", names_of["name"].reindex(towns.index))
    return Comparison(sites=sites.reset_index(), municipalities=towns.reset_index(), names=names)


def _label(column: str, names: tuple[str, str]) -> str:
    if "@" in column:
        base, run = column.rsplit("@", 1)
        return f"{sym.column_label(base)}: {run}"
    if column.startswith("rank_up_"):
        return f"{cols.profile_label(column.removeprefix('rank_up_'))} rank: places up"
    parsed = cols.parse(column)
    if parsed is not None and parsed.kind == "delta" and parsed.base is not None:
        return f"{sym.column_label(parsed.base.name)}: change ({names[1]} − {names[0]})"
    return sym.column_label(column)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Values rounded to the kind of the column they compare; best uses in words."""
    sources = {str(c): _kind_source(str(c)) for c in frame.columns}
    out = sym.round_frame(frame, sources=sources, whole_as_int=True)
    for c in out.columns:
        if str(c).startswith(cols.BEST_USE):
            out[c] = [None if pd.isna(v) else sym.value_label(cols.BEST_USE, v) for v in out[c]]
    return out


def comparison_map(comparison: Comparison, scenario: Mapping[str, Any]) -> Any:
    """An offline map of the changes: sites by score change per profile, municipalities by
    the change of their first travel time."""
    m = offline_map(title=f"Comparison: {comparison.names[1]} against {comparison.names[0]}")
    boxes: list[list[float] | None] = []
    towns = scenario.get("municipalities")
    if isinstance(towns, gpd.GeoDataFrame) and not towns.empty and "istat" in towns.columns:
        deltas = comparison.municipalities.set_index("istat")
        changes = [c for c in deltas.columns if c.startswith("delta_")]
        frame = towns[["istat", "name", towns.geometry.name]].copy()
        for c in changes:
            frame[c] = deltas[c].reindex(frame["istat"].astype(str)).to_numpy()
        ds = serialise(frame, layer="municipalities", columns=["name", *changes])
        add_dataset(m, "municipalities", ds.text())
        boxes.append(ds.box())
        if changes:
            first = changes[0]
            top = (
                float(np.nanmax(np.abs(frame[first].to_numpy(dtype=float))))
                if frame[first].notna().any()
                else 1.0
            )
            top = top or 1.0
            edges = [-top, -top / 2, -top / 10, 0.0, top / 10, top / 2, top]
            classes = sym.classes([round(e, 2) for e in edges], CHANGES[::-1])
            st, entries = style.classes_style(first, classes)
            title = _label(first, comparison.names)
        else:
            st, entries = (
                {"kind": "fixed", "colour": "#ffffff"},
                [["#ffffff", "Municipality", "fill"]],
            )
            title = "Municipalities"
        spec = {
            "id": "municipalities",
            "data": "municipalities",
            "style": st,
            "legend": style.legend(title, entries),
            "popup": {
                "title": "name",
                "fields": [[_label(c, comparison.names), c, "num"] for c in changes],
            },
            "tooltip": "name",
            "weight": 1.0,
            "fill_opacity": 0.6,
            "opacity": 0.9,
            "radius": 6.0,
            "stroke": sym.OUTLINE,
            "dash": None,
            "hollow": None,
        }
        DataLayer(spec, name=title, show=True).add_to(m)
    sites = scenario.get("brownfields")
    if isinstance(sites, gpd.GeoDataFrame) and not sites.empty and "id" in sites.columns:
        table = comparison.sites.set_index("id")
        changes = [c for c in table.columns if c.startswith(("delta_", "rank_up_"))]
        frame = sites[["id", "name", sites.geometry.name]].copy()
        for c in changes:
            frame[c] = table[c].reindex(frame["id"].astype(str)).to_numpy()
        ds = serialise(frame, layer="brownfields", columns=["id", "name", *changes])
        add_dataset(m, "brownfields", ds.text())
        boxes.append(ds.box())
        modes = []
        for c in changes:
            if not c.startswith("delta_"):
                continue
            st, entries = style.classes_style(
                c, sym.classes(SCORE_CHANGE_EDGES, CHANGES), swatch="point"
            )
            label = _label(c, comparison.names)
            modes.append(
                {"id": c, "label": label, "style": st, "legend": style.legend(label, entries)}
            )
        if not modes:
            st = {"kind": "fixed", "colour": sym.OTHER}
            modes = [
                {
                    "id": "site",
                    "label": "Site",
                    "style": st,
                    "legend": style.legend("Sites", [[sym.OTHER, "Site", "point"]]),
                }
            ]
        spec = {
            "id": "brownfields",
            "data": "brownfields",
            "style": None,
            "modes": modes,
            "mode": modes[0]["id"],
            "legend": None,
            "popup": {
                "title": "name",
                "fields": [
                    [_label(c, comparison.names), c, "score" if c.startswith("delta_") else "num"]
                    for c in changes
                ],
            },
            "tooltip": "name",
            "weight": 1.2,
            "fill_opacity": 0.9,
            "opacity": 1.0,
            "radius": 7.0,
            "stroke": sym.SITE_OUTLINE,
            "dash": None,
            "hollow": None,
            "front": True,
        }
        DataLayer(spec, name="Brownfields", show=True).add_to(m)
        if len(modes) > 1:
            add_call(m, "addSwitch", {"layer": "brownfields", "title": "Colour sites by"})
    LayerControl(collapsed=True, position="topright").add_to(m)
    found = [b for b in boxes if b is not None]
    if found:
        add_call(
            m,
            "fit",
            [
                [min(b[0] for b in found), min(b[1] for b in found)],
                [max(b[2] for b in found), max(b[3] for b in found)],
            ],
        )
    return m


@dataclass(frozen=True)
class ComparisonFiles:
    """What :func:`write_comparison` wrote."""

    sites_csv: Path
    municipalities_csv: Path
    workbook: Path
    map: Path


def write_comparison(
    comparison: Comparison,
    scenario: Mapping[str, Any],
    folder: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    italian: bool = False,
) -> ComparisonFiles:
    """Write the comparison as CSV, one Excel workbook and an offline map.

    Parameters
    ----------
    comparison
        From :func:`compare_layers`.
    scenario
        The second run's layers (their geometries draw the map).
    folder
        Where to write.
    overwrite
        Replace existing files; without it nothing is written when any exists.
    italian
        CSV for Italian spreadsheets: ``;`` between fields and a decimal comma.
    """
    root = Path(folder)
    files = ComparisonFiles(
        sites_csv=root / "compare_sites.csv",
        municipalities_csv=root / "compare_municipalities.csv",
        workbook=root / "compare.xlsx",
        map=root / "compare.html",
    )
    for path in (files.sites_csv, files.municipalities_csv, files.workbook, files.map):
        check_writable(path, overwrite=overwrite)
    sheets = {"Sites": comparison.sites, "Municipalities": comparison.municipalities}
    labelled = {}
    kinds = {}
    for title, frame in sheets.items():
        rounded = _rounded(frame)
        kinds[title] = column_kinds([_kind_source(c) for c in frame.columns])
        labelled[title] = rounded.rename(columns=lambda c: _label(str(c), comparison.names))
    write_csv(labelled["Sites"], files.sites_csv, italian=italian, round_values=False)
    write_csv(
        labelled["Municipalities"], files.municipalities_csv, italian=italian, round_values=False
    )
    read_me = [
        ("Runs", f"{comparison.names[0]} (base) and {comparison.names[1]} (scenario)."),
        (
            "Sites",
            "Per site and profile: the score and rank in each run, the score change "
            "(scenario − base) and the rank change in places (positive: the site moved up).",
        ),
        (
            "Municipalities",
            "Per municipality: each travel time (minutes) and catchment "
            "(residents) in each run and its change (scenario − base; negative times are quicker).",
        ),
    ]
    write_workbook(labelled, kinds, files.workbook, read_me=read_me, overwrite=overwrite)
    write_text(files.map, render_html(comparison_map(comparison, scenario)), overwrite=overwrite)
    return files


def _kind_source(column: str) -> str:
    base = column.rsplit("@", 1)[0] if "@" in column else column
    if base.startswith("rank_up_"):
        return cols.rank("x")
    return base
