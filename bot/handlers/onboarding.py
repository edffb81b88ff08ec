"""/start and the onboarding questions: safety screening, pain, equipment, time, zone, days."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update

from bot import keyboards
from bot.context import BotContext
from bot.db import repo
from bot.db.models import User
from bot.domain.enums import ALL_DAYS
from bot.domain.onboarding import SAFETY_STOPS, Step, is_in_progress, parse_step
from bot.handlers import prompts
from bot.handlers.answers import Outcome, apply_onboarding, refresh_next_reminder, schedule_of
from bot.handlers.questions import (
    ASK_TEXT,
    Answer,
    DaysToggle,
    Invalid,
    answer_label,
    markup,
    read_tap,
    read_typed,
)
from bot.render import next_text, user_schedule_text

log = logging.getLogger(__name__)


async def start(update: Update, context: BotContext) -> None:
    """/start: begin setting up, pick up where the runner left off, or ask before changing."""
    tg_user, message = update.effective_user, update.effective_message
    if tg_user is None or message is None:
        return
    texts = context.texts
    async with context.db.write() as session:
        user, created = await repo.get_or_create_user(
            session,
            telegram_user_id=tg_user.id,
            chat_id=message.chat_id,
            first_name=tg_user.first_name,
            language_code=tg_user.language_code,
            now=context.clock.now(),
        )
        step = parse_step(user.onboarding_step) or Step.WELCOME
        fresh = step is Step.WELCOME
        if fresh:
            step = Step.SCREEN_EMERGENCY
            user.onboarding_step = step
            user.onboarding_answers = {}
        user.awaiting = "restart" if step is Step.DONE else None
        if step is Step.DONE and user.next_reminder_at is None:
            # Back after blocking the bot (or anything else that dropped the schedule).
            refresh_next_reminder(user, context.clock.now())
    log.info("event=start new_user=%s step=%s", created, step.value)

    if fresh:
        await message.reply_text(
            texts.get("welcome", first_name=tg_user.first_name, disclaimer=texts.disclaimer)
        )
    elif is_in_progress(step):
        await message.reply_text(
            texts.get("welcome_back", first_name=tg_user.first_name, disclaimer=texts.disclaimer)
        )
    if step is Step.DONE:
        described = user_schedule_text(texts, schedule_of(user))
        await prompts.send_prompt(
            context,
            user_id=user.id,
            chat_id=user.chat_id,
            text=texts.get("restart_confirm", schedule=described),
            markup=markup(context.content, keyboards.SETTINGS, "restart"),
            previous_prompt_id=user.prompt_message_id,
        )
        return
    await ask(context, user, step)


async def ask(
    context: BotContext,
    user: User,
    step: str,
    *,
    lead: str | None = None,
    previous_closed: bool = False,
) -> None:
    """Send an onboarding question as the one live prompt (an optional line first).
    `previous_closed`: the last prompt's buttons are already gone (it was just answered)."""
    texts = context.texts
    text = texts.get(ASK_TEXT[step])
    if lead:
        text = f"{lead}\n\n{text}"
    days_mask = int(user.onboarding_answers.get("days", ALL_DAYS))
    await prompts.send_prompt(
        context,
        user_id=user.id,
        chat_id=user.chat_id,
        text=text,
        markup=markup(context.content, keyboards.ONBOARDING, step, days_mask=days_mask),
        previous_prompt_id=None if previous_closed else user.prompt_message_id,
    )


