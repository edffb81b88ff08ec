"""Time zones from what runners type or share: IANA names, cities, UTC offsets, a location.

Zone data comes from the `tzdata` package (names, links, zone1970.tab/zone.tab), so the
answers do not depend on what the operating system happens to ship.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ZoneChoice:
    """A zone to store: an IANA name ("Europe/Berlin") or a fixed offset ("UTC+05:30", "UTC")."""

    name: str
    fixed_offset: bool  # True for a fixed UTC offset (does not follow daylight saving)


class ZoneNotFound(ValueError):
    """Nothing we know matches the query."""

    def __init__(self, query: str) -> None:
        super().__init__(query)
        self.query = query


class OffsetOutOfRange(ValueError):
    """Reads as a UTC offset that does not exist: beyond ±14:00, or minutes not 00/15/30/45."""

    def __init__(self, query: str) -> None:
        super().__init__(query)
        self.query = query


class AmbiguousZone(ValueError):
    """Several different zones match; `candidates` are their names (sorted, at most 8)."""

    def __init__(self, query: str, candidates: Iterable[str]) -> None:
        self.query = query
        self.candidates: tuple[str, ...] = tuple(sorted(set(candidates)))[:MAX_CANDIDATES]
        super().__init__(query, self.candidates)


MAX_CANDIDATES = 8
UTC_CHOICE = ZoneChoice("UTC", fixed_offset=True)
_MAX_OFFSET_MINUTES = 14 * 60
_MAX_QUERY_LEN = 100

# Names that resolve to UTC itself; they are offered as the fixed offset "UTC".
_UTC_TARGETS = frozenset({"Etc/UTC", "Etc/GMT"})
# Etc/GMT+5 means UTC-05:00 (POSIX sign), a trap for people; the rest is not for people either.
_EXCLUDED_PREFIXES = ("Etc/", "SystemV/", "posix/", "right/")
_EXCLUDED_NAMES = frozenset({"Factory", "localtime", "posixrules"})
# Legacy names that are fixed offsets although they look like regional zones: since tzdata
# 2024b "EST" links to America/Panama, which would silently drop New York's summer time.
_LEGACY_FIXED = {"EST": -5 * 60, "MST": -7 * 60, "HST": -10 * 60}

_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])([0-9]{1,2})(?::?([0-9]{2}))?")
_CANONICAL_OFFSET = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")
_COORDS = re.compile(r"([+-])([0-9]{2})([0-9]{2})([0-9]{2})?([+-])([0-9]{3})([0-9]{2})([0-9]{2})?")


# --- parse_zone -------------------------------------------------------------------------


def parse_zone(
    text: str, *, aliases: Mapping[str, str] | None = None, language: str | None = None
) -> ZoneChoice:
    """What a runner typed, as a zone: alias, UTC offset, IANA name, then city name, in
    English or as `language` writes it (CLDR's city names: "Moskau", "Ciudad de México",
    "Москва")."""
    query = text.strip()
    if not query or len(query) > _MAX_QUERY_LEN:
        raise ZoneNotFound(text)
    if aliases:
        alias = _match_alias(text, aliases)
        if alias is not None:
            return alias
    offset = _parse_offset(query, text)
    if offset is not None:
        return offset
    iana = _iana_index().get(_iana_key(query))
    if iana is not None:
        return iana
    cities = _city_index().get(_city_key(query))
    if not cities and language is not None:
        cities = local_city_index(language).get(_city_key(query))
    if cities:
        return ZoneChoice(_single(text, cities), fixed_offset=False)
    raise ZoneNotFound(text)


def _match_alias(text: str, aliases: Mapping[str, str]) -> ZoneChoice | None:
    """Keys compare case- and accent-insensitively, so two keys may clash: then it is ambiguous."""
    key = _fold(text)
    targets = {target for alias, target in aliases.items() if _fold(alias) == key}
    if not targets:
        return None
    try:
        choices = {parse_zone(target) for target in targets}
    except ValueError as exc:  # a misconfigured alias; content validation should catch it
        raise ZoneNotFound(text) from exc
    by_name = {choice.name: choice for choice in choices}
    return by_name[_single(text, by_name)]


def _single(text: str, names: Iterable[str]) -> str:
    """The one name matched, or AmbiguousZone listing them all."""
    distinct = sorted(set(names))
    if len(distinct) > 1:
        raise AmbiguousZone(text, distinct)
    return distinct[0]


def _parse_offset(query: str, text: str) -> ZoneChoice | None:
    """`UTC+2`, `GMT-3`, `+05:30`, `-0300`, `UTC`, `Z`... or None when it is not an offset."""
    s = "".join(query.split()).upper().replace("\N{MINUS SIGN}", "-")
    if s in ("UTC", "GMT", "Z"):
        return UTC_CHOICE
    m = _OFFSET.fullmatch(s)
    if m is None:
        return None
    sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    if minutes % 15 or minutes >= 60 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
        raise OffsetOutOfRange(text)
    return _offset_choice((-1 if sign == "-" else 1) * (hours * 60 + minutes))


def _offset_choice(total_minutes: int) -> ZoneChoice:
    if total_minutes == 0:
        return UTC_CHOICE
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    return ZoneChoice(f"UTC{sign}{hours:02d}:{minutes:02d}", fixed_offset=True)


def _fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: 'São  Paulo' -> 'sao paulo'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _iana_key(text: str) -> str:
    """'america / new york' -> 'america/new_york'."""
    parts = (part.strip() for part in text.casefold().split("/"))
    return "/".join("_".join(part.split()) for part in parts)


def _city_key(text: str) -> str:
    """'Port-au-Prince', 'port au prince' and 'Port_au_Prince' read the same."""
    return _fold(text.replace("_", " ").replace("-", " "))


# --- zone data (read once) ----------------------------------------------------------------


def _read_zoneinfo_text(name: str) -> str:
    return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _tab_entries() -> tuple[tuple[str, float, float], ...]:
    """(zone, latitude, longitude) from zone1970.tab, then zone.tab's extra zones."""
    seen: dict[str, tuple[float, float]] = {}
    for filename in ("zone1970.tab", "zone.tab"):
        for line in _read_zoneinfo_text(filename).splitlines():
            if line.startswith("#") or not line.strip():
                continue
            fields = line.split("\t")
            seen.setdefault(fields[2], parse_iso6709(fields[1]))
    return tuple((name, lat, lon) for name, (lat, lon) in seen.items())


