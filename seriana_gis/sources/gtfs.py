"""TEB lines and stops from the operator's GTFS timetable feed.

GTFS (General Transit Feed Specification) is how Italian operators publish
their timetables, with the position of every stop. A feed is a zip of CSV
files (or a folder of them); this reader uses ``stops.txt``, ``routes.txt``,
``trips.txt``, ``stop_times.txt`` and, when present, ``shapes.txt``.

For one route (``route_short_name`` or ``route_id``, ``T1`` by default) the
stops are those of its longest stop pattern (the trip serving the most stops;
among equals direction 0 first, then the smallest ``trip_id``), numbered from
the end nearer Bergamo railway station as the ``teb_stops`` schema wants (or
in the order the trip serves them, on request). A platform with a
``parent_station`` is replaced by its station, so both directions give one
stop. The line is that trip's shape from
``shapes.txt``, or the polyline through its stops when the feed has no shapes.

A feed given by URL is downloaded once into the cache folder
(``<cache>/gtfs/<hash of the URL>.zip``, written atomically) so that later
builds run offline; ``seriana fetch teb`` does the download on its own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pyproj
import shapely

from .._errors import DataError, SourceUnavailableError
from .._io import atomic_path
from .._progress import task
from ..config import closest

logger = logging.getLogger(__name__)

#: GTFS files read, and the columns each must have.
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
}
SHAPE_COLUMNS = ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence")
#: Bergamo railway station (lon, lat; WGS84): TEB lines are numbered from their end nearer it.
BERGAMO_STATION_LONLAT = (9.6757, 45.6906)
#: Seconds to wait for a feed download.
TIMEOUT_S = 60.0

Table = list[dict[str, str]]
Row = dict[str, str]
#: The columns kept of each file (the rest of a feed is not held in memory).
WANTED: Mapping[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon", "parent_station"),
    "routes.txt": ("route_id", "route_short_name", "route_type"),
    "trips.txt": ("route_id", "trip_id", "direction_id", "shape_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "shapes.txt": SHAPE_COLUMNS,
    "feed_info.txt": (
        "feed_publisher_name",
        "feed_version",
        "feed_start_date",
        "feed_end_date",
    ),
    "agency.txt": ("agency_name",),
}


def _open_feed(feed: Path, names: tuple[str, ...] = tuple(WANTED)) -> dict[str, bytes]:
    """The raw bytes of the GTFS files ``names``, from a zip or a folder."""
    out: dict[str, bytes] = {}
    if not feed.exists():
        msg = f"{feed}: GTFS feed not found. Give the path of the feed's .zip (or its folder)."
        raise DataError(msg)
    if feed.is_dir():
        for name in names:
            if (feed / name).exists():
                out[name] = (feed / name).read_bytes()
    else:
        try:
            with zipfile.ZipFile(feed) as zf:
                # Some publishers nest the files in a folder inside the zip.
                by_base = {Path(n).name: n for n in zf.namelist() if not n.endswith("/")}
                for name in names:
                    if name in by_base:
                        out[name] = zf.read(by_base[name])
        except (zipfile.BadZipFile, OSError) as exc:
            msg = f"{feed}: not a readable GTFS zip ({exc}). Download the feed again."
            raise DataError(msg) from None
    for name in REQUIRED:
        if name in names and name not in out:
            msg = (
                f"{feed}: the GTFS feed has no {name}. A feed needs "
                f"{', '.join(REQUIRED)}; check that this is the whole feed."
            )
            raise DataError(msg)
    return out


def _table(
    raw: Mapping[str, bytes],
    name: str,
    feed: Path,
    *,
    keep: Callable[[dict[str, str]], bool] | None = None,
) -> Table:
    """The rows of one file as dicts of its wanted columns, filtered by ``keep``."""
    if name not in raw:
        return []
    try:
        text = raw[name].decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f"{feed}: {name} is not UTF-8 text, as GTFS requires. Re-save it as UTF-8."
        raise DataError(msg) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    required = REQUIRED.get(name, SHAPE_COLUMNS if name == "shapes.txt" else ())
    missing = [c for c in required if c not in header]
    if missing:
        msg = (
            f"{feed}: {name} lacks column(s) {', '.join(missing)}. "
            f"GTFS requires {', '.join(required)}."
        )
        raise DataError(msg)
    idx = {c: header.index(c) for c in WANTED[name] if c in header}
    rows: Table = []
    seen = 0
    for rec in reader:
        if not any(field.strip() for field in rec):
            continue
        seen += 1
        row = {c: rec[i].strip() if i < len(rec) else "" for c, i in idx.items()}
        if keep is None or keep(row):
            rows.append(row)
    if not seen and name in REQUIRED:
        msg = f"{feed}: {name} is empty. GTFS requires {', '.join(required)}."
        raise DataError(msg)
    return rows


def _number(value: str, *, where: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        msg = f"{where}: {what} {value!r} is not a number. Fix the feed or ask its publisher."
        raise DataError(msg) from None


def _lonlat(
    row: Mapping[str, str], *, where: str, lat: str = "stop_lat", lon: str = "stop_lon"
) -> tuple[float, float]:
    """The (lon, lat) of a row whose coordinates are in the columns ``lat`` and ``lon``."""
    y = _number(row.get(lat, ""), where=where, what=lat)
    x = _number(row.get(lon, ""), where=where, what=lon)
    if not (-90.0 <= y <= 90.0 and -180.0 <= x <= 180.0) or (y == 0.0 and x == 0.0):
        msg = f"{where}: coordinates ({y}, {x}) are not a valid WGS84 position. Fix {lat}/{lon}."
        raise DataError(msg)
    return x, y


def _stops_by_id(rows: Table) -> tuple[dict[str, Row], dict[str, list[Row]]]:
    """The stops by id, and every copy of the ids that appear more than once."""
    stops: dict[str, Row] = {}
    twice: dict[str, list[Row]] = {}
    for row in rows:
        sid = row["stop_id"]
        if sid in stops:
            twice.setdefault(sid, [stops[sid]]).append(row)
        else:
            stops[sid] = row
    return stops, twice


def _duplicate_stop(path: Path, sid: str, rows: list[Row]) -> None:
    """Refuse a stop id the route uses that stops.txt gives more than once."""
    where = f"{path}: stops.txt, stop {sid!r}"
    pts = [_lonlat(r, where=where) for r in rows]
    geod = pyproj.Geod(ellps="WGS84")
    far = max(geod.inv(*pts[0], *q)[2] for q in pts[1:])
    names = " / ".join(sorted({r.get("stop_name", "") for r in rows}))
    msg = (
        f"{where} appears {len(rows)} times ({names}; {far:,.0f} m apart). A stop id must be "
        "unique, so the feed is inconsistent: download it again, or ask its publisher to fix it."
    )
    raise DataError(msg)


def _route_ids(routes: Table, route: str, feed: Path) -> set[str]:
    want = route.strip().lower()
    ids = {
        r["route_id"]
        for r in routes
        if want in (r.get("route_short_name", "").lower(), r["route_id"].lower())
    }
    if not ids:
        names = sorted({r.get("route_short_name") or r["route_id"] for r in routes})
        trams = sorted(
            {r.get("route_short_name") or r["route_id"] for r in routes if r["route_type"] == "0"}
        )
        hint = closest(route, names)
        msg = (
            f"{feed}: no route {route!r} in routes.txt."
            + (f" Closest: {', '.join(hint)}." if hint else "")
            + (f" Tram routes: {', '.join(trams)}." if trams else "")
            + " Set 'route' in the teb source to one of them."
        )
        raise DataError(msg)
    return ids


def _longest_pattern(
    trips: Table, stop_times: Table, feed: Path
) -> tuple[dict[str, str], list[str]]:
    """The route's trip serving the most stops, and its stop ids in order.

    ``trips`` and ``stop_times`` hold the route's rows only.
    """
    own = {t["trip_id"]: t for t in trips}
    seqs: dict[str, list[tuple[float, str]]] = {}
    for st in stop_times:
        tid = st["trip_id"]
        where = f"{feed}: stop_times.txt, trip {tid!r}"
        seq = _number(st["stop_sequence"], where=where, what="stop_sequence")
        seqs.setdefault(tid, []).append((seq, st["stop_id"]))
    if not seqs:
        msg = f"{feed}: the route has no trips with stop times. Check trips.txt and stop_times.txt."
        raise DataError(msg)

    def rank(tid: str) -> tuple[int, int, str]:
        direction = own[tid].get("direction_id", "") or "0"
        return (-len(seqs[tid]), 0 if direction == "0" else 1, tid)

    best = min(seqs, key=rank)
    return own[best], [sid for _, sid in sorted(seqs[best])]


def read_gtfs_teb(
    feed: str | Path,
    *,
    route: str = "T1",
    crs: str = "EPSG:32632",
    origin: tuple[float, float] | None = BERGAMO_STATION_LONLAT,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build ``teb_lines`` and ``teb_stops`` for one route of a GTFS feed.

    Parameters
    ----------
    feed
        The feed: a GTFS ``.zip`` or a folder of its text files.
    route
        The route's ``route_short_name`` or ``route_id`` (case-insensitive).
    crs
        The CRS of the output layers.
    origin
        A (lon, lat) point: the stops are numbered, and the line drawn, from
        the end nearer it (Bergamo railway station by default). ``None`` keeps
        the order of the trip.

    Returns
    -------
    tuple of GeoDataFrame
        ``teb_lines`` (one existing line, id = ``route``) and ``teb_stops``
        (id ``<route>_01`` …, ``seq`` from 1, the GTFS ``stop_id`` kept in
        ``gtfs_stop_id``).

    Raises
    ------
    DataError
        The feed is missing, unreadable, lacks a required file or column, has
        no such route, or has invalid coordinates; the message names the file.
    """
    path = Path(feed)
    raw = _open_feed(path)
    route_ids = _route_ids(_table(raw, "routes.txt", path), route, path)
    trips = _table(raw, "trips.txt", path, keep=lambda r: r["route_id"] in route_ids)
    trip_ids = {t["trip_id"] for t in trips}
    stop_times = _table(raw, "stop_times.txt", path, keep=lambda r: r["trip_id"] in trip_ids)
    trip, pattern = _longest_pattern(trips, stop_times, path)
    stops, twice = _stops_by_id(_table(raw, "stops.txt", path))
    station_ids: list[str] = []
    for sid in pattern:
        if sid not in stops:
            msg = (
                f"{path}: stop_times.txt names stop {sid!r}, which stops.txt lacks. "
                "The feed is inconsistent; download it again."
            )
            raise DataError(msg)
        parent = stops[sid].get("parent_station", "")
        key = parent if parent and parent in stops else sid
        for used in {sid, key} & set(twice):
            _duplicate_stop(path, used, twice[used])
        if not station_ids or station_ids[-1] != key:
            station_ids.append(key)
    if len(station_ids) < 2:
        msg = (
            f"{path}: the longest trip of route {route!r} (trip {trip['trip_id']!r}) serves one "
            f"stop only ({', '.join(station_ids)}); a line needs at least two. Check its rows in "
            "stop_times.txt, or the route (another 'route' in the teb source)."
        )
        raise DataError(msg)
    points = [
        shapely.Point(_lonlat(stops[k], where=f"{path}: stops.txt, stop {k!r}"))
        for k in station_ids
    ]
    reverse = origin is not None and _nearer_last(points, origin)
    if reverse:
        station_ids, points = station_ids[::-1], points[::-1]
    names = [stops[k]["stop_name"] for k in station_ids]
    line_id = route.strip()
    stop_gdf = gpd.GeoDataFrame(
        {
            "id": [f"{line_id}_{i + 1:02d}" for i in range(len(station_ids))],
            "name": names,
            "line": line_id,
            "seq": list(range(1, len(station_ids) + 1)),
            "municipality": None,
            "status": "existing",
            "source_note": f"GTFS feed {path.name}, trip {trip['trip_id']}",
            "gtfs_stop_id": station_ids,
        },
        geometry=points,
        crs="EPSG:4326",
    ).to_crs(crs)
    shape_id = trip.get("shape_id", "")
    shape = None
    if shape_id:
        rows = _table(raw, "shapes.txt", path, keep=lambda r: r["shape_id"] == shape_id)
        shape = _shape(rows, shape_id, path)
    if shape is None:
        geom = shapely.LineString(list(stop_gdf.geometry))
        how = "polyline through the stops (the feed has no shape for the trip)"
    else:
        geom = gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(crs).iloc[0]
        geom = geom.reverse() if reverse else geom
        how = f"shape {trip['shape_id']}"
    line_gdf = gpd.GeoDataFrame(
        {
            "id": [line_id],
            "name": [f"TEB {line_id}"],
            "status": ["existing"],
            "length_m": [geom.length],
            "source_note": [f"GTFS feed {path.name}: {how}"],
        },
        geometry=[geom],
        crs=crs,
    )
    logger.info("GTFS %s: route %s, %d stops (%s)", path.name, line_id, len(stop_gdf), how)
    return line_gdf, stop_gdf


