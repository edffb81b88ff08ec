"""Turning a use case's result into Telegram calls, in one order for every handler:
answer the tap, close or redraw the tapped message, take old buttons off, send the notes,
the step, the question (and remember the message that carries it). The tap's answer and
the tapped message's edits go out alongside the rest, not before it: each Bot API call is
a round trip to Telegram, and the next step need not wait for the spinner to stop or for
the last step to close (three round trips before the next step, now one).

No call Telegram would refuse: an edit that would leave the tapped message as the runner
sees it (same text, same buttons) is not sent, nor is a keyboard removal from a message
already shown without one; texts longer than Telegram takes are sent as several messages,
and a tap's answer is kept within its limit (`bot.views`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import keyboards
from bot.context import BotContext
from bot.services import guided, pictures, questions
from bot.services.language import from_telegram
from bot.services.results import Ask, Reply, StepView
from bot.views import ask_text, clip, library_text, note_text, parts, said, step_text, toast

log = logging.getLogger(__name__)


class Shown:
    """What the tapped message shows now, as Telegram compares it for an edit: its text
    (trimmed, as Telegram stores it; the bot sends no entities of its own, so the ones
    Telegram finds follow from the text) and its buttons."""

    def __init__(self, query: CallbackQuery | None) -> None:
        message = query.message if query is not None else None
        self.message_id = message.message_id if message is not None else None
        # a step sent with its picture is edited as a caption
        self.captioned = isinstance(message, Message) and bool(message.photo)
        self.limit = MessageLimit.CAPTION_LENGTH if self.captioned else MessageLimit.MAX_TEXT_LENGTH
        if isinstance(message, Message):
            self.text: str | None = (message.text or message.caption or "").strip()
            self.markup = _keyboard(message.reply_markup)
        else:  # inaccessible (too old to be shown): nothing is known, nothing is skipped
            self.text, self.markup = None, None

    def unchanged(self, text: str | None, markup: InlineKeyboardMarkup | None) -> bool:
        """Would the edit leave the message as it is? (`text` None: a keyboard only edit.)"""
        if self.text is None:
            return False
        same_text = text is None or clip(text, self.limit).strip() == self.text
        return same_text and self.markup == _keyboard(markup)

    def now(self, text: str | None, markup: InlineKeyboardMarkup | None) -> None:
        if self.text is not None and text is not None:
            self.text = clip(text, self.limit).strip()
        self.markup = _keyboard(markup)


def _keyboard(markup: object) -> InlineKeyboardMarkup | None:
    """An inline keyboard with at least one button, or None (an empty one shows nothing)."""
    if isinstance(markup, InlineKeyboardMarkup) and any(markup.inline_keyboard):
        return markup
    return None


async def show(context: BotContext, update: Update, reply: Reply) -> None:
    """Carry out `reply` in the chat of `update`."""
    if reply.language is not None:  # chosen just now: this reply is the first in it
        context.language = reply.language
    if reply.menu_language is not None:
        await chat_menu(context, update, reply.menu_language)
    texts, content = context.texts, context.content
    query = update.callback_query
    tapped = Shown(query)
    if query is None:
        await _show_in_chat(context, update, reply, tapped)
        return
    if reply.refused is not None:
        await answer_query(query, said(texts, reply.refused), alert=reply.alert)
        return
    edits: list[tuple[str | None, InlineKeyboardMarkup | None]] = []
    if reply.record is not None:
        edits.append((said(texts, reply.record), None))
    if reply.redraw is not None:
        edits.append((None, keyboards.question(content, reply.redraw)))
    if reply.edit_step is not None:
        view = reply.edit_step
        # a step that is over keeps its text and shows its status instead of buttons
        markup = None if view.status is not None else keyboards.step(content, view)
        edits.append((step_text(content, view), markup))
    # What the tapped message will show is known now (`tapped`), before any call is made.
    edits = [(text, markup) for text, markup in edits if _will_edit(tapped, text, markup)]
    toast_text = said(texts, reply.toast) if reply.toast else None
    if _touches(reply, tapped.message_id):  # then one after the other, as before
        await answer_query(query, toast_text)
        await _edit_in_order(query, tapped, edits)
        await _show_in_chat(context, update, reply, tapped)
        return
    await _alongside(
        (answer_query(query, toast_text), _edit_in_order(query, tapped, edits)),
        _show_in_chat(context, update, reply, tapped),
    )


def _touches(reply: Reply, message_id: int | None) -> bool:
    """Whether the rest of the reply may edit the tapped message as well."""
    replaced = reply.ask.replaces if reply.ask is not None else None
    return reply.page is not None or message_id in reply.strip or message_id == replaced


async def _edit_in_order(
    query: CallbackQuery,
    tapped: Shown,
    edits: list[tuple[str | None, InlineKeyboardMarkup | None]],
) -> None:
    for text, markup in edits:
        await _send_edit(query, tapped, text, markup)


async def _alongside(
    first: Sequence[Coroutine[Any, Any, None]], rest: Coroutine[Any, Any, None]
) -> None:
    """The `first` calls on their way, in order, then `rest` while they run; the update
    ends when all have. If `rest` fails, its error is the one raised and a call's own is
    logged; if not, the first call's error is raised."""
    calls = [asyncio.ensure_future(call) for call in first]
    try:
        await asyncio.sleep(0)  # the answer, then the first edit, sent before the rest
        await rest
    except BaseException as exc:
        rest.close()  # never started if the update was cancelled before it
        if isinstance(exc, asyncio.CancelledError):
            for call in calls:
                call.cancel()
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.warning("event=tap_call_failed error=%s", type(outcome).__name__)
        raise
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failed:
        raise failed[0]


