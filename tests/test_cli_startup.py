"""The command line imports osmnx without its plotting (``seriana_gis.cli._startup``)."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_cli_imports_osmnx_without_matplotlib() -> None:
    out = _run(
        "import sys, seriana_gis.cli\n"
        "print('osmnx' in sys.modules, 'matplotlib' in sys.modules)\n"
        "import osmnx.plot\n"
        "print(osmnx.plot.mpl_available)\n"
        # matplotlib itself stays importable (the atlas of `seriana report` draws with it)
        "from matplotlib.figure import Figure\n"
        "print(type(Figure()).__name__)\n"
    )
    assert out.splitlines() == ["True False", "False", "Figure"]


def test_library_keeps_osmnx_plotting() -> None:
    out = _run("import seriana_gis, osmnx.plot\nprint(osmnx.plot.mpl_available)")
    assert out == "True"
