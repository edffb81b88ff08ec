"""/settings, /pause and /resume: change one thing at a time, confirmed in one sentence."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update

from bot import keyboards
from bot.context import BotContext
from bot.db import repo
from bot.db.models import User
from bot.domain.enums import UserStatus
from bot.domain.onboarding import Step, parse_step
from bot.handlers import prompts
from bot.handlers.answers import no_roller_reason, refresh_next_reminder, schedule_of, set_field
from bot.handlers.onboarding import ask as ask_onboarding
from bot.handlers.onboarding import record_of
from bot.handlers.questions import (
    ASK_TEXT,
    Answer,
    DaysToggle,
    Invalid,
    markup,
    read_tap,
    read_typed,
    toggled,
)
from bot.handlers.users import ready_user
from bot.render import (
    days_text,
    local_day_text,
    next_text,
    time_text,
    user_schedule_text,
)

log = logging.getLogger(__name__)

FIELDS = ("time", "zone", "days", "equipment", "morning")
MENU = "menu"
PAUSE = "pause"
RESTART = "restart"


def _menu_markup(context: BotContext, user: User) -> InlineKeyboardMarkup:
    texts = context.texts
    options = [
        (texts.change_time, "time"),
        (texts.change_zone, "zone"),
        (texts.change_days, "days"),
        (texts.change_equipment, "equipment"),
        (texts.change_morning, "morning"),
        (texts.resume, "resume") if user.status is UserStatus.PAUSED else (texts.pause, PAUSE),
        (texts.close, "close"),
    ]
    return keyboards.choice(keyboards.SETTINGS, MENU, options)


def _pause_markup(context: BotContext) -> InlineKeyboardMarkup:
    texts = context.texts
    options = [
        (texts.pause_week if days == 7 else texts.get("pause_for_days", days=str(days)), str(days))
        for days in context.content.choices.pause_days
    ]
    options.append((texts.pause_until_resume, "0"))
    return keyboards.choice(keyboards.SETTINGS, PAUSE, options, width=3)


def _status_text(context: BotContext, user: User) -> str:
    texts = context.texts
    if user.status is UserStatus.PAUSED and user.paused_until is not None and user.time_zone:
        until = local_day_text(
            user.paused_until, now=context.clock.now(), zone=user.time_zone, texts=texts
        )
        return texts.get("status_paused_until", until=until)
    return texts.get(f"status_{user.status.value}")


def _next(context: BotContext, user: User) -> str:
    return next_text(
        context.texts, user.next_reminder_at, now=context.clock.now(), zone=user.time_zone
    )


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: the current settings, with a button for each thing to change."""
    user = await ready_user(update, context)
    if user is None:
        return
    await _open(context, user, MENU)


async def pause_command(update: Update, context: BotContext) -> None:
    """/pause: for how long?"""
    user = await ready_user(update, context)
    if user is None:
        return
    await _open(context, user, PAUSE)


async def resume_command(update: Update, context: BotContext) -> None:
    """/resume: reminders back on, with the next one named."""
    user = await ready_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    await message.reply_text(await _resume(context, user.telegram_user_id))


async def _resume(context: BotContext, telegram_user_id: int) -> str:
    texts = context.texts
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        assert user is not None
        if user.status is UserStatus.RED_FLAG:
            return texts.safety_hold
        was_paused = user.status is UserStatus.PAUSED
        user.status = UserStatus.ACTIVE
        user.paused_until = None
        refresh_next_reminder(user, context.clock.now())
    log.info("event=resume was_paused=%s", was_paused)
    return texts.get("resumed" if was_paused else "not_paused", next=_next(context, user))


async def _open(context: BotContext, user: User, question: str) -> None:
    """Make `question` the open settings question and send it."""
    texts = context.texts
    async with context.db.write() as session:
        fresh = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        assert fresh is not None
        fresh.awaiting = question
        if question == "days":
            fresh.onboarding_answers = {**fresh.onboarding_answers, "days": fresh.reminder_days}
        user = fresh
    if question == MENU:
        described = user_schedule_text(texts, schedule_of(user))
        text = texts.get(
            "settings_menu",
            schedule=f"{described}; next: {_next(context, user)}",
            roller=texts.answer_yes if user.has_foam_roller else texts.answer_no,
            status=_status_text(context, user),
        )
        reply_markup: InlineKeyboardMarkup | None = _menu_markup(context, user)
    elif question == PAUSE:
        text, reply_markup = texts.pause_prompt, _pause_markup(context)
    else:
        text = texts.get(ASK_TEXT[question])
        reply_markup = markup(
            context.content, keyboards.SETTINGS, question, days_mask=user.reminder_days
        )
    await prompts.send_prompt(
        context,
        user_id=user.id,
        chat_id=user.chat_id,
        text=text,
        markup=reply_markup,
        previous_prompt_id=user.prompt_message_id,
    )


