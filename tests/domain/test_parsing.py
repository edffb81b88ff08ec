"""Reading typed times, pain scores and training days."""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.enums import ALL_DAYS
from bot.domain.parsing import (
    WEEKDAYS,
    InvalidInput,
    days_of,
    parse_days,
    parse_pain,
    parse_time,
    toggle_day,
)


def attempt(parse: Callable[[str], object], text: str) -> object:
    """The parsed value, or the InvalidInput it raised (any other exception propagates)."""
    try:
        return parse(text)
    except InvalidInput as exc:
        return exc


FULL_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("19:05", time(19, 5)),
        ("7", time(7, 0)),
        ("07", time(7, 0)),
        ("19", time(19, 0)),
        ("0", time(0, 0)),
        ("0730", time(7, 30)),
        ("1905", time(19, 5)),
        ("7am", time(7, 0)),
        ("7 am", time(7, 0)),
        ("7AM", time(7, 0)),
        ("7:30 pm", time(19, 30)),
        ("7.30pm", time(19, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:30 am", time(0, 30)),
        ("12:30 pm", time(12, 30)),
        ("7 a.m.", time(7, 0)),
        ("7 P.M.", time(19, 0)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
        ("7h30", time(7, 30)),
        ("7H30", time(7, 30)),
        ("7h", time(7, 0)),
        ("  7:30\n", time(7, 30)),
        ("7 : 30", time(7, 30)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \t", "empty"),
        ("25:00", "hour_out_of_range"),
        ("24:00", "hour_out_of_range"),
        ("2400", "hour_out_of_range"),
        ("7:60", "minute_out_of_range"),
        ("13pm", "hour_out_of_range"),
        ("0am", "hour_out_of_range"),
        ("seven", "unreadable"),
        ("7:3", "unreadable"),
        ("abc", "unreadable"),
        ("7:30:15", "unreadable"),
        ("-1:00", "unreadable"),
        ("7:", "unreadable"),
        ("am", "unreadable"),
        ("12345", "unreadable"),
        ("7:30 xm", "unreadable"),
        ("٧:٣٠", "unreadable"),  # digits other than 0-9
    ],
)
def test_parse_time_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_time(text)
    assert (info.value.field, info.value.reason) == ("time", reason)


@pytest.mark.parametrize("junk", ["9" * 4096, "1:" * 2048, "a" * 4096, " " * 4000 + "7" + "x" * 90])
def test_parse_time_long_junk_is_fast(junk: str) -> None:
    started = clock.perf_counter()
    with pytest.raises(InvalidInput):
        parse_time(junk)
    assert clock.perf_counter() - started < 0.5  # a backtracking regex would take seconds


def test_parse_time_round_trips_every_minute() -> None:
    for h in range(24):
        for m in range(60):
            assert parse_time(f"{h}:{m:02d}") == time(h, m)
            assert parse_time(f"{h:02d}{m:02d}") == time(h, m)


@given(
    h=st.integers(1, 12), m=st.integers(0, 59), pm=st.booleans(), space=st.sampled_from(["", " "])
)
def test_parse_time_twelve_hour_clock(h: int, m: int, pm: bool, space: str) -> None:
    expected = time(h % 12 + (12 if pm else 0), m)
    assert parse_time(f"{h}:{m:02d}{space}{'pm' if pm else 'am'}") == expected


@settings(max_examples=300)
@given(st.text())
def test_parse_time_only_raises_invalid_input(text: str) -> None:
    result = attempt(parse_time, text)
    if isinstance(result, InvalidInput):
        assert result.field == "time"
    else:
        assert isinstance(result, time)


# --- pain --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), (" 3 ", 3), ("3/10", 3), ("3 / 10", 3), ("03", 3), ("0", 0), ("10", 10)],
)
def test_parse_pain_accepts(text: str, expected: int) -> None:
    assert parse_pain(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11", "out_of_range"),
        ("-1", "out_of_range"),
        ("11/10", "out_of_range"),
        ("9" * 40, "not_a_number"),  # longer than any score; refused before int()
        ("seven", "not_a_number"),
        ("3.5", "not_a_number"),
        ("2-3", "not_a_number"),
        ("3/5", "not_a_number"),
        ("true", "not_a_number"),
        ("3️⃣", "not_a_number"),
        ("😖", "not_a_number"),
        ("", "empty"),
        ("  ", "empty"),
    ],
)
def test_parse_pain_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_pain(text)
    assert (info.value.field, info.value.reason) == ("pain", reason)


@given(st.integers(0, 10), st.sampled_from(["{}", " {} ", "{}/10", "0{}"]))
def test_parse_pain_round_trips(score: int, template: str) -> None:
    assert parse_pain(template.format(score)) == score


