"""Notebook 05 with ISTAT's municipal file: its optional cells run on an authored SDMX export."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_economy.ipynb"


@pytest.mark.slow
def test_notebook_05_with_a_municipal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    from seriana_gis.config import load_study_area

    area = load_study_area()
    lines = [
        "DATAFLOW,FREQ,REF_AREA,DATA_TYPE,ECON_ACTIVITY_NACE_2007,PERS_EMPL_SIZE_CLASS,"
        "TIME_PERIOD,OBS_VALUE"
    ]
    # authored test values, not ISTAT's: 1,000 employees, 450 in manufacturing, 150 in textiles
    for code in [*area.codes, "ITC46"]:
        for ateco, value in (("0010", 1000), ("C", 450), ("13", 150)):
            lines.append(f"X,A,{code},LUEMPDAA,{ateco},TOTAL,2021,{value}")
    csv = tmp_path / "asia.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("SERIANA_EMPLOYMENT_FILE", str(csv))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    # every municipality 450 / 1,000: the valley's share is 45.0 %
    assert "this file (2021) 45.0 %" in text
    assert "5,000 jobs distributed over" in text