def _nearer_last(points: list[shapely.Point], origin: tuple[float, float]) -> bool:
    """Whether the last point is nearer ``origin`` than the first (geodesic, WGS84)."""
    geod = pyproj.Geod(ellps="WGS84")
    first, last = points[0], points[-1]
    d_first = geod.inv(origin[0], origin[1], first.x, first.y)[2]
    d_last = geod.inv(origin[0], origin[1], last.x, last.y)[2]
    return bool(d_last < d_first)


def _shape(rows: Table, shape_id: str, feed: Path) -> shapely.LineString | None:
    where = f"{feed}: shapes.txt, shape {shape_id!r}"
    pts = sorted(
        (
            _number(r["shape_pt_sequence"], where=where, what="shape_pt_sequence"),
            _lonlat(r, where=where, lat="shape_pt_lat", lon="shape_pt_lon"),
        )
        for r in rows
    )
    if len(pts) < 2:
        return None
    return shapely.LineString([xy for _, xy in pts])


def feed_edition(feed: str | Path) -> dict[str, str]:
    """Who published a feed and which edition it is, for the provenance table.

    Returns
    -------
    dict
        ``attribution`` (``feed_publisher_name`` of ``feed_info.txt``, else the
        agency names of ``agency.txt``) and ``edition`` (``feed_version`` and
        the validity dates); empty strings where the feed does not say.
    """
    path = Path(feed)
    raw = _open_feed(path, ("feed_info.txt", "agency.txt"))
    info = _table(raw, "feed_info.txt", path)
    first = info[0] if info else {}
    agencies = sorted({a["agency_name"] for a in _table(raw, "agency.txt", path)} - {""})
    attribution = first.get("feed_publisher_name", "") or ", ".join(agencies)
    start, end = first.get("feed_start_date", ""), first.get("feed_end_date", "")
    dates = f"valid {start}-{end}" if start or end else ""
    edition = "; ".join(x for x in (first.get("feed_version", ""), dates) if x)
    return {"attribution": attribution, "edition": edition}


