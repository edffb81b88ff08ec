"""/export (everything stored about the runner) and /delete (all of it, after a tap)."""

from __future__ import annotations

import logging

from bot.callbacks import DeleteTap, Flow
from bot.db.repo import privacy, users
from bot.domain.questions import Question
from bot.services import language
from bot.services.questions import close, is_live, record
from bot.services.results import EXPIRED, Ask, QuestionKeys, Reply, Say, note, refused
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)


async def export(env: Env, *, telegram_user_id: int) -> dict[str, object] | None:
    """Everything stored about the runner, ready for JSON; None when nothing is."""
    async with env.db.read() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id)
        if user is None:
            return None
        data = await privacy.collect(tx, user_id=user.id, now=env.clock.now())
    log.info("event=export")
    return data


async def ask_delete(env: Env, *, telegram_user_id: int) -> Reply:
    """/delete: asks first, with a button."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        if user is None:
            return Reply(notes=(note(Say("export_nothing")),))
        replaces = user.prompt_message_id
        user.awaiting = Question.DELETE
        keys = QuestionKeys(Flow.ADHOC, Question.DELETE)
        return Reply(ask=Ask(keys, Say("delete_confirm"), (), replaces))


async def confirm_delete(
    env: Env, *, telegram_user_id: int, tap: DeleteTap, message_id: int | None
) -> Reply:
    """The confirmation: only from the open /delete question."""
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if user is None or message_id is None or not is_live(user, Question.DELETE, message_id):
            return refused(EXPIRED)
        texts = env.texts
        answered = record(
            texts.delete_confirm, texts.delete_yes if tap.confirmed else texts.delete_no
        )
        if not tap.confirmed:
            close(user)
            log.info("event=delete confirmed=False")
            return Reply(record=answered, notes=(note(Say("delete_kept")),))
        counts = await privacy.delete_everything(tx, user_id=user.id)
        deleted = user.id
    language.forget(env, telegram_user_id)  # a later /start begins from nothing, this too
    env.histories.forget(deleted)  # their ratings leave this process's memory as well
    log.info("event=delete confirmed=True rows=%s", sum(counts.values()))
    return Reply(record=answered, notes=(note(Say("deleted")),))
