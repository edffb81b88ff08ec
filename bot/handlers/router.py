"""Where taps, typed text and shared locations go, by the runner's own state."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Message, Update

from bot import keyboards
from bot.context import BotContext
from bot.db import repo
from bot.db.models import User
from bot.domain.onboarding import SAFETY_STOPS, Step, is_in_progress, parse_step
from bot.domain.zones import zone_from_location
from bot.handlers import checkins, onboarding, prompts, reminders, settings
from bot.handlers import session as guided

log = logging.getLogger(__name__)

CHECKIN_QUESTIONS = (checkins.RAN, checkins.RUN_PAIN, checkins.ADHOC_PAIN)

TapHandler = Callable[[Update, BotContext, keyboards.Callback], Awaitable[None]]
# Which handler takes each kind of callback data (keyboards.KINDS).
TAP_HANDLERS: dict[str, TapHandler] = {
    keyboards.ONBOARDING: onboarding.on_tap,
    keyboards.SETTINGS: settings.on_tap,
    keyboards.SESSION: guided.on_step,
    keyboards.GO: guided.on_go,
    keyboards.CHECKIN: guided.on_checkin_tap,
    keyboards.ROUTINE: guided.on_routine_tap,
    keyboards.REMINDER: reminders.on_reminder_tap,
    keyboards.MORNING: reminders.on_morning_tap,
    keyboards.RUN: checkins.on_tap,
    keyboards.ADHOC: checkins.on_tap,
}


async def on_callback(update: Update, context: BotContext) -> None:
    """Every tap: parsed and never trusted; anything we cannot place has expired."""
    query = update.callback_query
    if query is None:
        return
    callback = keyboards.decode(query.data)
    if callback is None:
        log.info("event=callback_rejected reason=malformed")
        await prompts.answer_query(query, context.texts.expired_button)
        return
    handler = TAP_HANDLERS.get(callback.kind)
    if handler is None:  # a kind decode() knows but nothing here handles
        await prompts.answer_query(query, context.texts.expired_button)
        return
    await handler(update, context, callback)


async def _runner_or_hint(
    context: BotContext, message: Message, telegram_user_id: int
) -> User | None:
    """The runner who wrote, or None after telling a stranger to send /start."""
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
    if user is None:
        await message.reply_text(context.texts.not_set_up)
    return user


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text: the answer to the open question, or a hint."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None or message.text is None:
        return
    user = await _runner_or_hint(context, message, tg_user.id)
    if user is None:
        return
    step = parse_step(user.onboarding_step)
    if step is not None and (is_in_progress(step) or step in SAFETY_STOPS):
        await onboarding.on_text(update, context, user)
    elif step is Step.DONE and user.awaiting in CHECKIN_QUESTIONS:
        await checkins.on_text(update, context, user)
    elif step is Step.DONE and (user.awaiting or "").startswith("pain:"):
        await guided.on_checkin_text(update, context, user)
    elif step is Step.DONE and user.awaiting is not None:
        await settings.on_text(update, context, user)
    else:
        await message.reply_text(context.texts.unknown_text)


async def on_location(update: Update, context: BotContext) -> None:
    """A shared location answers the time-zone question (the place itself is not stored)."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None or message.location is None:
        return
    user = await _runner_or_hint(context, message, tg_user.id)
    if user is None:
        return
    choice = zone_from_location(message.location.latitude, message.location.longitude)
    await message.reply_text(context.texts.get("zone_from_location", zone=choice.name))
    if user.onboarding_step == Step.ZONE:
        await onboarding.on_location(update, context, user, choice)
    elif parse_step(user.onboarding_step) is Step.DONE and user.awaiting == "zone":
        await settings.on_location(update, context, user, choice)
    else:
        await message.reply_text(context.texts.unknown_text)
