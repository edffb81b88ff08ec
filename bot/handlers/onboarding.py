"""/start: begin setting up, pick up where the runner left off, or ask before changing."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.show import show
from bot.services import onboarding


async def start(update: Update, context: BotContext) -> None:
    """/start"""
    tg_user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if tg_user is None or chat is None:
        return
    reply = await onboarding.start(
        context.env,
        telegram_user_id=tg_user.id,
        chat_id=chat.id,
        first_name=tg_user.first_name,
        language_code=tg_user.language_code,
        message_id=message.message_id if message is not None else None,
    )
    await show(context, update, reply)
