"""One symbology: palettes, category colours, labels, classes and rounding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from seriana_gis import symbology as sym


def test_fixed_score_classes_on_the_unit_scale() -> None:
    classes = sym.score_classes()
    assert classes.edges == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert classes.labels == ("0.0 – 0.2", "0.2 – 0.4", "0.4 – 0.6", "0.6 – 0.8", "0.8 – 1.0")
    assert classes.colours == sym.SCORES
    # a value on an edge belongs to the lower class (QGIS's rule and the runtime's)
    assert classes.colour_of(0.0) == sym.SCORES[0]
    assert classes.colour_of(0.4) == sym.SCORES[1]
    assert classes.colour_of(0.4001) == sym.SCORES[2]
    assert classes.colour_of(1.0) == sym.SCORES[4]
    assert classes.colour_of(float("nan")) == sym.MISSING


def test_nice_edges_by_hand() -> None:
    # range 0.31–0.81: raw step 0.1 -> 0.3 … 0.9
    assert sym.nice_edges([0.31, 0.81, 0.5]) == pytest.approx([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    # range 17.2–31.4: raw 2.84 -> step 5 -> 15 … 35
    assert sym.nice_edges([17.2, 31.4]) == [15, 20, 25, 30, 35]
    assert sym.nice_edges([7.0, 7.0, np.nan]) == [7.0, 7.0]
    assert sym.nice_edges([np.nan]) == []


def test_quantile_edges_by_hand() -> None:
    # 1..101: the 20/40/60/80 % quantiles fall on 21, 41, 61, 81; 101 rounds up to 110
    assert sym.quantile_edges(range(1, 102)) == [1, 21, 41, 61, 81, 110]
    # nine densities: quantiles 50, 110, 270, 960 (linear interpolation between ranks)
    dens = [20, 35, 60, 100, 150, 300, 800, 1200, 3000]
    assert sym.quantile_edges(dens) == [20, 50, 110, 270, 960, 3000]
    assert sym.quantile_edges([5.0, 5.0]) == [5.0, 5.0]
    assert sym.quantile_edges([]) == []


@pytest.mark.parametrize("values", [[0.0, 1.0], [3.3, 97.1], [-5.0, 12.0], [1000, 180_000]])
def test_nice_edges_cover_the_data(values: list[float]) -> None:
    edges = sym.nice_edges(values)
    assert edges[0] <= min(values)
    assert edges[-1] >= max(values)
    assert all(b > a for a, b in itertools.pairwise(edges))
    assert 2 <= len(edges) - 1 <= 10


def test_band_classes_one_per_isochrone() -> None:
    classes = sym.band_classes([30, 15, 45, 15])
    assert classes.edges == (0.0, 15.0, 30.0, 45.0)
    assert classes.labels == ("0 – 15 min", "15 – 30 min", "30 – 45 min")
    # three classes on a five-colour palette: its ends and its middle
    assert classes.colours == (sym.TIMES[0], sym.TIMES[2], sym.TIMES[4])


def test_ramp_interpolates_between_stops() -> None:
    # halfway between #000000 and #ffffff: 127.5 rounds to 128 (0x80)
    assert sym.ramp(["#000000", "#ffffff"], 3) == ["#000000", "#808080", "#ffffff"]
    assert sym.ramp(sym.SCORES, 5) == list(sym.SCORES)
    assert sym.rgba("#1b9e77") == (27, 158, 119, 255)
    assert sym.hex_colour((27, 158, 119, 255)) == "#1b9e77"


def test_category_colours_fixed_then_palette_in_sorted_order() -> None:
    got = sym.category_colours("status", ["unknown", "zeta", "dismissed", None, "alpha"])
    assert got == {
        "dismissed": sym.CATEGORY_COLOURS["status"]["dismissed"],
        "unknown": sym.CATEGORY_COLOURS["status"]["unknown"],
        "alpha": sym.QUALITATIVE[0],
        "zeta": sym.QUALITATIVE[1],
    }
    # the same value has the same colour whatever else is present
    alone = sym.category_colours("best_use", ["logistics"])
    both = sym.category_colours("best_use", ["services", "logistics"])
    assert alone["logistics"] == both["logistics"] == "#7570b3"


def test_fallback_colours_skip_fixed_ones() -> None:
    # best_use's services colour is the palette's first: a new value must not reuse it
    got = sym.category_colours("best_use", ["services", "tourism"])
    assert got["tourism"] != got["services"]


@pytest.mark.parametrize(
    ("column", "value", "label"),
    [
        ("status", "in_redevelopment", "In redevelopment"),
        ("status", "partly_reused", "Partly reused"),
        ("status", "unknown", "Status unknown"),
        ("best_use", "social_housing", "Social housing"),
        ("category", "natural_site", "Natural site"),
        ("road_class", "motorway", "Motorway"),
    ],
)
def test_value_labels(column: str, value: str, label: str) -> None:
    assert sym.value_label(column, value) == label


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.8985, 3, 0.899),  # half up on the decimal form, though 0.8985 is stored just below
        (0.8984999, 3, 0.898),
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (1.005, 2, 1.01),
        (12.25, 1, 12.3),
    ],
)
def test_round_half_up_by_hand(value: float, decimals: int, expected: float) -> None:
    assert sym.round_half_up(value, decimals) == expected
    assert sym.round_array([value], decimals)[0] == expected


def test_round_array_keeps_missing_and_matches_scalar() -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(0, 1, 500), 4)  # many halves at 3 decimals
    got = sym.round_array(values, 3)
    assert list(got) == [sym.round_half_up(float(v), 3) for v in values]
    assert np.isnan(sym.round_array([np.nan], 2)[0])


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("score_logistics", "score"),
        ("contrib_logistics_airport", "score"),
        ("car_bgy_min", "min"),
        ("transit_bgy_wait_min", "min"),
        ("delta_car_bgy_min", "min"),
        ("pop_15min", "int"),
        ("rank_logistics", "int"),
        ("share_65_plus", "share"),
        ("area_m2", "m2"),
        ("something_else", "num"),
    ],
)
def test_kind_of_columns(column: str, kind: str) -> None:
    assert sym.kind_of(column) == kind


def test_format_value_by_hand() -> None:
    assert sym.format_value(0.8985, "score") == "0.899"
    assert sym.format_value(12345.6, "m2") == "12,346 m²"
    assert sym.format_value(23.25, "min") == "23.3 min"
    assert sym.format_value(0.1234, "share") == "12.3 %"
    assert sym.format_value(None, "min") == "–"
    assert sym.format_value(float("nan"), "score") == "–"
    assert sym.format_value("text") == "text"


def test_column_labels() -> None:
    assert sym.column_label("car_bgy_min") == "Car to Orio al Serio airport (min)"
    assert sym.column_label("area_m2") == "Area (m²)"
    assert sym.column_label("some_column") == "Some column"


def test_a_missing_category_has_a_legend_entry() -> None:
    # sites without a best use (excluded from every profile) are drawn in the "other"
    # colour by the map runtime: the legend says what that grey means
    from seriana_gis.maps.style import category_style

    st, entries = category_style("best_use", ["logistics", None, "services"], swatch="point")
    assert entries[-1] == [st["other"], "None (excluded from every profile)", "point"]
    assert [e[1] for e in entries[:-1]] == ["Logistics", "Services"]
    _, without = category_style("best_use", ["logistics"], swatch="point")
    assert [e[1] for e in without] == ["Logistics"]
    assert sym.missing_label("score_logistics") == "Excluded from this profile"
    assert sym.missing_label("status") == "No value"


def test_missing_values_in_classes_have_a_legend_entry() -> None:
    # the map runtime draws a missing value in the style's "missing" grey: the legend
    # ends with what the grey means, as the QGIS styles' ELSE rule does
    from seriana_gis.maps.style import classes_style

    classes = sym.time_classes([12.0, 31.0])
    st, entries = classes_style("transit_bgy_min", classes, values=[12.0, None, 31.0])
    assert entries[-1] == ["#bdbdbd", "No time (no trip by this mode)", "fill"]
    assert st["missing"] == "#bdbdbd"
    assert len(entries) == len(classes.colours) + 1
    _, complete = classes_style("transit_bgy_min", classes, values=[12.0, 31.0])
    assert len(complete) == len(classes.colours)
    st, entries = classes_style("score_services", sym.score_classes(), values=[float("nan")])
    assert entries[-1][1] == "Excluded from this profile"


def test_classes_hold_values_between_their_ends() -> None:
    classes = sym.classes([0.0, 10.0, 20.0], sym.TIMES)
    held = classes.holds([0.0, 10.0, 20.0, 20.5, -1.0, None, float("nan"), float("inf")])
    assert held.tolist() == [True, True, True, False, False, False, False, False]
    assert not sym.time_classes([]).holds([1.0]).any()  # no class at all