def parse_iso6709(coords: str) -> tuple[float, float]:
    """'+5230+01322' or '+404251-0740023' (±DDMM[SS]±DDDMM[SS]) -> (latitude, longitude)."""
    m = _COORDS.fullmatch(coords)
    if m is None:
        raise ValueError(f"not ISO 6709 coordinates: {coords!r}")
    g = m.groups()
    lat = int(g[1]) + int(g[2]) / 60 + int(g[3] or 0) / 3600
    lon = int(g[5]) + int(g[6]) / 60 + int(g[7] or 0) / 3600
    return (-lat if g[0] == "-" else lat), (-lon if g[4] == "-" else lon)


@lru_cache(maxsize=1)
def _canonical() -> frozenset[str]:
    """Zones listed in zone1970.tab or zone.tab: the names we store and offer as cities."""
    return frozenset(name for name, _lat, _lon in _tab_entries())


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Backward-compatible link name -> target, from tzdata.zi lines 'L TARGET LINK'."""
    links: dict[str, str] = {}
    for line in _read_zoneinfo_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _l, target, link = line.split()
            links[link] = target
    return links


def _resolve_link(name: str) -> str:
    links = _links()
    for _ in range(8):  # links may chain; tzdata keeps chains short
        if name not in links:
            break
        name = links[name]
    return name


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    """available_timezones() scans the disk, so ask once."""
    return frozenset(zoneinfo.available_timezones()) - _EXCLUDED_NAMES


@lru_cache(maxsize=1)
def _iana_index() -> dict[str, ZoneChoice]:
    """Case-folded IANA name -> choice, with links mapped to their canonical zone."""
    index: dict[str, ZoneChoice] = {}
    canonical = _canonical()
    # Canonical names first, so they win should two names ever fold to the same key.
    for name in sorted(_available(), key=lambda n: (n not in canonical, n)):
        choice = _iana_choice(name, canonical)
        if choice is not None:
            index.setdefault(name.casefold(), choice)
    return index


def _iana_choice(name: str, canonical: frozenset[str]) -> ZoneChoice | None:
    target = _resolve_link(name)
    if target in _UTC_TARGETS or name in _UTC_TARGETS:
        return UTC_CHOICE
    if name in _LEGACY_FIXED:
        return _offset_choice(_LEGACY_FIXED[name])
    if name.startswith(_EXCLUDED_PREFIXES):
        return None
    if name in canonical or target not in canonical:
        return ZoneChoice(name, fixed_offset=False)
    return ZoneChoice(target, fixed_offset=False)


@lru_cache(maxsize=1)
def _city_index() -> dict[str, tuple[str, ...]]:
    return build_city_index(_canonical())


@lru_cache(maxsize=8)
def local_city_index(language: str) -> dict[str, tuple[str, ...]]:
    """City key -> zones, from the exemplar city names CLDR gives in `language` (through
    Babel); a name CLDR keeps as in English is in the English index already."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(language).time_zones
    except (UnknownLocaleError, ValueError):
        return {}
    canonical = _canonical()
    index: dict[str, set[str]] = {}
    for zone, data in names.items():
        city = data.get("city")
        target = _resolve_link(zone)
        if isinstance(city, str) and target in canonical:
            index.setdefault(_city_key(city), set()).add(target)
    return {city: tuple(sorted(zones)) for city, zones in index.items()}


