"""Location quotients and shift-share, checked by hand on small tables."""

from __future__ import annotations

import pandas as pd
import pytest

from seriana_gis._errors import DataError
from seriana_gis.economy import location_quotient, location_quotients, shift_share, zone_totals


def test_location_quotients_by_hand() -> None:
    emp = pd.DataFrame(
        {"total": [100.0, 200.0], "manufacturing": [60.0, 40.0], "textiles": [30.0, 0.0]},
        index=["A", "B"],
    )
    ref = pd.Series({"total": 1000.0, "manufacturing": 400.0, "textiles": 50.0})
    lq = location_quotients(emp, ref)
    # A: 0.6 / 0.4 = 1.5 and 0.3 / 0.05 = 6; B: 0.2 / 0.4 = 0.5 and 0
    assert lq.loc["A", "manufacturing"] == pytest.approx(1.5)
    assert lq.loc["A", "textiles"] == pytest.approx(6.0)
    assert lq.loc["B", "manufacturing"] == pytest.approx(0.5)
    assert lq.loc["B", "textiles"] == 0.0
    assert "total" not in lq.columns
    assert emp.loc["A", "total"] == 100.0  # input unchanged


def test_location_quotient_of_the_study_shares() -> None:
    # manufacturing 47.5 % in the valley vs 40 % in the province (study, 2005)
    assert location_quotient(47.5, 40.0) == pytest.approx(1.1875)
    # textiles 50 % of manufacturing in the upper valley vs 15 % in the province
    assert location_quotient(50.0, 15.0) == pytest.approx(10 / 3)


def test_location_quotients_need_the_total_and_a_positive_reference() -> None:
    emp = pd.DataFrame({"manufacturing": [1.0]}, index=["A"])
    with pytest.raises(DataError, match="'total'"):
        location_quotients(emp, pd.Series({"total": 1.0, "manufacturing": 1.0}))
    emp = pd.DataFrame({"total": [1.0], "textiles": [1.0]}, index=["A"])
    with pytest.raises(DataError, match="no employees in textiles"):
        location_quotients(emp, pd.Series({"total": 10.0, "textiles": 0.0}))


def test_shift_share_by_hand() -> None:
    start = pd.Series({"textiles": 100.0, "services": 50.0})
    end = pd.Series({"textiles": 60.0, "services": 80.0})
    r0 = pd.Series({"textiles": 1000.0, "services": 1000.0, "total": 4000.0})
    r1 = pd.Series({"textiles": 800.0, "services": 1300.0, "total": 4400.0})
    out = shift_share(start, end, reference_start=r0, reference_end=r1)
    # G = 0.1; textiles G_i = -0.2, g_i = -0.4; services G_i = 0.3, g_i = 0.6
    t = out.loc["textiles"]
    assert (t["reference_growth"], t["industry_mix"], t["regional_shift"]) == pytest.approx(
        (10.0, -30.0, -20.0)
    )
    s = out.loc["services"]
    assert (s["reference_growth"], s["industry_mix"], s["regional_shift"]) == pytest.approx(
        (5.0, 10.0, 15.0)
    )
    tot = out.loc["total"]
    assert tot["change"] == pytest.approx(-10.0)
    parts = out[["reference_growth", "industry_mix", "regional_shift"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(out["change"].to_numpy())


def test_shift_share_new_sector_is_all_local() -> None:
    out = shift_share(
        pd.Series({"logistics": 0.0}),
        pd.Series({"logistics": 25.0}),
        reference_start=pd.Series({"logistics": 10.0, "total": 100.0}),
        reference_end=pd.Series({"logistics": 20.0, "total": 110.0}),
    )
    assert out.loc["logistics", "regional_shift"] == 25.0
    assert out.loc["logistics", "reference_growth"] == 0.0


def test_shift_share_missing_sector_is_an_error() -> None:
    with pytest.raises(DataError, match="textiles"):
        shift_share(
            pd.Series({"textiles": 1.0}),
            pd.Series({"other": 1.0}),
            reference_start=pd.Series({"textiles": 1.0, "total": 2.0}),
            reference_end=pd.Series({"textiles": 1.0, "total": 2.0}),
        )


def test_zone_totals_sum_municipalities() -> None:
    frame = pd.DataFrame({"total": [10.0, 20.0, 5.0, 7.0]}, index=["1", "2", "3", "ITC46"])
    out = zone_totals(frame, {"1": "a", "2": "a", "3": "b"})
    assert out["total"].to_dict() == {"a": 30.0, "b": 5.0}
