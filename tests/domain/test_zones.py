"""Time zones from names, cities, offsets and locations."""

from __future__ import annotations

import math
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.zones import (
    AmbiguousZone,
    OffsetOutOfRange,
    ZoneChoice,
    ZoneNotFound,
    build_city_index,
    is_known_zone,
    parse_iso6709,
    parse_zone,
    tzinfo_for,
    zone_from_location,
)

UTC_CHOICE = ZoneChoice("UTC", fixed_offset=True)


def iana(name: str) -> ZoneChoice:
    return ZoneChoice(name, fixed_offset=False)


def fixed(name: str) -> ZoneChoice:
    return ZoneChoice(name, fixed_offset=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", iana("Europe/Berlin")),
        ("europe/berlin", iana("Europe/Berlin")),
        ("EUROPE/BERLIN", iana("Europe/Berlin")),
        (" Europe/Berlin ", iana("Europe/Berlin")),
        ("America/Argentina/Buenos_Aires", iana("America/Argentina/Buenos_Aires")),
        ("america/new york", iana("America/New_York")),
        ("America / New York", iana("America/New_York")),
        # Backward-compatible links map to the zone they point to.
        ("US/Eastern", iana("America/New_York")),
        ("Asia/Calcutta", iana("Asia/Kolkata")),
        ("Europe/Kiev", iana("Europe/Kyiv")),
        # Names in zone.tab stay themselves even where the data links them elsewhere.
        ("Europe/Oslo", iana("Europe/Oslo")),
        # Names meaning UTC, and legacy names that are really fixed offsets.
        ("Etc/UTC", UTC_CHOICE),
        ("Zulu", UTC_CHOICE),
        ("Universal", UTC_CHOICE),
        ("EST", fixed("UTC-05:00")),
    ],
)
def test_parse_zone_iana_names(text: str, expected: ZoneChoice) -> None:
    assert parse_zone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("SÃO PAULO", "America/Sao_Paulo"),
        ("kolkata", "Asia/Kolkata"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("port au prince", "America/Port-au-Prince"),
        ("oslo", "Europe/Oslo"),
    ],
)
def test_parse_zone_cities(text: str, expected: str) -> None:
    assert parse_zone(text) == iana(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UTC+2", "UTC+02:00"),
        ("utc+02", "UTC+02:00"),
        ("UTC + 2", "UTC+02:00"),
        ("GMT-3", "UTC-03:00"),
        ("+05:30", "UTC+05:30"),
        ("-0300", "UTC-03:00"),
        ("UTC+5:45", "UTC+05:45"),
        ("+0545", "UTC+05:45"),
        ("+2", "UTC+02:00"),
        ("UTC+14", "UTC+14:00"),
        ("-14:00", "UTC-14:00"),
        ("UTC−3", "UTC-03:00"),  # typographic minus sign
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("UTC+0", "UTC"),
        ("-00:00", "UTC"),
    ],
)
def test_parse_zone_offsets(text: str, expected: str) -> None:
    assert parse_zone(text) == fixed(expected)


@pytest.mark.parametrize(
    "text", ["+15", "UTC+15", "-14:30", "+14:15", "UTC+5:20", "+05:75", "GMT+99"]
)
def test_parse_zone_offset_out_of_range(text: str) -> None:
    with pytest.raises(OffsetOutOfRange) as info:
        parse_zone(text)
    assert info.value.query == text


@given(
    sign=st.sampled_from([1, -1]),
    hours=st.integers(0, 14),
    minutes=st.sampled_from([0, 15, 30, 45]),
)
def test_parse_zone_offsets_round_trip(sign: int, hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    text = f"UTC{'+' if sign > 0 else '-'}{hours}:{minutes:02d}"
    if total > 14 * 60:
        with pytest.raises(OffsetOutOfRange):
            parse_zone(text)
        return
    choice = parse_zone(text)
    assert choice.fixed_offset
    assert tzinfo_for(choice.name).utcoffset(None) == timedelta(minutes=sign * total)
    assert parse_zone(choice.name) == choice  # the canonical name reads back as itself


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Mars/Olympus",
        "Atlantis",
        "Etc/GMT+5",  # POSIX sign convention, a trap; excluded
        "localtime",
        "Factory",
        "Calcutta",  # old names count only as full IANA paths, not as cities
        "berl",  # no prefix matching
        "x" * 5000,
    ],
)
def test_parse_zone_not_found(text: str) -> None:
    with pytest.raises(ZoneNotFound) as info:
        parse_zone(text)
    assert info.value.query == text


def test_parse_zone_aliases_come_first() -> None:
    aliases = {"nyc": "America/New_York", "berlin": "Europe/London", "home": "UTC+5:30"}
    assert parse_zone("NYC", aliases=aliases) == iana("America/New_York")
    assert parse_zone(" Berlin ", aliases=aliases) == iana("Europe/London")
    assert parse_zone("home", aliases=aliases) == fixed("UTC+05:30")
    assert parse_zone("Kathmandu", aliases=aliases) == iana("Asia/Kathmandu")


def test_parse_zone_alias_clash_is_ambiguous() -> None:
    # No two canonical zones share a city name in current tzdata, so clash two aliases
    # that fold to the same key.
    aliases = {"Springfield": "America/Chicago", "springfield": "America/New_York"}
    with pytest.raises(AmbiguousZone) as info:
        parse_zone("SPRINGFIELD", aliases=aliases)
    assert info.value.query == "SPRINGFIELD"
    assert info.value.candidates == ("America/Chicago", "America/New_York")


