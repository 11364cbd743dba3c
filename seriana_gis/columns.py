"""The column contract: every derived column name, built and parsed here, with its label.

Analyses add columns to the layers under names other code relies on
(``docs/architecture.md``); this module is the one place that writes and reads
them, and says in words what each one holds.

===============================  =============================================
column                           what
===============================  =============================================
``{mode}_{dest}_min``            travel time, minutes (``car_bgy_min``,
                                 ``transit_bergamo_min``, ``car_a4_min``,
                                 ``walk_teb_min``, ``hgv_a4_min``: a lorry on
                                 the roads fit for lorries)
``transit_{dest}_{leg}``         a leg of the transit trip (:data:`TRANSIT_LEGS`:
                                 ``transit_bgy_wait_min``, ``transit_bgy_board``)
``car_{dest}_reason``            why a car time is missing (``car_a4_junction``:
                                 the junction reached; ``walk_teb_stop``: the stop)
``pop_{n}min``                   residents within ``n`` minutes by car
``hansen_pop``                   Hansen potential accessibility to residents
``score_{profile}``              suitability score, 0–1
``rank_{profile}``               rank, 1 best
``mean_rank_{profile}``,         Monte Carlo mean rank and 5th / 95th
``rank_p05_{profile}``,          percentile ranks
``rank_p95_{profile}``
``p_top{k}_{profile}``           Monte Carlo share of draws in the top ``k``
``contrib_{profile}_{crit}``     weight × standardised value of a criterion
``excluded_{profile}``           why a site was not scored (empty when scored)
``why_{profile}``                why the site ranks where it does, in words
``best_use``,                    the profile with the highest score, and its
``best_use_margin``              lead over the second
``delta_{column}``               scenario minus base of a time or catchment
===============================  =============================================

A profile's computed indicators (:class:`seriana_gis.suitability.criteria.Indicator`)
and the allocation's columns are named here too, and labelled by :func:`label`,
but are not kinds of :func:`parse` (a user's input column may look like them):

===============================  =============================================
``residents_{d}m``               residents estimated within ``d`` metres
``dist_{layer}{tag}_m``          distance to the nearest feature of a layer
``n_{layer}{tag}_{d}m``          features of a layer within ``d`` metres
``share_{layer}{tag}``           share of the footprint a layer covers
``footprint_{measure}``          compactness or area of the footprint
``{layer}_{column}``             a municipality's value (``municipalities_old_age_index``)
``{column}_score``               the score of a category (``heritage_score``)
``raster_{layer}_b{band}``       a raster band's value
``alloc_use``, ``alloc_score``,  the allocation: the use, its score, and the
``alloc_{target}``               units of each target (``alloc_social_dwellings``)
===============================  =============================================

Parsing a name that could be read two ways is settled by the destinations and
profiles given: ``transit_bgy_wait_min`` is the wait leg of the trip to
``bgy``, never a trip to a destination called ``bgy_wait``. Without a list of
destinations a transit column ending in a leg name is read as that leg, so a
destination id must not end in one (``_wait``, ``_ride``, ...); with a list of
profiles, ``contrib_social_housing_teb`` is criterion ``teb`` of
``social_housing``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Travel modes of the travel-time columns.
MODES: tuple[str, ...] = ("car", "transit", "walk", "hgv")
#: Human names of the modes, as the first word of a label.
MODE_LABELS: dict[str, str] = {"car": "Car", "transit": "TEB", "walk": "Walk", "hgv": "Lorry"}

#: Legs of a transit trip: column suffix after ``transit_{dest}_`` → label.
TRANSIT_LEGS: dict[str, str] = {
    "access_min": "walk, feeder bus or drive to the boarding stop",
    "access_mode": "way to the boarding stop",
    "board": "boarding stop",
    "wait_min": "wait for the tram",
    "ride_min": "tram ride",
    "alight": "alighting stop",
    "egress_min": "walk from the alighting stop",
    "feeder_wait_min": "wait for the feeder",
    "feeder_ride_min": "feeder ride",
    "reason": "why there is no time",
    "nocar_min": "TEB trip without a car (the stop reached on foot or by feeder bus)",
    "nocar_access_mode": "way to the stop without a car (walk or feeder bus)",
    "walk_access_min": "TEB trip with the stop reached on foot",
}
#: The access a ``transit_{dest}_min`` delta assumes (its ``nocar`` and ``walk_access``
#: legs name theirs).
ANY_ACCESS = " (the stop reached on foot, by feeder bus or park and ride)"
#: Notes beside a travel time: suffix after ``{mode}_{dest}_`` → label.
TRAVEL_NOTES: dict[str, str] = {
    "reason": "why there is no time",
    "junction": "junction reached",
    "stop": "stop reached",
}

#: Short names of the destinations the default territory uses (ids of the
#: ``destinations`` layer, plus ``a4`` and ``teb`` of the nearest-of columns).
DESTINATION_LABELS: dict[str, str] = {
    "bgy": "Orio al Serio airport",
    "bergamo": "Bergamo railway station",
    "fiera": "Fiera di Bergamo",
    "a4": "the nearest A4 junction",
    "teb": "the nearest TEB stop",
}
#: Human names of the suitability profiles of ``analyses/``.
PROFILE_LABELS: dict[str, str] = {
    "logistics": "Logistics",
    "services": "Services",
    "social_housing": "Social housing",
}

#: Destination ids of the nearest-of columns: ``car_a4_min`` (the nearest
#: motorway junction) and ``walk_teb_min`` (the nearest TEB stop).
NEAREST_A4 = "a4"
NEAREST_TEB = "teb"

BEST_USE = "best_use"
BEST_USE_MARGIN = "best_use_margin"
HANSEN = "hansen_pop"
#: Jobs lost within commuting reach of a site (:mod:`seriana_gis.economy.reach`).
JOBS_LOST_REACH = "jobs_lost_reach"
#: Where a site column a profile may read comes from, for the note that leaves
#: an optional criterion out when the sites lack it.
COLUMN_ORIGINS: dict[str, str] = {
    JOBS_LOST_REACH: "which seriana accessibility writes from the study area's job-loss "
    "scenario, see its warning",
}
DELTA_NOTE = "delta_note"
#: Prefix of the allocation's columns on the sites.
ALLOCATION_PREFIX = "alloc_"
#: Labels of the allocation's columns after :data:`ALLOCATION_PREFIX` (a target's
#: units are labelled from its name: ``service_jobs@valley`` → "service jobs (valley)").
ALLOCATION_LABELS: dict[str, str] = {"use": "Allocated use", "score": "Allocated use: score"}
#: Labels of the footprint measures, with their unit.
FOOTPRINT_LABELS: dict[str, tuple[str, str]] = {
    "compactness": ("Footprint compactness (area over its smallest enclosing circle's, 0–1)", ""),
    "area_m2": ("Footprint area", "m²"),
}
#: Layers whose value a site takes from the feature it lies in (``{layer}_{column}``).
VALUE_LAYERS: dict[str, str] = {"municipalities": "Municipality"}
_RESIDENTS = re.compile(r"^residents_(?P<d>[0-9]+(?:\.[0-9]+)?)m$")
_COUNT = re.compile(r"^n_(?P<what>.+)_(?P<d>[0-9]+(?:\.[0-9]+)?)m$")
_RASTER = re.compile(r"^raster_(?P<layer>.+)_b(?P<band>[0-9]+)$")

#: Kinds of derived column :func:`parse` recognises.
KINDS: tuple[str, ...] = (
    "travel_time",
    "transit_leg",
    "travel_note",
    "catchment",
    "hansen",
    "score",
    "rank",
    "mean_rank",
    "rank_p05",
    "rank_p95",
    "p_top",
    "contribution",
    "excluded",
    "why",
    "best_use",
    "best_use_margin",
    "delta",
)

# per-profile columns, longest prefix first (``rank_p05_`` before ``rank_``)
_PROFILE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("mean_rank_", "mean_rank"),
    ("rank_p05_", "rank_p05"),
    ("rank_p95_", "rank_p95"),
    ("score_", "score"),
    ("rank_", "rank"),
    ("excluded_", "excluded"),
    ("why_", "why"),
)
_CATCHMENT = re.compile(r"^pop_(?P<n>[0-9]+(?:\.[0-9]+)?)min$")
_P_TOP = re.compile(r"^p_top(?P<k>[0-9]+)_(?P<profile>[a-z0-9_]+)$")
_LEGS_LONGEST_FIRST = sorted(TRANSIT_LEGS, key=len, reverse=True)


# ---------------------------------------------------------------------------
# Building names


def travel_time(mode: str, destination: str) -> str:
    """``{mode}_{destination}_min``: minutes from a feature to a destination."""
    return f"{mode}_{destination}_min"


def transit_leg(destination: str, leg: str) -> str:
    """``transit_{destination}_{leg}``, ``leg`` one of :data:`TRANSIT_LEGS`."""
    if leg not in TRANSIT_LEGS:
        msg = f"unknown transit leg {leg!r}; the legs are {', '.join(TRANSIT_LEGS)}."
        raise ValueError(msg)
    return f"transit_{destination}_{leg}"


def travel_note(mode: str, destination: str, note: str) -> str:
    """``{mode}_{destination}_{note}``, ``note`` one of :data:`TRAVEL_NOTES`."""
    if note not in TRAVEL_NOTES:
        msg = f"unknown travel note {note!r}; the notes are {', '.join(TRAVEL_NOTES)}."
        raise ValueError(msg)
    return f"{mode}_{destination}_{note}"


def catchment(minutes: float) -> str:
    """``pop_{minutes}min`` (``pop_15min``; ``pop_7.5min``)."""
    return f"pop_{minutes:g}min"


def score(profile: str) -> str:
    """``score_{profile}``."""
    return f"score_{profile}"


def rank(profile: str) -> str:
    """``rank_{profile}``."""
    return f"rank_{profile}"


def mean_rank(profile: str) -> str:
    """``mean_rank_{profile}`` (Monte Carlo)."""
    return f"mean_rank_{profile}"


def rank_p05(profile: str) -> str:
    """``rank_p05_{profile}`` (Monte Carlo 5th percentile rank)."""
    return f"rank_p05_{profile}"


def rank_p95(profile: str) -> str:
    """``rank_p95_{profile}`` (Monte Carlo 95th percentile rank)."""
    return f"rank_p95_{profile}"


def p_top(profile: str, k: int) -> str:
    """``p_top{k}_{profile}`` (share of Monte Carlo draws in the top ``k``)."""
    return f"p_top{k}_{profile}"


def contribution(profile: str, criterion: str) -> str:
    """``contrib_{profile}_{criterion}``."""
    return f"contrib_{profile}_{criterion}"


def excluded(profile: str) -> str:
    """``excluded_{profile}`` (why a site was not scored)."""
    return f"excluded_{profile}"


def why(profile: str) -> str:
    """``why_{profile}`` (why the site ranks where it does, in words)."""
    return f"why_{profile}"


def delta(column: str) -> str:
    """``delta_{column}`` (scenario minus base)."""
    return f"delta_{column}"


def residents_within(distance_m: float) -> str:
    """``residents_{d}m``: residents estimated within ``distance_m`` metres."""
    return f"residents_{distance_m:g}m"


def distance_to(layer: str, tag: str = "") -> str:
    """``dist_{layer}{tag}_m``: distance to the nearest feature (``tag``: ``_value...`` of a filter)."""
    return f"dist_{layer}{tag}_m"


def count_within(layer: str, distance_m: float, tag: str = "") -> str:
    """``n_{layer}{tag}_{d}m``: features of ``layer`` within ``distance_m`` metres."""
    return f"n_{layer}{tag}_{distance_m:g}m"


def overlap_share(layer: str, tag: str = "") -> str:
    """``share_{layer}{tag}``: share of the footprint ``layer`` covers."""
    return f"share_{layer}{tag}"


def footprint(measure: str) -> str:
    """``footprint_{measure}`` (:data:`FOOTPRINT_LABELS`)."""
    return f"footprint_{measure}"


def layer_value(layer: str, column: str) -> str:
    """``{layer}_{column}``: the value of the feature of ``layer`` a site lies in."""
    return f"{layer}_{column}"


def category_score(column: str) -> str:
    """``{column}_score``: the score a profile gives each category of ``column``."""
    return f"{column}_score"


def raster_band(layer: str, band: int) -> str:
    """``raster_{layer}_b{band}``."""
    return f"raster_{layer}_b{band}"


# ---------------------------------------------------------------------------
# Parsing names


@dataclass(frozen=True)
class Column:
    """What a derived column name means.

    Attributes
    ----------
    name
        The column name.
    kind
        One of :data:`KINDS`.
    mode, destination
        Travel mode and destination id (travel times, legs, notes).
    leg
        The transit leg (:data:`TRANSIT_LEGS`) or travel note (:data:`TRAVEL_NOTES`).
    minutes
        The catchment threshold.
    profile, criterion
        The suitability profile and, for contributions, the criterion.
    top
        The ``k`` of ``p_top{k}``.
    base
        For a ``delta``, the column the change is of.
    """

    name: str
    kind: str
    mode: str | None = None
    destination: str | None = None
    leg: str | None = None
    minutes: float | None = None
    profile: str | None = None
    criterion: str | None = None
    top: int | None = None
    base: Column | None = None

    @property
    def unit(self) -> str:
        """The unit of the values (``min``, ``residents``, or ``""``)."""
        if self.kind == "delta" and self.base is not None:
            return self.base.unit
        if self.kind == "travel_time" or (self.kind == "transit_leg" and _is_minutes(self.leg)):
            return "min"
        if self.kind == "catchment":
            return "residents"
        return ""


def _is_minutes(leg: str | None) -> bool:
    return leg is not None and leg.endswith("_min")


def _split_travel(
    rest: str, mode: str, destinations: Collection[str] | None
) -> tuple[str, str, str | None] | None:
    """``rest`` after ``{mode}_`` as (kind, destination, leg/note)."""
    if destinations is not None:
        for d in sorted(destinations, key=len, reverse=True):
            if rest == f"{d}_min":
                return "travel_time", d, None
            tail = rest[len(d) + 1 :] if rest.startswith(f"{d}_") else None
            if tail is None:
                continue
            if mode == "transit" and tail in TRANSIT_LEGS:
                return "transit_leg", d, tail
            if tail in TRAVEL_NOTES:
                return "travel_note", d, tail
    if mode == "transit":
        for leg in _LEGS_LONGEST_FIRST:
            if rest.endswith(f"_{leg}") and len(rest) > len(leg) + 1:
                dest = rest[: -len(leg) - 1]
                if destinations is None or dest in destinations:
                    return "transit_leg", dest, leg
    for note in TRAVEL_NOTES:
        if rest.endswith(f"_{note}") and len(rest) > len(note) + 1:
            dest = rest[: -len(note) - 1]
            if destinations is None or dest in destinations:
                return "travel_note", dest, note
    if rest.endswith("_min") and len(rest) > 4:
        dest = rest[:-4]
        if destinations is None or dest in destinations:
            return "travel_time", dest, None
    return None


def _split_profile(rest: str, profiles: Collection[str] | None) -> tuple[str, str] | None:
    """``{profile}_{criterion}`` split on the longest profile given (else known, else the first ``_``)."""
    for p in sorted(PROFILE_LABELS if profiles is None else profiles, key=len, reverse=True):
        if rest.startswith(f"{p}_") and len(rest) > len(p) + 1:
            return p, rest[len(p) + 1 :]
    if profiles is not None:
        return None
    p, sep, c = rest.partition("_")
    return (p, c) if sep and p and c else None


def parse(
    name: str,
    *,
    destinations: Collection[str] | None = None,
    profiles: Collection[str] | None = None,
) -> Column | None:
    """What a column name means, or ``None`` for a column outside the contract (see :func:`_parse`)."""
    if not isinstance(name, str) or not name:
        return None
    return _parse(
        name,
        None if destinations is None else tuple(destinations),
        None if profiles is None else tuple(profiles),
    )


@functools.lru_cache(maxsize=65536)
def _parse(
    name: str,
    destinations: tuple[str, ...] | None = None,
    profiles: tuple[str, ...] | None = None,
) -> Column | None:
    """What a column name means, or ``None`` for a column outside the contract.

    Parameters
    ----------
    name
        A column name.
    destinations
        The destination ids of the travel-time columns (with ``a4`` and
        ``teb`` where used); when given, only they are recognised, and they
        settle names that could be read two ways.
    profiles
        The profile names; when given, they settle where a profile name ends
        in ``contrib_{profile}_{criterion}`` and only they are recognised.

    Returns
    -------
    Column or None
        The parsed name.

    Examples
    --------
    >>> parse("transit_bgy_wait_min").leg
    'wait_min'
    >>> parse("car_bgy_min").destination
    'bgy'
    >>> parse("contrib_social_housing_teb", profiles=["social_housing"]).criterion
    'teb'
    """
    if not isinstance(name, str) or not name:
        return None
    if name == BEST_USE:
        return Column(name, "best_use")
    if name == BEST_USE_MARGIN:
        return Column(name, "best_use_margin")
    if name == HANSEN:
        return Column(name, "hansen")
    if name.startswith("delta_") and name != DELTA_NOTE:
        base = _parse(name[len("delta_") :], destinations, profiles)
        return Column(name, "delta", base=base) if base is not None else None
    m = _CATCHMENT.match(name)
    if m:
        return Column(name, "catchment", minutes=float(m["n"]))
    mode, _, rest = name.partition("_")
    if mode in MODES and rest:
        split = _split_travel(rest, mode, destinations)
        if split is not None:
            kind, dest, leg = split
            return Column(name, kind, mode=mode, destination=dest, leg=leg)
        return None
    m = _P_TOP.match(name)
    if m and (profiles is None or m["profile"] in profiles):
        return Column(name, "p_top", profile=m["profile"], top=int(m["k"]))
    if name.startswith("contrib_"):
        split_p = _split_profile(name[len("contrib_") :], profiles)
        if split_p is None:
            return None
        return Column(name, "contribution", profile=split_p[0], criterion=split_p[1])
    for prefix, kind in _PROFILE_PREFIXES:
        if name.startswith(prefix):
            profile = name[len(prefix) :]
            if not profile or (profiles is not None and profile not in profiles):
                return None
            if kind == "rank" and profile.startswith(("p05_", "p95_")):
                return None
            return Column(name, kind, profile=profile)
    return None


def parse_all(
    columns: Iterable[str],
    *,
    destinations: Collection[str] | None = None,
    profiles: Collection[str] | None = None,
) -> list[Column]:
    """:func:`parse` of each column, the unrecognised ones left out, in order.

    Without ``profiles``, the profiles are those named by a ``score_``,
    ``rank_`` or Monte Carlo column (:func:`profile_names`), so that
    contributions split where the profile name ends.
    """
    cols = [c for c in columns if isinstance(c, str)]
    if profiles is None:
        profiles = profile_names(cols)
    out = []
    for c in cols:
        parsed = parse(c, destinations=destinations, profiles=profiles)
        if parsed is not None:
            out.append(parsed)
    return out


def travel_time_columns(
    columns: Iterable[str], *, destinations: Collection[str] | None = None
) -> list[Column]:
    """The travel-time columns ``{mode}_{dest}_min`` (no legs, notes or deltas), in order."""
    return [
        c
        for c in parse_all(columns, destinations=destinations, profiles=())
        if c.kind == "travel_time"
    ]


def is_travel_time(name: str, *, destinations: Collection[str] | None = None) -> bool:
    """Whether ``name`` is a travel time ``{mode}_{dest}_min`` (not a leg of one)."""
    parsed = parse(name, destinations=destinations, profiles=())
    return parsed is not None and parsed.kind == "travel_time"


def is_score(name: str) -> bool:
    """Whether ``name`` is a suitability score ``score_{profile}``."""
    parsed = parse(name)
    return parsed is not None and parsed.kind == "score"


#: Column kinds an accessibility run writes (travel times with their legs and
#: notes, catchments, deltas), which a new run replaces.
ACCESSIBILITY_KINDS = frozenset(
    {"travel_time", "transit_leg", "travel_note", "catchment", "hansen", "delta"}
)


def is_accessibility_result(name: str) -> bool:
    """Whether an accessibility run wrote ``name`` (see :data:`ACCESSIBILITY_KINDS`)."""
    if name == DELTA_NOTE:
        return True
    parsed = parse(name, profiles=())
    return parsed is not None and parsed.kind in ACCESSIBILITY_KINDS


def profile_names(columns: Iterable[str]) -> list[str]:
    """The profiles named by ``score_``, ``rank_``, Monte Carlo and exclusion columns, in order."""
    names: list[str] = []
    for c in columns:
        parsed = parse(c, profiles=None) if isinstance(c, str) else None
        if parsed is None or parsed.kind in ("contribution", "why"):
            continue
        if parsed.profile and parsed.profile not in names:
            names.append(parsed.profile)
    return names


@dataclass(frozen=True)
class ProfileColumns:
    """The result columns of one suitability profile present on a layer."""

    name: str
    score: str | None = None
    rank: str | None = None
    p05: str | None = None
    p95: str | None = None
    why: str | None = None
    excluded: str | None = None
    contributions: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """``(criterion, column)`` per criterion, in column order."""

    @property
    def columns(self) -> list[str]:
        """Every column of the profile present on the layer."""
        cols = [c for c in (self.score, self.rank, self.p05, self.p95, self.why) if c]
        return cols + [col for _, col in self.contributions]


def profile_columns(columns: Sequence[str]) -> list[ProfileColumns]:
    """The suitability profiles whose columns are present, with those columns.

    Parameters
    ----------
    columns
        The columns of a site layer.

    Returns
    -------
    list of ProfileColumns
        One per profile named by a ``score_``, ``rank_`` or Monte Carlo column,
        in the order their first column appears.
    """
    names = profile_names(columns)
    present = set(columns)
    contribs: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
    for parsed in parse_all(columns, profiles=names):
        if parsed.kind == "contribution" and parsed.profile in contribs:
            contribs[parsed.profile].append((str(parsed.criterion), parsed.name))

    def have(col: str) -> str | None:
        return col if col in present else None

    return [
        ProfileColumns(
            name=n,
            score=have(score(n)),
            rank=have(rank(n)),
            p05=have(rank_p05(n)),
            p95=have(rank_p95(n)),
            why=have(why(n)),
            excluded=have(excluded(n)),
            contributions=tuple(contribs[n]),
        )
        for n in names
    ]


# ---------------------------------------------------------------------------
# Labels


def destination_label(destination: str, names: Mapping[str, str] | None = None) -> str:
    """A destination's short name: ``names`` first, then :data:`DESTINATION_LABELS`, else the id."""
    if names and destination in names:
        return names[destination]
    return DESTINATION_LABELS.get(destination, destination.replace("_", " "))