async def _show_in_chat(context: BotContext, update: Update, reply: Reply, tapped: Shown) -> None:
    """Everything after the tap's own answer and edits: old buttons off, the notes, the
    step, the question, a library page."""
    texts, content = context.texts, context.content
    query = update.callback_query
    chat = update.effective_chat
    if chat is None:  # a tap on an inline-mode message: there is no chat to write to
        return
    if query is None and reply.refused is not None:
        await send_text(context, chat.id, said(texts, reply.refused))
    bare: set[int] = set()  # messages that show no buttons now
    if tapped.message_id is not None and tapped.text is not None and tapped.markup is None:
        bare.add(tapped.message_id)
    for message_id in reply.strip:
        await remove_buttons(context, chat.id, message_id, bare)
    for note in reply.notes:
        markup = keyboards.attached(content, note.buttons) if note.buttons else None
        await send_text(context, chat.id, note_text(texts, note), markup)
    if reply.step is not None:
        await send_step(context, chat.id, reply.step)
    if reply.ask is not None and update.effective_user is not None:
        await send_ask(context, chat.id, update.effective_user.id, reply.ask, bare)
    if reply.page is not None:
        page = reply.page
        text, markup = library_text(content, page), keyboards.library(content, page)
        if page.picture is not None:
            # the page comes anew under the picture: the one tapped is done with
            if query is not None and tapped.message_id is not None:
                await remove_buttons(context, chat.id, tapped.message_id, bare)
            name = content.exercises[page.picture].name
            await send_picture(context, chat.id, page.picture, name)
        if query is not None and page.in_place:
            await _edit(query, tapped, text, markup)
        else:
            await send_text(context, chat.id, text, markup)


async def chat_menu(context: BotContext, update: Update, language: str) -> None:
    """This chat's command menu in `language`: Telegram shows a user the menu of their
    app's language, so a runner who chose another gets one of their own (and loses it
    when they choose their app's language again). Best effort: the menu is no answer."""
    chat, who = update.effective_chat, update.effective_user
    if chat is None or who is None:
        return
    scope = BotCommandScopeChat(chat.id)
    try:
        if language == from_telegram(who.language_code, list(context.content.languages)):
            await context.bot.delete_my_commands(scope=scope)
        else:
            commands = context.content.speaking(language).commands
            await context.bot.set_my_commands(
                [BotCommand(c.command, c.description) for c in commands], scope=scope
            )
    except TelegramError as exc:
        log.warning("event=chat_menu_failed error=%s", type(exc).__name__)