def test_parse_zone_aliases_to_the_same_zone_are_not_ambiguous() -> None:
    aliases = {"Frankfurt": "Europe/Berlin", "frankfurt": "europe/berlin"}
    assert parse_zone("frankfurt", aliases=aliases) == iana("Europe/Berlin")


def test_city_index_groups_shared_city_names() -> None:
    index = build_city_index(
        ["America/Indiana/Vevay", "Europe/Vevay", "Asia/São_Tomé", "Africa/Port-au-Prince"]
    )
    assert index["vevay"] == ("America/Indiana/Vevay", "Europe/Vevay")
    assert index["sao tome"] == ("Asia/São_Tomé",)
    assert index["port au prince"] == ("Africa/Port-au-Prince",)


def test_ambiguous_zone_lists_at_most_eight_sorted() -> None:
    exc = AmbiguousZone("x", [f"Zone/{c}" for c in "kjihgfedcba"])
    assert exc.candidates == tuple(f"Zone/{c}" for c in "abcdefgh")
    assert isinstance(exc, ValueError)


def test_tzinfo_for_iana() -> None:
    tz = tzinfo_for("Europe/Berlin")
    assert isinstance(tz, zoneinfo.ZoneInfo)
    assert tz.utcoffset(datetime(2026, 1, 15, 12)) == timedelta(hours=1)
    assert tz.utcoffset(datetime(2026, 7, 15, 12)) == timedelta(hours=2)
    assert tzinfo_for("Asia/Kathmandu").utcoffset(datetime(2026, 7, 1)) == timedelta(
        hours=5, minutes=45
    )


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC", timedelta(0)),
        ("UTC+05:30", timedelta(hours=5, minutes=30)),
        ("UTC-03:00", timedelta(hours=-3)),
        ("UTC+05:45", timedelta(hours=5, minutes=45)),
        ("UTC-09:30", timedelta(hours=-9, minutes=-30)),
        ("UTC+14:00", timedelta(hours=14)),
    ],
)
def test_tzinfo_for_fixed_offsets(name: str, offset: timedelta) -> None:
    tz = tzinfo_for(name)
    assert isinstance(tz, timezone)
    assert tz.utcoffset(None) == offset
    summer = datetime(2026, 7, 1, tzinfo=UTC).astimezone(tz)
    assert summer.utcoffset() == offset  # no daylight saving


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus",
        "europe/berlin",  # stored names are canonical, exact case
        "Berlin",
        "UTC+5",
        "UTC+05:20",
        "UTC+15:00",
        "UTC+5:30",
        "localtime",
        "../../etc/passwd",
        "/etc/localtime",
    ],
)
def test_tzinfo_for_unknown(name: str) -> None:
    with pytest.raises(ZoneNotFound):
        tzinfo_for(name)
    assert not is_known_zone(name)


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/New_York", "UTC", "UTC+05:30", "UTC-03:00", "Etc/UTC"]
)
def test_is_known_zone(name: str) -> None:
    assert is_known_zone(name)


@given(st.text(max_size=40))
def test_parse_zone_only_raises_its_errors(text: str) -> None:
    try:
        choice = parse_zone(text)
    except (ZoneNotFound, OffsetOutOfRange, AmbiguousZone):
        return
    assert is_known_zone(choice.name)


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (52.52, 13.40, "Europe/Berlin"),
        (40.71, -74.0, "America/New_York"),
        (27.7, 85.3, "Asia/Kathmandu"),
        (-33.87, 151.21, "Australia/Sydney"),
        (59.91, 10.75, "Europe/Oslo"),  # zone.tab entry; zone1970.tab alone says Helsinki
        (-23.55, -46.63, "America/Sao_Paulo"),
        (90.0, 180.0, None),
        (-90.0, -180.0, None),
    ],
)
def test_zone_from_location(latitude: float, longitude: float, expected: str | None) -> None:
    choice = zone_from_location(latitude, longitude)
    assert not choice.fixed_offset
    assert is_known_zone(choice.name)
    if expected is not None:
        assert choice.name == expected


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(90.01, 0.0), (-91.0, 0.0), (0.0, 180.5), (0.0, -181.0), (math.nan, 0.0), (0.0, math.inf)],
)
def test_zone_from_location_rejects_bad_coordinates(latitude: float, longitude: float) -> None:
    with pytest.raises(ValueError, match="itude"):
        zone_from_location(latitude, longitude)


def test_parse_iso6709_both_precisions() -> None:
    lat, lon = parse_iso6709("+5230+01322")
    assert (lat, lon) == pytest.approx((52.5, 13 + 22 / 60))
    lat, lon = parse_iso6709("+404251-0740023")
    assert (lat, lon) == pytest.approx((40 + 42 / 60 + 51 / 3600, -(74 + 23 / 3600)))
    lat, lon = parse_iso6709("-3352+15113")
    assert (lat, lon) == pytest.approx((-(33 + 52 / 60), 151 + 13 / 60))
    with pytest.raises(ValueError, match="ISO 6709"):
        parse_iso6709("52.5,13.4")
