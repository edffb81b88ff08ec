"""Finding the runner behind an update, and turning away those not ready for a command."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.db import repo
from bot.db.models import User
from bot.domain.onboarding import Step, is_in_progress, parse_step


async def ready_user(update: Update, context: BotContext) -> User | None:
    """The runner, if set up; otherwise tell them what to do first and return None."""
    from bot.handlers.onboarding import ask as ask_onboarding  # onboarding imports us

    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return None
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=tg_user.id)
    step = parse_step(user.onboarding_step) if user else None
    if user is None or step is None or step is Step.WELCOME:
        await message.reply_text(context.texts.not_set_up)
        return None
    if is_in_progress(step):
        await ask_onboarding(context, user, step, lead=context.texts.finish_setup_first)
        return None
    if step is not Step.DONE:  # a safety stop
        await message.reply_text(context.texts.safety_hold)
        return None
    return user
