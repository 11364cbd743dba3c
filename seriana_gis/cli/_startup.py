"""What the command line does before it imports the library: keep its start-up short.

osmnx imports ``matplotlib.pyplot`` when it is imported, for its plotting
functions, which seriana_gis never calls; on this project's 2-core machine
that import alone is about half a second of every command (measured in
``benchmarks/README.md``, "Demo"). The command line imports osmnx once with
matplotlib hidden, so osmnx sets its plotting aside (``osmnx.plot`` reports
matplotlib as missing); matplotlib itself stays importable, for the atlas of
``seriana report``. The library does nothing of the kind: a notebook that
imports seriana_gis keeps osmnx's plotting.
"""

from __future__ import annotations

import sys


def import_osmnx_without_plotting() -> None:
    """Import osmnx with ``matplotlib`` hidden (no-op when either is already imported)."""
    if "osmnx" in sys.modules or "matplotlib" in sys.modules:
        return
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import osmnx
    except ImportError:  # an osmnx that needs matplotlib: import both as usual
        del sys.modules["matplotlib"]
        import osmnx  # noqa: F401
    finally:
        if sys.modules.get("matplotlib", 0) is None:
            del sys.modules["matplotlib"]
