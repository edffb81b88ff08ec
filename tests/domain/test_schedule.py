"""Reminder instants across daylight-saving changes, checked against exact UTC times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.enums import ALL_DAYS
from bot.domain.schedule import (
    default_morning_time,
    describe_next,
    local_date_of,
    moved_morning,
    next_reminder_at,
    occurrences,
)
from bot.domain.zones import ZoneNotFound, tzinfo_for

MON_WED_FRI = 0b0010101


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def week(zone: str, first_day: str, at: time, mask: int = ALL_DAYS) -> list[datetime]:
    """Reminders over 8 local days from the local midnight starting `first_day`."""
    tz = tzinfo_for(zone)
    start = datetime.combine(date.fromisoformat(first_day), time(0), tz).astimezone(UTC)
    found = occurrences(
        start=start - timedelta(microseconds=1),
        end=start + timedelta(days=8) - timedelta(microseconds=1),
        local_time=at,
        zone=zone,
        days_mask=mask,
    )
    dates = [local_date_of(instant, zone) for instant in found]
    assert len(set(dates)) == len(dates), "one reminder per local date"
    assert all(instant.tzinfo is UTC for instant in found)
    return found


def walls(instants: list[datetime], zone: str) -> list[str]:
    tz = tzinfo_for(zone)
    return [f"{instant.astimezone(tz):%a %d %H:%M}" for instant in instants]


def iso(instants: list[datetime]) -> list[str]:
    return [f"{instant:%m-%dT%H:%M}" for instant in instants]


# --- exact instants across DST changes ----------------------------------------------------


def test_berlin_spring_forward_ordinary_time() -> None:
    found = week("Europe/Berlin", "2026-03-26", time(7, 30))
    assert iso(found) == [
        "03-26T06:30", "03-27T06:30", "03-28T06:30",  # CET, UTC+1
        "03-29T05:30", "03-30T05:30", "03-31T05:30", "04-01T05:30", "04-02T05:30",  # CEST
    ]  # fmt: skip
    assert {wall[-5:] for wall in walls(found, "Europe/Berlin")} == {"07:30"}


def test_berlin_spring_forward_inside_the_gap() -> None:
    found = week("Europe/Berlin", "2026-03-26", time(2, 30))
    assert iso(found) == [
        "03-26T01:30", "03-27T01:30", "03-28T01:30",
        "03-29T01:00",  # 02:30 does not exist: fires at the end of the gap, 03:00 CEST
        "03-30T00:30", "03-31T00:30", "04-01T00:30", "04-02T00:30",
    ]  # fmt: skip
    assert walls(found, "Europe/Berlin")[3] == "Sun 29 03:00"


def test_berlin_fall_back_inside_the_overlap() -> None:
    found = week("Europe/Berlin", "2026-10-22", time(2, 30))
    assert iso(found) == [
        "10-22T00:30", "10-23T00:30", "10-24T00:30",
        "10-25T00:30",  # first 02:30 (CEST); the second one, 01:30 UTC, is skipped
        "10-26T01:30", "10-27T01:30", "10-28T01:30", "10-29T01:30",
    ]  # fmt: skip
    assert {wall[-5:] for wall in walls(found, "Europe/Berlin")} == {"02:30"}


@pytest.mark.parametrize("after", ["2026-10-25T00:30", "2026-10-25T00:45", "2026-10-25T01:30"])
def test_berlin_between_the_two_occurrences_goes_to_next_day(after: str) -> None:
    instant = next_reminder_at(
        after=utc(after), local_time=time(2, 30), zone="Europe/Berlin", days_mask=ALL_DAYS
    )
    assert instant == utc("2026-10-26T01:30")


def test_berlin_mon_wed_fri_across_spring_forward() -> None:
    tz = tzinfo_for("Europe/Berlin")
    found = occurrences(
        start=datetime(2026, 3, 23, tzinfo=tz),
        end=datetime(2026, 4, 6, tzinfo=tz),
        local_time=time(7, 30),
        zone="Europe/Berlin",
        days_mask=MON_WED_FRI,
    )
    assert iso(found) == [
        "03-23T06:30", "03-25T06:30", "03-27T06:30",
        "03-30T05:30", "04-01T05:30", "04-03T05:30",
    ]  # fmt: skip
    assert [wall[:3] for wall in walls(found, "Europe/Berlin")] == ["Mon", "Wed", "Fri"] * 2


def test_new_york_spring_forward() -> None:
    found = week("America/New_York", "2026-03-05", time(2, 30))
    assert iso(found) == [
        "03-05T07:30", "03-06T07:30", "03-07T07:30",  # EST, UTC-5
        "03-08T07:00",  # 02:30 skipped: 03:00 EDT
        "03-09T06:30", "03-10T06:30", "03-11T06:30", "03-12T06:30",  # EDT, UTC-4
    ]  # fmt: skip
    seven = week("America/New_York", "2026-03-05", time(7, 0))
    assert iso(seven)[2:5] == ["03-07T12:00", "03-08T11:00", "03-09T11:00"]


def test_new_york_fall_back() -> None:
    found = week("America/New_York", "2026-10-29", time(1, 30))
    assert iso(found) == [
        "10-29T05:30", "10-30T05:30", "10-31T05:30",
        "11-01T05:30",  # first 01:30 (EDT); not again at 06:30 UTC
        "11-02T06:30", "11-03T06:30", "11-04T06:30", "11-05T06:30",
    ]  # fmt: skip
    second = next_reminder_at(
        after=utc("2026-11-01T05:30"),
        local_time=time(1, 30),
        zone="America/New_York",
        days_mask=ALL_DAYS,
    )
    assert second == utc("2026-11-02T06:30")


def test_sydney_fall_back_in_april() -> None:
    found = week("Australia/Sydney", "2026-04-02", time(2, 30))
    assert iso(found) == [
        "04-01T15:30", "04-02T15:30", "04-03T15:30",  # AEDT, UTC+11
        "04-04T15:30",  # Sun 5 Apr: first 02:30, still AEDT
        "04-05T16:30", "04-06T16:30", "04-07T16:30", "04-08T16:30",  # AEST, UTC+10
    ]  # fmt: skip
    assert [wall[:6] for wall in walls(found, "Australia/Sydney")][3] == "Sun 05"


def test_sydney_spring_forward_in_october() -> None:
    found = week("Australia/Sydney", "2026-10-02", time(2, 30))
    assert iso(found) == [
        "10-01T16:30", "10-02T16:30",
        "10-03T16:00",  # Sun 4 Oct: 02:30 skipped, fires 03:00 AEDT
        "10-04T15:30", "10-05T15:30", "10-06T15:30", "10-07T15:30", "10-08T15:30",
    ]  # fmt: skip
    assert walls(found, "Australia/Sydney")[2] == "Sun 04 03:00"


def test_lord_howe_half_hour_dst() -> None:
    back = week("Australia/Lord_Howe", "2026-04-02", time(1, 45))
    assert iso(back)[2:5] == ["04-03T14:45", "04-04T14:45", "04-05T15:15"]  # +11 -> +10:30
    forward = week("Australia/Lord_Howe", "2026-10-02", time(2, 15))
    assert iso(forward)[1:4] == ["10-02T15:45", "10-03T15:30", "10-04T15:15"]
    assert walls(forward, "Australia/Lord_Howe")[2] == "Sun 04 02:30"  # gap 02:00-02:30


def test_kathmandu_has_no_dst() -> None:
    for first_day in ("2026-03-26", "2026-10-22"):
        found = week("Asia/Kathmandu", first_day, time(7, 0))
        assert len(found) == 8
        assert {f"{instant:%H:%M}" for instant in found} == {"01:15"}  # UTC+05:45


def test_fixed_offset_zone() -> None:
    found = week("UTC+05:30", "2026-03-26", time(7, 0))
    assert len(found) == 8
    assert {f"{instant:%H:%M}" for instant in found} == {"01:30"}
    assert week("UTC", "2026-03-26", time(7, 0))[0] == utc("2026-03-26T07:00")


# --- edges -------------------------------------------------------------------------------


def test_after_exactly_due_returns_next_day() -> None:
    due = utc("2026-06-10T05:30")  # 07:30 CEST
    nxt = next_reminder_at(
        after=due, local_time=time(7, 30), zone="Europe/Berlin", days_mask=ALL_DAYS
    )
    assert nxt == utc("2026-06-11T05:30")
    just_before = due - timedelta(microseconds=1)
    same = next_reminder_at(
        after=just_before, local_time=time(7, 30), zone="Europe/Berlin", days_mask=ALL_DAYS
    )
    assert same == due


def test_after_in_another_zone_is_fine() -> None:
    after = datetime(2026, 6, 10, 7, 29, tzinfo=tzinfo_for("Europe/Berlin"))
    nxt = next_reminder_at(
        after=after, local_time=time(7, 30), zone="Europe/Berlin", days_mask=ALL_DAYS
    )
    assert nxt == utc("2026-06-10T05:30")


def test_empty_mask_means_no_reminder() -> None:
    after = utc("2026-06-10T00:00")
    assert next_reminder_at(after=after, local_time=time(7), zone="UTC", days_mask=0) is None
    end = after + timedelta(days=30)
    assert occurrences(start=after, end=end, local_time=time(7), zone="UTC", days_mask=0) == []


def test_single_day_mask_waits_a_week() -> None:
    # Wed 2026-06-10 08:00 in Berlin, Wednesdays only at 07:30: next Wednesday.
    nxt = next_reminder_at(
        after=utc("2026-06-10T06:00"),
        local_time=time(7, 30),
        zone="Europe/Berlin",
        days_mask=1 << 2,
    )
    assert nxt == utc("2026-06-17T05:30")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"after": datetime(2026, 6, 10)}, "aware"),
        ({"local_time": time(7, tzinfo=UTC)}, "naive"),
        ({"days_mask": 128}, "days_mask"),
        ({"days_mask": -1}, "days_mask"),
    ],
)
def test_next_reminder_rejects_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {
        "after": utc("2026-06-10T00:00"),
        "local_time": time(7),
        "zone": "Europe/Berlin",
        "days_mask": ALL_DAYS,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        next_reminder_at(**arguments)  # type: ignore[arg-type]


def test_unknown_zone_raises_zone_not_found() -> None:
    with pytest.raises(ZoneNotFound):
        next_reminder_at(
            after=utc("2026-06-10T00:00"), local_time=time(7), zone="Mars/Olympus", days_mask=1
        )


def test_local_date_of() -> None:
    instant = utc("2026-06-10T23:30")
    assert local_date_of(instant, "Europe/Berlin") == date(2026, 6, 11)
    assert local_date_of(instant, "America/New_York") == date(2026, 6, 10)
    assert local_date_of(instant, "UTC+05:30") == date(2026, 6, 11)
    with pytest.raises(ValueError, match="aware"):
        local_date_of(datetime(2026, 6, 10), "UTC")


def test_describe_next() -> None:
    now = utc("2026-11-24T10:00")  # Tue 11:00 in Berlin
    zone = "Europe/Berlin"
    assert describe_next(utc("2026-11-24T17:00"), now=now, zone=zone) == ("today", "18:00")
    assert describe_next(utc("2026-11-25T06:30"), now=now, zone=zone) == ("tomorrow", "07:30")
    assert describe_next(utc("2026-11-26T06:30"), now=now, zone=zone) == ("Thu 26 Nov", "07:30")
    assert describe_next(utc("2026-12-01T06:05"), now=now, zone=zone) == ("Tue 1 Dec", "07:05")


def test_describe_next_uses_the_local_date() -> None:
    now = utc("2026-11-24T23:30")  # already Wed 00:30 in Berlin
    assert describe_next(utc("2026-11-25T06:30"), now=now, zone="Europe/Berlin") == (
        "today",
        "07:30",
    )
    assert describe_next(utc("2026-11-25T06:30"), now=now, zone="America/New_York") == (
        "tomorrow",
        "01:30",
    )


# --- properties --------------------------------------------------------------------------

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Havana",  # changes at midnight
    "America/Santiago",  # changes at 24:00
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # negative DST during Ramadan
    "UTC+05:30",
    "UTC-03:00",
)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


@cache
def transitions(zone: str) -> tuple[tuple[datetime, datetime, datetime], ...]:
    """Offset changes in 2026: (UTC instant, wall time just before, wall time at it).

    A gap when the clock jumps forward ([before, at) never shows), an overlap when back.
    """
    tz = tzinfo_for(zone)
    found = []
    previous = YEAR_START
    while previous < YEAR_START + timedelta(days=366):
        current = previous + timedelta(hours=3)
        if previous.astimezone(tz).utcoffset() != current.astimezone(tz).utcoffset():
            lo, hi = 0, 180  # minutes after `previous`; narrow to the minute
            while hi - lo > 1:
                mid = (lo + hi) // 2
                probe = previous + timedelta(minutes=mid)
                same = probe.astimezone(tz).utcoffset() == previous.astimezone(tz).utcoffset()
                lo, hi = (mid, hi) if same else (lo, mid)
            change = previous + timedelta(minutes=hi)
            before = wall_of(change - timedelta(minutes=1), tz) + timedelta(minutes=1)
            found.append((change, before, wall_of(change, tz)))
        previous = current
    return tuple(found)


def wall_of(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def expected_on(day: date, at: time, tz: tzinfo) -> tuple[datetime, bool]:
    """Oracle, written differently from the code: (instant, the time exists that day).

    Tries every offset the zone uses around that day; the earliest instant whose wall time
    reads `at` wins. If none does, scans minute by minute for the first later wall time.
    """
    wall = datetime.combine(day, at)
    offsets = set()
    for hours in range(-36, 61, 6):
        probe = datetime.combine(day, time(0), UTC) + timedelta(hours=hours)
        offset = probe.astimezone(tz).utcoffset()
        assert offset is not None
        offsets.add(offset)
    candidates = [
        (wall - offset).replace(tzinfo=UTC)
        for offset in offsets
        if wall_of((wall - offset).replace(tzinfo=UTC), tz) == wall
    ]
    if candidates:
        return min(candidates), True
    probe = (wall - max(offsets)).replace(tzinfo=UTC)
    while wall_of(probe, tz) <= wall:
        probe += timedelta(minutes=1)
    return probe, False


@st.composite
def ordinary_cases(draw: st.DrawFn) -> tuple[str, time, int, datetime]:
    zone = draw(st.sampled_from(ZONES))
    at = draw(st.builds(time, st.integers(0, 23), st.integers(0, 59)))
    after = draw(
        st.datetimes(
            min_value=datetime(2026, 1, 1),
            max_value=datetime(2026, 12, 31, 23, 59, 59),
            timezones=st.just(UTC),
        )
    )
    return zone, at, draw(st.integers(1, ALL_DAYS)), after


@st.composite
def clock_change_cases(draw: st.DrawFn) -> tuple[str, time, int, datetime]:
    """A wall time inside a gap or overlap, `after` shortly before or after the change."""
    zone = draw(st.sampled_from([zone for zone in ZONES if transitions(zone)]))
    instant, before, at_change = draw(st.sampled_from(transitions(zone)))
    first, last = sorted((before, at_change))
    wall = first + timedelta(minutes=draw(st.integers(0, (last - first) // timedelta(minutes=1))))
    mask = draw(st.integers(1, ALL_DAYS)) | 1 << wall.weekday()  # the change day is chosen
    after = instant + timedelta(seconds=draw(st.integers(-2 * 86400, 3600)))
    return zone, wall.time(), mask, after


def cases() -> st.SearchStrategy[tuple[str, time, int, datetime]]:
    return st.one_of(ordinary_cases(), clock_change_cases())


@settings(max_examples=400, deadline=None)
@given(cases())
def test_next_reminder_properties(case: tuple[str, time, int, datetime]) -> None:
    zone, at, mask, after = case
    tz = tzinfo_for(zone)
    result = next_reminder_at(after=after, local_time=at, zone=zone, days_mask=mask)
    assert result is not None
    assert result.tzinfo is UTC
    assert result > after
    day = local_date_of(result, zone)
    assert mask >> day.weekday() & 1, "fires on a chosen weekday"
    expected, exists = expected_on(day, at, tz)
    assert result == expected
    if exists:
        assert wall_of(result, tz).time() == at
    else:
        assert wall_of(result, tz).time() > at  # end of the gap, same local date
    # No chosen day between `after` and the result was skipped.
    skipped = local_date_of(after, zone) - timedelta(days=1)
    while skipped < day:
        if mask >> skipped.weekday() & 1:
            assert expected_on(skipped, at, tz)[0] <= after, f"skipped {skipped}"
        skipped += timedelta(days=1)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_occurrences_one_per_chosen_local_date(case: tuple[str, time, int, datetime]) -> None:
    zone, at, mask, after = case
    tz = tzinfo_for(zone)
    end = after + timedelta(days=15)
    found = occurrences(start=after, end=end, local_time=at, zone=zone, days_mask=mask)
    dates = [local_date_of(instant, zone) for instant in found]
    assert found == sorted(found)
    assert len(set(dates)) == len(dates)
    expected = []
    day = local_date_of(after, zone) - timedelta(days=1)
    while day <= local_date_of(end, zone) + timedelta(days=1):
        instant = expected_on(day, at, tz)[0]
        if mask >> day.weekday() & 1 and after < instant <= end:
            expected.append(instant)
        day += timedelta(days=1)
    assert found == expected


@pytest.mark.parametrize(
    ("reminder", "morning"),
    [
        (time(7, 0), time(7, 0)),
        (time(5, 45), time(5, 45)),
        (time(11, 59), time(11, 59)),
        (time(12, 0), time(8, 0)),
        (time(18, 30), time(8, 0)),
        (None, time(8, 0)),
    ],
)
def test_the_morning_question_defaults_to_a_morning_reminder(
    reminder: time | None, morning: time
) -> None:
    assert default_morning_time(reminder) == morning


def test_a_moved_morning_question_keeps_its_day() -> None:
    now = utc("2026-03-03 05:30")  # 06:30 in Berlin
    day = date(2026, 3, 3)
    later = moved_morning(day, at=time(9, 0), zone="Europe/Berlin", now=now)
    assert later == utc("2026-03-03 08:00")
    # A time already past that day: asked right away, not lost and not moved a day on.
    assert moved_morning(day, at=time(6, 0), zone="Europe/Berlin", now=now) == now
    # Another zone: the same local date and time there.
    assert moved_morning(day, at=time(9, 0), zone="America/New_York", now=now) == utc(
        "2026-03-03 14:00"
    )
