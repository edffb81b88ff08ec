"""The hold timer: ⏱ on a timed hold starts it (or starts it again); a frequent tick ends
the due ones, each exactly once, and says what the runner does next.

One timer per runner: it lives on the session row (`timer_ends_at`), for the current step
and part only; every tap that moves the step clears it in the same write
(`guided._apply`). The session never waits for it: Done works at any time.

What can go wrong, and what happens:
- two processes tick at once: each end is claimed by one atomic UPDATE that names the
  end it saw (`sessions.claim_timer`); the other finds nothing to claim;
- the bot was down when a timer ended: found later than TIMER_LATE_LIMIT after its end,
  it is ended without a word (a "Time" long after the hold would only confuse);
- the process dies between the claim and the message: that "Time" is lost, never sent
  twice (the step and its buttons stay right: the claim is what moved it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.callbacks import StepTap
from bot.db.repo import sessions
from bot.domain.enums import UserStatus
from bot.domain.session_flow import Action, TimerEnd, offered, timer_end
from bot.services.guided import live_step, step_state, step_view
from bot.services.results import EXPIRED, Reply, Say, StepView, refused
from bot.services.runners import zone_of
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)

BATCH = 100  # timers ended per tick at most; the rest wait for the next tick


async def start(
    env: Env, *, telegram_user_id: int, tap: StepTap, message_id: int | None = None
) -> Reply:
    """⏱ on the live step: the timer runs from now for the part's hold (a second tap
    starts it again); the step shows when it ends."""
    now = env.clock.now()
    async with runner_unit(env, telegram_user_id, with_session=tap.session_id) as (tx, user):
        rs = await live_step(env, tx, user, tap, message_id)
        if isinstance(rs, Reply):
            return rs
        assert user is not None
        view = step_view(env.content, rs)
        if Action.TIMER not in offered(step_state(env.content, view)):
            return refused(EXPIRED)
        exercise = env.content.exercises[view.exercise_id]
        seconds = exercise.walk()[view.part].dose.timer_seconds
        assert seconds is not None  # offered only on a timed hold
        rs.timer_ends_at = now + timedelta(seconds=seconds)
        log.info("event=timer_started session_id=%s seconds=%s", rs.id, seconds)
        return Reply(
            toast=Say("timer_started", {"seconds": str(seconds)}),
            edit_step=step_view(env.content, rs, zone_of(user)),
        )


@dataclass(frozen=True)
class TimeUp:
    """A timer that ended: the message to send, and the step to show again in place of
    the one whose status line said it was running."""

    chat_id: int
    said: Say
    step: StepView
    step_message_id: int | None
    language: str | None = None  # the runner's


async def end_due(env: Env, *, now: datetime) -> list[TimeUp]:
    """End every hold timer due at `now`, each in its own small write (a claim), and say
    what to announce. A timer that switches sides moves the step to the other side."""
    async with env.db.read() as tx:
        due = await sessions.due_timers(tx, now=now, limit=BATCH)
    ended: list[TimeUp] = []
    for rs, user in due:
        ends_at = rs.timer_ends_at
        assert ends_at is not None
        exercise = env.content.exercises[rs.steps[rs.current_step]]
        walked = exercise.walk()
        part = min(rs.step_part, len(walked) - 1)
        following = walked[part + 1].part if part + 1 < len(walked) else None
        end = timer_end(
            ends_at,
            now,
            current=walked[part].part,
            following=following,
            holds=walked[part].dose.holds,
        )
        if user.status is not UserStatus.ACTIVE or rs.step_hurt:
            end = TimerEnd.DROPPED
        async with env.db.write() as tx:
            claimed = await sessions.claim_timer(
                tx,
                session_id=rs.id,
                ends_at=ends_at,
                step_version=rs.step_version,
                next_part=part + 1 if end is TimerEnd.SWITCH else None,
            )
            fresh = await sessions.get(tx, session_id=rs.id) if claimed else None
        if fresh is None:
            continue  # another process ended it, or a tap did
        log.info("event=timer_ended session_id=%s end=%s", rs.id, end.value)
        if end is TimerEnd.DROPPED:
            continue
        key = "timer_switch" if end is TimerEnd.SWITCH else "timer_ready"
        # the step message is most likely its picture with a caption (step_view.picture)
        content = env.content.speaking(user.language)
        view = step_view(content, fresh, zone_of(user), picture=user.pictures)
        ended.append(TimeUp(user.chat_id, Say(key), view, fresh.step_message_id, content.language))
    return ended
