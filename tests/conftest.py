"""Shared fixtures.

Tests that read the reference snapshots find them through the environment
variable ``SERIANA_SHARED_DATA`` (default: ``../shared/data`` beside the
repository). When the folder is missing those tests fail with a clear message
in CI (``CI`` set) and are skipped on a developer's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The folder of the reference snapshots (``SERIANA_SHARED_DATA``)."""
    return Path(os.environ.get("SERIANA_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder; fails in CI and skips locally when missing."""
    path = shared_data_dir()
    if not (path / "README.md").exists():
        msg = (
            f"reference data not found at {path}. Set SERIANA_SHARED_DATA to the folder "
            "holding osm/ and trails/ (../shared/data beside the repository)."
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def study_area():  # type: ignore[no-untyped-def]
    """The shipped Seriana Valley configuration."""
    from seriana_gis.config import load_study_area

    return load_study_area()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save artefacts such as screenshots (``test-artifacts/``)."""
    path = REPO / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of ``seriana demo`` (run once per session; copy what a test changes)."""
    from typer.testing import CliRunner

    from seriana_gis.cli import app

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["-q", "demo", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out
