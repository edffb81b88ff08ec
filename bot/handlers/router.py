"""Where taps, typed text and shared locations go: each to the one use case that owns it."""

from __future__ import annotations

import logging

from telegram import Update

from bot.callbacks import (
    AnswerTap,
    DailyTap,
    DaysTap,
    DeleteTap,
    Flow,
    GoTap,
    LibraryTap,
    MorningFirstTap,
    MorningTap,
    ReminderTap,
    RescreenTap,
    RoutineTap,
    SessionPainTap,
    StepTap,
    Tap,
    decode,
)
from bot.context import BotContext
from bot.domain.session_flow import Action
from bot.handlers.show import show
from bot.services import (
    checkins,
    conversation,
    guided,
    onboarding,
    privacy,
    reminders,
    routines,
    settings,
    timers,
)
from bot.services.results import EXPIRED, Reply, refused

__all__ = ["Reply", "on_callback", "on_location", "on_text", "use_case"]
from bot.services.unit import Env

log = logging.getLogger(__name__)

# The service modules taps are handed to (a test swaps them to see each kind arrive).
USE_CASE_MODULES = (
    "checkins",
    "guided",
    "onboarding",
    "privacy",
    "reminders",
    "routines",
    "settings",
    "timers",
)


async def on_callback(update: Update, context: BotContext) -> None:
    """Every tap: parsed, never trusted, and handed to the use case of its kind."""
    query = update.callback_query
    if query is None:
        return
    tap = decode(query.data)
    if tap is None or query.message is None:
        # Every button the bot draws sits on a message in the runner's chat; a tap without
        # one (an inline-mode message) has no chat to answer in, so it changes nothing.
        log.info("event=callback_rejected reason=%s", "malformed" if tap is None else "no_message")
        reply = refused(EXPIRED)
    else:
        reply = await use_case(context.env, query.from_user.id, tap, query.message.message_id)
    await show(context, update, reply)


async def use_case(env: Env, who: int, tap: Tap, message_id: int | None) -> Reply:
    """The use case a tap belongs to (`message_id`: the message whose button was tapped)."""
    match tap:
        case AnswerTap(flow=Flow.ONBOARDING) | DaysTap(flow=Flow.ONBOARDING):
            return await onboarding.answer_tap(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case AnswerTap(flow=Flow.SETTINGS) | DaysTap(flow=Flow.SETTINGS):
            return await settings.answer_tap(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case AnswerTap():
            return await checkins.answer_tap(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case StepTap(action=Action.TIMER):
            return await timers.start(env, telegram_user_id=who, tap=tap, message_id=message_id)
        case StepTap():
            return await guided.tap_step(env, telegram_user_id=who, tap=tap, message_id=message_id)
        case GoTap(delivery_id):
            return await guided.start(
                env,
                telegram_user_id=who,
                delivery_id=delivery_id,
                tapped_message_id=message_id,
                from_command=False,
            )
        case RoutineTap(routine_id):
            return await guided.start(
                env,
                telegram_user_id=who,
                routine_id=routine_id,
                tapped_message_id=message_id,
                from_command=False,
            )
        case DailyTap():
            return await routines.choose_daily(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case LibraryTap():
            return await routines.library(env, telegram_user_id=who, tap=tap, message_id=message_id)
        case ReminderTap():
            return await reminders.tap(env, telegram_user_id=who, tap=tap, message_id=message_id)
        case SessionPainTap():
            return await checkins.session_pain_tap(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case MorningTap():
            return await checkins.morning_tap(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case MorningFirstTap():
            return await guided.start_after_morning(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
        case RescreenTap():
            return await checkins.rescreen(env, telegram_user_id=who, message_id=message_id)
        case DeleteTap():
            return await privacy.confirm_delete(
                env, telegram_user_id=who, tap=tap, message_id=message_id
            )
    return refused(EXPIRED)


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text: the answer to the open question, or a hint."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None or message.text is None:
        return
    reply = await conversation.text(context.env, telegram_user_id=tg_user.id, text=message.text)
    await show(context, update, reply)


async def on_location(update: Update, context: BotContext) -> None:
    """A shared location answers the time-zone question (the place itself is not stored)."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None or message.location is None:
        return
    reply = await conversation.location(
        context.env,
        telegram_user_id=tg_user.id,
        latitude=message.location.latitude,
        longitude=message.location.longitude,
    )
    await show(context, update, reply)