def destination_labels(layer_names: Mapping[str, str]) -> dict[str, str]:
    """Short names of destinations: :data:`DESTINATION_LABELS` for the known ids, the layer's names for the others."""
    return {**dict(layer_names), **DESTINATION_LABELS}


def profile_label(profile: str, names: Mapping[str, str] | None = None) -> str:
    """A profile's name in words (``social_housing`` → "Social housing")."""
    if names and profile in names:
        return names[profile]
    return PROFILE_LABELS.get(profile, profile.replace("_", " ").capitalize())


def _minutes(n: float) -> str:
    return f"{n:g}" if math.isfinite(n) else str(n)


def label(
    name: str,
    *,
    destinations: Mapping[str, str] | None = None,
    profiles: Mapping[str, str] | None = None,
    criteria: Mapping[tuple[str, str], str] | None = None,
    unit: bool = False,
    plain: Mapping[str, str] | None = None,
) -> str:
    """A column's name in words (``car_bgy_min`` → "Car to Orio al Serio airport").

    Parameters
    ----------
    name
        A column name; one outside the contract gets its underscores as spaces.
    destinations
        Destination id → short name, over :data:`DESTINATION_LABELS`.
    profiles
        Profile → name in words, over :data:`PROFILE_LABELS`.
    criteria
        ``(profile, criterion)`` → label (a profile file's ``label:``).
    unit
        Append the unit in brackets (" (min)") when the column has one.
    plain
        Labels of the columns outside the contract
        (:data:`seriana_gis.symbology.COLUMN_LABELS`), for the computed
        indicators named after one (``heritage_score``).

    Returns
    -------
    str
        The label.
    """
    dest_names = destinations or {}
    parsed = parse(name, destinations=None, profiles=list(profiles) if profiles else None)
    if parsed is None and profiles:
        parsed = parse(name)
    if parsed is None:
        text, of_unit = computed_label(name, plain=plain)
        return f"{text} ({of_unit})" if unit and of_unit else text
    text = _label(parsed, dest_names, profiles or {}, criteria or {})
    if unit and parsed.unit and parsed.unit != "residents":
        text += f" ({parsed.unit})"
    return text


