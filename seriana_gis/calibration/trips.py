"""Observed car trips: the file ``seriana calibrate`` fits the road model to.

One row per trip in one direction (a CSV, UTF-8, one header row). The embedded
default ships ``layers/default/reference_trips.csv`` (published trips, each
with its source); a user may give their own: a survey, floating-car data, an
export from a routing service.

=========================  =======================  ==============================================
column                     type / unit              meaning
=========================  =======================  ==============================================
``trip_id``                text, unique             stable id
``origin``,                place reference          ``muni:<name>`` (the municipality's centre as
``destination``                                     the tool places it), ``dest:<id>`` (a feature of
                                                    the ``destinations`` layer) or
                                                    ``point:<lon>,<lat>`` (WGS 84 degrees)
``origin_name``,           text                     the places as the source names them
``destination_name``
``time_offpeak_min``       minutes > 0 (or empty)   typical car time outside the peaks
``time_peak_min``          minutes > 0 (or empty)   weekday peak car time; at least one of the
                                                    two times is required
``distance_km``            km > 0 (or empty)        published road distance
``time_bound``             empty, ``upper``,        the published time is a maximum ("in less
                           ``lower``                than half an hour") or a minimum
``source_kind``            one of                   kind of source of the time
                           :data:`SOURCE_KINDS`
``source_title``           text                     title and publisher
``source_url``             http(s) address          required for published kinds
``source_date``            ``YYYY[-MM[-DD]]`` or    publication date (required for published
                           ``undated``              kinds)
``source_quote``           text                     the published words (required for published
                                                    kinds)
``conversion``             text (or empty)          how a published figure became a car time
``distance_source_url``,   text (or empty)          where the distance comes from, when another
``distance_source_quote``                           source
``note``                   text (or empty)          conditions, end points, biases
``use_in_fit``             empty, ``yes``, ``no``   ``no``: kept on record and validated, not
                                                    fitted (a time biased by a known cause, said
                                                    in ``note``)
=========================  =======================  ==============================================

*Published kinds* are every kind but ``survey`` and ``floating_car`` (a user's
own observations, which need only a title). Extra columns are kept and ignored.

Units are checked, not guessed: a time over :data:`MAX_TIME_MIN` minutes looks
like seconds and a distance over :data:`MAX_DISTANCE_KM` km like metres; both
are errors that say so.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from .._errors import DataError
from ..config import DEFAULT_CRS, closest

logger = logging.getLogger(__name__)

#: Columns of a trips file, in order; ``REQUIRED_COLUMNS`` must be present.
TRIP_COLUMNS: tuple[str, ...] = (
    "trip_id",
    "origin",
    "destination",
    "origin_name",
    "destination_name",
    "time_offpeak_min",
    "time_peak_min",
    "distance_km",
    "time_bound",
    "source_kind",
    "source_title",
    "source_url",
    "source_date",
    "source_quote",
    "conversion",
    "distance_source_url",
    "distance_source_quote",
    "note",
    "use_in_fit",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "trip_id",
    "origin",
    "destination",
    "time_offpeak_min",
    "source_kind",
    "source_title",
)
#: Kinds of source of a trip time.
SOURCE_KINDS: tuple[str, ...] = (
    "press",
    "timetable",
    "official_document",
    "municipal_document",
    "tourism_site",
    "encyclopedia",
    "routing_service",
    "other",
    "survey",
    "floating_car",
)
#: Kinds that are a user's own observations (no URL, date or quote needed).
OWN_KINDS: frozenset[str] = frozenset({"survey", "floating_car"})
#: Values of ``time_bound``.
BOUNDS: tuple[str, ...] = ("", "upper", "lower")
#: A car time longer than this (min) is taken for a unit error.
MAX_TIME_MIN = 600.0
#: A road distance longer than this (km) is taken for a unit error.
MAX_DISTANCE_KM = 1000.0
#: How many problems one error message lists.
MAX_PROBLEMS = 10

_DATE = re.compile(r"^(undated|\d{4}(-\d{2}(-\d{2})?)?)$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_PLACE = re.compile(r"^(muni|dest|point):(.*)$")


@dataclass(frozen=True)
class Place:
    """A parsed place reference.

    Attributes
    ----------
    kind
        ``muni``, ``dest`` or ``point``.
    value
        The municipality name, the destination id, or ``(lon, lat)``.
    """

    kind: str
    value: str | tuple[float, float]


def parse_place(text: str, *, where: str) -> Place:
    """Parse ``muni:<name>``, ``dest:<id>`` or ``point:<lon>,<lat>``.

    Parameters
    ----------
    text
        The reference.
    where
        File, row and column, for messages.

    Returns
    -------
    Place

    Raises
    ------
    DataError
        An unknown prefix, an empty name, or a point that is not two numbers in range.
    """
    m = _PLACE.match(text.strip())
    if m is None:
        msg = (
            f"{where}: place {text!r} is not a place reference; write muni:<municipality name>, "
            "dest:<destination id> or point:<lon>,<lat> (WGS 84 degrees)."
        )
        raise DataError(msg)
    kind, value = m.group(1), m.group(2).strip()
    if kind != "point":
        if not value:
            msg = f"{where}: place {text!r} names nothing after '{kind}:'."
            raise DataError(msg)
        return Place(kind, value)
    parts = value.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        msg = f"{where}: point {value!r} is not 'lon,lat' (two numbers, WGS 84 degrees)."
        raise DataError(msg) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"{where}: point {value!r} is out of range; give longitude first, then latitude."
        raise DataError(msg)
    return Place("point", (lon, lat))


def _number(
    value: str, *, where: str, unit: str, limit: float, big: str, problems: list[str]
) -> float:
    if value == "":
        return math.nan
    try:
        x = float(value)
    except ValueError:
        problems.append(f"{where}: {value!r} is not a number of {unit} (decimal point, no unit)")
        return math.nan
    if not math.isfinite(x) or x <= 0:
        problems.append(f"{where}: {value!r} must be a positive number of {unit}")
        return math.nan
    if x > limit:
        problems.append(f"{where}: {x:g} {unit} is implausible; {big}")
        return math.nan
    return x


def validate_trips(frame: pd.DataFrame, *, source: str = "trips") -> pd.DataFrame:
    """Check a table of observed trips (see the module docs) and return it typed.

    Parameters
    ----------
    frame
        The raw table, every value a string (empty = missing). Not changed.
    source
        The file, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per trip, indexed by ``trip_id``: every column of
        :data:`TRIP_COLUMNS` (missing optional ones added empty),
        ``time_offpeak_min``, ``time_peak_min`` and ``distance_km`` as floats
        (NaN when empty), and ``origin_place`` / ``destination_place``
        (:class:`Place`).

    Raises
    ------
    DataError
        Listing up to :data:`MAX_PROBLEMS` problems, each with its row, column and fix.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        msg = (
            f"{source}: missing column(s) {', '.join(missing)}; a trips file has the columns "
            f"{', '.join(TRIP_COLUMNS)} (see seriana_gis.calibration.trips)."
        )
        raise DataError(msg)
    if len(frame) == 0:
        msg = f"{source}: no trips; give one row per observed trip."
        raise DataError(msg)
    df = frame.copy()
    for c in TRIP_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df.fillna("").astype(str).apply(lambda s: s.str.strip())
    problems: list[str] = []
    ids = df["trip_id"]
    if (ids == "").any():
        rows = [int(i) + 2 for i in df.index[ids == ""]][:5]
        problems.append(f"line(s) {rows}: trip_id is empty; give every trip an id")
    dup = sorted(set(ids[ids.duplicated() & (ids != "")]))
    if dup:
        problems.append(
            f"trip_id {', '.join(dup[:5])} appear(s) more than once; ids must be unique"
        )
    o_places: list[Place | None] = []
    d_places: list[Place | None] = []
    for_numbers: dict[str, list[float]] = {
        "time_offpeak_min": [],
        "time_peak_min": [],
        "distance_km": [],
    }
    for i, row in df.iterrows():
        tid = row["trip_id"] or f"line {int(str(i)) + 2}"
        w = f"trip {tid}"
        for col, out in (("origin", o_places), ("destination", d_places)):
            try:
                out.append(parse_place(row[col], where=f"{w}, {col}"))
            except DataError as exc:
                problems.append(str(exc).rstrip("."))
                out.append(None)
        for col in ("time_offpeak_min", "time_peak_min"):
            for_numbers[col].append(
                _number(
                    row[col],
                    where=f"{w}, {col}",
                    unit="minutes",
                    limit=MAX_TIME_MIN,
                    big="is it in seconds? Give minutes",
                    problems=problems,
                )
            )
        for_numbers["distance_km"].append(
            _number(
                row["distance_km"],
                where=f"{w}, distance_km",
                unit="km",
                limit=MAX_DISTANCE_KM,
                big="is it in metres? Give kilometres",
                problems=problems,
            )
        )
        if row["time_offpeak_min"] == "" and row["time_peak_min"] == "":
            problems.append(f"{w}: no time; give time_offpeak_min or time_peak_min (minutes)")
        if row["use_in_fit"] not in ("", "yes", "no"):
            problems.append(f"{w}, use_in_fit: {row['use_in_fit']!r} is not one of: empty, yes, no")
        if row["time_bound"] not in BOUNDS:
            problems.append(
                f"{w}, time_bound: {row['time_bound']!r} is not one of: empty, upper, lower"
            )
        kind = row["source_kind"]
        if kind not in SOURCE_KINDS:
            hint = closest(kind, SOURCE_KINDS)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(
                f"{w}, source_kind: {kind!r} is not one of {', '.join(SOURCE_KINDS)}{did}"
            )
        if row["source_title"] == "":
            problems.append(f"{w}: source_title is empty; say where the time comes from")
        if kind in SOURCE_KINDS and kind not in OWN_KINDS:
            if not _URL.match(row["source_url"]):
                problems.append(
                    f"{w}, source_url: {row['source_url']!r} is not an http(s) address; a "
                    f"published time ({kind}) needs the address of its source"
                )
            if not _DATE.match(row["source_date"]):
                problems.append(
                    f"{w}, source_date: {row['source_date']!r}; write YYYY, YYYY-MM, "
                    "YYYY-MM-DD or undated"
                )
            if row["source_quote"] == "":
                problems.append(f"{w}: source_quote is empty; quote the published words")
        for col in ("distance_source_url",):
            if row[col] and not _URL.match(row[col]):
                problems.append(f"{w}, {col}: {row[col]!r} is not an http(s) address")
    if problems:
        more = len(problems) - MAX_PROBLEMS
        listing = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        msg = f"{source}: {len(problems)} problem(s): {listing}."
        raise DataError(msg)
    out = df.copy()
    for col, values in for_numbers.items():
        out[col] = values
    out["origin_place"] = o_places
    out["destination_place"] = d_places
    return out.set_index("trip_id", drop=False)


