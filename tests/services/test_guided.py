"""Guided sessions at the use-case level: a tap on a step acts once, only on the live step
of the tapping runner's own session, in one write unit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.callbacks import StepTap
from bot.clock import ManualClock
from bot.db.models import RoutineSession, StepEvent
from bot.domain.enums import SessionStatus, StepOutcome
from bot.domain.session_flow import Action
from bot.services import guided
from bot.services.results import EXPIRED, Say, StepView
from bot.services.unit import Env
from tests.utils.factories import make_runner
from tests.utils.rows import count, row_counts, sessions_of
from tests.utils.usecases import done_step, finish_session, last_part, start_session, tap_on
from tests.utils.writes import watch

ALEX, MALLORY = 501, 666


async def session_row(env: Env, session_id: int) -> RoutineSession:
    async with env.db.read() as tx:
        row = await tx.get(RoutineSession, session_id)
    assert row is not None
    return row


def columns(row: RoutineSession) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in RoutineSession.__table__.columns}


async def refused_and_unchanged(env: Env, who: int, tap: StepTap, reason: str) -> None:
    """The tap is refused with `reason`, and nothing in the database changes."""
    before_row = columns(await session_row(env, tap.session_id))
    before_counts = await row_counts(env.db)
    with watch(env.db) as seen:
        reply = await guided.tap_step(env, telegram_user_id=who, tap=tap)
    assert reply.refused == Say(reason)
    assert (reply.step, reply.edit_step, reply.record, reply.ask) == (None, None, None, None)
    assert seen.changes == []
    assert columns(await session_row(env, tap.session_id)) == before_row
    assert await row_counts(env.db) == before_counts


async def test_twenty_concurrent_done_taps_advance_once(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await last_part(env, ALEX, await start_session(env, ALEX))
    tap = tap_on(view)

    replies = await asyncio.gather(
        *(guided.tap_step(env, telegram_user_id=ALEX, tap=tap) for _ in range(20))
    )

    acted = [r for r in replies if r.refused is None]
    assert len(acted) == 1
    assert acted[0].step is not None
    after = view.version + 1
    assert (acted[0].step.index, acted[0].step.version) == (1, after)
    assert [r.refused for r in replies if r.refused is not None] == [Say("step_already_done")] * 19
    row = await session_row(env, view.session_id)
    assert (row.current_step, row.step_version, row.status) == (
        1,
        after,
        SessionStatus.IN_PROGRESS,
    )
    assert await count(env.db, StepEvent, session_id=view.session_id) == 1
    assert await count(env.db, StepEvent, outcome=StepOutcome.DONE) == 1


async def test_concurrent_taps_of_different_buttons_on_one_step_act_once(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await last_part(env, ALEX, await start_session(env, ALEX))
    taps = [tap_on(view, action) for action in (Action.DONE, Action.SKIP, Action.HURTS)] * 5

    replies = await asyncio.gather(
        *(guided.tap_step(env, telegram_user_id=ALEX, tap=tap) for tap in taps)
    )

    assert sum(r.refused is None for r in replies) == 1
    assert await count(env.db, StepEvent, session_id=view.session_id) == 1
    assert (await session_row(env, view.session_id)).step_version == view.version + 1


async def test_a_stale_tap_with_an_old_version_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=2)
    view = await start_session(env, ALEX)
    hurt = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view, Action.HURTS))
    assert hurt.edit_step is not None
    assert hurt.edit_step.version == 1

    # Done from the step's first drawing (version 0): Hurts took it away.
    await refused_and_unchanged(env, ALEX, tap_on(view), EXPIRED)
    # Skip from the first drawing too: the same step, but not the same version.
    await refused_and_unchanged(env, ALEX, tap_on(view, Action.SKIP), EXPIRED)
    # The live drawing has no Done either.
    await refused_and_unchanged(env, ALEX, tap_on(hurt.edit_step), EXPIRED)


async def test_a_tap_on_an_earlier_step_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    first = await start_session(env, ALEX)
    await done_step(env, ALEX, first)

    await refused_and_unchanged(env, ALEX, tap_on(first), "step_already_done")
    await refused_and_unchanged(env, ALEX, tap_on(first, Action.STOP), "step_already_done")


async def test_a_tap_on_a_step_not_reached_yet_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await start_session(env, ALEX)
    ahead = StepView(view.session_id, 2, 3, 0, view.exercise_id, hurt=False)
    await refused_and_unchanged(env, ALEX, tap_on(ahead), EXPIRED)


async def test_a_forged_tap_on_another_runners_session_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=2)
    await make_runner(env.db, MALLORY, now=env.clock.now(), level=2)
    alex = await start_session(env, ALEX)
    mallory = await start_session(env, MALLORY)

    for action in Action:
        await refused_and_unchanged(env, MALLORY, tap_on(alex, action), EXPIRED)
    # Someone the bot has never seen.
    await refused_and_unchanged(env, 999_999, tap_on(alex), EXPIRED)
    # A session that does not exist.
    missing = StepView(alex.session_id + mallory.session_id + 100, 0, 2, 0, "x", hurt=False)
    assert (await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(missing))).refused == Say(
        EXPIRED
    )
    # Alex's own tap still works afterwards.
    reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(alex))
    assert reply.refused is None


async def test_a_tap_after_the_session_ended_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=2)
    view = await start_session(env, ALEX)
    second = await done_step(env, ALEX, view)
    assert second.step is not None
    last = await done_step(env, ALEX, second.step)
    assert last.ask is not None  # the pain question: the session is over

    for action in Action:
        await refused_and_unchanged(
            env, ALEX, tap_on(second.step, action), "session_finished_already"
        )


async def test_a_tap_after_stop_is_refused(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await start_session(env, ALEX)
    stopped = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view, Action.STOP))
    assert stopped.ask is not None
    row = await session_row(env, view.session_id)
    assert row.status is SessionStatus.STOPPED

    stale = StepView(view.session_id, row.current_step, 3, row.step_version, "x", hurt=False)
    await refused_and_unchanged(env, ALEX, tap_on(stale), "session_finished_already")


async def test_a_tap_on_yesterdays_abandoned_session_is_refused(
    env: Env, clock: ManualClock
) -> None:
    await make_runner(env.db, ALEX, now=clock.now(), level=2)
    yesterday = await start_session(env, ALEX)
    clock.advance(timedelta(days=1))
    today = await start_session(env, ALEX)
    assert today.session_id != yesterday.session_id
    statuses = [s.status for s in await sessions_of(env.db, ALEX)]
    assert statuses == [SessionStatus.ABANDONED, SessionStatus.IN_PROGRESS]

    await refused_and_unchanged(env, ALEX, tap_on(yesterday), "session_finished_already")


async def test_a_done_tap_is_one_write_unit(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await last_part(env, ALEX, await start_session(env, ALEX))

    with watch(env.db) as seen:
        reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))

    assert reply.step is not None  # not the last step
    assert seen.write_units == 1
    # Inside it: the step answer, and the session moved on.
    assert sorted(s.split()[0].upper() for s in seen.changes) == ["INSERT", "UPDATE"]


async def test_a_done_tap_on_a_part_is_one_update_and_records_nothing(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=1)
    view = await start_session(env, ALEX)  # foam rolling: its techniques, one by one

    with watch(env.db) as seen:
        reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))

    assert reply.edit_step is not None
    assert reply.step is None
    assert reply.record is None
    assert (reply.edit_step.index, reply.edit_step.part) == (0, 1)
    assert seen.write_units == 1
    assert [s.split()[0].upper() for s in seen.changes] == ["UPDATE"]
    assert await count(env.db, StepEvent, session_id=view.session_id) == 0
    # the first technique's Done, tapped again, is refused as done already
    await refused_and_unchanged(env, ALEX, tap_on(view), "part_already_done")


async def test_the_last_done_tap_is_one_write_unit(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=1)
    view = await last_part(env, ALEX, await start_session(env, ALEX))

    with watch(env.db) as seen:
        reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view))

    assert reply.ask is not None  # the session ended: the pain question
    assert seen.write_units == 1


async def test_a_whole_session_then_its_rating(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=4)
    session_id, last = await finish_session(env, ALEX)

    assert last.ask is not None
    assert last.notes[0].lines[0] == Say("session_complete", {"tally": "4 of 4 done"})
    assert await count(env.db, StepEvent, session_id=session_id) == 4
    assert (await session_row(env, session_id)).status is SessionStatus.COMPLETED
