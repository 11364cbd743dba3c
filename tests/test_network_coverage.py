"""A road network that does not reach the territory stops the run (no silent fallback)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from seriana_gis._errors import NetworkError
from seriana_gis.cli import app
from seriana_gis.network.coverage import check_coverage, network_distances


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=1000.0, y=0.0)
    G.add_edge(0, 1, length=1000.0)
    return G


def _munis(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"M{i}" for i in range(len(boxes))]},
        geometry=[box(*b) for b in boxes],
        crs="EPSG:32632",
    )


def test_distances_by_hand() -> None:
    # M0 holds node 0; M1's nearest corner (4000, 4000) is 5 km from node 1 at (1000, 0)
    d = network_distances(_graph(), _munis((-10, -10, 10, 10), (4000, 4000, 6000, 6000)))
    assert d.tolist() == pytest.approx([0.0, 5000.0])


def test_most_municipalities_off_the_network_stop(caplog: pytest.LogCaptureFixture) -> None:
    far = [(20000 + 3000 * i, 0, 21000 + 3000 * i, 1000) for i in range(3)]
    with pytest.raises(NetworkError) as err:
        check_coverage(_graph(), _munis((-10, -10, 10, 10), *far), source="the test roads")
    text = str(err.value)
    assert "3 of 4 municipalities" in text and "the test roads" in text
    assert "M3 25.0 km" in text and "{kind: osm}" in text and "kind: file" in text
    # one of three off: a warning naming it, not an error
    with caplog.at_level(logging.WARNING, logger="seriana_gis"):
        check_coverage(_graph(), _munis((-10, -10, 10, 10), (500, -10, 600, 10), far[0]))
    assert "M2" in caplog.text


# the Seriana layers lie outside this territory: flagged with a warning, as they should be
@pytest.mark.filterwarnings("ignore:.*outside the study area:seriana_gis._errors.DataWarning")
def test_another_valley_on_the_seriana_roads_exits_2(tmp_path: Path) -> None:
    """Valle Brembana described by ISTAT names, with the shipped (Seriana) embedded roads."""
    cfg = tmp_path / "brembana.yaml"
    cfg.write_text(
        "name: brembana\ntitle: Valle Brembana\nprovince: BG\nzones:\n"
        "  upper:\n    municipalities: [San Giovanni Bianco, San Pellegrino Terme, Zogno, "
        "Piazza Brembana, Lenna, Camerata Cornello]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["build", "--config", str(cfg), "-d", str(tmp_path / "b.gpkg")]
    )
    assert result.exit_code == 2, result.output
    assert "does not cover this territory" in result.output
    assert "San Giovanni Bianco" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b.gpkg").exists()