async def on_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """A button on an onboarding question: checked against the runner's open question."""
    query = update.callback_query
    assert query is not None
    question = callback.arg(0) or ""
    answer = read_tap(context.content, question, callback.args[1:])
    tapped_id = query.message.message_id if query.message else None
    outcome: Outcome | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        if (
            user is not None
            and answer is not None
            and user.onboarding_step == question
            and tapped_id is not None
            and tapped_id == user.prompt_message_id
            and _days_fresh(user, answer)
        ):
            outcome = apply_onboarding(user, question, answer, context.content, context.clock.now())
    if user is None or outcome is None or answer is None:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    if outcome.ask == question:  # not accepted (no day picked): say why, keep the question
        await prompts.answer_query(query, outcome.notes[0] if outcome.notes else None)
        return
    await prompts.answer_query(query)
    if outcome.days_mask is not None:
        await query.edit_message_reply_markup(
            markup(context.content, keyboards.ONBOARDING, "days", days_mask=outcome.days_mask)
        )
        return
    await prompts.close_tapped(query, record_of(context, query, question, answer))
    await follow_up(context, user, outcome)


def record_of(context: BotContext, query: CallbackQuery, question: str, answer: Answer) -> str:
    """'<question>\n→ <answer>': what stays on an answered question."""
    asked = query.message.text if isinstance(query.message, Message) and query.message.text else ""
    label = answer_label(context.content, question, answer)
    return context.texts.get("answered", question=asked, answer=label)


def _days_fresh(user: User, answer: Answer) -> bool:
    """A day tap carries the mask it was drawn with; an older mask means a double tap."""
    if not isinstance(answer, DaysToggle):
        return True
    return answer.mask == int(user.onboarding_answers.get("days", ALL_DAYS))


async def on_text(update: Update, context: BotContext, user: User) -> None:
    """Typed text while a question is open: read it as the answer, or say what is accepted."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    step = parse_step(user.onboarding_step)
    assert step is not None
    if step in SAFETY_STOPS:
        await message.reply_text(
            context.texts.red_flag_still if step is Step.RED_FLAG else context.texts.doctor_still
        )
        return
    answer = read_typed(context.content, step, message.text)
    if isinstance(answer, Invalid):
        await ask(context, user, step, lead=context.texts.get(answer.text_key, **answer.fields))
        return
    if isinstance(answer, DaysToggle) and answer.mask == 0:
        await ask(context, user, step, lead=context.texts.days_none)
        return
    await _apply_typed(context, user.telegram_user_id, step, answer)


async def on_location(update: Update, context: BotContext, user: User, answer: Answer) -> None:
    """A shared location while the zone question is open."""
    await _apply_typed(context, user.telegram_user_id, "zone", answer)


async def _apply_typed(
    context: BotContext, telegram_user_id: int, question: str, answer: Answer
) -> None:
    outcome: Outcome | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        if user is not None and user.onboarding_step == question:
            previous_prompt = user.prompt_message_id
            outcome = apply_onboarding(user, question, answer, context.content, context.clock.now())
    if user is None or outcome is None:
        return
    await prompts.remove_buttons(context, user.chat_id, previous_prompt)
    await follow_up(context, user, outcome)


async def follow_up(context: BotContext, user: User, outcome: Outcome) -> None:
    """After an answer: its notes, then the next question or the summary."""
    notes = [n for n in outcome.notes if n]
    if outcome.ask is not None:
        lead = "\n".join(notes) if notes else None
        await ask(context, user, outcome.ask, lead=lead, previous_closed=True)
        return
    for note in notes:
        await context.bot.send_message(user.chat_id, note)
    if outcome.finished:
        await send_summary(context, user)


async def send_summary(context: BotContext, user: User) -> None:
    texts = context.texts
    content = context.content
    ladder = content.ladder
    first = content.exercises[ladder.steps[0]]
    if not user.has_foam_roller and first.without_equipment:
        first = content.exercises[first.without_equipment]
    minutes = max(1, round(first.dose.estimated_seconds() / 60))
    described = user_schedule_text(texts, schedule_of(user))
    upcoming = next_text(texts, user.next_reminder_at, now=context.clock.now(), zone=user.time_zone)
    text = texts.get(
        "summary",
        schedule=f"{described}; next: {upcoming}",
        routine=f"{ladder.name} (level {user.level}: {first.name})",
        minutes=str(minutes),
    )
    await context.bot.send_message(
        user.chat_id, text, reply_markup=keyboards.start_button(texts.start_first_session)
    )
