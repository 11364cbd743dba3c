"""One writer at a time on a territorial database.

``seriana build``, ``accessibility`` and ``suitability`` read the database,
compute, and write it back. Two of them at once would each write their own
copy and the second would erase the first's results (a lost update).
:func:`database_lock` makes every writer hold an exclusive lock on a small
file beside the database (``.seriana.gpkg.lock`` for ``seriana.gpkg``) from
before it reads until after it has written; a second writer waits a bounded
time, then stops with a message naming the command that holds the lock.

The lock is an advisory ``flock(2)`` on the lock file: the operating system
releases it when the holder ends, however it ends (even ``kill -9``), so a
lock is never left stale. The file holds the holder's command, process id and
start time for that message; the holder removes it when done (a file left by
a killed process is harmless: the next writer locks and removes it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ._errors import OutputError, SerianaError

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another one by default.
DEFAULT_WAIT_S = 30.0
_POLL_S = 0.2


class DatabaseLockedError(SerianaError, BlockingIOError):
    """Another command is writing the territorial database."""


def lock_path(database: str | os.PathLike[str]) -> Path:
    """The lock file of a database: ``.{name}.lock`` in its folder."""
    p = Path(database)
    return p.with_name(f".{p.name}.lock")


def _holder(fd: int) -> str:
    """Who holds the lock, from what it wrote into the lock file."""
    try:
        raw = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        info = json.loads(raw)
        return f"`{info['command']}` (process {info['pid']}, started {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another seriana command"


@contextlib.contextmanager
def database_lock(
    database: str | os.PathLike[str], *, command: str, wait: float = DEFAULT_WAIT_S
) -> Iterator[None]:
    """Hold the database's writer lock for the block.

    Parameters
    ----------
    database
        The territorial database (it need not exist yet: ``build`` creates it).
    command
        What is writing, for the message another writer gets (``seriana suitability``).
    wait
        Seconds to wait for another writer to finish (0: do not wait).

    Raises
    ------
    DatabaseLockedError
        Another writer still holds the lock after ``wait`` seconds.
    """
    path = lock_path(database)
    made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    deadline = time.monotonic() + max(wait, 0.0)
    told = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            msg = (
                f"cannot write {database}: {exc.strerror or exc}. Choose a folder you can write "
                "to (a path whose parts are folders, not files)."
            )
            raise OutputError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                msg = (
                    f"{database} is being written by {holder}. Wait for it to finish and "
                    f"run this command again, or give --wait with more than {wait:g} seconds."
                )
                raise DatabaseLockedError(msg) from None
            if not told:
                logger.warning(
                    "%s is being written by %s; waiting up to %g s", database, holder, wait
                )
                told = True
            time.sleep(_POLL_S)
            continue
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed the file as we locked it: lock the new one
    try:
        started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        info = json.dumps({"command": command, "pid": os.getpid(), "started": started})
        os.pwrite(fd, info.encode("utf-8"), 0)
        yield
    finally:
        # remove the file while still holding the lock; a waiter that locked the
        # removed file sees it is gone and starts again on a new one
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        for folder in made:  # the folders made for the lock, if the command wrote nothing there
            with contextlib.suppress(OSError):
                folder.rmdir()


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False
