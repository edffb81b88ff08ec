"""/run, /checkin and /progress."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.charts import render_progress
from bot.context import BotContext
from bot.domain.questions import Question
from bot.handlers.show import send_text, show
from bot.services import checkins, progress
from bot.views import caption_and_rest, progress_caption, progress_chart

log = logging.getLogger(__name__)


async def run_command(update: Update, context: BotContext) -> None:
    """/run: did you run today? then pain after it."""
    if update.effective_user is not None:
        reply = await checkins.ask(
            context.env, telegram_user_id=update.effective_user.id, question=Question.RAN
        )
        await show(context, update, reply)


async def checkin_command(update: Update, context: BotContext) -> None:
    """/checkin: a rating at any time."""
    if update.effective_user is not None:
        reply = await checkins.ask(
            context.env, telegram_user_id=update.effective_user.id, question=Question.ADHOC_PAIN
        )
        await show(context, update, reply)


async def progress_command(update: Update, context: BotContext) -> None:
    """/progress: the picture of the last weeks, its headline and the R9 sentence."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    found = await progress.progress(context.env, telegram_user_id=tg_user.id)
    if not isinstance(found, progress.Progress):
        await show(context, update, found)
        return
    data = progress_chart(context.content, found)
    png = await asyncio.to_thread(render_progress, data)
    caption, rest = caption_and_rest(progress_caption(context.texts, found))
    await message.reply_photo(png, caption=caption)
    for text in rest:
        await send_text(context, message.chat_id, text)
    log.info("event=progress points=%s bytes=%s", len(data.points), len(png))
