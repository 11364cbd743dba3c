"""Atomic, non-clobbering writes."""

from __future__ import annotations

import pytest

from seriana_gis._errors import OutputError, OutputExistsError
from seriana_gis._io import atomic_path, write_text


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