async def send_text(
    context: BotContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    """A text as one message, or as several when it is longer than Telegram takes (the
    buttons go with the last); the message that carries the buttons."""
    *first, last = parts(text)
    for piece in first:
        await context.bot.send_message(chat_id, piece)
    return await context.bot.send_message(chat_id, last, reply_markup=markup)


async def send_step(context: BotContext, chat_id: int, view: StepView) -> None:
    """A step as its own message, remembered as the live one: for a runner with pictures
    on, the exercise's picture with the step as its caption (edited as a caption from then
    on); as text when pictures are off, the exercise has none or the picture fails."""
    content = context.content
    text, markup = step_text(content, view), keyboards.step(content, view)
    message = None
    if view.picture:
        message = await send_picture(context, chat_id, view.exercise_id, text, markup)
    if message is None:
        message = await send_text(context, chat_id, text, markup)
    await guided.remember_step(
        context.env,
        session_id=view.session_id,
        step_index=view.index,
        message_id=message.message_id,
    )


async def send_picture(
    context: BotContext,
    chat_id: int,
    exercise_id: str,
    caption: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """The exercise's picture with `caption` and `markup`: by the file_id Telegram gave it
    if it was sent before, else uploaded (and its file_id kept). None when it could not be
    sent: the caller sends the words without it, a session never waits on a picture."""
    pose = context.content.poses.get(exercise_id)
    if pose is None:
        return None
    env, bot_id = context.env, context.bot.id
    if caption is not None:
        caption = clip(caption, MessageLimit.CAPTION_LENGTH)
    known = await pictures.file_id(env, pose, bot_id)
    try:
        if known is not None:
            try:
                return await context.bot.send_photo(
                    chat_id, known, caption=caption, reply_markup=markup
                )
            except BadRequest as exc:
                if not _gone(exc):
                    raise
                log.info("event=picture_resend reason=%s", exc.message[:60])
                await pictures.refused(env, pose, bot_id, known)
        png = await pictures.png(pose)
        message = await context.bot.send_photo(
            chat_id,
            InputFile(png, filename=f"{exercise_id}.png"),
            caption=caption,
            reply_markup=markup,
        )
    except (BadRequest, NetworkError, RetryAfter) as exc:
        log.warning("event=picture_failed reason=%s", type(exc).__name__)
        return None
    if message.photo:
        await pictures.uploaded(env, pose, bot_id, message.photo[-1].file_id)
    return message


def _gone(exc: BadRequest) -> bool:
    """Telegram does not know the file_id (not: the chat, the caption, the buttons)."""
    text = exc.message.lower()
    return "file identifier" in text or "file_id" in text or "wrong remote file" in text


async def send_ask(
    context: BotContext, chat_id: int, telegram_user_id: int, ask: Ask, bare: set[int]
) -> None:
    """The open question: the one it replaces loses its buttons; only its own are live."""
    await remove_buttons(context, chat_id, ask.replaces, bare)
    message = await send_text(
        context,
        chat_id,
        ask_text(context.texts, ask),
        keyboards.question(context.content, ask.keys),
    )
    await questions.remember_prompt(
        context.env, telegram_user_id=telegram_user_id, message_id=message.message_id
    )


async def remove_buttons(
    context: BotContext, chat_id: int, message_id: int | None, bare: set[int] | None = None
) -> None:
    """Take the keyboard off an old message, unless it is known to show none already
    (`bare`, which then holds it). Best effort: it may have been deleted."""
    if message_id is None or (bare is not None and message_id in bare):
        return
    if bare is not None:
        bare.add(message_id)
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("event=remove_buttons_skipped reason=%s", exc.message[:60])


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a tap (stops the spinner); a failure here must not stop the work, nor tell
    the runner something went wrong when the rest of the reply reached them."""
    try:
        await query.answer(toast(text) if text else None, show_alert=alert or None)
    except (BadRequest, Forbidden) as exc:
        log.debug("event=answer_query_failed reason=%s", exc.message[:60])
    except TelegramError as exc:  # a timeout, a network error, 429 after the retries
        log.warning("event=answer_query_failed error=%s", type(exc).__name__)


async def _edit(
    query: CallbackQuery, tapped: Shown, text: str | None, markup: InlineKeyboardMarkup | None
) -> None:
    """Edit the tapped message (its text and buttons, or with `text` None its buttons
    only), unless that would leave it as the runner sees it."""
    if _will_edit(tapped, text, markup):
        await _send_edit(query, tapped, text, markup)


def _will_edit(tapped: Shown, text: str | None, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the edit changes what the runner sees; if so `tapped` shows its result."""
    if tapped.unchanged(text, markup):
        log.debug("event=edit_skipped reason=unchanged")
        return False
    tapped.now(text, markup)
    return True


async def _send_edit(
    query: CallbackQuery, tapped: Shown, text: str | None, markup: InlineKeyboardMarkup | None
) -> None:
    try:
        if text is None:
            await query.edit_message_reply_markup(markup)
        elif tapped.captioned:
            await query.edit_message_caption(clip(text, tapped.limit), reply_markup=markup)
        else:
            await query.edit_message_text(clip(text, tapped.limit), reply_markup=markup)
    except BadRequest as exc:
        log.debug("event=edit_skipped reason=%s", exc.message[:60])
