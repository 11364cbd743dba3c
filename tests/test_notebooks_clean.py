"""The notebooks are committed clean: no outputs, no execution counts.

The notebooks in ``notebooks/`` are run end to end in CI by nbmake
(``pytest tests notebooks --nbmake``); here we only check the files as they
are stored in git, so that results, rendered maps and local paths never end up
in the repository. To clean a notebook after running it in Jupyter, use
"Edit > Clear Outputs of All Cells" and save, or
``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = (
    "01_territory.ipynb",
    "02_accessibility.ipynb",
    "03_suitability.ipynb",
    "04_maps_and_export.ipynb",
    "05_economy.ipynb",
)


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_four_notebooks_exist() -> None:
    names = {p.name for p in _notebooks()}
    missing = [n for n in EXPECTED if n not in names]
    assert not missing, f"missing notebooks in {NOTEBOOKS}: {missing}"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_has_no_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have outputs or execution counts. Clear them before "
        "committing: jupyter nbconvert --clear-output --inplace notebooks/*.ipynb"
    )


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_uses_the_default_python_kernel(path: Path) -> None:
    # nbmake runs each notebook with its kernelspec; "python3" is the interpreter running pytest.
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
    assert nb["nbformat"] == 4, path.name


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_writes_into_a_temporary_folder(path: Path) -> None:
    # Every notebook writes only under tempfile.TemporaryDirectory, removed in its last cell.
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("tempfile.TemporaryDirectory(" in src for src in code[:1]), path.name
    assert "workdir.cleanup()" in code[-1], path.name
