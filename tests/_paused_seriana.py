"""Run ``seriana`` stopping at one point, for tests that signal a running command.

Usage::

    python tests/_paused_seriana.py POINT FLAG seriana-arguments...

``POINT`` is ``before-commit`` (every output staged, none moved into place)
or ``in-commit`` (the first existing output about to be replaced). At that
point the command prints ``PAUSED`` on stdout and waits until the file
``FLAG`` exists (at most 120 s), then goes on. Everything else is the real
command: the test sends SIGINT or SIGTERM while it waits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from seriana_gis import _io
from seriana_gis.cli import app


def _pause(flag: Path) -> None:
    print("PAUSED", flush=True)
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> None:
    point, flag = sys.argv[1], Path(sys.argv[2])
    if point == "before-commit":
        commit = _io.Staging.commit

        def paused_commit(self: _io.Staging) -> None:
            _pause(flag)
            commit(self)

        _io.Staging.commit = paused_commit  # type: ignore[method-assign]
    elif point == "in-commit":
        backup = _io._backup
        seen: list[Path] = []

        def paused_backup(target: Path) -> Path:
            if not seen:
                seen.append(target)
                _pause(flag)
            return backup(target)

        _io._backup = paused_backup
    else:
        raise SystemExit(f"unknown point {point!r}")
    sys.argv = ["seriana", *sys.argv[3:]]
    app()


if __name__ == "__main__":
    main()