async def on_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """A button on a settings question: only the open question's buttons are live."""
    query = update.callback_query
    assert query is not None
    question = callback.arg(0) or ""
    value = callback.arg(1) or ""
    tapped_id = query.message.message_id if query.message else None
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
    live = (
        user is not None
        and user.awaiting == question
        and tapped_id is not None
        and tapped_id == user.prompt_message_id
        and parse_step(user.onboarding_step) is Step.DONE
    )
    if not live or user is None:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    if question == MENU and value in (*FIELDS, PAUSE, "resume", "close"):
        await _menu_choice(update, context, user, value)
    elif question == PAUSE and value.isdigit():
        await _pause(update, context, user, int(value))
    elif question == RESTART and value in ("y", "n"):
        await _restart(update, context, user, value == "y")
    elif question in FIELDS:
        answer = read_tap(context.content, question, callback.args[1:])
        if answer is None:
            await prompts.answer_query(query, context.texts.expired_button)
            return
        await _set(update, context, user, question, answer, tapped=True)
    else:
        await prompts.answer_query(query, context.texts.expired_button)


async def _claim(
    context: BotContext, user: User, question: str, *, days_mask: int | None = None
) -> User | None:
    """Atomically close the open question (so a double tap acts once); the fresh row or None."""
    async with context.db.write() as session:
        fresh = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        if (
            fresh is None
            or fresh.awaiting != question
            or fresh.prompt_message_id != user.prompt_message_id
        ):
            return None
        if days_mask is not None and int(fresh.onboarding_answers.get("days", -1)) != days_mask:
            return None
        fresh.awaiting = None
        return fresh


async def _menu_choice(update: Update, context: BotContext, user: User, choice: str) -> None:
    query = update.callback_query
    assert query is not None
    if await _claim(context, user, MENU) is None:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    await prompts.answer_query(query)
    label = {
        "time": context.texts.change_time,
        "zone": context.texts.change_zone,
        "days": context.texts.change_days,
        "equipment": context.texts.change_equipment,
        "morning": context.texts.change_morning,
        PAUSE: context.texts.pause,
        "resume": context.texts.resume,
        "close": context.texts.close,
    }[choice]
    await prompts.close_tapped(
        query, context.texts.get("answered", question=_first_line(query), answer=label)
    )
    if choice == "close":
        return
    if choice == "resume":
        await context.bot.send_message(user.chat_id, await _resume(context, user.telegram_user_id))
        return
    await _open(context, user, choice)


def _first_line(query: object) -> str:
    message = getattr(query, "message", None)
    text = getattr(message, "text", None) or ""
    return str(text).split("\n", 1)[0]


async def _pause(update: Update, context: BotContext, user: User, days: int) -> None:
    query = update.callback_query
    assert query is not None
    texts = context.texts
    if days != 0 and days not in context.content.choices.pause_days:
        await prompts.answer_query(query, texts.expired_button)
        return
    now = context.clock.now()
    async with context.db.write() as session:
        fresh = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        if (
            fresh is None
            or fresh.awaiting != PAUSE
            or fresh.prompt_message_id != user.prompt_message_id
        ):
            fresh = None
        else:
            fresh.awaiting = None
            fresh.status = UserStatus.PAUSED
            fresh.paused_until = now + timedelta(days=days) if days else None
            refresh_next_reminder(fresh, now)
    if fresh is None:
        await prompts.answer_query(query, texts.expired_button)
        return
    await prompts.answer_query(query)
    label = texts.pause_until_resume if days == 0 else texts.get("pause_for_days", days=str(days))
    await prompts.close_tapped(
        query, texts.get("answered", question=texts.pause_prompt, answer=label)
    )
    if fresh.paused_until is None or fresh.time_zone is None:
        sentence = texts.paused_indefinitely
    else:
        until = local_day_text(fresh.paused_until, now=now, zone=fresh.time_zone, texts=texts)
        sentence = texts.get("paused_until", until=until, next=_next(context, fresh))
    log.info("event=pause days=%s", days)
    await context.bot.send_message(fresh.chat_id, sentence)


