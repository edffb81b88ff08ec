"""The reminder sweep's use cases: claim what is due, settle what Telegram answered, and
the runner's Snooze / Skip today. The sending itself is `bot.sender`.

Every runner has `next_reminder_at` (and `next_morning_at` for the morning check-in) in
UTC. A claim takes a batch of due runners inside one write unit (row locks with SKIP
LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), records a delivery that is unique per
runner, kind and local date, advances each runner's next time, and commits; what it
returns is then sent and settled. What can go wrong, and what happens, is in
`bot.sender`'s docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ReminderTap
from bot.content import Content, Routine
from bot.db.models import ReminderDelivery, User
from bot.db.repo import deliveries, users
from bot.domain.enums import ALL_DAYS, DeliveryKind, DeliveryStatus, UserStatus
from bot.domain.onboarding import Step
from bot.domain.plan import NoteKind
from bot.domain.schedule import local_date_of, next_reminder_at
from bot.domain.zones import tzinfo_for
from bot.render import extras_text, next_text, time_text
from bot.services import plans, progression, safety
from bot.services.questions import predates
from bot.services.results import EXPIRED, Reply, Say, refused
from bot.services.runners import refresh_next_reminder, zone_of
from bot.services.unit import Env, runner_unit

LEASE = timedelta(minutes=2)  # a pending delivery older than this is claimed again
MAX_ATTEMPTS = 5
MAX_CATCH_UP = 14  # occurrences walked through after downtime before jumping to now
SNOOZE = timedelta(minutes=30)


@dataclass(frozen=True)
class Outgoing:
    """A claimed reminder or morning question, ready to send."""

    delivery_id: int
    telegram_user_id: int
    chat_id: int
    kind: DeliveryKind
    local_date: date
    lines: tuple[Say, ...]  # the reminder's text (the morning question's is fixed)
    snooze: bool  # offer Snooze (once a day)
    # What the rules' daily jobs said since the runner last heard from the bot (R8's nudge,
    # R6b's advice, ...): sent with the reminder or before the morning question.
    news: tuple[Say, ...] = ()
    rescreen: bool = False  # R6b: offer the red-flag questions again (R0c)
    language: str | None = None  # the runner's: the lines are written in it


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    missed: int = 0
    blocked: int = 0
    failed: int = 0
    retry_later: int = 0
    errors: list[str] = field(default_factory=list)


class Answer(StrEnum):
    """What Telegram answered to one send."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    RETRY = "retry"


# --- claiming -------------------------------------------------------------------------


async def claim(
    env: Env,
    *,
    kind: DeliveryKind,
    now: datetime,
    grace: timedelta,
    batch_size: int,
    result: SweepResult,
) -> tuple[list[Outgoing], int]:
    """One batch of due reminders (or morning questions), in one write unit: what to send,
    and how many runners were looked at (0: nothing was due).

    The batch is one SELECT of the due runners (locked), one SELECT of the deliveries
    already recorded for their dates and one multi-row INSERT of the new ones; the runners'
    next times go out in the flush, grouped by the ORM. The rules' daily jobs, once a day
    per runner, read the weeks of history they need of the whole batch in one SELECT per
    table (progression.daily_jobs)."""
    async with env.db.write() as tx:
        runners = await deliveries.due_runners(tx, kind=kind, now=now, limit=batch_size)
        reminder = kind is DeliveryKind.REMINDER
        hurts = await plans.sharp_hurts(tx, env.content, runners, now=now) if reminder else {}
        severe = (
            await plans.severe_recently(tx, env.content, runners, now=now) if reminder else set()
        )
        walks = [_walk(user, kind=kind, now=now, grace=grace, result=result) for user in runners]
        keys = [(w.user.id, d) for w in walks for d, _ in w.missed]
        keys += [(w.user.id, w.pending[0]) for w in walks if w.pending is not None]
        found = await deliveries.existing(tx, kind=kind, keys=keys)
        taken = set(found)  # a row exists or is about to be inserted: at most one per date
        rows: list[dict[str, object]] = []
        chosen: list[tuple[User, _Chosen]] = []
        for walk in walks:
            user = walk.user
            for local_date, due in walk.missed:
                if (user.id, local_date) not in taken:
                    taken.add((user.id, local_date))
                    rows.append(_row(user, kind, local_date, due, now, DeliveryStatus.MISSED))
            if walk.pending is None:
                continue
            local_date, due = walk.pending
            # What this reminder names, and so what its Start starts, whatever the runner
            # tries or chooses meanwhile (a re-armed snooze names today's choice again).
            routine_id = plans.routine_of(env.content, user).id if reminder else None
            row = found.get((user.id, local_date))
            if row is not None and row.status is DeliveryStatus.SNOOZED:
                row.status, row.snoozed, row.claimed_at = DeliveryStatus.PENDING, True, now
                row.due_at, row.attempts = due, 0
                row.routine_id = routine_id if reminder else row.routine_id
                chosen.append((user, _Chosen(row.id, local_date, row.routine_id, snoozed=True)))
            elif (user.id, local_date) not in taken:
                taken.add((user.id, local_date))
                new = _row(user, kind, local_date, due, now, DeliveryStatus.PENDING)
                new["routine_id"] = routine_id
                chosen.append((user, _Chosen(None, local_date, routine_id, snoozed=False)))
                rows.append(new)
            # else: already delivered (or missed, or skipped) for that date
        ids = await deliveries.add_many(tx, rows=rows)
        news_of = await progression.daily_jobs(env, tx, [user for user, _ in chosen], now=now)
        claimed: list[Outgoing] = []
        for user, item in chosen:
            delivery_id = item.delivery_id or ids[user.id, item.local_date]
            result.claimed += 1
            news = news_of[user.id]
            outgoing = _outgoing(
                env.content,
                user,
                delivery_id=delivery_id,
                kind=kind,
                local_date=item.local_date,
                routine_id=item.routine_id,
                snoozed=item.snoozed,
                now=now,
                sharp_hurt_at=hurts.get(user.id),
                severe_recently=user.id in severe,
            )
            claimed.append(replace(outgoing, news=news.sentences, rescreen=news.rescreen))
    return claimed, len(runners)