def read_trips(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a trips file (CSV, UTF-8).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    pandas.DataFrame
        As :func:`validate_trips`.

    Raises
    ------
    DataError
        Missing or unreadable file, or invalid content.
    """
    p = Path(path)
    if not p.is_file():
        msg = (
            f"trips file {p} not found. Give a CSV of observed car trips (columns "
            f"{', '.join(REQUIRED_COLUMNS)}, ...), or leave --trips out to use the "
            "embedded reference trips."
        )
        raise DataError(msg)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{p}: cannot be read as a UTF-8 CSV file ({exc}); save it as CSV UTF-8."
        raise DataError(msg) from None
    return validate_trips(frame, source=str(p))


def _anchor(geom: Any) -> Point:
    c = geom.centroid
    return c if geom.contains(c) else geom.representative_point()


def trip_places(
    trips: pd.DataFrame, municipalities: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Every place the trips name, as points or polygons in EPSG:32632.

    Parameters
    ----------
    trips
        As returned by :func:`validate_trips` (not changed).
    municipalities
        The ``municipalities`` layer (``name``); a ``muni:`` place is the
        municipality's polygon (located on a road graph by its town-centre
        rule, :func:`seriana_gis.accessibility.times.locate_sites`).
    destinations
        The ``destinations`` layer (``id``).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by the place reference text (``muni:Albino``): ``kind``,
        ``anchor_x``, ``anchor_y`` (the municipality's centroid, or its
        representative point when the centroid falls outside; the point
        itself otherwise) and the geometry.

    Raises
    ------
    DataError
        A municipality or destination that is not in the layers (the message
        names the closest ones).
    """
    munis = municipalities.to_crs(DEFAULT_CRS)
    dests = destinations.to_crs(DEFAULT_CRS)
    by_name = {str(n).casefold(): i for i, n in zip(munis.index, munis["name"], strict=True)}
    dest_ids = {str(d): i for i, d in zip(dests.index, dests["id"], strict=True)}
    rows: dict[str, tuple[str, Any]] = {}
    for col in ("origin", "destination"):
        for tid, text, place in zip(
            trips["trip_id"], trips[col], trips[f"{col}_place"], strict=True
        ):
            if text in rows:
                continue
            where = f"trip {tid}, {col}"
            if place.kind == "muni":
                key = str(place.value).casefold()
                if key not in by_name:
                    hint = closest(str(place.value), list(munis["name"].astype(str)))
                    did = f" Did you mean {hint[0]!r}?" if hint else ""
                    msg = (
                        f"{where}: municipality {place.value!r} is not in the study area.{did} "
                        "Name it exactly as in the configuration, or use point:<lon>,<lat>."
                    )
                    raise DataError(msg)
                rows[text] = ("muni", munis.geometry.loc[by_name[key]])
            elif place.kind == "dest":
                if str(place.value) not in dest_ids:
                    msg = (
                        f"{where}: destination {place.value!r} is not in the destinations layer "
                        f"(it has {', '.join(dest_ids)}); use one of them or point:<lon>,<lat>."
                    )
                    raise DataError(msg)
                rows[text] = ("dest", dests.geometry.loc[dest_ids[str(place.value)]])
            else:
                lon, lat = place.value
                pt = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(DEFAULT_CRS).iloc[0]
                rows[text] = ("point", pt)
    geoms = [g for _, g in rows.values()]
    anchors = [_anchor(g) if k == "muni" else g for k, g in rows.values()]
    return gpd.GeoDataFrame(
        {
            "kind": [k for k, _ in rows.values()],
            "anchor_x": [a.x for a in anchors],
            "anchor_y": [a.y for a in anchors],
        },
        geometry=geoms,
        index=pd.Index(list(rows), name="place"),
        crs=DEFAULT_CRS,
    )
