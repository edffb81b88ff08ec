"""/stats for ADMIN_IDS: counts only, never anybody's pain or text."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import unknown_command
from bot.handlers.show import send_text
from bot.services.admin import stats_report
from bot.views import note_text


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: users by status, sessions today and in 7 days, check-ins, reminders."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    if tg_user.id not in context.deps.settings.admin_ids:
        await unknown_command(update, context)  # the same reply anyone gets for a stranger command
        return
    await send_text(
        context, message.chat_id, note_text(context.texts, await stats_report(context.env))
    )
