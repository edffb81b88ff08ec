"""The reminder sweep: right local hour across DST, never doubled, never lost."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db.models import ReminderDelivery, User
from bot.devtools.standin import BotApiStandIn
from bot.domain.enums import DeliveryStatus, UserStatus
from bot.domain.zones import tzinfo_for
from bot.sender import claim_due
from bot.services.reminders import LEASE, SweepResult
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.factories import make_runner
from tests.utils.rows import user_row

REMINDER = "Time for your routine"


def reminders_to(standin: BotApiStandIn, chat_id: int) -> list[dict[str, object]]:
    """Every reminder sent to the chat (as sent: later edits do not hide one)."""
    return [
        params
        for _name, params in standin.successful_calls("sendMessage")
        if str(params.get("chat_id")) == str(chat_id)
        and str(params.get("text", "")).startswith(REMINDER)
    ]


async def deliveries(runner: BotRunner, status: DeliveryStatus | None = None) -> int:
    async with runner.db.read() as session:
        query = select(func.count()).select_from(ReminderDelivery)
        if status is not None:
            query = query.where(ReminderDelivery.status == status)
        return int(await session.scalar(query) or 0)


async def walk(
    runner: BotRunner, clock: ManualClock, until: datetime, step: timedelta
) -> dict[int, list[datetime]]:
    """Sweep every `step` until `until`; when each chat got a reminder (clock time)."""
    seen: dict[int, int] = defaultdict(int)
    sent: dict[int, list[datetime]] = defaultdict(list)
    while clock.now() < until:
        clock.advance(step)
        await runner.sweep()
        for chat_id, count in _counts(runner.standin).items():
            for _ in range(count - seen[chat_id]):
                sent[chat_id].append(clock.now())
            seen[chat_id] = count
    return sent


def _counts(standin: BotApiStandIn) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for _name, params in standin.successful_calls("sendMessage"):
        if str(params.get("text", "")).startswith(REMINDER):
            counts[int(str(params["chat_id"]))] += 1
    return counts


BERLIN_0730 = (1, "Europe/Berlin", time(7, 30))
BERLIN_0230 = (5, "Europe/Berlin", time(2, 30))
NEW_YORK_0730 = (2, "America/New_York", time(7, 30))
NEW_YORK_0130 = (6, "America/New_York", time(1, 30))
SYDNEY_0730 = (3, "Australia/Sydney", time(7, 30))
KATHMANDU_0730 = (4, "Asia/Kathmandu", time(7, 30))  # +05:45, no DST: the control
AROUND = 1  # days walked before and after the day of the change


@pytest.mark.parametrize(
    ("change", "zones"),
    [
        # EST -> EDT on Sun 8 March 2026
        (date(2026, 3, 8), [NEW_YORK_0730, KATHMANDU_0730]),
        # CET -> CEST on Sun 29 March 2026; 02:30 does not exist that day
        (date(2026, 3, 29), [BERLIN_0730, BERLIN_0230]),
        # AEDT -> AEST on Sun 5 April 2026
        (date(2026, 4, 5), [SYDNEY_0730]),
        # AEST -> AEDT on Sun 4 October 2026
        (date(2026, 10, 4), [SYDNEY_0730]),
        # CEST -> CET on Sun 25 October 2026; 02:30 happens twice
        (date(2026, 10, 25), [BERLIN_0730, BERLIN_0230]),
        # EDT -> EST on Sun 1 November 2026; 01:30 happens twice
        (date(2026, 11, 1), [NEW_YORK_0730, NEW_YORK_0130]),
    ],
    ids=lambda value: (
        f"{value:%m-%d}" if isinstance(value, date) else value[0][1].split("/")[1].lower()
    ),
)
async def test_reminders_across_a_clock_change(
    bot_runner: BotRunner,
    clock: ManualClock,
    change: date,
    zones: list[tuple[int, str, time]],
) -> None:
    """Sweeps every 15 minutes from the day before a clock change to the day after it (local
    midnights in the first zone): one reminder each local day, none skipped, none doubled,
    each at the first sweep after its wall time. Hypothesis covers the arithmetic for
    every zone and time (tests/domain/test_schedule.py); this is the sweep doing it."""
    anchor = tzinfo_for(zones[0][1])  # the zone whose clock changes
    first_day, last_day = change - timedelta(days=AROUND), change + timedelta(days=AROUND)
    start = datetime.combine(first_day, time(0), anchor).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), anchor).astimezone(UTC)
    clock.set(start)
    for chat_id, zone, at in zones:
        await make_runner(
            bot_runner.db, chat_id, standin=bot_runner.standin, now=clock.now(), zone=zone, at=at
        )

    sent = await walk(bot_runner, clock, end, timedelta(minutes=15))

    for chat_id, zone, at in zones:
        tz = tzinfo_for(zone)
        local = [instant.astimezone(tz) for instant in sent[chat_id]]
        dates = [moment.date() for moment in local]
        assert len(dates) == len(set(dates)), f"{zone} {at}: a date got two reminders"
        first, last = dates[0], dates[-1]
        assert len(dates) == (last - first).days + 1, f"{zone} {at}: a day was skipped"
        if zone == zones[0][1]:
            assert (first, last) == (first_day, last_day), f"{zone} {at}: {first}..{last}"
        else:
            assert len(dates) >= 2 * AROUND, f"{zone} {at}: {dates}"
        for moment in local:
            wall = datetime.combine(moment.date(), at)
            delay = moment.replace(tzinfo=None) - wall
            # Sent at the first sweep after the wall time; on a spring-forward day a time in
            # the gap goes out when the gap ends (up to an hour "late" on the wall clock).
            gap_day = (
                zone == "Europe/Berlin" and at == time(2, 30) and moment.date() == date(2026, 3, 29)
            )
            limit = timedelta(minutes=75) if gap_day else timedelta(minutes=15)
            assert timedelta(0) <= delay <= limit, f"{zone} {at}: {moment}"


async def test_restart_exactly_at_the_due_minute(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(
        bot_runner.db, 11, standin=bot_runner.standin, now=clock.now()
    )  # due 06:30 UTC
    clock.set(datetime(2026, 3, 2, 6, 30, tzinfo=UTC))
    await bot_runner.sweep()
    await bot_runner.restart()
    await bot_runner.sweep()
    clock.advance(timedelta(minutes=1))
    await bot_runner.sweep()

    assert len(reminders_to(bot_runner.standin, 11)) == 1


async def test_killed_between_claim_and_send_is_sent_after_the_lease(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    await make_runner(bot_runner.db, 12, standin=bot_runner.standin, now=clock.now())
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    # A sweep claims, then the process dies before sending anything.
    config = bot_runner.sweep_config()
    items, _ = await claim_due(bot_runner.env, now=clock.now(), config=config, result=SweepResult())
    assert len(items) == 1
    await bot_runner.restart()

    await bot_runner.sweep()  # within the lease: the claim is respected, nothing sent yet
    assert reminders_to(bot_runner.standin, 12) == []
    clock.advance(LEASE + timedelta(seconds=1))
    await bot_runner.sweep()
    await bot_runner.sweep()

    assert len(reminders_to(bot_runner.standin, 12)) == 1
    assert await deliveries(bot_runner, DeliveryStatus.SENT) == 1


async def test_late_within_the_grace_window(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(
        bot_runner.db, 13, standin=bot_runner.standin, now=clock.now()
    )  # due 06:30 UTC
    clock.set(datetime(2026, 3, 2, 8, 20, tzinfo=UTC))  # down until 110 minutes later
    await bot_runner.sweep()
    assert len(reminders_to(bot_runner.standin, 13)) == 1


async def test_too_late_is_skipped_quietly(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(bot_runner.db, 14, standin=bot_runner.standin, now=clock.now())
    clock.set(datetime(2026, 3, 2, 8, 31, tzinfo=UTC))  # 121 minutes after 06:30
    result = await bot_runner.sweep()

    assert reminders_to(bot_runner.standin, 14) == []
    assert result.missed == 1
    user = await user_row(bot_runner.db, 14)
    assert user.next_reminder_at == datetime(2026, 3, 3, 6, 30, tzinfo=UTC)


async def test_down_for_days_sends_only_todays(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(bot_runner.db, 15, standin=bot_runner.standin, now=clock.now())
    clock.set(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))  # three days later, 30 min after today's
    result = await bot_runner.sweep()

    assert len(reminders_to(bot_runner.standin, 15)) == 1
    assert result.missed == 3


@pytest.mark.parametrize("status", [UserStatus.PAUSED, UserStatus.RED_FLAG, UserStatus.BLOCKED])
async def test_no_reminders_for_paused_red_flag_or_blocked(
    bot_runner: BotRunner, clock: ManualClock, status: UserStatus
) -> None:
    await make_runner(bot_runner.db, 16, standin=bot_runner.standin, now=clock.now())
    async with bot_runner.db.write() as session:
        user = await session.scalar(select(User).where(User.telegram_user_id == 16))
        assert user is not None
        user.status = status  # changed behind the schedule's back: the sweep must still refuse
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    await bot_runner.sweep()
    assert reminders_to(bot_runner.standin, 16) == []


async def test_403_marks_the_runner_blocked(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(bot_runner.db, 17, standin=bot_runner.standin, now=clock.now())
    bot_runner.standin.inject_error(17, 403)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    result = await bot_runner.sweep()

    assert result.blocked == 1
    user = await user_row(bot_runner.db, 17)
    assert user.status is UserStatus.BLOCKED
    assert user.next_reminder_at is None
    clock.advance(timedelta(days=1))
    await bot_runner.sweep()
    assert reminders_to(bot_runner.standin, 17) == []


async def test_blocked_runner_comes_back_with_start(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    await make_runner(
        bot_runner.db, 18, standin=bot_runner.standin, now=clock.now(), status=UserStatus.BLOCKED
    )
    chat = ChatUser(bot_runner.standin, 18, settle=bot_runner.settle)
    await chat.say("/start")
    user = await user_row(bot_runner.db, 18)
    assert user.status is UserStatus.ACTIVE
    assert user.next_reminder_at == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)


async def test_429_waits_and_sends_once(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(bot_runner.db, 19, standin=bot_runner.standin, now=clock.now())
    bot_runner.standin.inject_error(19, 429, retry_after=1)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    await bot_runner.sweep()
    assert len(reminders_to(bot_runner.standin, 19)) == 1
    assert await deliveries(bot_runner, DeliveryStatus.SENT) == 1


async def test_500_retries_with_backoff_and_sends_once(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    await make_runner(bot_runner.db, 20, standin=bot_runner.standin, now=clock.now())
    bot_runner.standin.inject_error(20, 500, times=2)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    await bot_runner.sweep()
    assert len(reminders_to(bot_runner.standin, 20)) == 1


async def test_persistent_5xx_is_retried_by_a_later_sweep(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    await make_runner(bot_runner.db, 21, standin=bot_runner.standin, now=clock.now())
    bot_runner.standin.inject_error(21, 502, times=10)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    result = await bot_runner.sweep()
    assert result.retry_later == 1
    bot_runner.standin.clear_errors()
    clock.advance(LEASE + timedelta(seconds=1))
    await bot_runner.sweep()
    assert len(reminders_to(bot_runner.standin, 21)) == 1


async def test_many_runners_due_at_once_each_get_one(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    for chat_id in range(100, 400):
        await make_runner(
            bot_runner.db,
            chat_id,
            standin=bot_runner.standin,
            now=clock.now(),
            zone="UTC",
            at=time(7, 0),
        )
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await bot_runner.sweep()
    await bot_runner.sweep()

    counts = _counts(bot_runner.standin)
    assert len(counts) == 300
    assert set(counts.values()) == {1}


async def test_snooze_once_then_skip(bot_runner: BotRunner, clock: ManualClock) -> None:
    await make_runner(bot_runner.db, 22, standin=bot_runner.standin, now=clock.now())
    chat = ChatUser(bot_runner.standin, 22, settle=bot_runner.settle)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    await bot_runner.sweep()
    reminder = copy.deepcopy(chat.last())
    assert reminder.button_labels() == ["Start", "Snooze 30 min", "Skip today"]

    await chat.tap("Snooze 30 min")
    assert chat.last().text == "Snoozed: I'll remind you again at 08:01."
    clock.advance(timedelta(minutes=29))
    await bot_runner.sweep()
    assert len(reminders_to(bot_runner.standin, 22)) == 1
    clock.advance(timedelta(minutes=2))
    await bot_runner.sweep()
    again = reminders_to(bot_runner.standin, 22)
    assert len(again) == 2
    assert chat.last().button_labels() == ["Start", "Skip today"]  # snooze is once a day

    answer = await chat.tap_message(reminder, "Snooze 30 min")  # the old one
    assert answer.get("text") in (
        "That reminder has already been answered.",
        "That button has expired.",
    )
    await chat.tap("Skip today")
    assert chat.last().text == "Skipped for today; that's fine. Next reminder: tomorrow 07:30."
    assert await deliveries(bot_runner, DeliveryStatus.SKIPPED) == 1


async def test_start_on_a_reminder_begins_the_session(
    bot_runner: BotRunner, clock: ManualClock
) -> None:
    await make_runner(bot_runner.db, 23, standin=bot_runner.standin, now=clock.now())
    chat = ChatUser(bot_runner.standin, 23, settle=bot_runner.settle)
    clock.set(datetime(2026, 3, 2, 6, 31, tzinfo=UTC))
    await bot_runner.sweep()
    await chat.tap("Start")
    assert (chat.last().text or "").startswith("Upper-back foam rolling")  # one step: no header
