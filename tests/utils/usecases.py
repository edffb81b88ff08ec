"""Short ways through the use cases, called directly (no chat, no handlers): what the
service tests build their cases from."""

from __future__ import annotations

from bot.callbacks import StepTap
from bot.domain.session_flow import Action
from bot.services import guided
from bot.services.results import Reply, StepView
from bot.services.unit import Env


def tap_on(view: StepView, action: Action = Action.DONE) -> StepTap:
    """The tap a button on this step's message carries."""
    return StepTap(view.session_id, view.index, view.version, action)


async def start_session(env: Env, telegram_user_id: int) -> StepView:
    """/session: today's session, on its first step."""
    reply = await guided.start(env, telegram_user_id=telegram_user_id)
    assert reply.step is not None, reply
    return reply.step


async def last_part(env: Env, telegram_user_id: int, view: StepView) -> StepView:
    """Done on every part of the step but its last (each side, each technique): the step
    on its last part, where Done moves to the next step."""
    while True:
        reply = await guided.tap_step(env, telegram_user_id=telegram_user_id, tap=tap_on(view))
        assert reply.refused is None, reply
        moved = reply.edit_step
        if moved is None or moved.index != view.index or moved.status is not None:
            raise AssertionError(f"the step ended before its last part: {reply}")
        view = moved
        if view.part + 1 >= len(env.content.exercises[view.exercise_id].walk()):
            return view


async def done_step(env: Env, telegram_user_id: int, view: StepView) -> Reply:
    """Done on every part of the step: the reply to the last Done (the next step, or the
    pain question)."""
    if len(env.content.exercises[view.exercise_id].walk()) > 1:
        view = await last_part(env, telegram_user_id, view)
    return await guided.tap_step(env, telegram_user_id=telegram_user_id, tap=tap_on(view))


async def finish_session(env: Env, telegram_user_id: int) -> tuple[int, Reply]:
    """/session and Done on every step (every part of it): the session's id, and the last
    step's reply (the one that asks for the pain rating)."""
    view = await start_session(env, telegram_user_id)
    while True:
        reply = await guided.tap_step(env, telegram_user_id=telegram_user_id, tap=tap_on(view))
        assert reply.refused is None, reply
        if reply.step is not None:  # the next step (the one tapped shows its status)
            view = reply.step
            continue
        if reply.edit_step is not None and reply.edit_step.status is None:
            view = reply.edit_step  # the next part of the same step
            continue
        return view.session_id, reply