@dataclass(frozen=True)
class _Walk:
    """One due runner, walked through: the occurrences missed (local date, due) and the
    one to send now, if any."""

    user: User
    missed: list[tuple[date, datetime]]
    pending: tuple[date, datetime] | None


@dataclass(frozen=True)
class _Chosen:
    delivery_id: int | None  # None: a new one, its id comes back from the INSERT
    local_date: date
    routine_id: str | None
    snoozed: bool


def _walk(
    user: User, *, kind: DeliveryKind, now: datetime, grace: timedelta, result: SweepResult
) -> _Walk:
    """Decide, without the database, what one due runner gets: the runner's state (status,
    snooze, next time) is advanced here; the deliveries are recorded by the caller."""
    attr = "next_reminder_at" if kind is DeliveryKind.REMINDER else "next_morning_at"
    due: datetime | None = getattr(user, attr)
    assert due is not None
    zone = zone_of(user)
    missed: list[tuple[date, datetime]] = []

    # Nobody in a safety stop, blocked, or paused gets one; a pause that has ended ends here.
    if (
        user.status is UserStatus.PAUSED
        and user.paused_until is not None
        and user.paused_until <= now
    ):
        user.status = UserStatus.ACTIVE
        user.paused_until = None
    if user.status is not UserStatus.ACTIVE or user.onboarding_step is not Step.DONE:
        setattr(
            user,
            attr,
            None if user.status is not UserStatus.PAUSED else _after_pause(user, kind, now),
        )
        return _Walk(user, missed, None)

    snooze_date = user.snooze_date if kind is DeliveryKind.REMINDER else None
    steps = 0
    while True:
        local_date = snooze_date or local_date_of(due, zone)
        if now - due <= grace:
            break
        # Too late to be useful: recorded as missed, quietly, and on to the next one.
        missed.append((local_date, due))
        result.missed += 1
        snooze_date = None
        user.snooze_date = None
        following = _following(user, kind, due if steps < MAX_CATCH_UP else now)
        steps += 1
        if following is None or following > now:
            setattr(user, attr, following)
            return _Walk(user, missed, None)
        due = following

    user.snooze_date = None if kind is DeliveryKind.REMINDER else user.snooze_date
    setattr(user, attr, _following(user, kind, max(due, now)))
    return _Walk(user, missed, (local_date, due))


def _row(
    user: User,
    kind: DeliveryKind,
    local_date: date,
    due: datetime,
    now: datetime,
    status: DeliveryStatus,
) -> dict[str, object]:
    """A new delivery's column values."""
    return {
        "user_id": user.id,
        "kind": kind,
        "local_date": local_date,
        "status": status,
        "due_at": due,
        "claimed_at": now if status is DeliveryStatus.PENDING else None,
        "attempts": 0,
        "snoozed": False,
        "routine_id": None,
        "created_at": now,
    }


