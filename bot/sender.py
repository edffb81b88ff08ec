"""The reminder sweep's Telegram half: one job for all runners, not one job per runner.

`bot.services.reminders` claims the due reminders and morning questions in batches and
records what Telegram answered; this module sends them, paced to SEND_RATE_PER_SECOND,
and claims the next batch while the last one is being sent.

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
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot import keyboards
from bot.content import Content
from bot.domain.enums import DeliveryKind
from bot.services.reminders import (
    LEASE,
    Answer,
    Outgoing,
    SweepResult,
    claim,
    reclaim_stale,
    settle,
)
from bot.services.unit import Env
from bot.views import clip, said

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.05  # answers from Telegram are recorded this often, in one write
SETTLE_BATCH = 200


@dataclass(frozen=True)
class SweepConfig:
    grace: timedelta
    batch_size: int = 200
    send_rate_per_second: float = 25.0
    concurrency: int = 16
    retries: int = 3
    backoff_seconds: float = 0.5


async def _send_one(
    bot: ExtBot[int], content: Content, item: Outgoing, config: SweepConfig
) -> tuple[str, int | None]:
    """Send with retries: (answer, message id)."""
    texts = content.speaking(item.language).texts
    news = [said(texts, line) for line in item.news]
    if item.kind is DeliveryKind.REMINDER:
        text = "\n".join([*(said(texts, line) for line in item.lines), *news])
        markup = keyboards.reminder(texts, item.delivery_id, snooze=item.snooze)
    else:
        text = "\n\n".join([texts.morning_prompt, *news])
        markup = keyboards.morning(item.delivery_id)
    if item.rescreen:
        markup = keyboards.with_rescreen(texts, markup)
    # One message, whatever the news: the delivery remembers the message its buttons are on.
    text = clip(text, MessageLimit.MAX_TEXT_LENGTH)
    for attempt in range(config.retries + 1):
        try:
            message = await bot.send_message(item.chat_id, text, reply_markup=markup)
            return Answer.SENT, message.message_id
        except Forbidden:
            return Answer.BLOCKED, None
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await asyncio.sleep(seconds)
        except BadRequest as exc:
            log.warning("event=reminder_rejected reason=%s", exc.message[:80])
            return Answer.FAILED, None
        except (TimedOut, NetworkError):
            await asyncio.sleep(config.backoff_seconds * 2**attempt)
    return Answer.RETRY, None


async def claim_due(
    env: Env, *, now: datetime, config: SweepConfig, result: SweepResult
) -> tuple[list[Outgoing], int]:
    """One batch of each kind (each its own write unit), stale claims first: what to send,
    and how many rows were looked at (0: nothing was due)."""
    grace, size = config.grace, config.batch_size
    claimed = await reclaim_stale(env, now=now, grace=grace, batch_size=size, result=result)
    touched = len(claimed)
    for kind in (DeliveryKind.REMINDER, DeliveryKind.MORNING_CHECKIN):
        items, looked_at = await claim(
            env, kind=kind, now=now, grace=grace, batch_size=size, result=result
        )
        claimed += items
        touched += looked_at
    return claimed, touched


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

    def __init__(self, bot: ExtBot[int], env: Env, config: SweepConfig, result: SweepResult):
        self.bot, self.env, self.config, self.result = bot, env, config, result
        self.limiter = AsyncLimiter(1, 1 / config.send_rate_per_second)
        self.gate = asyncio.Semaphore(config.concurrency)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.answered: list[tuple[Outgoing, str, int | None]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._room: tuple[int, asyncio.Future[None]] | None = None  # see drain_to

    def start(self, items: Sequence[Outgoing]) -> None:
        for item in items:
            task = asyncio.create_task(self._one(item))
            self.in_flight.add(task)
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        if self._room is not None:
            size, room = self._room
            if len(self.in_flight) <= size and not room.done():
                room.set_result(None)

    async def _one(self, item: Outgoing) -> None:
        async with self.gate:
            await self.limiter.acquire()
            answer, message_id = await _send_one(self.bot, self.env.content, item, self.config)
        self.answered.append((item, answer, message_id))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(SETTLE_SECONDS)  # let the answers of the next sends join in
        await self.flush()

    async def flush(self) -> None:
        while self.answered:
            done, self.answered = self.answered[:SETTLE_BATCH], self.answered[SETTLE_BATCH:]
            await settle(self.env, done, self.result)

    async def drain_to(self, size: int) -> None:
        """Wait until at most `size` items are still being sent: woken once, by the send
        that leaves that many (asyncio.wait on the tasks in flight, after every send,
        cost a callback on each of them: a millisecond of CPU per reminder at 1,000/s)."""
        if len(self.in_flight) <= size:
            return
        room = asyncio.get_running_loop().create_future()
        self._room = (size, room)
        try:
            await room
        finally:
            self._room = None

    async def finish(self) -> None:
        if self.in_flight:
            await asyncio.gather(*self.in_flight)
        if self._flushing is not None:
            await self._flushing
        await self.flush()


async def sweep(bot: ExtBot[int], env: Env, *, now: datetime, config: SweepConfig) -> SweepResult:
    """Claim and send everything due at `now`, batch after batch. The next batch is claimed
    while the last one is still being sent (at most one batch waits, far less than the
    claim lease), so the sending never pauses for a claim."""
    result = SweepResult()
    sender = _Sender(bot, env, config, result)
    # Claim ahead only while all that is claimed goes out well within the lease; otherwise
    # another process would claim the waiting ones again.
    fast_enough = config.send_rate_per_second * LEASE.total_seconds() >= 4 * config.batch_size
    ahead = config.batch_size if fast_enough else 0
    try:
        for _ in range(1000):  # bounded; a batch with nothing due ends the sweep
            await sender.drain_to(ahead)
            items, touched = await claim_due(env, now=now, config=config, result=result)
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
