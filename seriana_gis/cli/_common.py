"""What every ``seriana`` command shares: logging set-up, error handling, common options."""

from __future__ import annotations

import enum
import functools
import logging
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from .. import _progress
from .._errors import SerianaError
from .._signals import Interrupted, interrupts_as_exceptions
from ..network.profile import DEFAULT_TIME_OF_DAY

#: Exit codes (documented in ``seriana --help``).
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Study-area configuration (YAML). Default: the shipped Seriana Valley (layers/seriana.yaml).",
        show_default=False,
    ),
]
DatabaseOpt = Annotated[
    Path,
    typer.Option("--database", "-d", help="The territorial database (GeoPackage)."),
]
CacheOpt = Annotated[
    Path, typer.Option("--cache", help="Folder for downloads (OpenStreetMap responses).")
]
OverpassOpt = Annotated[
    str | None,
    typer.Option(
        "--overpass-url",
        help="Another Overpass API endpoint (a mirror, or a local one).",
        show_default=False,
    ),
]
RunOpt = Annotated[
    str | None,
    typer.Option(
        "--run",
        help="Name of this run's results. Default: 'base' with the shipped inputs, else a name "
        "made from the options (a scenario's name, 'extension', 'am_peak', a profile folder's "
        "name). A run other than base writes its own layers (brownfields__NAME, ...) and "
        "files (data/runs/NAME/); list them with `seriana runs`.",
        show_default=False,
    ),
]
ShowRunOpt = Annotated[
    str,
    typer.Option(
        "--run",
        help="The run whose results to use (see `seriana runs`); other layers are the base's.",
    ),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        help="Seconds to wait when another command is writing the same database.",
        min=0,
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year", help="ISTAT boundary/population year: 2023 (default) or 2022.", show_default=False
    ),
]


class TimeOfDay(enum.StrEnum):
    """The periods a run may be timed at (:data:`seriana_gis.network.profile.TIME_OF_DAY`)."""

    free_flow = "free_flow"
    off_peak = "off_peak"
    am_peak = "am_peak"


#: The option's default: the library's (:data:`seriana_gis.network.profile.DEFAULT_TIME_OF_DAY`).
DEFAULT_TOD = TimeOfDay(DEFAULT_TIME_OF_DAY)

TimeOfDayOpt = Annotated[
    TimeOfDay,
    typer.Option(
        "--time-of-day",
        help="The period of the run, for the road times and the TEB headway: 'off_peak' "
        "(the calibrated profile most reference trips inform; off-peak tram headway), "
        "'am_peak' (off-peak x the morning-peak factors in towns and on main roads; the "
        "tram's weekday peak headway) or 'free_flow' (legal speeds, no junction delays: an "
        "upper bound on road speed; off-peak tram headway).",
    ),
]


def setup_logging(*, quiet: bool, verbose: bool) -> None:
    """Configure the package's logger once, for the CLI (the library never does)."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = RichHandler(console=err_console, show_time=False, show_path=False, markup=False)
    root = logging.getLogger("seriana_gis")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    logging.captureWarnings(True)
    warn_logger = logging.getLogger("py.warnings")
    warn_logger.handlers[:] = [handler]
    warn_logger.propagate = False


def report_errors(func: F) -> F:
    """Turn a :class:`SerianaError` into one message and exit code 2; anything else into 1.

    SIGINT and SIGTERM stop the command with a message and exit code 130 or 143;
    the command's outputs are staged and committed together
    (:func:`seriana_gis._io.staged_outputs`), so an interrupted command
    leaves the previous outputs as they were.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with interrupts_as_exceptions():
                if show_progress() and _progress._reporter.get() is None:
                    with _progress.reporting(RichReporter()):
                        return func(*args, **kwargs)
                return func(*args, **kwargs)
        except SerianaError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt as exc:
            code = exc.exit_code if isinstance(exc, Interrupted) else 130
            what = (
                "after its outputs were all written"
                if isinstance(exc, Interrupted) and exc.after_commit
                else "nothing was written; the previous outputs are as they were"
            )
            err_console.print(f"[bold red]interrupted[/] ({exc or 'SIGINT'}): {what}.", markup=True)
            raise typer.Exit(code) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if logging.getLogger("seriana_gis").level <= logging.DEBUG:
                err_console.print_exception()
            err_console.print(
                f"[bold red]internal error:[/] {type(exc).__name__}: {exc}\n"
                "This is a bug in seriana_gis, not in your input. Rerun with --verbose for the "
                "traceback and report it.",
                markup=True,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


class RichReporter:
    """Progress bars on stderr for :mod:`seriana_gis._progress` tasks."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f}", style="dim"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )

    def start(self, description: str, total: float | None) -> object:
        if not self.progress.live.is_started:
            self.progress.start()
        return self.progress.add_task(description, total=total)

    def advance(self, handle: object, amount: float) -> None:
        self.progress.advance(handle, amount)  # type: ignore[arg-type]

    def stop(self, handle: object) -> None:
        self.progress.remove_task(handle)  # type: ignore[arg-type]
        if not self.progress.tasks:
            self.progress.stop()


def show_progress() -> bool:
    """Progress bars on a terminal, unless --quiet."""
    return is_interactive() and logging.getLogger("seriana_gis").level <= logging.INFO


def command_line(command: str, *options: tuple[str, object]) -> str:
    """The command line that runs a command again with the options given.

    Parameters
    ----------
    command
        The subcommand (``accessibility``).
    *options
        ``(flag, value)`` pairs: None and False are left out, True gives the flag
        alone, a list repeats the flag.

    Returns
    -------
    str
        For example ``seriana accessibility --with-extension --run extension``.
    """
    parts = ["seriana", command]
    for flag, value in options:
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if v is None or v is False:
                continue
            parts += [flag] if v is True else [flag, shlex.quote(str(v))]
    return " ".join(parts)


def warn_if_stale(
    database: Path,
    *,
    stages: Iterable[tuple[str, str]] | None = None,
    layers: Mapping[str, Any] | None = None,
) -> None:
    """Log a warning for each result the command reads that is out of date."""
    from ..staleness import database_status

    for status in database_status(database, stages=stages, layers=layers):
        if status.stale:
            logging.getLogger("seriana_gis").warning(status.message)


def read_shown_run(database: Path, run: str) -> dict[str, Any]:
    """The layers of a run as ``map`` and ``export`` show them, after a warning for each
    of its results that is out of date (the database is read once for both)."""
    from ..database import read_database
    from ..runs import STAGES, read_run

    base = read_database(database)
    warn_if_stale(database, stages=[(run, s) for s in STAGES], layers=base)
    return read_run(database, run, base=base)


def done(message: str) -> None:
    """Print a one-line success message (suppressed by --quiet)."""
    if logging.getLogger("seriana_gis").level <= logging.INFO:
        out_console.print(f"[green]✓[/] {message}", markup=True)


def is_interactive() -> bool:
    """Whether progress bars make sense (a terminal on stderr)."""
    return sys.stderr.isatty()
