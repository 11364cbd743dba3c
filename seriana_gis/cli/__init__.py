"""The ``seriana`` command line: thin commands over the library.

Exit codes: 0 success; 2 bad input (the message says what, where and how to
fix it); 1 an internal error (a bug: rerun with ``--verbose`` and report it).
"""

from __future__ import annotations

from ._startup import import_osmnx_without_plotting

import_osmnx_without_plotting()

from .app import app  # noqa: E402  (after osmnx, see _startup)


def main() -> None:
    """Entry point of the ``seriana`` console script."""
    app(prog_name="seriana")


__all__ = ["app", "main"]
