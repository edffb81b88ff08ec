"""/session, /routines and /exercises."""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.context import BotContext
from bot.handlers.show import send_text, show
from bot.services import guided, routines
from bot.views import routines_text


async def session_command(update: Update, context: BotContext) -> None:
    """/session: start today's routine, or resume the one in progress."""
    if update.effective_user is not None:
        reply = await guided.start(context.env, telegram_user_id=update.effective_user.id)
        await show(context, update, reply)


async def routines_command(update: Update, context: BotContext) -> None:
    """/routines: every routine with what it is for, the daily one marked; a tap runs one
    once; below, the choice of the daily routine and the exercise library."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    found = await guided.routines(context.env, telegram_user_id=tg_user.id)
    if not isinstance(found, tuple):
        await show(context, update, found)
        return
    markup = keyboards.routine_list(context.texts, found)
    await send_text(context, message.chat_id, routines_text(context.texts, found), markup)


async def exercises_command(update: Update, context: BotContext) -> None:
    """/exercises: the exercise library, to read any exercise outside a session."""
    if update.effective_user is not None:
        reply = await routines.library(context.env, telegram_user_id=update.effective_user.id)
        await show(context, update, reply)
