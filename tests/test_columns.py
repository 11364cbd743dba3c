"""The column contract: names built and parsed in one place, labels in words."""

from __future__ import annotations

import pytest

from seriana_gis import columns as c


@pytest.mark.parametrize(
    ("built", "name"),
    [
        (c.travel_time("car", "bgy"), "car_bgy_min"),
        (c.travel_time("transit", "bergamo"), "transit_bergamo_min"),
        (c.transit_leg("bgy", "wait_min"), "transit_bgy_wait_min"),
        (c.transit_leg("bergamo", "feeder_ride_min"), "transit_bergamo_feeder_ride_min"),
        (c.travel_note("car", "a4", "junction"), "car_a4_junction"),
        (c.catchment(15), "pop_15min"),
        (c.catchment(7.5), "pop_7.5min"),
        (c.score("social_housing"), "score_social_housing"),
        (c.rank("logistics"), "rank_logistics"),
        (c.rank_p05("logistics"), "rank_p05_logistics"),
        (c.p_top("services", 5), "p_top5_services"),
        (c.contribution("social_housing", "teb"), "contrib_social_housing_teb"),
        (c.why("logistics"), "why_logistics"),
        (c.delta("car_bgy_min"), "delta_car_bgy_min"),
    ],
)
def test_names_built_as_the_architecture_says(built: str, name: str) -> None:
    assert built == name


def test_unknown_leg_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown transit leg 'walk'"):
        c.transit_leg("bgy", "walk")


@pytest.mark.parametrize(
    ("name", "kind", "mode", "dest", "leg"),
    [
        ("car_bgy_min", "travel_time", "car", "bgy", None),
        ("transit_bgy_min", "travel_time", "transit", "bgy", None),
        # the leg columns are legs of the trip to bgy, never trips to "bgy_wait"
        ("transit_bgy_wait_min", "transit_leg", "transit", "bgy", "wait_min"),
        ("transit_bgy_ride_min", "transit_leg", "transit", "bgy", "ride_min"),
        ("transit_bgy_access_mode", "transit_leg", "transit", "bgy", "access_mode"),
        ("transit_bergamo_feeder_wait_min", "transit_leg", "transit", "bergamo", "feeder_wait_min"),
        ("transit_bergamo_reason", "transit_leg", "transit", "bergamo", "reason"),
        ("car_bgy_reason", "travel_note", "car", "bgy", "reason"),
        ("walk_teb_min", "travel_time", "walk", "teb", None),
        ("walk_teb_stop", "travel_note", "walk", "teb", "stop"),
        ("car_a4_min", "travel_time", "car", "a4", None),
    ],
)
def test_travel_columns_parsed(name: str, kind: str, mode: str, dest: str, leg: str | None) -> None:
    parsed = c.parse(name)
    assert parsed is not None
    assert (parsed.kind, parsed.mode, parsed.destination, parsed.leg) == (kind, mode, dest, leg)


def test_destinations_given_settle_a_name_read_two_ways() -> None:
    # a destination whose id ends in a leg name is a trip when the destinations say so
    parsed = c.parse("transit_park_ride_min", destinations=["park_ride"])
    assert parsed is not None and (parsed.kind, parsed.destination) == ("travel_time", "park_ride")
    # without the list, the leg reading wins
    parsed = c.parse("transit_park_ride_min")
    assert parsed is not None and (parsed.kind, parsed.destination) == ("transit_leg", "park")
    # a destination not listed is not a travel time
    assert c.parse("car_fiera_min", destinations=["bgy"]) is None


def test_travel_time_columns_leave_out_legs_notes_and_deltas() -> None:
    columns = [
        "id",
        "car_bgy_min",
        "car_bgy_reason",
        "transit_bgy_min",
        "transit_bgy_wait_min",
        "transit_bgy_board",
        "delta_car_bgy_min",
        "pop_15min",
        "minutes",
        "mean_rank_logistics",
    ]
    assert [x.name for x in c.travel_time_columns(columns)] == ["car_bgy_min", "transit_bgy_min"]
    assert not c.is_travel_time("transit_bgy_wait_min")
    assert c.is_accessibility_result("transit_bgy_wait_min")
    assert c.is_accessibility_result("delta_note")
    assert not c.is_accessibility_result("score_logistics")


@pytest.mark.parametrize(
    ("name", "kind", "profile"),
    [
        ("score_logistics", "score", "logistics"),
        ("rank_social_housing", "rank", "social_housing"),
        ("rank_p05_logistics", "rank_p05", "logistics"),
        ("rank_p95_logistics", "rank_p95", "logistics"),
        ("mean_rank_services", "mean_rank", "services"),
        ("excluded_services", "excluded", "services"),
        ("why_services", "why", "services"),
        ("p_top5_logistics", "p_top", "logistics"),
    ],
)
def test_profile_columns_parsed(name: str, kind: str, profile: str) -> None:
    parsed = c.parse(name)
    assert parsed is not None and (parsed.kind, parsed.profile) == (kind, profile)


def test_catchment_and_delta_parsed() -> None:
    parsed = c.parse("pop_7.5min")
    assert parsed is not None and parsed.kind == "catchment" and parsed.minutes == 7.5
    parsed = c.parse("delta_transit_bgy_wait_min")
    assert parsed is not None and parsed.kind == "delta"
    assert parsed.base is not None and parsed.base.leg == "wait_min"
    assert parsed.unit == "min"
    for outside in ("id", "name", "minutes", "Area", "delta_note", "snap_m", "rank_"):
        assert c.parse(outside) is None, outside


