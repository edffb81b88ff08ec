"""Sentences built from content/texts.yaml and plain data (no Telegram, no database)."""

from __future__ import annotations

import math
from datetime import datetime, time

from bot.content import Dose, Range, Texts
from bot.domain.enums import ALL_DAYS, WEEKDAYS_MASK, WEEKENDS_MASK
from bot.domain.parsing import days_of
from bot.domain.profile import Schedule
from bot.domain.schedule import describe_next
from bot.domain.zones import tzinfo_for


def days_text(texts: Texts, mask: int) -> str:
    if mask == ALL_DAYS:
        return texts.every_day
    if mask == WEEKDAYS_MASK:
        return texts.weekdays
    if mask == WEEKENDS_MASK:
        return texts.weekends
    return ", ".join(texts.weekday_name(d) for d in days_of(mask))


def time_text(texts: Texts, value: time) -> str:
    """A clock time as the runner's language writes it."""
    return texts.time_text(value)


def schedule_text(texts: Texts, *, local_time: time, zone: str, days_mask: int) -> str:
    """'Mon, Wed, Fri at 07:30, Europe/Berlin'"""
    return texts.get(
        "schedule", days=days_text(texts, days_mask), time=time_text(texts, local_time), zone=zone
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
    day, clock = _when(texts, instant, now=now, zone=zone)
    return texts.get("next_at", day=day, time=clock)


def local_day_text(instant: datetime, *, now: datetime, zone: str, texts: Texts) -> str:
    """A date in the runner's zone: 'tomorrow' or 'Thu 26 Nov'."""
    day, _clock = _when(texts, instant, now=now, zone=zone)
    return day


def _when(texts: Texts, instant: datetime, *, now: datetime, zone: str) -> tuple[str, str]:
    """("today", "tomorrow" or a date, the clock time) in the runner's zone and language."""
    day, _clock = describe_next(instant, now=now, zone=zone)
    local = instant.astimezone(tzinfo_for(zone))
    words = {"today": texts.today, "tomorrow": texts.tomorrow}
    return words.get(day) or texts.date_text(local.date()), texts.time_text(local.time())


def extras_text(texts: Texts, count: int) -> str:
    """' + 2 gentle extras' after a session's step count, or '' when it has none."""
    if not count:
        return ""
    # texts are stripped when loaded: the space before "+" is put here
    return " " + texts.get("session_extras", count=count)


def dose_text(texts: Texts, dose: Dose) -> str:
    """The dose as a runner says it: 'Hold 15-30 s, 2 times each side'; 'Hold up to 3 min,
    3-10 times'; '5-10 reps, a couple of breaths each'; '2 sets of 10-15 reps, rest 60 s'.
    "Each side" goes on what is done on each side; the rest comes last."""

    def amount(value: Range, scale: float = 1) -> str:
        n = value.describe(scale)
        return texts.get("dose_up_to", n=n) if value.up_to else n

    def each_side(what: str) -> str:
        return texts.get("dose_each_side", what=what) if dose.sides == 2 else what

    def counted(value: Range, key: str) -> str:
        # a range takes the plural form of its upper value ("1-2 breaths")
        return texts.get(key, count=math.ceil(value.max), n=amount(value))

    def hold_text(hold: Range) -> str:
        if hold.max >= 120 and all(v % 60 == 0 for v in (hold.min or 0, hold.max)):
            return texts.get("dose_hold_minutes", n=amount(hold, 1 / 60))
        return texts.get("dose_hold", n=amount(hold))

    def breaths_text(breaths: Range) -> str:
        if breaths.min == breaths.max == 2:  # seed 000's "a couple of breaths"
            return texts.dose_breaths_couple
        return counted(breaths, "dose_breaths")

    reps = dose.reps
    text: str
    if dose.sets is not None:
        if reps is not None:
            text = texts.get(
                "dose_sets_of",
                sets=amount(dose.sets),
                what=each_side(counted(reps, "dose_reps")),
            )
            if dose.hold_seconds is not None:
                text = texts.get("dose_holding_each", what=text, n=amount(dose.hold_seconds))
        else:  # sets of holds or of breaths (Dose allows no sets of minutes)
            if dose.hold_seconds is not None:
                inner = hold_text(dose.hold_seconds)
            else:
                assert dose.breaths is not None
                inner = breaths_text(dose.breaths)
            text = texts.get("dose_sets_each", sets=amount(dose.sets), what=each_side(inner))
        if dose.rest_seconds is not None:
            text = texts.get("dose_rest", what=text, n=amount(dose.rest_seconds))
    elif dose.minutes is not None:
        if dose.minutes.max < 2:  # "30-60 s" reads better than "0.5-1 min"
            time = texts.get("dose_seconds", n=amount(dose.minutes, 60))
        else:
            time = texts.get("dose_minutes", n=amount(dose.minutes))
        if reps is not None:
            text = texts.get(
                "dose_reps_within",
                reps=each_side(counted(reps, "dose_reps")),
                time=time,
            )
        else:
            text = each_side(time)
    elif dose.hold_seconds is not None:
        text = hold_text(dose.hold_seconds)
        if reps is not None and not (reps.min == reps.max == 1):
            times = counted(reps, "dose_times")
            text = texts.get("dose_hold_times", hold=text, times=each_side(times))
        else:
            text = each_side(text)
    elif dose.breaths is not None:
        breaths = breaths_text(dose.breaths)
        if reps is not None:
            text = texts.get(
                "dose_reps_breaths",
                reps=each_side(counted(reps, "dose_reps")),
                breaths=breaths,
            )
        else:
            text = each_side(breaths)
    else:
        assert reps is not None  # a dose has at least one of them (Dose validates it)
        text = each_side(counted(reps, "dose_reps"))
    return text[:1].upper() + text[1:]
