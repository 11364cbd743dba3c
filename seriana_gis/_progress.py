"""Progress of long steps, reported to whoever listens.

Library code marks its long loops with :func:`task`; by default nothing is
shown (importing or calling seriana_gis prints nothing). The CLI installs a
reporter that draws progress bars on the terminal (:mod:`seriana_gis.cli._common`);
a notebook or another program may install its own with :func:`reporting`.

.. code-block:: python

    with task("Monte Carlo: logistics", total=n_draws) as advance:
        for chunk in chunks:
            ...
            advance(len(chunk))
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    """Receives the progress of tasks."""

    def start(self, description: str, total: float | None) -> object:
        """A task begins; return a handle for :meth:`advance` and :meth:`stop`."""

    def advance(self, handle: object, amount: float) -> None:
        """The task made ``amount`` of progress."""

    def stop(self, handle: object) -> None:
        """The task ended."""


_reporter: ContextVar[Reporter | None] = ContextVar("seriana_progress", default=None)


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the progress of every task in the block to ``reporter``."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


@contextlib.contextmanager
def task(description: str, *, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """Mark a long step; yields ``advance(amount)``. ``total=None`` for a step of unknown length."""
    reporter = _reporter.get()
    if reporter is None:
        yield _ignore
        return
    handle = reporter.start(description, total)

    def advance(amount: float = 1.0) -> None:
        reporter.advance(handle, amount)

    try:
        yield advance
    finally:
        reporter.stop(handle)


def _ignore(amount: float = 1.0) -> None:
    """No reporter: progress goes nowhere."""
