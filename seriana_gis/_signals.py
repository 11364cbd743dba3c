"""SIGINT and SIGTERM as exceptions, and a window in which they wait.

Python turns SIGINT into :class:`KeyboardInterrupt`, so ``finally`` blocks
remove temporary files; SIGTERM's default action kills the process without
running them. :func:`interrupts_as_exceptions` makes SIGTERM raise
:class:`Interrupted` (a ``KeyboardInterrupt``) too, and :func:`deferred_interrupts`
holds both signals while a command moves its staged outputs into place, so an
interruption lands before the commit (nothing written) or after it (everything
written), never half-way.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

#: The signals a command turns into :class:`Interrupted`.
SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command received SIGINT or SIGTERM.

    Attributes
    ----------
    signum
        The signal's number.
    after_commit
        The signal came while outputs were being moved into place, and was
        held until they all were.
    """

    def __init__(self, signum: int, *, after_commit: bool = False) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.after_commit = after_commit

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _handling(handler: Any) -> Iterator[dict[signal.Signals, Any]]:
    """Within the block, :data:`SIGNALS` go to ``handler``; yields the handlers it replaced."""
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, handler)
    try:
        yield saved
    finally:
        for s, previous in saved.items():
            signal.signal(s, previous)


@contextlib.contextmanager
def interrupts_as_exceptions() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted`.

    Outside the main thread (where handlers cannot be set) the block runs unchanged.
    """
    if not _main_thread():
        yield
        return
    with _handling(_raise):
        yield


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM during the block; deliver them after it.

    A signal received during the block is remembered and sent again, to the
    handler in force before the block, when the block ends normally (if the
    block fails, its own exception wins).
    """
    if not _main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    with _handling(remember) as saved:
        yield
    if received:
        if saved[signal.Signals(received[0])] is _raise:
            raise Interrupted(received[0], after_commit=True)
        signal.raise_signal(received[0])
