"""The simulated users of bench/updates.py, and the runners seeded for them."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import TypeVar

from bench._updates_standin import Arrival, BenchStandIn
from bot.devtools.standin import StoredMessage

DONE = "✅ Done"
PAIN_ANSWER = "2"
STEP_RE = re.compile(r"Step (\d+)(?: of (\d+))?")

_T = TypeVar("_T")


@dataclass(frozen=True)
class Sample:
    kind: str  # step (Done, a next step follows), finish (Done on the last step), checkin
    answer_ms: float  # tap queued -> its answerCallbackQuery received
    next_ms: float  # tap queued -> the next message with buttons received


@dataclass
class UserRun:
    command_ms: float = 0.0  # /session queued -> step 1 received
    samples: list[Sample] = field(default_factory=list)


# A user's next move on the newest message with buttons: (callback data, kind), or None.
Script = Callable[[StoredMessage], tuple[str, str] | None]


def _button(message: StoredMessage, label: str) -> str:
    for button in message.buttons():
        if button.get("text") == label and isinstance(button.get("callback_data"), str):
            return str(button["callback_data"])
    raise LookupError(f"no {label!r} button on {message.text!r}: {message.button_labels()}")


def real_script() -> Script:
    """Done on every step, then 2/10 on the pain check-in; stop at the check-in's answer."""

    def choose(message: StoredMessage) -> tuple[str, str] | None:
        step = STEP_RE.match(message.text or "")
        if step is not None:
            index, total = int(step.group(1)), int(step.group(2) or 0)
            return _button(message, DONE), "step" if index < total else "finish"
        if message.button_labels() == [str(n) for n in range(11)]:
            return _button(message, PAIN_ANSWER), "checkin"
        return None

    return choose


def bare_script(taps: int) -> Script:
    """Done, ``taps`` times (as many taps as a real session takes); each a step transition."""
    done = 0

    def choose(message: StoredMessage) -> tuple[str, str] | None:
        nonlocal done
        if done >= taps:
            return None
        done += 1
        return _button(message, DONE), "step"

    return choose


async def _within(awaitable: Awaitable[_T], seconds: float, what: str) -> _T:
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise TimeoutError(f"no {what} within {seconds}s") from None


def seeded_random(seed: int) -> random.Random:
    """Think times only: nothing here needs a cryptographic generator."""
    return random.Random(seed)  # noqa: S311


@dataclass(frozen=True)
class Pace:
    """Think time: a user waits ``think`` s (uniform 0.5x-1.5x) before each tap, and
    0-2x ``think`` before /session, so that arrivals are spread. 0: no waiting at all."""

    think: float
    rng: random.Random

    async def before_command(self) -> None:
        if self.think:
            await asyncio.sleep(self.rng.uniform(0.0, 2.0) * self.think)

    async def before_tap(self) -> None:
        if self.think:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think)


async def run_user(
    standin: BenchStandIn,
    user_id: int,
    script: Script,
    *,
    pace: Pace,
    patience: float,
    trace: dict[str, list[str]] | None = None,
) -> UserRun:
    """/session, then tap through until the script stops, each tap only once the previous
    one was answered and its next message arrived. With ``trace`` (a user alone), wait after
    each update until the bot is quiet and note the Bot API calls it made, by kind. A reply
    that takes longer than ``patience`` seconds is an error."""
    run = UserRun()
    board = standin.keyboards(user_id)
    await pace.before_command()
    mark = len(standin.calls)
    started = time.perf_counter()
    standin.user_text(user_id, "/session")
    arrival: Arrival = await _within(board.get(), patience, f"first step for user {user_id}")
    run.command_ms = (arrival.at - started) * 1000
    if trace is not None:
        await standin.wait_idle(quiet=0.3)
        trace.setdefault("/session", standin.call_names(mark))
    while (move := script(arrival.message)) is not None:
        data, kind = move
        await pace.before_tap()
        mark = len(standin.calls)
        tapped = time.perf_counter()
        answered = await _within(standin.tap(user_id, arrival.message, data), patience, "answer")
        arrival = await _within(board.get(), patience, f"reply to a {kind} tap of user {user_id}")
        run.samples.append(Sample(kind, (answered - tapped) * 1000, (arrival.at - tapped) * 1000))
        if trace is not None:
            await standin.wait_idle(quiet=0.3)
            trace.setdefault(kind, standin.call_names(mark))
    return run


async def seed_runners(url: str, user_ids: Sequence[int], level: int) -> None:
    """Migrate, then add runners who finished onboarding (as tests/utils/factories.py does),
    on the ladder at ``level``: a session of ``level`` steps."""
    from bot.db.engine import Database
    from bot.db.migrate import upgrade_to_head
    from bot.db.models import User
    from bot.domain.enums import ALL_DAYS, UserStatus
    from bot.domain.profile import Schedule, next_reminder

    await asyncio.to_thread(upgrade_to_head, url)
    now = datetime.now(UTC)
    schedule = Schedule(clock_time(7, 30), "Europe/Berlin", ALL_DAYS)
    db = Database(url)
    try:
        async with db.write() as session:
            session.add_all(
                User(
                    telegram_user_id=user_id,
                    chat_id=user_id,
                    first_name="Runner",
                    status=UserStatus.ACTIVE,
                    onboarding_step="done",
                    onboarding_answers={},
                    time_zone=schedule.zone,
                    reminder_time=schedule.local_time,
                    reminder_days=schedule.days_mask,
                    has_foam_roller=True,
                    level=level,
                    routine_id="decompression",
                    baseline_pain=3,
                    next_reminder_at=next_reminder(
                        schedule=schedule,
                        status=UserStatus.ACTIVE.value,
                        paused_until=None,
                        onboarded=True,
                        now=now,
                    ),
                    created_at=now,
                    updated_at=now,
                )
                for user_id in user_ids
            )
    finally:
        await db.dispose()
