"""ISTAT employment files (I.Stat, SDMX-CSV, a mapped table), authored here in ISTAT's shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.economy import read_employment, sector_employment
from seriana_gis.economy.istat import parse_numbers
from seriana_gis.economy.sectors import ateco_table, normalise_code

ISTAT_HEADER = (
    '"ITTER107","Territorio","TIPO_DATO_CIS","Tipo dato","ATECO_2007","Ateco 2007",'
    '"CLLVT","Classe di addetti","TIME","Seleziona periodo","Value","Flag Codes","Flags"'
)


def _istat_row(
    terr: str, name: str, code: str, label: str, ateco: str, size: str, value: str
) -> str:
    return (
        f'"{terr}","{name}","{code}","{label}","{ateco}","x","{size}","y","2011","2011",'
        f'"{value}","",""'
    )


def test_istat_export_with_bom_size_classes_and_labels(tmp_path: Path) -> None:
    ul, add = "numero unità locali delle imprese attive", "numero addetti delle unità locali"
    rows = [
        ISTAT_HEADER,
        _istat_row("016004", "Albino", "LU", ul, "0010", "TOTAL", "1200"),
        _istat_row("016004", "Albino", "LUEMPDAA", add, "0010", "TOTAL", "6500"),
        _istat_row("016004", "Albino", "LUEMPDAA", add, "13", "TOTAL", "900"),
        _istat_row("016004", "Albino", "LUEMPDAA", add, "13", "W0_9", "100"),  # dropped
        # a measure code read from its label
        _istat_row("ITC46", "Bergamo", "NUMADD", "numero addetti", "0010", "TOTAL", "400000"),
    ]
    path = tmp_path / "DICA_ASIAULP_2011.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8-sig"))
    layer = read_employment(path)
    albino = layer[layer["territory"] == "016004"].set_index("ateco")
    assert albino.loc["TOTAL", "local_units"] == 1200
    assert albino.loc["TOTAL", "employees"] == 6500
    assert albino.loc["13", "employees"] == 900  # the size-class row is not added
    assert np.isnan(albino.loc["13", "local_units"])
    assert albino["name"].iloc[0] == "Albino"
    assert albino["level"].iloc[0] == "municipality"
    prov = layer[layer["territory"] == "ITC46"]
    assert prov["level"].iloc[0] == "province"
    assert prov["employees"].iloc[0] == 400_000


def test_sdmx_csv_with_labels(tmp_path: Path) -> None:
    text = (
        "DATAFLOW,FREQ,REF_AREA,DATA_TYPE,ECON_ACTIVITY_NACE_2007,PERS_EMPL_SIZE_CLASS,"
        "TIME_PERIOD,OBS_VALUE\n"
        "IT1:183_285,A: annual,016108: Gandino,LU: number of local units,13: textiles,"
        "TOTAL: total,2021,41\n"
        "IT1:183_285,A: annual,016108: Gandino,LUEMPDAA: persons employed (annual average),"
        "13: textiles,TOTAL: total,2021,412.58\n"
        "IT1:183_285,A: annual,016108: Gandino,LUEMPDAA: persons employed (annual average),"
        "13: textiles,W10_49: 10-49,2021,300\n"
    )
    path = tmp_path / "asia.csv"
    path.write_text(text, encoding="utf-8")
    layer = read_employment(path)
    assert len(layer) == 1
    row = layer.iloc[0]
    assert (row["territory"], row["year"], row["ateco"]) == ("016108", 2021, "13")
    assert row["local_units"] == 41
    assert row["employees"] == pytest.approx(412.58)


def test_excel_csv_semicolons_cp1252_thousands_and_missing(tmp_path: Path) -> None:
    header = "ITTER107;Territorio;TIPO_DATO_CIS;Tipo dato;ATECO_2007;Ateco 2007;TIME;Value"
    rows = [
        header,
        "16124;Leffe;LUEMPDAA;numero addetti;0010;totale;2011;2.345",
        "16124;Leffe;LUEMPDAA;numero addetti;13;industrie tessili;2011;1.234",
        "16124;Leffe;LUEMPDAA;numero addetti;14;abbigliamento;2011;-",
        "16124;Leffe;LUEMPDAA;numero addetti;28;macchinari;2011;..",
        "16124;Leffe;LU;Unità locali;13;industrie tessili;2011;12,5",
    ]
    path = tmp_path / "leffe.csv"
    path.write_bytes("\n".join(rows).encode("cp1252"))
    layer = read_employment(path).set_index("ateco")
    assert layer.loc["TOTAL", "employees"] == 2345  # thousands separator
    assert layer.loc["13", "employees"] == 1234
    assert layer.loc["14", "employees"] == 0.0  # ISTAT's '-': no cases
    assert np.isnan(layer.loc["28", "employees"])  # '..': confidential, not zero
    assert layer.loc["13", "local_units"] == 12.5  # decimal comma
    assert (layer["territory"] == "016124").all()  # zero-padded code


def test_mapped_user_table(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "columns: {territory: COD, name: COMUNE, ateco: SETT, employees: ADDETTI}\n"
        "defaults: {year: 2011}\n",
        encoding="utf-8",
    )
    (tmp_path / "t.csv").write_text(
        "COD,COMUNE,SETT,ADDETTI\n016077,Clusone,C,1500\n016077,Clusone,13.20.00,300\n",
        encoding="utf-8",
    )
    layer = read_employment(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    assert layer.set_index("ateco")["employees"].to_dict() == {"13": 300.0, "C": 1500.0}
    assert (layer["year"] == 2011).all()


def test_sector_employment_from_what_the_file_holds() -> None:
    import pandas as pd

    layer = pd.DataFrame(
        {
            "territory": "016004",
            "level": "municipality",
            "year": 2011,
            "ateco": ["TOTAL", "C", "13", "14", "28", "M"],
            "local_units": np.nan,
            "employees": [1000.0, 500.0, 200.0, 50.0, 100.0, 30.0],
            "source": "t",
        }
    )
    out = sector_employment(layer).loc[("016004", 2011)]
    assert out["total"] == 1000 and out["manufacturing"] == 500
    assert out["textiles_clothing"] == 250
    assert out["metals"] == 0.0  # divisions listed, 24 and 25 absent: none there
    # M from its row, N from its divisions (none listed): 30
    assert out["business_services"] == 30.0
    only_sections = layer[layer["ateco"].isin(["TOTAL", "C"])]
    assert np.isnan(sector_employment(only_sections).loc[("016004", 2011), "textiles"])


def test_the_ateco_tree_comes_from_the_package() -> None:
    tree = ateco_table()
    assert tree.loc["13", "section"] == "C"
    assert tree.loc["49", "section"] == "H"
    assert "TESSILI" in tree.loc["13", "title"]
    assert (tree["level"] == "section").sum() == 21
    assert normalise_code("0010") == "TOTAL"
    assert normalise_code("C13") == "13"


def test_parse_numbers_conventions() -> None:
    import pandas as pd

    out = parse_numbers(pd.Series(["1.234,5", "12", "-", ".."]), decimal=",", where="f")
    assert out.iloc[0] == 1234.5 and out.iloc[1] == 12 and out.iloc[2] == 0
    assert np.isnan(out.iloc[3])
    out = parse_numbers(pd.Series(["6048.34", "12.5"]), decimal=None, where="f")
    assert out.tolist() == [6048.34, 12.5]
    # undeclared, 12.500 reads two ways: an error, never a guess
    with pytest.raises(DataError, match=r"f, line 1: '12.500' is ambiguous"):
        parse_numbers(pd.Series(["1", "12.500"]), decimal=None, where="f")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            ISTAT_HEADER
            + '\n"016004","A","LUEMPDAA","addetti","13","x","TOTAL","y","2011","2011","12a","",""',
            r"line 2: '12a' is not a number",
        ),
        (
            ISTAT_HEADER
            + '\n"016004","A","LUEMPDAA","addetti","99X","x","TOTAL","y","2011","2011","1","",""',
            "'99X' are not ATECO 2007",
        ),
        (
            ISTAT_HEADER
            + '\n"016004","A","FATT","fatturato","13","x","TOTAL","y","2011","2011","1","",""',
            "FATT",
        ),
        ("COMUNE,ADDETTI\nAlbino,12\n", "neither an I.Stat export"),
        (
            ISTAT_HEADER + '\n"016004","A","LU","ul","13","x","TOTAL","y","2011","2011","1",""',
            "line 2: 12 fields where the header has 13",
        ),
    ],
)
def test_bad_files_are_one_clear_error(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=match) as err:
        read_employment(path)
    assert "bad.csv" in str(err.value)


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    row = '"016004","A","LU","ul","13","x","TOTAL","y","2011","2011","1",""'
    path.write_text(ISTAT_HEADER + "\n\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: 12 fields"):
        read_employment(path)


def test_another_dimension_must_be_filtered(tmp_path: Path) -> None:
    text = (
        "ITTER107,TIPO_DATO_CIS,ATECO_2007,FORMA_GIURIDICA,TIME,Value\n"
        "016004,LU,13,1,2011,5\n016004,LU,13,2,2011,7\n"
    )
    path = tmp_path / "forme.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="FORMA_GIURIDICA has several values"):
        read_employment(path)


def test_mapping_errors(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("A,B\n1,2\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("columns: {territory: COD}\n", encoding="utf-8")
    with pytest.raises(DataError, match="'COD' \\(for territory\\)"):
        read_employment(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    (tmp_path / "m.yaml").write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Did you mean 'columns'"):
        read_employment(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
