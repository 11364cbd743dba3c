"""Named runs: result sets that live side by side in the territorial database.

A *run* is one named set of results: the **base** run (``seriana
accessibility`` and ``seriana suitability`` with the shipped inputs), and any
other (a scenario, the TEB extension, another time of day, another set of
profiles or targets), each under its own name (``--run NAME``). Each run has up
to two *stages*, ``accessibility`` and ``suitability``; each stage is recorded
in the database's ``runs`` table with what it was computed from:

=============  ================================================================
column         meaning
=============  ================================================================
``run``        the run's name (``base``, ``extension``, ``ss671_closed``, ...)
``stage``      ``accessibility`` or ``suitability``
``created``    when it was computed (UTC, ISO 8601)
``command``    the command line that computes it again
``options``    the options it ran with (JSON)
``inputs``     SHA-256 (16 hex digits) of every input: ``layer:<name>`` for a
               database layer (its input columns and geometries),
               ``file:<path>`` for a file (scenario, profiles, allocation,
               configuration) (JSON)
``upstream``   for ``suitability``: the accessibility stage it read, as
               ``{"run": ..., "stamp": ...}`` (JSON)
``layers``     the database layers it wrote, by layer name (JSON)
``columns``    the result columns it added to each layer (JSON)
``folder``     the folder of its CSV files and rasters
``files``      the files it wrote there (JSON)
``stamp``      an identifier of this computation (a hash of the above and a nonce)
=============  ================================================================

The base run's layers keep their plain names (``brownfields``,
``isochrones``); another run's are ``{layer}__{run}`` (``brownfields__extension``).
:func:`run_outputs` finds a run's layers and files by its name and
:func:`read_run` reads its layers; :mod:`seriana_gis.staleness` tells which
runs are out of date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ._errors import ConfigError, DataError, OutputExistsError
from ._io import current_version
from .database import (
    RUN_SEPARATOR,
    RUNS_TABLE,
    list_layers,
    read_database,
    read_layer,
    update_database,
)

#: The name of the run computed from the shipped inputs.
BASE = "base"
#: The stages of a run, in the order they run.
STAGES: tuple[str, ...] = ("accessibility", "suitability")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_JSON_COLUMNS = ("options", "inputs", "upstream", "layers", "columns", "files")
COLUMNS: tuple[str, ...] = (
    "run",
    "stage",
    "created",
    "command",
    "options",
    "inputs",
    "upstream",
    "layers",
    "columns",
    "folder",
    "files",
    "stamp",
)


def check_run_name(name: str) -> str:
    """Return ``name`` if it can name a run, else raise :class:`ConfigError`.

    A run name is 1-40 lower-case letters, digits, ``-`` and ``_``, starting
    with a letter or digit (it becomes part of layer and folder names).
    """
    if not _NAME.match(name) or RUN_SEPARATOR in name:
        msg = (
            f"--run {name!r}: a run name is 1-40 lower-case letters, digits, '-' and '_' "
            f"(not '{RUN_SEPARATOR}'), starting with a letter or digit; for example "
            "extension, ss671_closed or weights-2."
        )
        raise ConfigError(msg)
    return name


def slug(text: str) -> str:
    """A run-name fragment from free text (a file name, a scenario name)."""
    s = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    s = re.sub(r"_{2,}", "_", s)
    return s[:40] or "run"


def layer_name(layer: str, run: str) -> str:
    """The database layer holding ``layer`` for ``run`` (``brownfields__extension``)."""
    return layer if run == BASE else f"{layer}{RUN_SEPARATOR}{run}"


@dataclass(frozen=True)
class RunRecord:
    """One stage of one run, as the ``runs`` table records it (see the module docs)."""

    run: str
    stage: str
    created: str
    command: str
    options: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    upstream: dict[str, str] = field(default_factory=dict)
    layers: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    folder: str = ""
    files: list[str] = field(default_factory=list)
    stamp: str = ""

    @property
    def refresh(self) -> str:
        """The command that computes this stage again, replacing it (into this run, by name:
        the default name of a set of options may change between versions)."""
        cmd = self.command if "--overwrite" in self.command else f"{self.command} --overwrite"
        return cmd if self.run == BASE or "--run" in cmd else f"{cmd} --run {self.run}"

    def stamped(self) -> RunRecord:
        """This record with its ``stamp`` computed.

        The stamp hashes the record with a random nonce: two computations with
        the same inputs in the same second (``created`` has second resolution)
        still get different stamps, so a suitability stage can tell that the
        travel times it read were computed again.
        """
        body = json.dumps(
            [
                self.run,
                self.stage,
                self.created,
                self.options,
                self.inputs,
                self.upstream,
                uuid.uuid4().hex,
            ],
            sort_keys=True,
            default=str,
        )
        return replace(self, stamp=hashlib.sha256(body.encode()).hexdigest()[:16])


def default_folder(run: str, stage: str) -> Path:
    """Where a run's files go by default: ``data/{stage}`` for the base run,
    ``data/runs/{run}/{stage}`` for another."""
    return Path("data") / stage if run == BASE else Path("data") / "runs" / run / stage


def check_new(records: Iterable[RunRecord], run: str, stage: str, *, overwrite: bool) -> None:
    """Refuse to replace a run's stage unless ``overwrite``.

    Raises
    ------
    OutputExistsError
        The run already has results for the stage and ``overwrite`` is false.
    """
    old = find(records, run, stage)
    if old is not None and not overwrite:
        msg = (
            f"run {run!r} already has {stage} results (computed {old.created} by `{old.command}`). "
            "Pass --overwrite to replace them, or --run NAME to keep both."
        )
        raise OutputExistsError(msg)


def now() -> str:
    """The current UTC time as the ``runs`` table writes it."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_runs(database: str | Path) -> list[RunRecord]:
    """Every run stage recorded in a database (none for a database without a ``runs`` table)."""
    if RUNS_TABLE not in list_layers(database):
        return []
    df = pyogrio.read_dataframe(database, layer=RUNS_TABLE, read_geometry=False)
    records = []
    for row in df.to_dict("records"):
        values = {c: row.get(c) for c in COLUMNS}
        for c in _JSON_COLUMNS:
            raw = values[c]
            values[c] = json.loads(raw) if isinstance(raw, str) and raw else None
        records.append(
            RunRecord(
                run=str(values["run"]),
                stage=str(values["stage"]),
                created=str(values["created"]),
                command=str(values["command"] or ""),
                options=values["options"] or {},
                inputs=values["inputs"] or {},
                upstream=values["upstream"] or {},
                layers=values["layers"] or {},
                columns=values["columns"] or {},
                folder=str(values["folder"] or ""),
                files=values["files"] or [],
                stamp=str(values["stamp"] or ""),
            )
        )
    return records