def is_url(value: str | Path) -> bool:
    """Whether ``value`` is an http(s) URL rather than a file path."""
    return str(value).lower().startswith(("http://", "https://"))


def cached_feed_path(url: str, cache_dir: str | Path) -> Path:
    """Where the feed downloaded from ``url`` is kept in ``cache_dir``."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(cache_dir) / "gtfs" / f"{digest}.zip"


def fetch_feed(
    url: str, *, cache_dir: str | Path, refresh: bool = False, timeout: float = TIMEOUT_S
) -> Path:
    """Download a GTFS feed once into the cache; return the cached zip.

    Parameters
    ----------
    url
        The feed's http(s) address.
    cache_dir
        The cache folder.
    refresh
        Download again even when a cached copy exists.
    timeout
        Seconds to wait for the server.

    Raises
    ------
    SourceUnavailableError
        The server cannot be reached and nothing is cached.
    DataError
        The server answered with something that is not a zip.
    """
    if not is_url(url):
        msg = f"{url!r} is not an http(s) address; give a local feed as a path instead."
        raise DataError(msg)
    target = cached_feed_path(url, cache_dir)
    if target.exists() and not refresh:
        logger.info("GTFS feed from cache: %s", target)
        return target
    with task(f"Downloading GTFS feed {url}"):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                data = resp.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = (
                f"HTTP {exc.code} {exc.reason}"
                if isinstance(exc, urllib.error.HTTPError)
                else getattr(exc, "reason", exc)
            )
            msg = (
                f"cannot download the GTFS feed {url} ({reason}) and no copy is cached in "
                f"{target.parent}. Check the address and the connection, or download the zip "
                "yourself and give its path."
            )
            raise SourceUnavailableError(msg) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        msg = f"{url}: the server's answer is not a zip, so not a GTFS feed. Check the address."
        raise DataError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, stage=False) as tmp:  # a cache: kept whatever the command does
        tmp.write_bytes(data)
    return target
