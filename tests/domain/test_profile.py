"""When a runner's next reminder is due, from their schedule and status."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.domain.enums import ALL_DAYS, UserStatus
from bot.domain.profile import Schedule, next_reminder

MON_WED_FRI = 0b0010101
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday, 07:00 in Berlin
EVERY_DAY = Schedule(time(7, 30), "Europe/Berlin", ALL_DAYS)  # 06:30 UTC until 29 March


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def due(
    *,
    schedule: Schedule | None = EVERY_DAY,
    status: str = UserStatus.ACTIVE,
    paused_until: datetime | None = None,
    onboarded: bool = True,
    now: datetime = NOW,
) -> datetime | None:
    return next_reminder(
        schedule=schedule, status=status, paused_until=paused_until, onboarded=onboarded, now=now
    )


def test_active_runner_gets_the_next_one() -> None:
    assert due() == utc("2026-03-02T06:30")
    assert due(now=utc("2026-03-02T06:30")) == utc("2026-03-03T06:30")  # strictly after now


def test_the_chosen_days_count() -> None:
    schedule = Schedule(time(7, 30), "Europe/Berlin", MON_WED_FRI)
    assert due(schedule=schedule, now=utc("2026-03-02T07:00")) == utc("2026-03-04T06:30")


def test_not_onboarded_gets_none() -> None:
    assert due(onboarded=False) is None


def test_no_schedule_gets_none() -> None:
    assert due(schedule=None) is None


@pytest.mark.parametrize("status", [UserStatus.RED_FLAG, UserStatus.BLOCKED, "red_flag", "blocked"])
def test_safety_stop_and_blocked_get_none(status: str) -> None:
    assert due(status=status) is None
    # Even with a pause end date lying around from before.
    assert due(status=status, paused_until=NOW + timedelta(days=3)) is None


@pytest.mark.parametrize("status", [UserStatus.PAUSED, "paused"])
def test_paused_without_an_end_gets_none(status: str) -> None:
    assert due(status=status, paused_until=None) is None


def test_paused_with_an_end_resumes_at_the_first_reminder_after_it() -> None:
    # Paused on Monday for 3 days: until Thursday 07:00 Berlin, before that day's 07:30.
    until = NOW + timedelta(days=3)
    assert due(status=UserStatus.PAUSED, paused_until=until) == utc("2026-03-05T06:30")
    # Paused until Thursday 08:00 Berlin: Thursday's reminder has gone, Friday's is next.
    later = utc("2026-03-05T07:00")
    assert due(status=UserStatus.PAUSED, paused_until=later) == utc("2026-03-06T06:30")


def test_pause_end_respects_the_chosen_days() -> None:
    schedule = Schedule(time(7, 30), "Europe/Berlin", MON_WED_FRI)
    until = utc("2026-03-05T05:00")  # Thursday: not a chosen day
    assert due(schedule=schedule, status=UserStatus.PAUSED, paused_until=until) == utc(
        "2026-03-06T06:30"
    )


def test_pause_end_across_the_spring_change() -> None:
    # Berlin moves to CEST on Sunday 29 March: 07:30 is then 05:30 UTC.
    until = utc("2026-03-28T12:00")
    assert due(status=UserStatus.PAUSED, paused_until=until) == utc("2026-03-29T05:30")


def test_pause_that_already_ended_counts_from_now() -> None:
    ended = NOW - timedelta(days=1)
    assert due(status=UserStatus.PAUSED, paused_until=ended) == due()


def test_pause_end_date_is_ignored_when_active() -> None:
    assert due(status=UserStatus.ACTIVE, paused_until=NOW + timedelta(days=5)) == due()


def test_result_is_utc_and_in_the_future() -> None:
    result = due(schedule=Schedule(time(23, 45), "Pacific/Chatham", ALL_DAYS))
    assert result is not None
    assert result.tzinfo is UTC
    assert result > NOW
