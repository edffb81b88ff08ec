"""Extras at the use-case level: what the progression rules read of a session with gentle
extras (PROGRESSION.md, "Extras"): a skipped extra is not a skipped ladder step, a Stop on
one completes the session, a "hurts" on one counts like any "hurts"."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import User
from bot.domain.enums import SessionStatus
from bot.domain.progression import SessionRecord
from bot.domain.schedule import local_date_of
from bot.domain.session_flow import Action
from bot.services import guided, progression
from bot.services.results import StepView
from bot.services.unit import Env
from tests.utils.factories import make_runner
from tests.utils.rows import set_user
from tests.utils.usecases import start_session, tap_on

ALEX = 701


async def walk(env: Env, *, on_extras: tuple[Action, ...]) -> int:
    """A level-1 session without a roller: Done on the ladder step, then `on_extras`
    in turn on the extras (until the session ends); the session's id."""
    view: StepView | None = await start_session(env, ALEX)
    assert view is not None
    session_id = view.session_id
    actions = iter(on_extras)
    while view is not None:
        action = next(actions) if view.extra else Action.DONE
        reply = await guided.tap_step(env, telegram_user_id=ALEX, tap=tap_on(view, action))
        assert reply.refused is None, reply
        moved = reply.edit_step  # the next part, or the step after Hurts; over: its status
        view = reply.step or (moved if moved is not None and moved.status is None else None)
    return session_id


async def record_of(env: Env, session_id: int) -> SessionRecord:
    """The session as the progression rules read it."""
    async with env.db.read() as tx:
        user = await tx.scalar(select(User).where(User.telegram_user_id == ALEX))
        assert user is not None
        today = local_date_of(env.clock.now(), "Europe/Berlin")
        history = await progression.load_history(env, tx, user, today)
    [record] = [s for s in history.sessions if s.id == session_id]
    return record


async def set_up(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now())
    await set_user(env.db, ALEX, has_foam_roller=False)


async def test_skipped_extras_are_no_skipped_ladder_steps(env: Env) -> None:
    await set_up(env)
    session_id = await walk(env, on_extras=(Action.SKIP, Action.SKIP))
    record = await record_of(env, session_id)
    assert record.status is SessionStatus.COMPLETED
    assert record.steps == frozenset({1})
    assert record.skipped == frozenset()
    assert not record.hurts


async def test_a_stop_on_an_extra_completes_the_session(env: Env) -> None:
    await set_up(env)
    session_id = await walk(env, on_extras=(Action.STOP,))
    record = await record_of(env, session_id)
    assert record.status is SessionStatus.COMPLETED
    assert record.skipped == frozenset()


async def test_a_hurts_on_an_extra_counts_like_any_hurts(env: Env) -> None:
    await set_up(env)
    session_id = await walk(env, on_extras=(Action.HURTS, Action.SKIP, Action.DONE))
    record = await record_of(env, session_id)
    assert record.status is SessionStatus.COMPLETED
    assert record.hurt == frozenset()  # no ladder step hurt
    assert record.hurt_extra  # but the session had a "hurts"
    assert record.hurts
