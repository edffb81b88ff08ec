"""The reminder sweep: one job, not one job per user.

Every runner has `next_reminder_at` (and `next_morning_at` for the morning check-in) in
UTC. A sweep claims the due ones in batches, inside one transaction per batch (row locks
with SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), records a delivery that is
unique per runner, kind and local date, advances the runner's next time, and commits;
then it sends, paced to SEND_RATE_PER_SECOND, and marks the deliveries sent (in groups,
every SETTLE_SECONDS). The next batch is claimed while the last one is being sent.

What can go wrong, and what happens:
- the bot was down: a reminder older than the grace window is recorded as missed and not
  sent; the next one is scheduled;
- the process dies between claim and send: the delivery stays `pending`; after a lease it
  is claimed again and sent (if still within the grace window), so nothing is lost. The
  only duplicate possible is a death between Telegram accepting the message and the
  database marking it sent, a window of SETTLE_SECONDS plus one database write;
- Telegram answers 403: the runner blocked the bot: marked blocked, no more reminders;
- 429, 5xx, network errors: retried with backoff; what still fails stays pending for the
  next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from aiolimiter import AsyncLimiter
from sqlalchemy import ColumnElement, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot import keyboards
from bot.content import Content
from bot.db.engine import Database
from bot.db.models import ReminderDelivery, User
from bot.domain.enums import DeliveryKind, DeliveryStatus, UserStatus
from bot.domain.plan import ladder_steps
from bot.domain.schedule import instant_on, local_date_of, next_reminder_at
from bot.domain.zones import tzinfo_for

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.05  # answers from Telegram are recorded this often, in one write
SETTLE_BATCH = 200
LEASE = timedelta(minutes=2)  # a pending delivery older than this is claimed again
MAX_ATTEMPTS = 5
MAX_CATCH_UP = 14  # occurrences walked through after downtime before jumping to now


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    telegram_user_id: int
    chat_id: int
    kind: DeliveryKind
    local_date: date
    text: str
    markup: InlineKeyboardMarkup | None


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    missed: int = 0
    blocked: int = 0
    failed: int = 0
    retry_later: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SweepConfig:
    grace: timedelta
    batch_size: int = 200
    send_rate_per_second: float = 25.0
    concurrency: int = 16
    retries: int = 3
    backoff_seconds: float = 0.5


def next_morning_after(day: date, *, at: time, zone: str) -> datetime:
    """The morning check-in instant (UTC) on the local day after `day`."""
    return instant_on(day + timedelta(days=1), at, tzinfo_for(zone))


def _schedule_next(user: User, after: datetime) -> datetime | None:
    if user.reminder_time is None or user.time_zone is None:
        return None
    return next_reminder_at(
        after=after,
        local_time=user.reminder_time,
        zone=user.time_zone,
        days_mask=user.reminder_days,
    )


def reminder_text(content: Content, user: User) -> str:
    texts = content.texts
    routine = content.routines.get(user.routine_id) or content.ladder
    if routine.kind == "ladder":
        substitutes = (
            {}
            if user.has_foam_roller
            else {
                e.id: e.without_equipment
                for e in content.exercises.values()
                if e.without_equipment and "foam_roller" in e.equipment
            }
        )
        steps = ladder_steps(routine.steps, user.level, substitutes=substitutes)
        name = texts.get("routine_with_level", routine=routine.name, level=str(user.level))
    else:
        steps = list(routine.steps)
        name = routine.name
    minutes = max(1, round(sum(content.exercises[s].dose.estimated_seconds() for s in steps) / 60))
    return texts.get("reminder", routine=name, steps=str(len(steps)), minutes=str(minutes))


def reminder_markup(content: Content, delivery_id: int, *, snoozed: bool) -> InlineKeyboardMarkup:
    return keyboards.reminder_buttons(content.texts, delivery_id, snooze=not snoozed)


async def _claim_kind(
    db: Database,
    content: Content,
    *,
    kind: DeliveryKind,
    now: datetime,
    config: SweepConfig,
    result: SweepResult,
) -> tuple[list[Claimed], int]:
    """Claimed deliveries, and how many due runners the batch looked at."""
    column: ColumnElement[datetime | None]
    column = User.next_reminder_at if kind is DeliveryKind.REMINDER else User.next_morning_at  # type: ignore[assignment]
    claimed: list[Claimed] = []
    async with db.write() as session:
        users = (
            await session.scalars(
                select(User)
                .where(column.is_not(None), column <= now)
                .order_by(column)
                .limit(config.batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for user in users:
            item = await _claim_user(
                session, content, user, kind=kind, now=now, config=config, result=result
            )
            if item is not None:
                claimed.append(item)
    return claimed, len(users)


async def _claim_user(
    session: AsyncSession,
    content: Content,
    user: User,
    *,
    kind: DeliveryKind,
    now: datetime,
    config: SweepConfig,
    result: SweepResult,
) -> Claimed | None:
    attr = "next_reminder_at" if kind is DeliveryKind.REMINDER else "next_morning_at"
    due: datetime | None = getattr(user, attr)
    assert due is not None
    zone = user.time_zone or "UTC"

    # Nobody in a safety stop, blocked, or paused gets one; a pause that has ended ends here.
    if (
        user.status is UserStatus.PAUSED
        and user.paused_until is not None
        and user.paused_until <= now
    ):
        user.status = UserStatus.ACTIVE
        user.paused_until = None
    if user.status is not UserStatus.ACTIVE or user.onboarding_step != "done":
        setattr(
            user,
            attr,
            None if user.status is not UserStatus.PAUSED else _after_pause(user, kind, now),
        )
        return None

    snooze_date = user.snooze_date if kind is DeliveryKind.REMINDER else None
    steps = 0
    while True:
        local_date = snooze_date or local_date_of(due, zone)
        if now - due <= config.grace:
            break
        # Too late to be useful: recorded as missed, quietly, and on to the next one.
        await _record(session, user, kind, local_date, due, now, DeliveryStatus.MISSED)
        result.missed += 1
        snooze_date = None
        user.snooze_date = None
        following = _following(user, kind, due if steps < MAX_CATCH_UP else now)
        steps += 1
        if following is None or following > now:
            setattr(user, attr, following)
            return None
        due = following

    user.snooze_date = None if kind is DeliveryKind.REMINDER else user.snooze_date
    setattr(
        user, attr, _following(user, kind, max(due, now)) if kind is DeliveryKind.REMINDER else None
    )
    delivery = await _record(session, user, kind, local_date, due, now, DeliveryStatus.PENDING)
    if delivery is None:
        return None  # already delivered for that date
    result.claimed += 1
    return _claimed(content, user, delivery)


def _following(user: User, kind: DeliveryKind, after: datetime) -> datetime | None:
    if kind is DeliveryKind.REMINDER:
        return _schedule_next(user, after)
    return None  # a morning check-in is one-off: set again after the next session or run


def _after_pause(user: User, kind: DeliveryKind, now: datetime) -> datetime | None:
    if kind is not DeliveryKind.REMINDER or user.paused_until is None:
        return None
    return _schedule_next(user, max(now, user.paused_until))


async def _record(
    session: AsyncSession,
    user: User,
    kind: DeliveryKind,
    local_date: date,
    due: datetime,
    now: datetime,
    status: DeliveryStatus,
) -> ReminderDelivery | None:
    """The delivery row for (user, kind, date): created, or re-armed after a snooze.
    None when that date was already delivered (or missed, or skipped)."""
    existing = await session.scalar(
        select(ReminderDelivery).where(
            ReminderDelivery.user_id == user.id,
            ReminderDelivery.kind == kind,
            ReminderDelivery.local_date == local_date,
        )
    )
    if existing is not None:
        if existing.status is DeliveryStatus.SNOOZED and status is DeliveryStatus.PENDING:
            existing.status = DeliveryStatus.PENDING
            existing.snoozed = True
            existing.claimed_at = now
            existing.due_at = due
            existing.attempts = 0
            return existing
        return None
    delivery = ReminderDelivery(
        user_id=user.id,
        kind=kind,
        local_date=local_date,
        status=status,
        due_at=due,
        claimed_at=now if status is DeliveryStatus.PENDING else None,
        attempts=0,
        snoozed=False,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery


def _claimed(content: Content, user: User, delivery: ReminderDelivery) -> Claimed:
    texts = content.texts
    if delivery.kind is DeliveryKind.REMINDER:
        text = reminder_text(content, user)
        if user.flare_since is not None:
            text = f"{text}\n{texts.reminder_flare}"
        markup: InlineKeyboardMarkup | None = reminder_markup(
            content, delivery.id, snoozed=delivery.snoozed
        )
    else:
        text = texts.morning_prompt
        markup = keyboards.pain_scale(keyboards.MORNING, str(delivery.id))
    return Claimed(
        delivery_id=delivery.id,
        telegram_user_id=user.telegram_user_id,
        chat_id=user.chat_id,
        kind=delivery.kind,
        local_date=delivery.local_date,
        text=text,
        markup=markup,
    )


async def _reclaim_stale(
    db: Database, content: Content, *, now: datetime, config: SweepConfig, result: SweepResult
) -> list[Claimed]:
    """Pending deliveries whose sender died (or gave up for now): claimed again."""
    claimed: list[Claimed] = []
    async with db.write() as session:
        rows = (
            await session.scalars(
                select(ReminderDelivery)
                .where(
                    ReminderDelivery.status == DeliveryStatus.PENDING,
                    ReminderDelivery.claimed_at <= now - LEASE,
                )
                .order_by(ReminderDelivery.id)
                .limit(config.batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for delivery in rows:
            user = await session.get(User, delivery.user_id)
            too_late = now - delivery.due_at > config.grace
            if user is None or user.status is not UserStatus.ACTIVE or too_late:
                delivery.status = DeliveryStatus.MISSED if too_late else DeliveryStatus.FAILED
                result.missed += int(too_late)
                continue
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
                continue
            delivery.claimed_at = now
            result.claimed += 1
            claimed.append(_claimed(content, user, delivery))
    return claimed


async def claim_due(
    db: Database, content: Content, *, now: datetime, config: SweepConfig, result: SweepResult
) -> tuple[list[Claimed], int]:
    """One batch of each kind: what to send, and how many rows were looked at."""
    claimed = await _reclaim_stale(db, content, now=now, config=config, result=result)
    touched = len(claimed)
    for kind in (DeliveryKind.REMINDER, DeliveryKind.MORNING_CHECKIN):
        items, looked_at = await _claim_kind(
            db, content, kind=kind, now=now, config=config, result=result
        )
        claimed += items
        touched += looked_at
    return claimed, touched


async def _send_one(bot: ExtBot[int], item: Claimed, config: SweepConfig) -> tuple[str, int | None]:
    """Send with retries; ('sent', message id), ('blocked', None) or ('retry', None)."""
    for attempt in range(config.retries + 1):
        try:
            message = await bot.send_message(item.chat_id, item.text, reply_markup=item.markup)
            return "sent", message.message_id
        except Forbidden:
            return "blocked", None
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await asyncio.sleep(seconds)
        except BadRequest as exc:
            log.warning("event=reminder_rejected reason=%s", exc.message[:80])
            return "failed", None
        except (TimedOut, NetworkError):
            await asyncio.sleep(config.backoff_seconds * 2**attempt)
    return "retry", None


async def _settle(
    db: Database, done: Sequence[tuple[Claimed, str, int | None]], result: SweepResult
) -> None:
    """Record what Telegram answered, for many deliveries in one write unit: a sweep of
    thousands would otherwise queue one SQLite transaction per reminder."""
    table = cast(Table, ReminderDelivery.__table__)
    sent = [
        {"b_id": item.delivery_id, "b_message_id": message_id}
        for item, outcome, message_id in done
        if outcome == "sent"
    ]
    async with db.write() as session:
        if sent:
            # One statement for all sent ones (a row deleted meanwhile just matches nothing).
            await session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    status=DeliveryStatus.SENT,
                    message_id=bindparam("b_message_id"),
                    attempts=table.c.attempts + 1,
                ),
                sent,
            )
            result.sent += len(sent)
        for item, outcome, _ in done:
            if outcome == "sent":
                continue
            delivery = await session.get(ReminderDelivery, item.delivery_id)
            if delivery is None:
                continue  # the runner deleted their data meanwhile
            delivery.attempts += 1
            if outcome == "blocked":
                delivery.status = DeliveryStatus.FAILED
                user = await session.get(User, delivery.user_id)
                if user is not None:
                    user.status = UserStatus.BLOCKED
                    user.next_reminder_at = None
                    user.next_morning_at = None
                result.blocked += 1
            elif outcome == "failed":
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
            else:
                result.retry_later += 1  # stays pending: the next sweep after the lease retries


class _Sender:
    """Sends claimed items at the sweep's pace and records the answers.

    * One send every 1/rate seconds for the whole sweep, never a burst: a burst at a batch
      start (a limiter that had filled up during a claim) drew 429s, and PTB's rate limiter
      then holds every request for the retry_after second.
    * At most `concurrency` sends at once.
    * Answers are recorded in groups, SETTLE_SECONDS apart or SETTLE_BATCH at a time, one
      write unit each. (So a crash can lose the "sent" mark of the answers of the last
      fraction of a second, not just of one send; those reminders go out again after the
      lease. See the module docstring.)
    """

    def __init__(self, bot: ExtBot[int], db: Database, config: SweepConfig, result: SweepResult):
        self.bot, self.db, self.config, self.result = bot, db, config, result
        self.limiter = AsyncLimiter(1, 1 / config.send_rate_per_second)
        self.gate = asyncio.Semaphore(config.concurrency)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.answered: list[tuple[Claimed, str, int | None]] = []
        self._flushing: asyncio.Task[None] | None = None

    def start(self, items: Sequence[Claimed]) -> None:
        for item in items:
            task = asyncio.create_task(self._one(item))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    async def _one(self, item: Claimed) -> None:
        async with self.gate:
            await self.limiter.acquire()
            outcome, message_id = await _send_one(self.bot, item, self.config)
        self.answered.append((item, outcome, message_id))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(SETTLE_SECONDS)  # let the answers of the next sends join in
        await self.flush()

    async def flush(self) -> None:
        while self.answered:
            done, self.answered = self.answered[:SETTLE_BATCH], self.answered[SETTLE_BATCH:]
            await _settle(self.db, done, self.result)

    async def drain_to(self, size: int) -> None:
        """Wait until at most `size` items are still being sent."""
        while len(self.in_flight) > size:
            await asyncio.wait(set(self.in_flight), return_when=asyncio.FIRST_COMPLETED)

    async def finish(self) -> None:
        if self.in_flight:
            await asyncio.gather(*self.in_flight)
        if self._flushing is not None:
            await self._flushing
        await self.flush()


async def sweep(
    bot: ExtBot[int], db: Database, content: Content, *, now: datetime, config: SweepConfig
) -> SweepResult:
    """Claim and send everything due at `now`, batch after batch. The next batch is claimed
    while the last one is still being sent (at most one batch waits, far less than the
    claim lease), so the sending never pauses for a claim."""
    result = SweepResult()
    sender = _Sender(bot, db, config, result)
    # Claim ahead only while all that is claimed goes out well within the lease; otherwise
    # another process would claim the waiting ones again.
    fast_enough = config.send_rate_per_second * LEASE.total_seconds() >= 4 * config.batch_size
    ahead = config.batch_size if fast_enough else 0
    try:
        for _ in range(1000):  # bounded; a batch with nothing due ends the sweep
            await sender.drain_to(ahead)
            items, touched = await claim_due(db, content, now=now, config=config, result=result)
            sender.start(items)
            if touched == 0:
                break
        await sender.finish()
    except BaseException:
        for task in sender.in_flight:
            task.cancel()
        # Record what Telegram already accepted, or it would be sent again after the lease.
        with contextlib.suppress(Exception):
            await sender.flush()
        raise
    if result.claimed or result.missed:
        log.info(
            "event=sweep claimed=%s sent=%s missed=%s blocked=%s failed=%s retry=%s",
            result.claimed,
            result.sent,
            result.missed,
            result.blocked,
            result.failed,
            result.retry_later,
        )
    return result
