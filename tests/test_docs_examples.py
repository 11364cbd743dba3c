"""The examples of the user guide (``docs/*.md``) still work with the code.

Every fenced ``yaml`` block of the guide is preceded by a marker saying what it
is, ``<!-- check: KIND -->``, and is loaded here with the package's own loader:

- ``study_area``: a whole study-area configuration (``load_study_area``);
- ``study_area_sources``: a ``sources:`` block, put into a copy of the shipped
  configuration in place of ``sources: {}`` (``load_study_area``);
- ``census_mapping``: a column-mapping file (``sources.census.load_mapping``);
- ``register_entry``: entries of ``scripts/brownfields_register.yaml`` (each, placed
  at its ``place`` point, validates against the brownfields schema);
- ``profile``: a suitability profile (``load_profile``);
- ``allocation``: an allocation scenario (``load_allocation``), whose uses must
  name the shipped profiles or the guide's;
- ``employment_mapping``: an employment column-mapping file
  (``economy.istat.load_employment_mapping``);
- ``job_loss``: a job-loss scenario (``economy.load_scenario``), applied to the
  shipped study area;
- ``scenario``: an accessibility scenario (``load_scenario``), whose road
  changes are applied to the embedded road network (selectors and snapping);
- ``speed_profile``: a road speed profile (``load_speed_profile``), applied to
  the embedded road network.

A yaml block without a marker fails the test, so a new example cannot skip the
check. The ``seriana`` command lines of the guide's ``sh`` blocks are checked
against the commands and options of the CLI, and the DEM recipe (the
``rio warp`` line and the ``python_slope`` block) is run on a synthetic inclined
plane whose slope is known.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
import yaml
from affine import Affine
from typer.testing import CliRunner

from seriana_gis.accessibility import apply_road_changes, load_scenario
from seriana_gis.cli import app
from seriana_gis.config import default_config_path, load_study_area
from seriana_gis.economy import load_scenario as load_job_loss
from seriana_gis.economy import scenario_losses
from seriana_gis.economy.istat import load_employment_mapping
from seriana_gis.economy.scenario import missing_zones
from seriana_gis.layers.validate import validate_layer
from seriana_gis.network import graph_from_lines
from seriana_gis.sources.census import load_mapping
from seriana_gis.sources.embedded import read_embedded
from seriana_gis.suitability import load_allocation, load_profile, load_profiles

DOCS = Path(__file__).resolve().parent.parent / "docs"
KINDS = (
    "study_area",
    "study_area_sources",
    "census_mapping",
    "register_entry",
    "profile",
    "allocation",
    "scenario",
    "employment_mapping",
    "job_loss",
    "speed_profile",
)
_FENCE = re.compile(
    r"(?:<!-- check: (?P<kind>\w+) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```", re.S | re.M
)


@dataclass(frozen=True)
class Block:
    """One fenced code block of the guide."""

    doc: str
    line: int
    lang: str
    kind: str | None
    body: str

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def _blocks() -> list[Block]:
    out = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start("body"))
            out.append(Block(path.name, line, m["lang"], m["kind"], m["body"]))
    return out


BLOCKS = _blocks()
YAML_BLOCKS = [b for b in BLOCKS if b.lang == "yaml"]
SH_LINES = [
    (b, line.split("#")[0].strip())
    for b in BLOCKS
    if b.lang == "sh"
    for line in b.body.splitlines()
    if line.strip().startswith("seriana ")
]


def test_the_guide_exists_and_has_examples() -> None:
    assert (DOCS / "user-guide.md").is_file()
    kinds = {b.kind for b in YAML_BLOCKS}
    assert set(KINDS) <= kinds, f"no example of {set(KINDS) - kinds}"


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=str)
def test_every_yaml_block_is_marked(block: Block) -> None:
    assert block.kind in KINDS, (
        f"{block}: precede the yaml block with <!-- check: KIND --> (KIND one of {KINDS})"
    )


def _blocks_of(kind: str) -> list[Block]:
    return [b for b in YAML_BLOCKS if b.kind == kind]


def _write(tmp_path: Path, block: Block, name: str) -> Path:
    path = tmp_path / name
    path.write_text(block.body, encoding="utf-8")
    return path


@pytest.mark.parametrize("block", _blocks_of("study_area"), ids=str)
def test_study_area_examples_load(block: Block, tmp_path: Path) -> None:
    area = load_study_area(_write(tmp_path, block, "area.yaml"))
    raw = yaml.safe_load(block.body)
    assert area.name == raw["name"]
    assert list(area.zone_labels) == list(raw["zones"])


@pytest.mark.parametrize("block", _blocks_of("study_area_sources"), ids=str)
def test_sources_examples_load_into_the_shipped_configuration(block: Block, tmp_path: Path) -> None:
    # what the guide tells the reader to do: copy the shipped file, drop `embedded: default`,
    # replace `sources: {}`
    shipped = default_config_path().read_text(encoding="utf-8")
    assert "\nembedded: default\n" in shipped and "\nsources: {}\n" in shipped
    text = shipped.replace("\nembedded: default\n", "\n").replace(
        "\nsources: {}\n", "\n" + block.body
    )
    area = load_study_area(_write(tmp_path, Block("", 0, "yaml", None, text), "my_seriana.yaml"))
    raw = yaml.safe_load(block.body)["sources"]
    assert set(area.sources) == set(raw)
    for layer, spec in raw.items():
        assert area.source(layer).kind == spec.get("kind", "file" if "path" in spec else "embedded")
    assert area.embedded_dir is None


@pytest.mark.parametrize("block", _blocks_of("census_mapping"), ids=str)
def test_census_mapping_examples_load(block: Block, tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, block, "census_mapping.yaml"))
    assert {"id", "name", "municipality", "former_use", "area_m2", "status"} <= set(
        mapping["columns"]
    )


@pytest.mark.parametrize("block", _blocks_of("register_entry"), ids=str)
def test_register_entry_examples_validate(block: Block) -> None:
    entries = yaml.safe_load(block.body)
    rows = [{k: v for k, v in e.items() if k != "place"} for e in entries]
    points = [shapely.Point(e["place"]["lon"], e["place"]["lat"]) for e in entries]
    gdf = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    out = validate_layer(gdf, "brownfields", source=str(block))
    assert len(out) == len(entries)


@pytest.mark.parametrize("block", _blocks_of("profile"), ids=str)
def test_profile_examples_load(block: Block, tmp_path: Path) -> None:
    name = yaml.safe_load(block.body)["name"]
    profile = load_profile(_write(tmp_path, block, f"{name}.yaml"))
    assert profile.name == name
    assert abs(profile.weights.sum() - 1) < 1e-9


@pytest.mark.parametrize("block", _blocks_of("allocation"), ids=str)
def test_allocation_examples_load_and_use_known_profiles(block: Block, tmp_path: Path) -> None:
    config = load_allocation(_write(tmp_path, block, "my_allocation.yaml"))
    known = set(load_profiles()) | {yaml.safe_load(b.body)["name"] for b in _blocks_of("profile")}
    profiles = {use["profile"] for use in yaml.safe_load(block.body)["uses"].values()}
    assert profiles <= known, f"{block}: uses name unknown profiles {profiles - known}"
    assert config.title


@pytest.mark.parametrize("block", _blocks_of("employment_mapping"), ids=str)
def test_employment_mapping_examples_load(block: Block, tmp_path: Path) -> None:
    mapping = load_employment_mapping(_write(tmp_path, block, "employment_mapping.yaml"))
    assert {"territory", "ateco"} <= set(mapping["columns"])


@pytest.mark.parametrize("block", _blocks_of("job_loss"), ids=str)
def test_job_loss_examples_load_and_fit_the_shipped_area_or_the_guides(
    block: Block, tmp_path: Path
) -> None:
    scenario = load_job_loss(_write(tmp_path, block, "my_job_loss.yaml"))
    # the shipped study area, or a territory of the guide's examples (section 2.5)
    areas = [load_study_area()] + [
        load_study_area(_write(tmp_path, b, f"area{i}.yaml"))
        for i, b in enumerate(_blocks_of("study_area"))
    ]
    fits = [a for a in areas if missing_zones(scenario, a.zone_labels) is None]
    assert fits, f"{block}: the scenario describes no study area of the guide"
    losses = scenario_losses(scenario, zone_of=fits[0].zone_of())
    assert int(losses.losses.sum()) == scenario.total_jobs


@pytest.mark.parametrize("block", _blocks_of("speed_profile"), ids=str)
def test_speed_profile_examples_load_and_time_the_embedded_roads(
    block: Block, tmp_path: Path
) -> None:
    from seriana_gis.network.model import apply_speed_profile
    from seriana_gis.network.profile import load_speed_profile

    profile = load_speed_profile(_write(tmp_path, block, "my_speeds.yaml"))
    H = apply_speed_profile(_embedded_roads(), profile, time_of_day="am_peak")
    assert H.graph["speed_profile"] == yaml.safe_load(block.body)["name"]


@cache
def _embedded_roads():  # type: ignore[no-untyped-def]
    return graph_from_lines(read_embedded("roads"), source="embedded default roads")


@pytest.mark.parametrize("block", _blocks_of("scenario"), ids=str)
def test_scenario_examples_load_and_apply_to_the_embedded_roads(
    block: Block, tmp_path: Path
) -> None:
    scenario = load_scenario(_write(tmp_path, block, "my_scenario.yaml"))
    assert scenario.name == yaml.safe_load(block.body)["name"]
    G = _embedded_roads()
    if scenario.roads:  # unknown selectors and far-off link ends are errors here
        H = apply_road_changes(G, scenario.roads)
        if not any(c.action == "remove" for c in scenario.roads):
            added = sum(1 for c in scenario.roads if c.action == "add")
            assert H.number_of_edges() >= G.number_of_edges() + added


def _options(command: str) -> str:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("block", "line"), SH_LINES, ids=[f"{b}:{ln}" for b, ln in SH_LINES])
def test_command_lines_use_existing_commands_and_options(block: Block, line: str) -> None:
    words = shlex.split(line)[1:]
    commands = [w for w in words if not w.startswith("-")]
    assert commands, f"{block}: {line!r} names no command"
    top = words[: words.index(commands[0])]
    assert set(top) <= {"-q", "--quiet", "-v", "--verbose"}, f"{block}: {line!r}"
    helptext = _options(commands[0])
    for word in words:
        if word.startswith("--"):
            option = word.split("=")[0]
            assert option in helptext, f"{block}: {line!r}: seriana {commands[0]} has no {option}"


def test_the_dem_recipe_gives_the_slope_of_a_plane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guide's two steps (rio warp, then the numpy slope) on a DEM rising 1 m every 10 m
    # northwards: slope = atan(0.1) = 5.71 degrees everywhere.
    warp = [ln for b, ln in _lines("sh") if ln.startswith("rio warp ")]
    slope_code = [b.body for b in BLOCKS if b.lang == "python" and b.kind == "python_slope"]
    assert len(warp) == 1 and len(slope_code) == 1
    res_deg, n = 0.0002, 60  # about 16 m by 22 m cells, 1 km by 1.3 km
    lat = 45.76 - res_deg * (np.arange(n) + 0.5)
    z = np.repeat(((lat - lat.min()) * 111_132 * 0.1)[:, None], n, axis=1)  # metres
    with rasterio.open(
        tmp_path / "dem.tif", "w", driver="GTiff", width=n, height=n, count=1, dtype="float64",
        crs="EPSG:4326", transform=Affine(res_deg, 0, 9.80, 0, -res_deg, 45.76), nodata=-9999,
    ) as dem:  # fmt: skip
        dem.write(z, 1)
    rio = Path(sys.executable).with_name("rio")
    subprocess.run([str(rio), *shlex.split(warp[0])[1:]], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    exec(compile(slope_code[0], "user-guide.md (slope)", "exec"), {})
    with rasterio.open(tmp_path / "slope_32632.tif") as out:
        assert out.crs.to_epsg() == 32632
        values = out.read(1, masked=True)
    inner = values[3:-3, 3:-3].compressed()  # away from the nodata edges of the warp
    assert inner.size > 100
    assert np.median(inner) == pytest.approx(np.degrees(np.arctan(0.1)), abs=0.1)


def _lines(lang: str) -> list[tuple[Block, str]]:
    return [
        (b, line.split("#")[0].strip())
        for b in BLOCKS
        if b.lang == lang
        for line in b.body.splitlines()
        if line.strip()
    ]