async def _restart(update: Update, context: BotContext, user: User, again: bool) -> None:
    query = update.callback_query
    assert query is not None
    fresh = await _claim(context, user, RESTART)
    if fresh is None:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    await prompts.answer_query(query)
    label = context.texts.start_over if again else context.texts.keep_settings
    await prompts.close_tapped(
        query, context.texts.get("answered", question=_first_line(query), answer=label)
    )
    if not again:
        await context.bot.send_message(
            fresh.chat_id, context.texts.get("restart_kept", next=_next(context, fresh))
        )
        return
    async with context.db.write() as session:
        row = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        assert row is not None
        row.onboarding_step = Step.SCREEN_EMERGENCY
        row.onboarding_answers = {}
        row.next_reminder_at = None  # no reminders while setting up again
    log.info("event=restart_onboarding")
    await ask_onboarding(context, row, Step.SCREEN_EMERGENCY)


async def _set(
    update: Update, context: BotContext, user: User, question: str, answer: Answer, *, tapped: bool
) -> None:
    """Store a new time, zone, days or equipment answer and confirm it in one sentence."""
    query = update.callback_query
    texts = context.texts
    if isinstance(answer, DaysToggle) and not answer.save:
        if query is None:
            return
        async with context.db.write() as session:
            fresh = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
            stale = (
                fresh is None
                or fresh.awaiting != "days"
                or int(fresh.onboarding_answers.get("days", -1)) != answer.mask
            )
            if fresh is not None and not stale:
                fresh.onboarding_answers = {**fresh.onboarding_answers, "days": toggled(answer)}
        if stale:
            await prompts.answer_query(query, texts.expired_button)
            return
        await prompts.answer_query(query)
        await query.edit_message_reply_markup(
            markup(context.content, keyboards.SETTINGS, "days", days_mask=toggled(answer))
        )
        return
    if isinstance(answer, DaysToggle) and toggled(answer) == 0:
        if query is not None:
            await prompts.answer_query(query, texts.days_none)
        else:
            await _reask(context, user, question, texts.days_none)
        return

    days_mask = answer.mask if isinstance(answer, DaysToggle) and tapped else None
    fresh = await _claim(context, user, question, days_mask=days_mask)
    if fresh is None:
        if query is not None:
            await prompts.answer_query(query, texts.expired_button)
        return
    async with context.db.write() as session:
        row = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        assert row is not None
        notes = set_field(row, question, answer, context.content)
        refresh_next_reminder(row, context.clock.now())
    if query is not None:
        await prompts.answer_query(query)
        await prompts.close_tapped(query, record_of(context, query, question, answer))
    else:
        await prompts.remove_buttons(context, row.chat_id, user.prompt_message_id)
    upcoming = _next(context, row)
    if question == "time":
        sentence = texts.get(
            "time_set",
            time=time_text(row.reminder_time) if row.reminder_time else "",
            next=upcoming,
        )
    elif question == "zone":
        sentence = texts.get("zone_set", zone=row.time_zone or "", next=upcoming)
    elif question == "morning":
        sentence = texts.get("morning_set", time=time_text(row.morning_time))
    elif question == "days":
        sentence = texts.get("days_set", days=days_text(texts, row.reminder_days), next=upcoming)
    elif row.has_foam_roller:
        sentence = texts.get("equipment_set_yes", next=upcoming)
    else:
        sentence = texts.get(
            "equipment_set_no", reason=no_roller_reason(context.content), next=upcoming
        )
    log.info("event=setting_changed field=%s", question)
    await context.bot.send_message(row.chat_id, "\n".join([*notes, sentence]))


async def _reask(context: BotContext, user: User, question: str, lead: str) -> None:
    texts = context.texts
    await prompts.send_prompt(
        context,
        user_id=user.id,
        chat_id=user.chat_id,
        text=f"{lead}\n\n{texts.get(ASK_TEXT[question])}",
        markup=markup(context.content, keyboards.SETTINGS, question, days_mask=user.reminder_days),
        previous_prompt_id=user.prompt_message_id,
    )


async def on_text(update: Update, context: BotContext, user: User) -> None:
    """Typed text while a settings question is open."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    question = user.awaiting or ""
    if question not in FIELDS:
        await message.reply_text(context.texts.use_buttons)
        return
    answer = read_typed(context.content, question, message.text)
    if isinstance(answer, Invalid):
        await _reask(context, user, question, context.texts.get(answer.text_key, **answer.fields))
        return
    await _set(update, context, user, question, answer, tapped=False)


async def on_location(update: Update, context: BotContext, user: User, answer: Answer) -> None:
    await _set(update, context, user, "zone", answer, tapped=False)
