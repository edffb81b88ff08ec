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


async def finish_session(env: Env, telegram_user_id: int) -> tuple[int, Reply]:
    """/session and Done on every step: the session's id, and the last step's reply (the
    one that asks for the pain rating)."""
    view = await start_session(env, telegram_user_id)
    while True:
        reply = await guided.tap_step(env, telegram_user_id=telegram_user_id, tap=tap_on(view))
        assert reply.refused is None, reply
        if reply.step is None:
            return view.session_id, reply
        view = reply.step
