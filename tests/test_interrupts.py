"""Real SIGINT and SIGTERM sent to a running ``seriana``, and two writers at once.

Each command runs in a subprocess (``tests/_paused_seriana.py``: the real
command, stopping at a chosen point until the test lets it go on). The checks
compare the files on disk before and after, byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from accessibility_samples import near_analyses, sample_database
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.database import read_layer
from seriana_gis.runs import read_runs

HERE = Path(__file__).resolve().parent
PAUSED = HERE / "_paused_seriana.py"
SERIANA = str(Path(sys.executable).with_name("seriana"))  # the installed command
pytestmark = pytest.mark.slow


def _snapshot(*folders: Path) -> dict[str, str]:
    """Every file under the folders (hidden ones included) → SHA-256 of its bytes."""
    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


#: Every process a test starts, stopped and reaped at its end even if the test fails.
_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _reap() -> Iterator[None]:
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _start(point: str, flag: Path, args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return _started(
        [sys.executable, str(PAUSED), point, str(flag), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def _wait_paused(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the command reaches the point (or ends)
    assert line.strip() == "PAUSED", (line, proc.communicate())


def _started(*args: Any, **kwargs: Any) -> subprocess.Popen[str]:
    proc: subprocess.Popen[str] = subprocess.Popen(*args, **kwargs)
    _STARTED.append(proc)
    return proc


def _seriana(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen[str]:
    return _started(
        [SERIANA, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=kw.pop("stderr", subprocess.PIPE),  # type: ignore[arg-type]
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A database whose base accessibility was computed once (the 'previous outputs')."""
    db = sample_database(tmp_path / "data" / "t.gpkg")
    args = ["-q", "accessibility", "-d", str(db), "--out", str(tmp_path / "data" / "acc")]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    return tmp_path


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_before_the_commit_leaves_the_previous_outputs(
    workdir: Path, sig: signal.Signals, code: int
) -> None:
    data = workdir / "data"
    before = _snapshot(data)
    args = ["accessibility", "-d", str(data / "t.gpkg"), "--out", str(data / "acc"),
            "--peak", "--run", "base", "--overwrite"]  # fmt: skip
    proc = _start("before-commit", workdir / "go", args, workdir)
    _wait_paused(proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "interrupted" in err and "nothing was written" in err and "Traceback" not in err
    assert _snapshot(data) == before  # same files, same bytes: no temporary file, no lock file


def test_a_signal_during_the_commit_waits_for_it_to_finish(workdir: Path) -> None:
    data = workdir / "data"
    before = _snapshot(data)
    args = ["accessibility", "-d", str(data / "t.gpkg"), "--out", str(data / "acc"),
            "--peak", "--run", "base", "--overwrite"]  # fmt: skip
    proc = _start("in-commit", workdir / "go", args, workdir)
    _wait_paused(proc)
    proc.send_signal(signal.SIGTERM)
    (workdir / "go").touch()  # let the commit go on; the signal came in the middle of it
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "after its outputs were all written" in err
    after = _snapshot(data)
    assert set(after) == set(before)  # the same files, each replaced: no leftover
    for name in (data / "t.gpkg", data / "acc" / "brownfields.csv"):  # peak tram: new waits
        assert after[str(name)] != before[str(name)], name
    # every output is the peak-tram run's: the database and the CSV agree
    bf = read_layer(data / "t.gpkg", "brownfields")
    csv = (data / "acc" / "brownfields.csv").read_text(encoding="utf-8")
    wait = bf["transit_bergamo_wait_min"].iloc[0]
    assert (
        f"{wait:g}" in csv
        and read_runs(data / "t.gpkg")[0].options["tram_headway"] == "weekday_peak"
    )


def test_build_interrupted_leaves_no_temporary_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["build", "-d", str(data / "seriana.gpkg"), "--maps", str(tmp_path / "maps"),
            "--cache", str(tmp_path / "cache")]  # fmt: skip
    proc = _start("before-commit", tmp_path / "go", args, tmp_path)
    _wait_paused(proc)
    staged = [p.name for p in data.iterdir()]
    assert any(n.endswith(".tmp.gpkg") for n in staged)  # the database was written, aside
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert not data.exists() or list(data.iterdir()) == []
    assert not (tmp_path / "maps").exists()


def test_two_writers_wait_for_each_other_and_lose_nothing(workdir: Path) -> None:
    data = workdir / "data"
    db = data / "t.gpkg"
    folder, alloc = near_analyses(workdir / "profiles")
    # writer 1 holds the lock, stopped before its commit
    holder = _start(
        "before-commit",
        workdir / "go",
        ["accessibility", "-d", str(db), "--with-extension", "--out", str(data / "ext")],
        workdir,
    )
    _wait_paused(holder)
    suit = ["suitability", "-d", str(db), "--analyses", str(folder), "--allocation",
            str(alloc), "--draws", "0", "--out", str(data / "suit"), "--run", "base"]  # fmt: skip
    # a writer that does not wait stops at once, naming the holder
    refused = subprocess.run(
        [SERIANA, *suit, "--wait", "0"],
        cwd=workdir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert "is being written by `seriana accessibility" in refused.stderr
    assert f"process {holder.pid}" in refused.stderr
    # writer 2 waits for the lock...
    log = workdir / "suit.log"
    with log.open("w", encoding="utf-8") as err:
        waiter = _seriana([*suit, "--wait", "120"], workdir, stderr=err)
        deadline = time.monotonic() + 60
        while "waiting up to" not in log.read_text(encoding="utf-8"):
            assert waiter.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # ...until writer 1 commits; then both results are in the database
        (workdir / "go").touch()
        _, holder_err = holder.communicate(timeout=60)
        assert holder.returncode == 0, holder_err
        waiter.communicate(timeout=120)
        assert waiter.returncode == 0, log.read_text(encoding="utf-8")
    runs = {(r.run, r.stage) for r in read_runs(db)}
    assert {
        ("base", "accessibility"),
        ("extension", "accessibility"),
        ("base", "suitability"),
    } <= runs
    assert "score_near" in read_layer(db, "brownfields").columns
    assert "transit_bgy_min" in read_layer(db, "brownfields__extension").columns
    assert not (data / ".t.gpkg.lock").exists()
