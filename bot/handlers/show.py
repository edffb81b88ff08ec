"""Turning a use case's result into Telegram calls, in one order for every handler:
answer the tap, close or redraw the tapped message, take old buttons off, send the notes,
the step, the question (and remember the message that carries it)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from bot import keyboards
from bot.context import BotContext
from bot.services import guided, questions
from bot.services.results import Ask, Reply, StepView
from bot.views import ask_text, note_text, said, step_text

log = logging.getLogger(__name__)


async def show(context: BotContext, update: Update, reply: Reply) -> None:
    """Carry out `reply` in the chat of `update`."""
    texts, content = context.texts, context.content
    query = update.callback_query
    chat = update.effective_chat
    if query is not None:
        if reply.refused is not None:
            await answer_query(query, said(texts, reply.refused), alert=reply.alert)
            return
        await answer_query(query, said(texts, reply.toast) if reply.toast else None)
        if reply.record is not None:
            await _edit(query, said(texts, reply.record), None)
        if reply.redraw is not None:
            await _edit_markup(query, keyboards.question(content, reply.redraw))
        if reply.edit_step is not None:
            view = reply.edit_step
            await _edit(query, step_text(content, view), keyboards.step(content, view))
    if chat is None:  # a tap on an inline-mode message: there is no chat to write to
        return
    if query is None and reply.refused is not None:
        await context.bot.send_message(chat.id, said(texts, reply.refused))
    for message_id in reply.strip:
        await remove_buttons(context, chat.id, message_id)
    for note in reply.notes:
        markup = keyboards.attached(texts, note.buttons) if note.buttons else None
        await context.bot.send_message(chat.id, note_text(texts, note), reply_markup=markup)
    if reply.step is not None:
        await send_step(context, chat.id, reply.step)
    if reply.ask is not None and update.effective_user is not None:
        await send_ask(context, chat.id, update.effective_user.id, reply.ask)


async def send_step(context: BotContext, chat_id: int, view: StepView) -> None:
    """A step as its own message, remembered as the live one."""
    content = context.content
    message = await context.bot.send_message(
        chat_id, step_text(content, view), reply_markup=keyboards.step(content, view)
    )
    await guided.remember_step(
        context.env,
        session_id=view.session_id,
        step_index=view.index,
        message_id=message.message_id,
    )


async def send_ask(context: BotContext, chat_id: int, telegram_user_id: int, ask: Ask) -> None:
    """The open question: the one it replaces loses its buttons; only its own are live."""
    await remove_buttons(context, chat_id, ask.replaces)
    message = await context.bot.send_message(
        chat_id,
        ask_text(context.texts, ask),
        reply_markup=keyboards.question(context.content, ask.keys),
    )
    await questions.remember_prompt(
        context.env, telegram_user_id=telegram_user_id, message_id=message.message_id
    )


async def remove_buttons(context: BotContext, chat_id: int, message_id: int | None) -> None:
    """Take the keyboard off an old message. Best effort: it may be gone or already bare."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("event=remove_buttons_skipped reason=%s", exc.message[:60])


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a tap (stops the spinner); a failure here must not stop the work."""
    try:
        await query.answer(text, show_alert=alert or None)
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        log.debug("event=edit_skipped reason=%s", exc.message[:60])


async def _edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        log.debug("event=edit_markup_skipped reason=%s", exc.message[:60])