async def take_morning(tx: AsyncSession, user: User, *, now: datetime) -> ReminderDelivery | None:
    """Today's morning question, due later today (or overdue) and not sent yet, taken from
    the sweep to be asked now (before a session): recorded as sent, the next one scheduled.
    None when none is due today."""
    due = user.next_morning_at
    if due is None:
        return None
    today = local_date_of(now, zone_of(user))
    if local_date_of(due, zone_of(user)) != today:
        return None
    user.next_morning_at = _following(user, DeliveryKind.MORNING_CHECKIN, max(due, now))
    return await _record(
        tx, user, DeliveryKind.MORNING_CHECKIN, today, due, now, DeliveryStatus.SENT
    )


def _schedule_next(user: User, after: datetime) -> datetime | None:
    if user.reminder_time is None or user.time_zone is None:
        return None
    return next_reminder_at(
        after=after,
        local_time=user.reminder_time,
        zone=user.time_zone,
        days_mask=user.reminder_days,
    )


def _following(user: User, kind: DeliveryKind, after: datetime) -> datetime | None:
    if kind is DeliveryKind.REMINDER:
        return _schedule_next(user, after)
    if user.flare_since is not None and user.time_zone is not None:
        # In flare mode the morning question comes every morning (PROGRESSION.md, 5).
        return next_reminder_at(
            after=after, local_time=user.morning_time, zone=user.time_zone, days_mask=ALL_DAYS
        )
    return None  # otherwise one-off: set again after the next session or run


def _after_pause(user: User, kind: DeliveryKind, now: datetime) -> datetime | None:
    if kind is not DeliveryKind.REMINDER or user.paused_until is None:
        return None
    return _schedule_next(user, max(now, user.paused_until))


async def _record(
    tx: AsyncSession,
    user: User,
    kind: DeliveryKind,
    local_date: date,
    due: datetime,
    now: datetime,
    status: DeliveryStatus,
) -> ReminderDelivery | None:
    """The delivery row for (user, kind, date): created, or re-armed after a snooze.
    None when that date was already delivered (or missed, or skipped)."""
    existing = await deliveries.find(tx, user_id=user.id, kind=kind, local_date=local_date)
    if existing is not None:
        if existing.status is DeliveryStatus.SNOOZED and status is DeliveryStatus.PENDING:
            existing.status = DeliveryStatus.PENDING
            existing.snoozed = True
            existing.claimed_at = now
            existing.due_at = due
            existing.attempts = 0
            return existing
        return None
    return await deliveries.add(
        tx,
        delivery=ReminderDelivery(
            user_id=user.id,
            kind=kind,
            local_date=local_date,
            status=status,
            due_at=due,
            claimed_at=now if status is DeliveryStatus.PENDING else None,
            attempts=0,
            snoozed=False,
            created_at=now,
        ),
    )


def reminder_lines(
    content: Content,
    user: User,
    *,
    now: datetime,
    routine: Routine | None = None,
    sharp_hurt_at: datetime | None = None,
    severe_recently: bool = False,
) -> tuple[Say, ...]:
    """'Time for your routine: Decompression ladder, level 2: 2 steps, about 4 min', and
    the flare or level-cap note: from today's plan of `routine` (else the daily one), so
    it names what the session will run."""
    plan = plans.plan_of(
        content,
        user,
        now=now,
        routine=routine,
        sharp_hurt_at=sharp_hurt_at,
        severe_recently=severe_recently,
    )
    routine = content.routines[plan.routine_id]
    name = (
        content.texts.get("routine_with_level", routine=routine.name, level=str(plan.level))
        if plan.level is not None
        else routine.name
    )
    lines = [
        Say(
            "reminder",
            {
                "routine": name,
                "steps": content.texts.get("n_steps", count=len(plan.routine_steps)),
                "extras": extras_text(content.texts, len(plan.extras)),
                "minutes": str(plan.minutes),
            },
        )
    ]
    if any(n.kind is NoteKind.FLARE for n in plan.notes):
        lines.append(Say("reminder_flare"))
    elif any(n.kind is NoteKind.CAPPED for n in plan.notes):
        lines.append(Say("plan_capped", {"level": str(plan.level)}))
    return tuple(lines)


def _outgoing(
    content: Content,
    user: User,
    *,
    delivery_id: int,
    kind: DeliveryKind,
    local_date: date,
    routine_id: str | None,
    snoozed: bool,
    now: datetime,
    sharp_hurt_at: datetime | None,
    severe_recently: bool = False,
) -> Outgoing:
    lines: tuple[Say, ...] = ()
    content = content.speaking(user.language)
    if kind is DeliveryKind.REMINDER:
        lines = reminder_lines(
            content,
            user,
            now=now,
            routine=plans.routine_of(content, user, routine_id),
            sharp_hurt_at=sharp_hurt_at,
            severe_recently=severe_recently,
        )
    return Outgoing(
        delivery_id=delivery_id,
        telegram_user_id=user.telegram_user_id,
        chat_id=user.chat_id,
        kind=kind,
        local_date=local_date,
        lines=lines,
        snooze=not snoozed,
        language=content.language,
    )