def test_profiles_found_from_columns() -> None:
    columns = [
        "id",
        "score_logistics",
        "rank_logistics",
        "rank_p05_logistics",
        "rank_p95_logistics",
        "contrib_logistics_access_bgy",
        "score_social_housing",
        "contrib_social_housing_teb_distance",
        "contrib_social_housing_area",
        "why_social_housing",
        "car_bgy_min",
    ]
    found = c.profile_columns(columns)
    assert [p.name for p in found] == ["logistics", "social_housing"]
    assert found[0].p05 == "rank_p05_logistics" and found[0].p95 == "rank_p95_logistics"
    assert found[0].contributions == (("access_bgy", "contrib_logistics_access_bgy"),)
    assert found[1].rank is None and found[1].why == "why_social_housing"
    assert found[1].contributions == (
        ("teb_distance", "contrib_social_housing_teb_distance"),
        ("area", "contrib_social_housing_area"),
    )


def test_contributions_split_on_the_longest_profile() -> None:
    # profiles "social" and "social_housing": the criterion of the second is "teb"
    columns = ["score_social", "score_social_housing", "contrib_social_housing_teb"]
    found = {p.name: p for p in c.profile_columns(columns)}
    assert found["social_housing"].contributions == (("teb", "contrib_social_housing_teb"),)
    assert found["social"].contributions == ()


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("car_bgy_min", "Car to Orio al Serio airport (min)"),
        ("transit_bergamo_min", "TEB to Bergamo railway station (min)"),
        (
            "transit_bergamo_nocar_min",
            "TEB to Bergamo railway station: TEB trip without a car (the stop reached on foot or "
            "by feeder bus) (min)",
        ),
        ("transit_bgy_wait_min", "TEB to Orio al Serio airport: wait for the tram (min)"),
        (
            "transit_bergamo_feeder_wait_min",
            "TEB to Bergamo railway station: wait for the feeder (min)",
        ),
        ("car_a4_min", "Car to the nearest A4 junction (min)"),
        ("walk_teb_min", "Walk to the nearest TEB stop (min)"),
        ("pop_15min", "Residents within 15 min by car"),
        ("score_social_housing", "Social housing score"),
        ("rank_logistics", "Logistics rank"),
        ("contrib_social_housing_teb", "Social housing: teb"),
        ("delta_car_bgy_min", "Change: Car to Orio al Serio airport (min)"),
        (
            "delta_transit_bgy_min",
            "Change: TEB to Orio al Serio airport (the stop reached on foot, by feeder bus or "
            "park and ride) (min)",
        ),
        (
            "delta_transit_bgy_walk_access_min",
            "Change: TEB to Orio al Serio airport: TEB trip with the stop reached on foot (min)",
        ),
        ("best_use", "Best use"),
        ("former_use", "former use"),
    ],
)
def test_labels_in_words(name: str, label: str) -> None:
    assert c.label(name, unit=True) == label


def test_labels_take_given_names() -> None:
    names = c.destination_labels({"fs_albino": "Albino station", "bgy": "ignored"})
    assert c.label("car_fs_albino_min", destinations=names) == "Car to Albino station"
    assert c.label("car_bgy_min", destinations=names) == "Car to Orio al Serio airport"
    crit = {("social_housing", "teb"): "Walk time to the nearest TEB stop"}
    assert (
        c.label("contrib_social_housing_teb", criteria=crit)
        == "Social housing: Walk time to the nearest TEB stop"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("residents_300m", "Residents within 300 m"),
        ("residents_7.5m", "Residents within 7.5 m"),
        ("dist_road_edges_motorway_trunk_m", "Distance to road edges: motorway trunk (m)"),
        ("dist_station_m", "Distance to station (m)"),
        ("n_services_800m", "Number of services within 800 m"),
        ("share_flood_hazard", "Share of the footprint in flood hazard"),
        ("footprint_area_m2", "Footprint area (m²)"),
        ("municipalities_old_age_index", "Municipality: old-age index (65+ per 100 aged 0–14)"),
        ("municipalities_istat", "Municipality: ISTAT code"),
        ("heritage_score", "Heritage listing: score of the category"),
        ("alloc_use", "Allocated use"),
        ("alloc_social_dwellings", "Allocated social dwellings"),
        ("alloc_service_jobs@valley", "Allocated service jobs (valley)"),
        ("raster_dem_b1", "Dem, band 1"),
        ("some_column", "some column"),
    ],
)
def test_computed_indicators_and_allocation_in_words(name: str, text: str) -> None:
    from seriana_gis.symbology import COLUMN_LABELS

    assert c.label(name, unit=True, plain=COLUMN_LABELS) == text


def test_indicator_keys_are_the_contract_names() -> None:
    from seriana_gis.suitability.criteria import Indicator

    assert Indicator("residents_within", distance_m=300.0).key == "residents_300m"
    dist = Indicator("distance_to", layer="road_edges", where=(("highway", ("motorway",)),))
    assert dist.key == "dist_road_edges_motorway_m"
    assert Indicator("category", column="heritage").key == "heritage_score"
    assert Indicator("footprint", measure="compactness").key == "footprint_compactness"
    assert Indicator("municipality_value", layer="municipalities", column="x").key == (
        "municipalities_x"
    )
    assert Indicator("count_within", layer="services", distance_m=800.0).key == "n_services_800m"
    # none of them is a kind of parse(): an input column may look like one
    assert all(c.parse(n) is None for n in ("residents_300m", "dist_x_m", "alloc_use"))