def _label(
    c: Column,
    dests: Mapping[str, str],
    profiles: Mapping[str, str],
    criteria: Mapping[tuple[str, str], str],
) -> str:
    prof = profile_label(c.profile, profiles) if c.profile else ""
    if c.kind in ("travel_time", "transit_leg", "travel_note"):
        trip = f"{MODE_LABELS.get(str(c.mode), str(c.mode))} to {destination_label(str(c.destination), dests)}"
        if c.kind == "travel_time":
            return trip
        leg = TRANSIT_LEGS.get(str(c.leg)) if c.kind == "transit_leg" else None
        return f"{trip}: {leg or TRAVEL_NOTES.get(str(c.leg), str(c.leg))}"
    if c.kind == "catchment":
        return f"Residents within {_minutes(float(c.minutes or 0))} min by car"
    if c.kind == "delta":
        if c.base is None:
            return c.name
        text = f"Change: {_label(c.base, dests, profiles, criteria)}"
        if c.base.kind == "travel_time" and c.base.mode == "transit":
            text += ANY_ACCESS  # a delta says which access to the tram it assumes
        return text
    texts = {
        "hansen": "Residents within reach (Hansen potential)",
        "best_use": "Best use",
        "best_use_margin": "Lead of the best use over the second",
        "score": f"{prof} score",
        "rank": f"{prof} rank",
        "mean_rank": f"{prof} mean rank (Monte Carlo)",
        "rank_p05": f"{prof} rank, 5th percentile (Monte Carlo)",
        "rank_p95": f"{prof} rank, 95th percentile (Monte Carlo)",
        "p_top": f"{prof}: share of draws in the top {c.top}",
        "excluded": f"{prof}: why not scored",
        "why": f"{prof}: why this rank",
    }
    if c.kind == "contribution":
        crit = criteria.get((str(c.profile), str(c.criterion)), str(c.criterion).replace("_", " "))
        return f"{prof}: {crit}"
    return texts.get(c.kind, c.name)


