"""Atomic, non-clobbering writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from seriana_gis._errors import OutputError, OutputExistsError
from seriana_gis._io import (
    atomic_path,
    check_output,
    current_version,
    staged_outputs,
    write_text,
)


def test_write_then_refuse_to_replace(tmp_path):
    p = tmp_path / "a" / "b.txt"
    write_text(p, "one")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_text(p, "two", overwrite=False)
    assert p.read_text(encoding="utf-8") == "one"
    write_text(p, "two", overwrite=True)
    assert p.read_text(encoding="utf-8") == "two"


def test_failure_leaves_target_and_no_temporary_file(tmp_path):
    p = tmp_path / "out.csv"
    p.write_text("old", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), atomic_path(p) as tmp:
        tmp.write_text("half", encoding="utf-8")
        1 / 0  # noqa: B018
    assert p.read_text(encoding="utf-8") == "old"
    assert [q.name for q in tmp_path.iterdir()] == ["out.csv"]


def test_output_under_a_file_or_onto_a_folder(tmp_path):
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_text(f / "inside.txt", "y")
    with pytest.raises(OutputError, match="is a folder"):
        write_text(tmp_path, "y", overwrite=True)


def test_staged_outputs_appear_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "sub" / "b.csv"
    a.write_text("old a", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), staged_outputs():
        write_text(a, "new a")
        write_text(b, "new b")
        assert a.read_text(encoding="utf-8") == "old a"  # nothing moved yet
        1 / 0  # noqa: B018
    assert a.read_text(encoding="utf-8") == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]  # no temporary file, no sub/
    with staged_outputs():
        write_text(a, "new a")
        write_text(b, "new b")
    assert a.read_text(encoding="utf-8") == "new a" and b.read_text(encoding="utf-8") == "new b"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.csv", "b.csv", "sub"]


def test_a_failed_move_puts_back_what_was_replaced(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    real_replace = Path.replace

    def replace(self: Path, target: Path) -> Path:
        if Path(target).name == "b.txt" and ".tmp" in self.name:
            raise PermissionError(13, "Permission denied")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(OutputError, match="previous outputs are unchanged"), staged_outputs():
        write_text(a, "new a")
        write_text(b, "new b")
    assert a.read_text(encoding="utf-8") == "old a"  # moved, then restored
    assert b.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_an_update_within_a_command_builds_on_the_staged_version(tmp_path):
    p = tmp_path / "log.txt"
    with staged_outputs():
        write_text(p, "one")
        earlier = current_version(p)  # the staged file, before a new version is reserved
        with atomic_path(p) as tmp:
            tmp.write_text(earlier.read_text(encoding="utf-8") + " two", encoding="utf-8")
        assert not p.exists()
    assert p.read_text(encoding="utf-8") == "one two"
    assert [q.name for q in tmp_path.iterdir()] == ["log.txt"]


def test_nested_blocks_commit_once_with_the_outer_one(tmp_path):
    p = tmp_path / "x.txt"
    with staged_outputs() as outer:
        with staged_outputs() as inner:
            write_text(p, "x")
        assert inner is outer and not p.exists()
    assert p.exists()


def test_check_output_fails_early_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        check_output(blocker / "db.gpkg", overwrite=True)
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path, overwrite=True)
    check_output(tmp_path / "new" / "deeper" / "out.html", overwrite=False)
    assert [q.name for q in tmp_path.iterdir()] == ["file"]  # the folders made to probe are gone
