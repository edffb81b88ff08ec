"""Sending a question with buttons, and closing old ones so that nothing stale stays tappable."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden

from bot.context import BotContext
from bot.db.models import User

log = logging.getLogger(__name__)


async def remove_buttons(context: BotContext, chat_id: int, message_id: int | None) -> None:
    """Take the keyboard off an old prompt. Best effort: it may be gone or already bare."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("event=remove_buttons_skipped reason=%s", exc.message[:60])


async def send_prompt(
    context: BotContext,
    *,
    user_id: int,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    previous_prompt_id: int | None,
) -> Message:
    """Send the open question and remember its message: only its buttons are live."""
    await remove_buttons(context, chat_id, previous_prompt_id)
    message = await context.bot.send_message(chat_id, text, reply_markup=markup)
    async with context.db.write() as session:
        user = await session.get(User, user_id)
        if user is not None:
            user.prompt_message_id = message.message_id
    return message


async def close_tapped(query: CallbackQuery, record: str) -> None:
    """Turn the tapped question into a one-line record of the answer, without buttons."""
    try:
        await query.edit_message_text(record, reply_markup=None)
    except BadRequest as exc:
        log.debug("event=close_prompt_skipped reason=%s", exc.message[:60])


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a tap (stops the spinner); a failure here must not stop the work."""
    try:
        await query.answer(text)
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])
