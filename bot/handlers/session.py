"""/session and /routines."""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.context import BotContext
from bot.handlers.show import send_text, show
from bot.services import guided


async def session_command(update: Update, context: BotContext) -> None:
    """/session: start today's routine, or resume the one in progress."""
    if update.effective_user is not None:
        reply = await guided.start(context.env, telegram_user_id=update.effective_user.id)
        await show(context, update, reply)


async def routines_command(update: Update, context: BotContext) -> None:
    """/routines: every routine in content/, the current one marked; a tap starts it."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    found = await guided.routines(context.env, telegram_user_id=tg_user.id)
    if not isinstance(found, tuple):
        await show(context, update, found)
        return
    markup = keyboards.routine_list(context.texts, found)
    await send_text(context, message.chat_id, context.texts.routines_list, markup)
