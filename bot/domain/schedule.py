"""When reminders fire: a local wall-clock time on chosen weekdays, in the runner's zone.

Instants are aware datetimes in UTC. Daylight saving is handled per local date: a time that
does not exist that day (spring forward) fires when the gap ends; a time that happens twice
(fall back) fires once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.enums import ALL_DAYS
from bot.domain.parsing import WEEKDAYS
from bot.domain.zones import tzinfo_for

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# One day back (a gap can push an instant past midnight) and a week plus slack forward.
_SEARCH_DAYS = 10
_ONE_DAY = timedelta(days=1)


def next_reminder_at(
    *, after: datetime, local_time: time, zone: str, days_mask: int
) -> datetime | None:
    """The first reminder instant strictly after `after` (UTC), or None when no day is chosen."""
    _require_aware(after, "after")
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a naive wall-clock time")
    if not 0 <= days_mask <= ALL_DAYS:
        raise ValueError(f"days_mask must be 0..{ALL_DAYS}, got {days_mask}")
    if days_mask == 0:
        return None
    tz = tzinfo_for(zone)
    day = after.astimezone(tz).date() - _ONE_DAY
    for _ in range(_SEARCH_DAYS):
        if days_mask >> day.weekday() & 1:
            instant = instant_on(day, local_time, tz)
            if instant > after:
                return instant
        day += _ONE_DAY
    raise AssertionError("a chosen weekday always occurs within a week")  # pragma: no cover


def instant_on(day: date, local_time: time, tz: tzinfo) -> datetime:
    """The UTC instant the reminder for local date `day` fires."""
    wall = datetime.combine(day, local_time).replace(tzinfo=tz, fold=0)
    # fold=0 picks the earlier instant when the wall time happens twice.
    instant = wall.astimezone(UTC)
    if _wall_at(instant, tz) == wall.replace(tzinfo=None):
        return instant
    return _gap_end(wall, tz)


def _wall_at(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def _gap_end(wall: datetime, tz: tzinfo) -> datetime:
    """The first instant whose wall time is past `wall`, a time skipped by a clock change.

    In a gap, fold=1 reads the wall time with the offset after the change and fold=0 with the
    offset before it; the change lies between the two readings. Binary search over whole
    seconds (transitions fall on whole seconds), about a dozen steps for a one-hour gap.
    """
    naive = wall.replace(tzinfo=None)
    readings = (wall.replace(fold=1).astimezone(UTC), wall.replace(fold=0).astimezone(UTC))
    lo = int(min(readings).timestamp()) - 1
    hi = int(max(readings).timestamp()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall_at(datetime.fromtimestamp(mid, UTC), tz) > naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


MORNING_DEFAULT = time(8, 0)
NOON = time(12, 0)


def default_morning_time(reminder: time | None) -> time:
    """When to ask how the back is in the morning, unless the runner says otherwise: with
    the reminder when it comes in the morning, otherwise at 08:00."""
    return reminder if reminder is not None and reminder < NOON else MORNING_DEFAULT


def moved_morning(day: date, *, at: time, zone: str, now: datetime) -> datetime:
    """A pending morning question for local date `day` at its new time (or zone); right
    away when that time has already passed, so the day's question is not lost."""
    return max(instant_on(day, at, tzinfo_for(zone)), now)


def next_morning_after(day: date, *, at: time, zone: str) -> datetime:
    """The morning check-in instant (UTC) on the local day after `day`."""
    return instant_on(day + timedelta(days=1), at, tzinfo_for(zone))


def local_date_of(instant: datetime, zone: str) -> date:
    """The calendar date the runner sees at `instant`."""
    _require_aware(instant, "instant")
    return instant.astimezone(tzinfo_for(zone)).date()


def occurrences(
    *, start: datetime, end: datetime, local_time: time, zone: str, days_mask: int
) -> list[datetime]:
    """Every reminder instant in (start, end], oldest first."""
    _require_aware(end, "end")
    found: list[datetime] = []
    cursor = start
    while True:
        instant = next_reminder_at(
            after=cursor, local_time=local_time, zone=zone, days_mask=days_mask
        )
        if instant is None or instant > end:
            return found
        found.append(instant)
        cursor = instant


def describe_next(instant: datetime, *, now: datetime, zone: str) -> tuple[str, str]:
    """(day word, "HH:MM") in the runner's zone: "today", "tomorrow" or e.g. "Thu 26 Nov".

    The words are English keys; the caller may translate "today" and "tomorrow".
    """
    _require_aware(instant, "instant")
    _require_aware(now, "now")
    tz = tzinfo_for(zone)
    local = instant.astimezone(tz)
    days_ahead = (local.date() - now.astimezone(tz).date()).days
    if days_ahead == 0:
        word = "today"
    elif days_ahead == 1:
        word = "tomorrow"
    else:
        word = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"
    return word, f"{local:%H:%M}"


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
