"""TEB lines and stops from a GTFS feed: a local file, or a URL served from 127.0.0.1.

The feed is authored here, for this test only: four stations on the parallel 45.70° N,
one every 0.01° of longitude, each with a platform 0.0001° north and one 0.0001° south
of it (about 11 m), served by tram route T1 in both directions and by a short-turn
trip; bus route 5 calls at two of them. Expected values come from the feed's own
numbers and pyproj's geodesic, not from the reader.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
import yaml
from typer.testing import CliRunner

from seriana_gis._errors import ConfigError, DataError, SourceUnavailableError
from seriana_gis.build import load_territory
from seriana_gis.cli import app
from seriana_gis.config import load_study_area
from seriana_gis.sources.gtfs import cached_feed_path, fetch_feed, read_gtfs_teb

LAT = 45.70
STATIONS = [("S_A", "Alfa", 9.70), ("S_B", "Bravo", 9.71), ("S_C", "Charlie", 9.72),
            ("S_D", "Delta", 9.73)]  # fmt: skip
NAMES = [name for _, name, _ in STATIONS]
GEOD = pyproj.Geod(ellps="WGS84")
DEFAULT = Path(__file__).resolve().parents[1] / "layers" / "default"


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def feed_files(*, shapes: bool = True) -> dict[str, str]:
    stops: list[dict[str, Any]] = []
    for sid, name, lon in STATIONS:
        stops.append(
            {
                "stop_id": sid,
                "stop_name": name,
                "stop_lat": LAT,
                "stop_lon": lon,
                "location_type": 1,
                "parent_station": "",
            }
        )
        for suffix, dlat in (("_0", 0.0001), ("_1", -0.0001)):
            stops.append(
                {
                    "stop_id": sid + suffix,
                    "stop_name": name,
                    "stop_lat": LAT + dlat,
                    "stop_lon": lon,
                    "location_type": 0,
                    "parent_station": sid,
                }
            )
    routes = [
        {"route_id": "R5", "route_short_name": "5", "route_type": 3},
        {"route_id": "RT1", "route_short_name": "T1", "route_type": 0},
    ]
    trips = [  # the short turn first: the reader must still pick a full trip
        {"route_id": "RT1", "service_id": "wk", "trip_id": "a_short", "direction_id": 0,
         "shape_id": "shp0"},
        {"route_id": "RT1", "service_id": "wk", "trip_id": "b_back", "direction_id": 1,
         "shape_id": "shp1"},
        {"route_id": "RT1", "service_id": "wk", "trip_id": "c_out", "direction_id": 0,
         "shape_id": "shp0"},
        {"route_id": "R5", "service_id": "wk", "trip_id": "bus", "direction_id": 0,
         "shape_id": ""},
    ]  # fmt: skip
    times: list[dict[str, Any]] = []

    def trip(tid: str, stop_ids: list[str], seqs: list[int]) -> None:
        for k, (sid, seq) in enumerate(zip(stop_ids, seqs, strict=True)):
            t = f"07:{k:02d}:00"
            times.append({"trip_id": tid, "arrival_time": t, "departure_time": t,
                          "stop_id": sid, "stop_sequence": seq})  # fmt: skip

    trip("a_short", ["S_A_0", "S_B_0", "S_C_0"], [1, 2, 3])
    # back: stored out of order, with gaps in stop_sequence (both allowed by GTFS)
    trip("b_back", ["S_B_1", "S_D_1", "S_A_1", "S_C_1"], [30, 10, 40, 20])
    trip("c_out", ["S_A_0", "S_B_0", "S_C_0", "S_D_0"], [5, 6, 7, 8])
    trip("bus", ["S_B", "S_C"], [1, 2])
    files = {
        "stops.txt": _csv(stops),
        "routes.txt": _csv(routes),
        "trips.txt": _csv(trips),
        "stop_times.txt": _csv(times),
        "calendar.txt": "service_id,monday\nwk,1\n",
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "A,Test Tramways,https://example.org,Europe/Rome\n",
    }
    if shapes:
        # shp0 runs west to east along 45.7005 N, with a detour north at 9.715
        pts = [(9.70, 45.7005), (9.715, 45.7005), (9.715, 45.7025), (9.73, 45.7025)]
        rows = [{"shape_id": "shp0", "shape_pt_lat": lat, "shape_pt_lon": lon,
                 "shape_pt_sequence": (len(pts) - i) * 10}  # stored in reverse order
                for i, (lon, lat) in enumerate(reversed(pts))]  # fmt: skip
        files["shapes.txt"] = _csv(rows)
    return files


def write_zip(path: Path, files: dict[str, str], *, folder: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(folder + name, text)
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "teb_gtfs.zip", feed_files())


def test_stops_are_the_stations_of_the_longest_trip_in_service_order(feed: Path) -> None:
    _, stops = read_gtfs_teb(feed, route="T1", crs="EPSG:32632")
    assert stops["name"].tolist() == NAMES  # direction 0 preferred over the equal return trip
    assert stops["seq"].tolist() == [1, 2, 3, 4]
    assert stops["id"].tolist() == ["T1_01", "T1_02", "T1_03", "T1_04"]
    assert stops["gtfs_stop_id"].tolist() == ["S_A", "S_B", "S_C", "S_D"]
    assert (stops["line"] == "T1").all() and (stops["status"] == "existing").all()
    # each stop sits at its station, not at the platform served (11 m off)
    expected = gpd.GeoSeries(
        [shapely.Point(lon, LAT) for _, _, lon in STATIONS], crs="EPSG:4326"
    ).to_crs("EPSG:32632")
    assert stops.crs == "EPSG:32632"
    assert stops.geometry.distance(expected, align=False).max() < 0.01


def test_stops_are_numbered_from_the_end_nearer_the_origin(tmp_path: Path) -> None:
    files = feed_files()
    # make the full return trip (Delta to Alfa) direction 0, so it is the one chosen
    files["trips.txt"] = (
        files["trips.txt"].replace("b_back,1,", "b_back,0,").replace("c_out,0,", "c_out,1,")
    )
    flipped = write_zip(tmp_path / "flipped.zip", files)
    _, served = read_gtfs_teb(flipped, origin=None)
    assert served["name"].tolist() == NAMES[::-1]  # the trip's own order
    lines, stops = read_gtfs_teb(flipped)  # default: from Bergamo station, west of Alfa
    assert stops["name"].tolist() == NAMES
    assert stops["seq"].tolist() == [1, 2, 3, 4]
    # the line (here through the stops: the trip's shape is not in the feed) runs the same way
    assert shapely.Point(lines.geometry.iloc[0].coords[0]).distance(stops.geometry.iloc[0]) < 0.01
    # an origin east of Delta numbers from Delta; with the shape of the outward trip
    # (west to east), the line is reversed to start at its east end (9.73, 45.7025)
    outward = write_zip(tmp_path / "out.zip", feed_files())
    lines, east = read_gtfs_teb(outward, origin=(9.80, 45.70))
    assert east["name"].tolist() == NAMES[::-1]
    end = gpd.GeoSeries([shapely.Point(9.73, 45.7025)], crs="EPSG:4326").to_crs("EPSG:32632")
    assert shapely.Point(lines.geometry.iloc[0].coords[0]).distance(end.iloc[0]) < 0.01


def test_line_is_the_trips_shape(feed: Path) -> None:
    lines, _ = read_gtfs_teb(feed, route="t1")  # case-insensitive
    assert lines["id"].tolist() == ["t1"]  # the id is the route as configured
    line = lines.geometry.iloc[0]
    # geodesic length of the shape: two legs along parallels and one along a meridian
    legs = [
        GEOD.line_length([9.70, 9.715], [45.7005, 45.7005]),
        GEOD.line_length([9.715, 9.715], [45.7005, 45.7025]),
        GEOD.line_length([9.715, 9.73], [45.7025, 45.7025]),
    ]
    # UTM 32N near 9.7 E scales lengths by about 0.99961: within 0.1 %
    assert lines["length_m"].iloc[0] == pytest.approx(sum(legs), rel=1e-3)
    assert len(line.coords) == 4
    start = gpd.GeoSeries([shapely.Point(9.70, 45.7005)], crs="EPSG:4326").to_crs("EPSG:32632")
    assert shapely.Point(line.coords[0]).distance(start.iloc[0]) < 0.01  # shape order kept
    assert "shape shp0" in lines["source_note"].iloc[0]


def test_without_shapes_the_line_runs_through_the_stops(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, text in feed_files(shapes=False).items():
        (folder / name).write_text(text, encoding="utf-8")
    lines, stops = read_gtfs_teb(folder)
    line = lines.geometry.iloc[0]
    assert [shapely.Point(c) for c in line.coords] == list(stops.geometry)
    straight = GEOD.line_length([9.70, 9.73], [LAT, LAT])
    assert lines["length_m"].iloc[0] == pytest.approx(straight, rel=1e-3)


def test_zip_with_files_in_a_folder_reads_the_same(tmp_path: Path, feed: Path) -> None:
    nested = write_zip(tmp_path / "nested.zip", feed_files(), folder="gtfs_2026/")
    _, a = read_gtfs_teb(feed)
    _, b = read_gtfs_teb(nested)
    assert a["name"].tolist() == b["name"].tolist()
    assert a.geometry.equals(b.geometry)


def test_stops_without_parent_stations_keep_their_own_position(tmp_path: Path) -> None:
    files = feed_files()
    rows = list(csv.DictReader(io.StringIO(files["stops.txt"])))
    for r in rows:
        r["parent_station"] = ""
    files["stops.txt"] = _csv(rows)
    _, stops = read_gtfs_teb(write_zip(tmp_path / "flat.zip", files))
    assert stops["gtfs_stop_id"].tolist() == ["S_A_0", "S_B_0", "S_C_0", "S_D_0"]
    north = gpd.GeoSeries([shapely.Point(9.70, LAT + 0.0001)], crs="EPSG:4326").to_crs(stops.crs)
    assert stops.geometry.iloc[0].distance(north.iloc[0]) < 0.01


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.pop("stop_times.txt"), r"has no stop_times\.txt"),
        (lambda f: f.update({"routes.txt": "route_id,route_short_name\nR,T1\n"}),
         r"routes\.txt lacks column\(s\) route_type"),
        (lambda f: f.update({"stops.txt": f["stops.txt"].replace("9.72,", "nove,", 1)}),
         r"stops\.txt, stop 'S_C'.*stop_lon 'nove' is not a number"),
        (lambda f: f.update({"stops.txt": f["stops.txt"].replace("45.7,9.73", "95.7,9.73", 1)}),
         r"stop 'S_D'.*not a valid WGS84 position"),
        (lambda f: f.update({"stop_times.txt": f["stop_times.txt"].replace("S_D_0", "S_X")}),
         r"stop_times\.txt names stop 'S_X', which stops\.txt lacks"),
    ],
)  # fmt: skip
def test_bad_feeds_give_one_message_naming_the_file(tmp_path: Path, change, match) -> None:
    files = feed_files()
    change(files)
    bad = write_zip(tmp_path / "bad.zip", files)
    with pytest.raises(DataError, match=match) as err:
        read_gtfs_teb(bad)
    assert str(bad) in str(err.value)


def test_unknown_route_lists_the_tram_routes(feed: Path) -> None:
    with pytest.raises(DataError, match=r"no route 'T2' in routes\.txt\. Tram routes: T1\."):
        read_gtfs_teb(feed, route="T2")
    with pytest.raises(DataError, match=r"no route 'T-1'.*Closest: T1\."):
        read_gtfs_teb(feed, route="T-1")


def test_missing_or_corrupt_feed(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="GTFS feed not found"):
        read_gtfs_teb(tmp_path / "nope.zip")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match="not a readable GTFS zip"):
        read_gtfs_teb(junk)


class FeedServer:
    """Serve bytes at /feed.zip from 127.0.0.1 on a free port; count the requests."""

    def __init__(self, body: bytes) -> None:
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server.hits += 1
                pages = {"/feed.zip": body, "/page.html": b"<html>moved</html>"}
                code = 200 if self.path in pages else 404
                data = pages.get(self.path, b"no")
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.zip"

    def __enter__(self) -> FeedServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[FeedServer]:
    files = feed_files()
    files["feed_info.txt"] = (
        "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,"
        "feed_version\nTest Publisher,https://example.org,it,20260101,20261231,2026.1\n"
    )
    with FeedServer(write_zip(tmp_path / "served.zip", files).read_bytes()) as srv:
        yield srv


def test_url_is_downloaded_once_then_read_from_the_cache(
    served: FeedServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    path = fetch_feed(served.url, cache_dir=cache)
    assert path == cached_feed_path(served.url, cache)
    assert path.read_bytes() == (tmp_path / "served.zip").read_bytes()
    assert fetch_feed(served.url, cache_dir=cache) == path
    assert served.hits == 1
    with pytest.raises(DataError, match="not a zip"):
        fetch_feed(served.url.replace("feed.zip", "page.html"), cache_dir=cache)
    with pytest.raises(SourceUnavailableError, match="HTTP 404 Not Found"):
        fetch_feed(served.url.replace("feed.zip", "gone.zip"), cache_dir=cache)


def test_unreachable_url_without_cache_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match="cannot download the GTFS feed"):
        fetch_feed("http://127.0.0.1:9/feed.zip", cache_dir=tmp_path / "empty", timeout=5)
    assert not (tmp_path / "empty").exists()


def territory(tmp_path: Path, teb: dict[str, Any]) -> Path:
    cfg = {
        "name": "gtfs_test",
        "province": "BG",
        "zones": {"ne": {"municipalities": ["Bergamo", "Gorle", "Torre Boldone", "Ranica"]}},
        "embedded": str(DEFAULT),
        "sources": {"teb": teb},
    }
    path = tmp_path / "gtfs_test.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


@pytest.mark.filterwarnings("ignore::seriana_gis._errors.DataWarning")  # sites outside
def test_build_reads_teb_from_a_url_then_offline_from_the_cache(
    served: FeedServer, tmp_path: Path
) -> None:
    cfg = territory(tmp_path, {"kind": "gtfs", "url": served.url, "route": "T1"})
    area = load_study_area(cfg)
    cache = tmp_path / "cache"
    t = load_territory(area, cache_dir=cache)
    assert t.layers["teb_stops"]["name"].tolist() == NAMES
    assert t.layers["teb_lines"]["status"].tolist() == ["existing"]
    prov = t.provenance_frame().set_index("layer")
    assert prov.loc["teb_stops", "source"] == f"GTFS feed: {served.url} (route T1)"
    assert prov.loc["teb_lines", "feature_count"] == 1
    assert prov.loc["teb_stops", "attribution"] == "Test Publisher"
    assert prov.loc["teb_stops", "edition"] == "2026.1; valid 20260101-20261231"
    served.__exit__()
    again = load_territory(area, cache_dir=cache)  # the server is gone
    assert again.layers["teb_stops"]["name"].tolist() == NAMES
    assert served.hits == 1


def test_fetch_command_downloads_the_configured_feed(served: FeedServer, tmp_path: Path) -> None:
    cfg = territory(tmp_path, {"kind": "gtfs", "url": served.url})
    cache = tmp_path / "cache"
    result = CliRunner().invoke(app, ["fetch", "teb", "--config", str(cfg), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert cached_feed_path(served.url, cache).exists()
    served.__exit__()
    result = CliRunner().invoke(
        app, ["fetch", "teb", "--config", str(cfg), "--cache", str(tmp_path / "other")]
    )
    assert result.exit_code == 2
    assert "cannot download the GTFS feed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.filterwarnings("ignore::seriana_gis._errors.DataWarning")  # sites outside
def test_build_reads_a_local_feed(feed: Path, tmp_path: Path) -> None:
    cfg = territory(tmp_path, {"kind": "gtfs", "path": str(feed)})
    t = load_territory(load_study_area(cfg), cache_dir=tmp_path / "cache")
    stops = t.layers["teb_stops"]
    assert stops["seq"].tolist() == [1, 2, 3, 4]
    prov = t.provenance_frame().set_index("layer")
    assert prov.loc["teb_lines", "attribution"] == "Test Tramways"  # no feed_info.txt
    assert prov.loc["teb_lines", "edition"] == ""
    # each stop's municipality is the ISTAT polygon holding it (checked point by point)
    munis = t.layers["municipalities"]
    expected = []
    for p in stops.geometry:
        inside = [n for n, g in zip(munis["name"], munis.geometry, strict=True) if g.contains(p)]
        expected.append(inside[0] if inside else None)
    assert [None if pd.isna(v) else v for v in stops["municipality"]] == expected
    assert expected[0] == "Bergamo"  # Alfa, 9.70 E 45.70 N, lies in Bergamo


@pytest.mark.parametrize(
    ("teb", "match"),
    [
        ({"kind": "gtfs"}, "kind 'gtfs' needs either a 'path'"),
        ({"kind": "gtfs", "path": "a.zip", "url": "https://x/a.zip"}, "not both"),
        ({"kind": "gtfs", "url": "ftp://x/a.zip"}, r"expected an http:// or https:// address"),
        ({"kind": "osm", "route": "T1"}, "'route' applies only to kind 'gtfs'"),
    ],
)
def test_gtfs_source_configuration_errors(tmp_path: Path, teb, match) -> None:
    with pytest.raises(ConfigError, match=match):
        load_study_area(territory(tmp_path, teb))


def test_bom_crlf_quoted_names_and_extra_columns_are_read(tmp_path: Path) -> None:
    files = feed_files()
    stops = (
        files["stops.txt"]
        .replace("Alfa", '"Alfa, FS"')
        .replace("stop_id,", "stop_code,stop_id,", 1)
    )
    lines = stops.splitlines()
    stops = "\r\n".join([lines[0]] + ["x," + line for line in lines[1:]]) + "\r\n\r\n"
    files["stops.txt"] = "\ufeff" + stops
    _, got = read_gtfs_teb(write_zip(tmp_path / "crlf.zip", files))
    assert got["name"].tolist() == ["Alfa, FS", *NAMES[1:]]


def test_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "latin1"
    folder.mkdir()
    for name, text in feed_files().items():
        (folder / name).write_bytes(text.replace("Bravo", "Brà").encode("latin-1"))
    with pytest.raises(DataError, match=r"stops\.txt is not UTF-8 text"):
        read_gtfs_teb(folder)
