"""The hold timer at the use-case level: started only on the live step's timed hold, and
ended exactly once however many processes tick at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import ManualClock
from bot.db.engine import Database
from bot.db.models import RoutineSession
from bot.domain.session_flow import Action
from bot.services import guided, timers
from bot.services.results import EXPIRED, Say, StepView
from bot.services.unit import Env
from tests.utils.factories import make_runner
from tests.utils.usecases import done_step, start_session, tap_on

ALEX = 501


async def at_a_timed_hold(env: Env) -> StepView:
    """Alex at level 2: foam rolling done, the boogie board's left side (a timed hold)."""
    await make_runner(env.db, ALEX, now=env.clock.now(), level=2)
    reply = await done_step(env, ALEX, await start_session(env, ALEX))
    assert reply.step is not None
    assert env.content.exercises[reply.step.exercise_id].walk()[0].dose.timer_seconds
    return reply.step


async def timer_of(env: Env, session_id: int) -> RoutineSession:
    async with env.db.read() as tx:
        row = await tx.get(RoutineSession, session_id)
    assert row is not None
    return row


async def test_a_timer_starts_on_the_live_timed_hold_only(env: Env) -> None:
    view = await at_a_timed_hold(env)
    started = await timers.start(env, telegram_user_id=ALEX, tap=tap_on(view, Action.TIMER))
    assert started.toast == Say("timer_started", {"seconds": "30"})
    assert started.edit_step is not None
    assert started.edit_step.timer_until is not None
    row = await timer_of(env, view.session_id)
    assert row.timer_ends_at == env.clock.now() + timedelta(seconds=30)
    assert row.step_version == view.version  # the step's buttons stay live

    stale = StepView(view.session_id, view.index, view.total, view.version - 1, "x", False)
    refused = await timers.start(env, telegram_user_id=ALEX, tap=tap_on(stale, Action.TIMER))
    assert refused.refused == Say(EXPIRED)


async def test_two_processes_ticking_at_once_end_a_timer_once(
    env: Env, database_url: str, clock: ManualClock
) -> None:
    view = await at_a_timed_hold(env)
    await timers.start(env, telegram_user_id=ALEX, tap=tap_on(view, Action.TIMER))
    clock.advance(timedelta(seconds=30))
    others = [Database(database_url) for _ in range(3)]
    try:
        envs = [env, *(Env(db, env.content, clock) for db in others)]
        ended = await asyncio.gather(*(timers.end_due(e, now=clock.now()) for e in envs))
    finally:
        for db in others:
            await db.dispose()

    assert sorted(len(e) for e in ended) == [0, 0, 0, 1]
    assert (await timer_of(env, view.session_id)).timer_ends_at is None
    assert await timers.end_due(env, now=clock.now()) == []


async def test_a_tap_that_moves_the_step_ends_the_timer_in_the_same_write(
    env: Env, clock: ManualClock
) -> None:
    view = await at_a_timed_hold(env)
    await timers.start(env, telegram_user_id=ALEX, tap=tap_on(view, Action.TIMER))
    hurt = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view, Action.HURTS))
    assert hurt.edit_step is not None

    assert (await timer_of(env, view.session_id)).timer_ends_at is None
    clock.advance(timedelta(seconds=31))
    assert await timers.end_due(env, now=clock.now()) == []