def runs_table(records: Iterable[RunRecord]) -> pd.DataFrame:
    """The ``runs`` table of some records (JSON in the structured columns)."""
    rows = []
    for r in records:
        row: dict[str, Any] = {c: getattr(r, c) for c in COLUMNS}
        for c in _JSON_COLUMNS:
            row[c] = json.dumps(row[c], sort_keys=True, default=str)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(str)


def with_record(records: Iterable[RunRecord], new: RunRecord) -> list[RunRecord]:
    """``records`` with ``new`` replacing the record of the same run and stage.

    In the order the ``runs`` table keeps: the base run first, then by name;
    accessibility before suitability.
    """
    kept = [r for r in records if (r.run, r.stage) != (new.run, new.stage)]
    return sorted([*kept, new], key=lambda r: (r.run != BASE, r.run, STAGES.index(r.stage)))


def write_run(
    database: str | Path,
    record: RunRecord,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    provenance: pd.DataFrame,
) -> None:
    """Write a run's layers, its provenance rows and its record into the database, in one update.

    Parameters
    ----------
    database
        The territorial database.
    record
        The stage's record (replacing the one of the same run and stage).
    layers
        Database layer name → layer.
    provenance
        The provenance rows of those layers.
    """
    runs = runs_table(with_record(read_runs(current_version(database)), record))
    update_database(database, {**layers, RUNS_TABLE: runs}, provenance=provenance)


def find(records: Iterable[RunRecord], run: str, stage: str) -> RunRecord | None:
    """The record of one run's stage, or None."""
    return next((r for r in records if (r.run, r.stage) == (run, stage)), None)


@dataclass(frozen=True)
class RunOutputs:
    """Where a run's results are.

    Attributes
    ----------
    run
        The run's name.
    stages
        Stage name → its record.
    layers
        Logical layer name (``brownfields``, ``isochrones``, ...) → the
        database layer holding it for this run.
    files
        Stage name → the paths of its files (CSV, GeoTIFF).
    """

    run: str
    stages: dict[str, RunRecord]
    layers: dict[str, str]
    files: dict[str, list[Path]]