def build_city_index(zones: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """City key (last path component, folded) -> the zones sharing it, sorted."""
    index: dict[str, set[str]] = {}
    for zone in zones:
        index.setdefault(_city_key(zone.rsplit("/", 1)[-1]), set()).add(zone)
    return {city: tuple(sorted(names)) for city, names in index.items()}


# --- tzinfo ----------------------------------------------------------------------------


@lru_cache(maxsize=1024)  # every IANA zone and then some; a few dozen in practice
def tzinfo_for(name: str) -> tzinfo:
    """The tzinfo for a stored zone name: an IANA name, "UTC" or "UTC±HH:MM". Kept once
    read: ZoneInfo keeps only the last few zones it made, so a reminder batch of runners
    in a dozen zones read their transition files from disk again and again (a tenth of
    the sweep's CPU in bench.reminders)."""
    if name == "UTC":
        return UTC
    m = _CANONICAL_OFFSET.fullmatch(name)
    if m is not None:
        return _fixed_tzinfo(name, m)
    if name not in _available():
        raise ZoneNotFound(name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ZoneNotFound(name) from exc


def _fixed_tzinfo(name: str, m: re.Match[str]) -> tzinfo:
    hours, minutes = int(m.group(2)), int(m.group(3))
    total = hours * 60 + minutes
    if minutes % 15 or minutes >= 60 or total > _MAX_OFFSET_MINUTES:
        raise ZoneNotFound(name)
    if total == 0:
        return UTC
    sign = -1 if m.group(1) == "-" else 1
    return timezone(timedelta(minutes=sign * total), name)


def is_known_zone(name: str) -> bool:
    """True when `name` can be stored and loaded (tzinfo_for accepts it)."""
    try:
        tzinfo_for(name)
    except ZoneNotFound:
        return False
    return True


# --- location ----------------------------------------------------------------------------

_EARTH_RADIUS_KM = 6371.0


def zone_from_location(latitude: float, longitude: float) -> ZoneChoice:
    """The zone whose reference city is nearest (great-circle) to a shared location.

    A nearest-city guess: right almost everywhere, but it can pick the neighbour's zone close
    to a border, so the caller should let the runner confirm it.
    """
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise ValueError(f"latitude must be -90..90, got {latitude}")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise ValueError(f"longitude must be -180..180, got {longitude}")
    best = min(
        _tab_entries(), key=lambda entry: _haversine_km(latitude, longitude, entry[1], entry[2])
    )
    return ZoneChoice(best[0], fixed_offset=False)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
