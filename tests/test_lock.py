"""The writer lock: a second writer waits a bounded time, then names the first."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from seriana_gis._errors import OutputError
from seriana_gis.lock import DatabaseLockedError, database_lock, lock_path


def test_a_second_writer_is_refused_with_the_first_ones_name(tmp_path: Path) -> None:
    db = tmp_path / "data" / "x.gpkg"
    with database_lock(db, command="seriana accessibility --with-extension"):
        assert lock_path(db).exists()
        with pytest.raises(DatabaseLockedError) as err, database_lock(db, command="b", wait=0):
            pass
    msg = str(err.value)
    assert "`seriana accessibility --with-extension`" in msg and "process" in msg
    assert "--wait" in msg
    assert not lock_path(db).exists()  # removed by its holder


def test_a_waiting_writer_gets_the_lock_when_the_first_is_done(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "x.gpkg"
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with database_lock(db, command="first"):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    t = threading.Thread(target=first)
    t.start()
    held.wait()
    with database_lock(db, command="second", wait=60):
        order.append("second in")
    t.join()
    assert order == ["first done", "second in"]
    assert "being written by `first`" in caplog.text and "waiting up to 60 s" in caplog.text


def test_a_lock_left_by_a_killed_writer_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "x.gpkg"
    lock_path(db).write_text('{"command": "seriana build", "pid": 1, "started": "x"}')
    with database_lock(db, command="next", wait=0):
        pass  # the file is there, but nobody holds the lock on it
    assert not lock_path(db).exists()


def test_a_database_under_a_file_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with (
        pytest.raises(OutputError, match="cannot write"),
        database_lock(blocker / "x.gpkg", command="c"),
    ):
        pass