def run_outputs(database: str | Path, run: str) -> RunOutputs:
    """Find a run's database layers and files by its name.

    Parameters
    ----------
    database
        The territorial database.
    run
        The run's name (``base`` for the base results).

    Returns
    -------
    RunOutputs

    Raises
    ------
    DataError
        The database has no run of that name (the message lists those it has).
    """
    records = [r for r in read_runs(database) if r.run == run]
    if not records:
        known = sorted({r.run for r in read_runs(database)})
        have = f"Runs in it: {', '.join(known)}." if known else "It has no runs yet."
        msg = f"{database} has no run {run!r}. {have} List them with `seriana runs`."
        raise DataError(msg)
    stages = {r.stage: r for r in sorted(records, key=lambda r: STAGES.index(r.stage))}
    layers: dict[str, str] = {}
    for r in stages.values():
        layers.update(r.layers)
    files = {s: [Path(r.folder) / f for f in r.files] for s, r in stages.items()}
    return RunOutputs(run=run, stages=stages, layers=layers, files=files)


def run_layers(database: str | Path, run: str) -> dict[str, gpd.GeoDataFrame]:
    """A run's own result layers, by logical name (``brownfields``, ``isochrones``, ...).

    For ``base`` these are the base layers its stages wrote.
    """
    out = run_outputs(database, run)
    return {logical: read_layer(database, stored) for logical, stored in out.layers.items()}


def read_run(
    database: str | Path,
    run: str,
    *,
    layers: Iterable[str] | None = None,
    base: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """The database's layers as a run sees them: the base layers, with the run's results.

    Parameters
    ----------
    database
        The territorial database.
    run
        The run's name.
    layers
        Only these logical layers (``brownfields``, ``municipalities``, ...);
        default all.
    base
        The database's base layers, if already read
        (:func:`~seriana_gis.database.read_database`).

    Returns
    -------
    dict
        Logical layer name → GeoDataFrame, as :func:`~seriana_gis.database.read_database`
        gives them for the base run.

    Raises
    ------
    DataError
        The database has no run of that name, or no layer asked for.
    """
    own = {} if run == BASE else run_outputs(database, run).layers
    wanted = None if layers is None else list(layers)
    if base is None:
        base = read_database(
            database, layers=None if wanted is None else [n for n in wanted if n not in own]
        )
    elif wanted is not None:  # a layer asked for that the base read leaves out
        missing = [n for n in wanted if n not in own and n not in base]
        base = {**base, **read_database(database, layers=missing)} if missing else base
    mine = {n: read_layer(database, s) for n, s in own.items() if wanted is None or n in wanted}
    merged = {**base, **mine}
    return merged if wanted is None else {n: merged[n] for n in wanted}


def run_rasters(database: str | Path, run: str) -> dict[str, Path]:
    """A run's travel-time GeoTIFFs by name (``car_bgy_min``), those still on disk.

    For a base run not recorded (a database from before named runs), the
    GeoTIFFs of ``accessibility/`` beside the database.
    """
    records = read_runs(database)
    acc = find(records, run, "accessibility")
    if acc is None and run != BASE:
        run_outputs(database, run)  # the error naming the runs there are
        return {}
    if acc is None:
        folder = Path(database).parent / "accessibility"
        return {p.stem: p for p in sorted(folder.glob("*.tif"))} if folder.is_dir() else {}
    paths = [Path(acc.folder) / f for f in acc.files if f.endswith(".tif")]
    return {p.stem: p for p in paths if p.is_file()}


def run_provenance(provenance: pd.DataFrame, database: str | Path, run: str) -> pd.DataFrame:
    """The provenance table as a run sees it: the run's rows under the logical layer names."""
    if run == BASE:
        return provenance
    out = run_outputs(database, run)
    renamed = {stored: logical for logical, stored in out.layers.items()}
    rows = provenance[~provenance["layer"].isin(list(out.layers))].copy()
    own = provenance[provenance["layer"].isin(list(renamed))].copy()
    own["layer"] = own["layer"].map(renamed)
    return pd.concat([rows, own], ignore_index=True)


def result_columns(
    records: Iterable[RunRecord], layer: str, *, stage: str | None = None
) -> set[str]:
    """The result columns recorded for a database layer, by every stage (or one) that wrote it."""
    cols: set[str] = set()
    for r in records:
        if stage is None or r.stage == stage:
            cols.update(r.columns.get(layer, []))
    return cols
