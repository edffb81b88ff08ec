"""Sentences built from content/texts.yaml and plain data (no Telegram, no database)."""

from __future__ import annotations

from datetime import datetime, time
from functools import reduce

from bot.content import Dose, Range, Texts
from bot.domain.enums import ALL_DAYS, WEEKDAYS_MASK, WEEKENDS_MASK
from bot.domain.parsing import WEEKDAYS, days_of
from bot.domain.profile import Schedule
from bot.domain.schedule import describe_next


def days_text(texts: Texts, mask: int) -> str:
    if mask == ALL_DAYS:
        return texts.every_day
    if mask == WEEKDAYS_MASK:
        return texts.weekdays
    if mask == WEEKENDS_MASK:
        return texts.weekends
    return ", ".join(WEEKDAYS[d] for d in days_of(mask))


def time_text(value: time) -> str:
    return value.strftime("%H:%M")


def schedule_text(texts: Texts, *, local_time: time, zone: str, days_mask: int) -> str:
    """'Mon, Wed, Fri at 07:30, Europe/Berlin'"""
    return texts.get(
        "schedule", days=days_text(texts, days_mask), time=time_text(local_time), zone=zone
    )


def user_schedule_text(texts: Texts, schedule: Schedule | None) -> str:
    """The schedule of a runner who may not have one yet ('' then)."""
    if schedule is None:
        return ""
    return schedule_text(
        texts, local_time=schedule.local_time, zone=schedule.zone, days_mask=schedule.days_mask
    )


def next_text(texts: Texts, instant: datetime | None, *, now: datetime, zone: str | None) -> str:
    """'tomorrow 07:30' in the runner's zone, or 'none scheduled'."""
    if instant is None or zone is None:
        return texts.no_next_reminder
    day, clock = describe_next(instant, now=now, zone=zone)
    day = {"today": texts.today, "tomorrow": texts.tomorrow}.get(day, day)
    return texts.get("next_at", day=day, time=clock)


def local_day_text(instant: datetime, *, now: datetime, zone: str, texts: Texts) -> str:
    """A date in the runner's zone: 'tomorrow' or 'Thu 26 Nov'."""
    day, _clock = describe_next(instant, now=now, zone=zone)
    return {"today": texts.today, "tomorrow": texts.tomorrow}.get(day, day)


def extras_text(texts: Texts, count: int) -> str:
    """' + 2 gentle extras' after a session's step count, or '' when it has none."""
    if not count:
        return ""
    return " " + texts.get("session_extras_one" if count == 1 else "session_extras", n=str(count))


def dose_text(texts: Texts, dose: Dose) -> str:
    """'Hold 15-30 s · 4-6 reps · each side'; 'Hold up to 3 min · 3-10 reps';
    '10-15 reps · 2 sets · rest 60 s'"""

    def amount(value: Range, scale: float = 1) -> str:
        n = value.describe(scale)
        return texts.get("dose_up_to", n=n) if value.up_to else n

    parts: list[str] = []
    if dose.minutes is not None:
        if dose.minutes.max < 2:  # "30-60 s" reads better than "0.5-1 min"
            parts.append(texts.get("dose_seconds", n=amount(dose.minutes, 60)))
        else:
            parts.append(texts.get("dose_minutes", n=amount(dose.minutes)))
    if dose.hold_seconds is not None:
        hold = dose.hold_seconds
        if hold.max >= 120 and all(v % 60 == 0 for v in (hold.min or 0, hold.max)):
            parts.append(texts.get("dose_hold_minutes", n=amount(hold, 1 / 60)))
        else:
            parts.append(texts.get("dose_hold", n=amount(hold)))
    if dose.breaths is not None:
        key = "dose_breath" if dose.breaths.max == 1 else "dose_breaths"
        parts.append(texts.get(key, n=amount(dose.breaths)))
    if dose.reps is not None:
        key = "dose_rep" if dose.reps.max == 1 else "dose_reps"
        parts.append(texts.get(key, n=amount(dose.reps)))
    if dose.sides == 2:
        parts.append(texts.dose_each_side)
    if dose.sets is not None:
        parts.append(texts.get("dose_sets", n=amount(dose.sets)))
    if dose.rest_seconds is not None:
        parts.append(texts.get("dose_rest", n=amount(dose.rest_seconds)))
    text = reduce(lambda left, right: texts.get("dose_join", left=left, right=right), parts)
    return text[:1].upper() + text[1:]
