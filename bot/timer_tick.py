"""The hold timer's Telegram half: the frequent tick ends the due timers
(`bot.services.timers`) and, for each, shows the step again (its status line no longer
says the timer runs; after "Switch sides", the other side) and sends the one short
message that makes the phone on the floor ring."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot import keyboards
from bot.services import timers
from bot.services.unit import Env
from bot.views import clip, said, step_text

log = logging.getLogger(__name__)


async def tick(bot: ExtBot[int], env: Env, *, now: datetime) -> int:
    """End the timers due at `now` and tell their runners; how many were announced."""
    ended = await timers.end_due(env, now=now)
    for item in ended:
        content = env.content.speaking(item.language)
        if item.step_message_id is not None:
            try:
                await _redraw(bot, env, item)
            except BadRequest as exc:  # deleted, too old, or not modified: the step is fine
                log.debug("event=timer_edit_skipped reason=%s", exc.message[:60])
            except Forbidden:
                continue
        try:
            await bot.send_message(item.chat_id, said(content.texts, item.said))
        except TelegramError as exc:  # the runner taps Done anyway; never retried twice
            log.warning("event=timer_message_failed reason=%s", exc.message[:60])
    return len(ended)


async def _redraw(bot: ExtBot[int], env: Env, item: timers.TimeUp) -> None:
    """Show the step again in its message: a text, or the caption of its picture (the
    runner may have turned pictures on or off since it was sent, so the other is tried
    when Telegram says the message has no text, or no caption, to edit)."""
    content = env.content.speaking(item.language)
    text, markup = step_text(content, item.step), keyboards.step(content, item.step)
    assert item.step_message_id is not None
    as_caption = item.step.picture
    for _ in range(2):
        try:
            if as_caption:
                await bot.edit_message_caption(
                    chat_id=item.chat_id,
                    message_id=item.step_message_id,
                    caption=clip(text, MessageLimit.CAPTION_LENGTH),
                    reply_markup=markup,
                )
            else:
                await bot.edit_message_text(
                    clip(text, MessageLimit.MAX_TEXT_LENGTH),
                    chat_id=item.chat_id,
                    message_id=item.step_message_id,
                    reply_markup=markup,
                )
            return
        except BadRequest as exc:
            wrong_kind = "no text in the message" in exc.message or (
                "no caption in the message" in exc.message
            )
            if not wrong_kind:
                raise
            as_caption = not as_caption
