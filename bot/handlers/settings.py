"""/settings, /pause and /resume."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.questions import Question
from bot.handlers.show import show
from bot.services import settings


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: the current settings, with a button for each thing to change."""
    if update.effective_user is not None:
        reply = await settings.open_question(
            context.env, telegram_user_id=update.effective_user.id, question=Question.MENU
        )
        await show(context, update, reply)


async def pause_command(update: Update, context: BotContext) -> None:
    """/pause: for how long?"""
    if update.effective_user is not None:
        reply = await settings.open_question(
            context.env, telegram_user_id=update.effective_user.id, question=Question.PAUSE
        )
        await show(context, update, reply)


async def resume_command(update: Update, context: BotContext) -> None:
    """/resume: reminders back on, with the next one named."""
    if update.effective_user is not None:
        reply = await settings.resume(context.env, telegram_user_id=update.effective_user.id)
        await show(context, update, reply)
