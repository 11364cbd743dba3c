"""What every ``seriana`` command shares: logging set-up, error handling, common options."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from .. import _progress
from .._errors import SerianaError

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
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year", help="ISTAT boundary/population year: 2023 (default) or 2022.", show_default=False
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
    """Turn a :class:`SerianaError` into one message and exit code 2; anything else into 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            if show_progress() and _progress._reporter.get() is None:
                with _progress.reporting(RichReporter()):
                    return func(*args, **kwargs)
            return func(*args, **kwargs)
        except SerianaError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
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


def done(message: str) -> None:
    """Print a one-line success message (suppressed by --quiet)."""
    if logging.getLogger("seriana_gis").level <= logging.INFO:
        out_console.print(f"[green]✓[/] {message}", markup=True)


def is_interactive() -> bool:
    """Whether progress bars make sense (a terminal on stderr)."""
    return sys.stderr.isatty()
