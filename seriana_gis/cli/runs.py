"""``seriana runs``: the named runs of a territorial database, with their inputs and dates."""

from __future__ import annotations

from ..database import DEFAULT_DATABASE, list_layers
from ..runs import read_runs
from ._common import DatabaseOpt, out_console, report_errors

HELP = """\
List the runs whose results the territorial database holds: the base run and
every named run (a scenario, the TEB extension, other profiles...), each
stage (accessibility, suitability) with when it was computed, its options,
its inputs, where its files are and the command that computes it again.
`seriana status` tells which of them are out of date.

Examples:

  seriana runs

  seriana runs --database data/other.gpkg
"""


def _inputs(inputs: dict[str, str]) -> str:
    layers = [k.partition(":")[2] for k in inputs if k.startswith("layer:")]
    files = [k.partition(":")[2] for k in inputs if k.startswith("file:")]
    parts = [f"layers {', '.join(layers)}"] if layers else []
    parts += [f"file {f}" for f in files]
    return "; ".join(parts)


def _options(options: dict[str, object]) -> str:
    return "; ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in options.items()
        if v is not None
    )


@report_errors
def runs(database: DatabaseOpt = DEFAULT_DATABASE) -> None:
    list_layers(database)  # a missing or unreadable database is one clear error
    records = read_runs(database)
    if not records:
        out_console.print(
            f"{database} holds no results yet: run `seriana accessibility`, then "
            "`seriana suitability`."
        )
        return
    out_console.print(f"[bold]runs in {database}[/]", markup=True)
    for name in dict.fromkeys(r.run for r in records):
        out_console.print(f"[bold]{name}[/]", markup=True)
        for r in (r for r in records if r.run == name):
            out_console.print(f"  {r.stage}, computed {r.created}")
            for label, text in (
                ("options", _options(r.options)),
                ("inputs", _inputs(r.inputs)),
                ("layers", ", ".join(r.layers.values())),
                ("files", r.folder),
                ("again", r.refresh),
            ):
                out_console.print(f"    {label:<8} {text}")