def _words(text: str) -> str:
    return text.replace("_", " ")


def computed_label(name: str, *, plain: Mapping[str, str] | None = None) -> tuple[str, str]:
    """A computed indicator's or an allocation column's name in words, and its unit.

    Parameters
    ----------
    name
        A column outside :func:`parse` (see the second table of the module docs).
    plain
        Labels of plain columns, for ``{column}_score`` and ``{layer}_{column}``.

    Returns
    -------
    tuple of str
        The label and its unit (``""`` without one); a name of no known form
        gets its underscores as spaces.

    Examples
    --------
    >>> computed_label("residents_300m")
    ('Residents within 300 m', '')
    >>> computed_label("dist_road_edges_motorway_m")
    ('Distance to road edges: motorway', 'm')
    """
    from .config import LAYER_NAMES  # the database's layers (config reads YAML: import late)

    plain = plain or {}

    def what(text: str) -> str:
        # a layer named first, then the values of its filter: "road edges: motorway trunk"
        layer = next((v for v in LAYER_NAMES if text.startswith(f"{v}_")), None)
        if layer is None:
            return _words(text)
        return f"{_words(layer)}: {_words(text[len(layer) + 1 :])}"

    if m := _RESIDENTS.match(name):
        return f"Residents within {m['d']} m", ""
    if m := _COUNT.match(name):
        return f"Number of {what(m['what'])} within {m['d']} m", ""
    if m := _RASTER.match(name):
        return f"{_words(m['layer'])[:1].upper()}{_words(m['layer'])[1:]}, band {m['band']}", ""
    if name.startswith("dist_") and name.endswith("_m") and len(name) > len("dist__m"):
        return f"Distance to {what(name[len('dist_') : -len('_m')])}", "m"
    if name.startswith("share_") and not name[len("share_") :][:1].isdigit():
        return f"Share of the footprint in {what(name[len('share_') :])}", ""
    if name.startswith("footprint_") and name[len("footprint_") :] in FOOTPRINT_LABELS:
        return FOOTPRINT_LABELS[name[len("footprint_") :]]
    if name.startswith(ALLOCATION_PREFIX) and len(name) > len(ALLOCATION_PREFIX):
        part = name[len(ALLOCATION_PREFIX) :]
        if part in ALLOCATION_LABELS:
            return ALLOCATION_LABELS[part], ""
        target, _, zone = part.partition("@")
        return f"Allocated {_words(target)}" + (f" ({_words(zone)})" if zone else ""), ""
    for layer, of in VALUE_LAYERS.items():
        column = name.removeprefix(f"{layer}_")
        if column != name and column in plain:
            text = plain[column]  # "Old-age index" → "old-age index"; "ISTAT code" kept
            text = text[:1].lower() + text[1:] if text[1:2].islower() else text
            return f"{of}: {text}", ""
    if name.endswith("_score") and name.removesuffix("_score") in plain:
        return f"{plain[name.removesuffix('_score')]}: score of the category", ""
    return _words(name), ""