async def reclaim_stale(
    env: Env, *, now: datetime, grace: timedelta, batch_size: int, result: SweepResult
) -> list[Outgoing]:
    """Pending deliveries whose sender died (or gave up for now): claimed again, in one
    write unit."""
    claimed: list[Outgoing] = []
    async with env.db.write() as tx:
        rows = await deliveries.stale_pending(tx, claimed_before=now - LEASE, limit=batch_size)
        for delivery in rows:
            user = await users.by_id(tx, user_id=delivery.user_id)
            too_late = now - delivery.due_at > grace
            if (
                user is None
                or user.status is not UserStatus.ACTIVE
                or safety.stopped(user)
                or too_late
            ):
                delivery.status = DeliveryStatus.MISSED if too_late else DeliveryStatus.FAILED
                result.missed += int(too_late)
                continue
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
                continue
            delivery.claimed_at = now
            if delivery.kind is DeliveryKind.REMINDER:
                # One claimed before revision 0004 names its routine now.
                delivery.routine_id = plans.routine_of(env.content, user, delivery.routine_id).id
            result.claimed += 1
            claimed.append(
                _outgoing(
                    env.content,
                    user,
                    delivery_id=delivery.id,
                    kind=delivery.kind,
                    local_date=delivery.local_date,
                    routine_id=delivery.routine_id,
                    snoozed=delivery.snoozed,
                    now=now,
                    sharp_hurt_at=None,
                )
            )
    return claimed


# --- settling -------------------------------------------------------------------------


async def settle(
    env: Env, done: Sequence[tuple[Outgoing, str, int | None]], result: SweepResult
) -> None:
    """Record what Telegram answered, for many deliveries in one write unit: a sweep of
    thousands would otherwise queue one SQLite transaction per reminder."""
    async with env.db.write() as tx:
        sent = [
            (item.delivery_id, message_id)
            for item, answer, message_id in done
            if answer == Answer.SENT
        ]
        await deliveries.mark_sent(tx, sent=sent)
        result.sent += len(sent)
        await users.open_mornings(
            tx,
            sent=[
                (item.telegram_user_id, item.delivery_id, message_id)
                for item, answer, message_id in done
                if answer == Answer.SENT
                and item.kind is DeliveryKind.MORNING_CHECKIN
                and message_id is not None
            ],
        )
        for item, answer, _ in done:
            if answer == Answer.SENT:
                continue
            delivery = await deliveries.get(tx, delivery_id=item.delivery_id)
            if delivery is None:
                continue  # the runner deleted their data meanwhile
            delivery.attempts += 1
            if answer == Answer.BLOCKED:
                delivery.status = DeliveryStatus.FAILED
                user = await users.by_id(tx, user_id=delivery.user_id)
                if user is not None:
                    user.status = UserStatus.BLOCKED
                    user.next_reminder_at = None
                    user.next_morning_at = None
                result.blocked += 1
            elif answer == Answer.FAILED:
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
            else:
                result.retry_later += 1  # stays pending: the next sweep after the lease retries


# --- the runner's taps on a reminder -----------------------------------------------------


async def tap(
    env: Env, *, telegram_user_id: int, tap: ReminderTap, message_id: int | None = None
) -> Reply:
    """Snooze 30 min (once a day) or Skip today, on the reminder the runner tapped."""
    now = env.clock.now()
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if predates(user, message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        delivery = await deliveries.get(tx, delivery_id=tap.delivery_id)
        if user is None or delivery is None or delivery.user_id != user.id:
            return refused(EXPIRED)
        if delivery.kind is not DeliveryKind.REMINDER or delivery.status is not DeliveryStatus.SENT:
            return refused("reminder_closed")
        if delivery.local_date != local_date_of(now, zone_of(user)):
            return refused(EXPIRED)  # yesterday's reminder
        if tap.snooze:
            if delivery.snoozed:
                return refused(EXPIRED)  # snooze is once a day
            delivery.status = DeliveryStatus.SNOOZED
            user.snooze_date = delivery.local_date
            user.next_reminder_at = now + SNOOZE
            local = (now + SNOOZE).astimezone(tzinfo_for(zone_of(user)))
            return Reply(record=Say("snoozed", {"time": time_text(env.texts, local.time())}))
        delivery.status = DeliveryStatus.SKIPPED
        refresh_next_reminder(user, now)
        upcoming = next_text(env.texts, user.next_reminder_at, now=now, zone=user.time_zone)
        return Reply(record=Say("skipped_today", {"next": upcoming}))
