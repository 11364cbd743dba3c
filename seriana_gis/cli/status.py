"""``seriana status``: the chain from the database to the results, and what is out of date."""

from __future__ import annotations

from ..database import DEFAULT_DATABASE, read_database, read_provenance
from ..runs import BASE, STAGES, find, read_runs
from ..staleness import database_status
from ._common import DatabaseOpt, out_console, report_errors

HELP = """\
Show the chain database -> accessibility -> suitability for every run in the
territorial database, and which results are out of date: computed from a
layer edited or rebuilt since, from a profile, scenario or allocation file
changed since, or from travel times computed again since. For each one,
the command that refreshes it.

Examples:

  seriana status

  seriana status --database data/other.gpkg
"""


@report_errors
def status(database: DatabaseOpt = DEFAULT_DATABASE) -> None:
    layers = read_database(database)
    prov = read_provenance(database)
    built = prov.loc[prov["layer"] == "municipalities", "retrieved"]
    when = f", built {built.iloc[0]}" if len(built) else ""
    out_console.print(f"[bold]{database}[/]{when}: {len(layers)} layers", markup=True)
    records = read_runs(database)
    statuses = {(s.record.run, s.record.stage): s for s in database_status(database, layers=layers)}
    runs = [BASE, *sorted({r.run for r in records} - {BASE})]
    stale = 0
    for run in runs:
        out_console.print(f"  run [bold]{run}[/]", markup=True)
        for stage in STAGES:
            rec = find(records, run, stage)
            if rec is None:
                hint = (
                    "not computed: run `seriana accessibility`"
                    if run == BASE and stage == "accessibility"
                    else "not computed: run `seriana suitability`"
                    if run == BASE
                    else "not computed for this run"
                )
                out_console.print(f"    {stage:<14} {hint}")
                continue
            st = statuses[(run, stage)]
            if st.stale:
                stale += 1
                out_console.print(
                    f"    {stage:<14} {rec.created}  [bold red]out of date[/]: "
                    f"{'; '.join(st.reasons)}\n"
                    f"    {'':<14} refresh with `{rec.refresh}`",
                    markup=True,
                )
            else:
                up = f" (travel times of run {rec.upstream['run']!r})" if rec.upstream else ""
                out_console.print(
                    f"    {stage:<14} {rec.created}  [green]up to date[/]{up}", markup=True
                )
    if stale:
        out_console.print(f"{stale} result set(s) out of date.")
    elif records:
        out_console.print("Every result is up to date.")