@given(st.integers().filter(lambda n: not 0 <= n <= 10))
def test_parse_pain_out_of_range(score: int) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_pain(str(score))
    assert info.value.reason in ("out_of_range", "not_a_number")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parse_pain_never_accepts_floats(value: float) -> None:
    with pytest.raises(InvalidInput):
        parse_pain(str(value))


@settings(max_examples=300)
@given(st.text())
def test_parse_pain_only_raises_invalid_input(text: str) -> None:
    result = attempt(parse_pain, text)
    if isinstance(result, InvalidInput):
        assert result.field == "pain"
    else:
        assert isinstance(result, int)
        assert 0 <= result <= 10


# --- days --------------------------------------------------------------------------------

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << d for d in range(7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon wed fri", MON | WED | FRI),
        ("Mon, Wed, Fri", MON | WED | FRI),
        ("monday and wednesday & friday", MON | WED | FRI),
        ("MONDAY,TUESDAY", MON | TUE),
        ("monday-friday", ALL_DAYS & ~(SAT | SUN)),
        ("mon-fri", ALL_DAYS & ~(SAT | SUN)),
        ("Mon - Fri", ALL_DAYS & ~(SAT | SUN)),
        ("mon to fri", ALL_DAYS & ~(SAT | SUN)),
        ("fri-mon", FRI | SAT | SUN | MON),
        ("sun-sun", SUN),
        ("weekdays", ALL_DAYS & ~(SAT | SUN)),
        ("weekends", SAT | SUN),
        ("every day", ALL_DAYS),
        ("Every  Day", ALL_DAYS),
        ("daily", ALL_DAYS),
        ("all", ALL_DAYS),
        ("weekends and wed", SAT | SUN | WED),
        ("tues thurs", TUE | THU),
        ("mondays", MON),
    ],
)
def test_parse_days_accepts(text: str, expected: int) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("  ", "empty"),
        (", and &", "empty"),
        ("someday", "unreadable"),
        ("mon funday", "unreadable"),
        ("mon-", "unreadable"),
        ("mon-weekdays", "unreadable"),
        ("m", "unreadable"),
        ("1 3 5", "unreadable"),
        ("mon " * 100, "unreadable"),  # too long to be a list of days
    ],
)
def test_parse_days_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_days(text)
    assert (info.value.field, info.value.reason) == ("days", reason)


@given(
    days=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    full=st.booleans(),
    upper=st.booleans(),
    separator=st.sampled_from([" ", ", ", ",", " and ", " & ", "  "]),
)
def test_parse_days_round_trips_names(
    days: list[int], full: bool, upper: bool, separator: str
) -> None:
    names = [(FULL_NAMES if full else WEEKDAYS)[d] for d in days]
    text = separator.join(names)
    expected = sum(1 << d for d in days)
    assert parse_days(text.upper() if upper else text) == expected
    assert days_of(expected) == sorted(days)


@settings(max_examples=300)
@given(st.text())
def test_parse_days_only_raises_invalid_input(text: str) -> None:
    result = attempt(parse_days, text)
    if isinstance(result, InvalidInput):
        assert result.field == "days"
    else:
        assert isinstance(result, int)
        assert 0 < result <= ALL_DAYS


def test_toggle_day_switches_one_bit() -> None:
    assert toggle_day(0, 0) == MON
    assert toggle_day(MON | WED, 0) == WED
    assert toggle_day(ALL_DAYS, 6) == ALL_DAYS & ~SUN


@pytest.mark.parametrize(("mask", "weekday"), [(0, -1), (0, 7), (128, 0), (-1, 0)])
def test_toggle_day_rejects_out_of_range(mask: int, weekday: int) -> None:
    with pytest.raises(ValueError, match=r"\.\."):
        toggle_day(mask, weekday)


@given(st.integers(0, ALL_DAYS), st.integers(0, 6))
def test_toggle_day_twice_is_identity(mask: int, weekday: int) -> None:
    toggled = toggle_day(mask, weekday)
    assert (weekday in days_of(toggled)) != (weekday in days_of(mask))
    assert toggle_day(toggled, weekday) == mask


def test_days_of() -> None:
    assert days_of(0) == []
    assert days_of(MON | WED | FRI) == [0, 2, 4]
    assert days_of(ALL_DAYS) == list(range(7))
    with pytest.raises(ValueError, match="mask"):
        days_of(ALL_DAYS + 1)


def test_invalid_input_carries_field_and_reason() -> None:
    exc = InvalidInput("time", "empty")
    assert isinstance(exc, ValueError)
    assert (exc.field, exc.reason) == ("time", "empty")
