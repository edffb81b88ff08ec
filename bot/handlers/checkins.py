"""Pain check-ins and what follows them: the progression rules (PROGRESSION.md), one
sentence on what happens next and why, the morning question the day after a session or
a run, /run, /checkin, "Something new or different?" (R0c) and /progress."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot import keyboards
from bot.charts import LevelMark, PainPoint, ProgressData, render_progress
from bot.content import Content
from bot.context import BotContext
from bot.db import repo
from bot.db.models import LevelChange, PainCheckin, RoutineSession, StepEvent, User
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome
from bot.domain.onboarding import Step
from bot.domain.pain import pain_label
from bot.domain.parsing import InvalidInput, parse_pain
from bot.domain.schedule import local_date_of
from bot.handlers import privacy, prompts
from bot.handlers.users import ready_user
from bot.reminders import next_morning_after

log = logging.getLogger(__name__)

HISTORY_DAYS = 120  # enough for the baseline's 4-week recompute and the progress picture
CHART_DAYS = 28


# --- the runner's history, as the pure rules see it -------------------------------------


async def load_history(
    session: AsyncSession, user: User, content: Content, today: date
) -> rules.History:
    zone = user.time_zone or "UTC"
    since = today - timedelta(days=HISTORY_DAYS)
    # Columns, not ORM objects: this runs on every check-in, over up to HISTORY_DAYS of rows.
    checkins = (
        await session.execute(
            select(
                PainCheckin.local_date,
                PainCheckin.score,
                PainCheckin.context,
                PainCheckin.recorded_at,
                PainCheckin.session_id,
            )
            .where(PainCheckin.user_id == user.id, PainCheckin.local_date >= since)
            .order_by(PainCheckin.recorded_at, PainCheckin.id)
        )
    ).all()
    sessions = (
        await session.execute(
            select(
                RoutineSession.id,
                RoutineSession.local_date,
                RoutineSession.level,
                RoutineSession.routine_id,
                RoutineSession.status,
            )
            .where(RoutineSession.user_id == user.id, RoutineSession.local_date >= since)
            .order_by(RoutineSession.started_at, RoutineSession.id)
        )
    ).all()
    hurts = (
        await session.execute(
            select(StepEvent.session_id, StepEvent.exercise_id)
            .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
            .where(
                RoutineSession.user_id == user.id,
                RoutineSession.local_date >= since,
                StepEvent.outcome == StepOutcome.HURTS,
            )
        )
    ).all()
    changes = (
        await session.execute(
            select(
                LevelChange.at, LevelChange.from_level, LevelChange.to_level, LevelChange.rule_id
            )
            .where(LevelChange.user_id == user.id)
            .order_by(LevelChange.at)
        )
    ).all()
    ladder = content.ladder
    position = {step: i + 1 for i, step in enumerate(ladder.steps)}
    for exercise in content.exercises.values():  # substitutes count as the step they replace
        for alt in (exercise.without_equipment, exercise.easier):
            if alt and exercise.id in position:
                position.setdefault(alt, position[exercise.id])
    hurt_steps: dict[int, set[int]] = {}
    for session_id, exercise_id in hurts:
        if exercise_id in position:
            hurt_steps.setdefault(session_id, set()).add(position[exercise_id])
    ended = (SessionStatus.COMPLETED, SessionStatus.STOPPED)
    return rules.History(
        onboarding_pain=user.baseline_pain if user.baseline_pain is not None else 0,
        level=user.level,
        max_level=len(ladder.steps),
        checkins=tuple(
            rules.Checkin(c.local_date, c.score, c.context, c.recorded_at, c.session_id)
            for c in checkins
        ),
        sessions=tuple(
            rules.SessionRecord(
                id=s.id,
                local_date=s.local_date,
                level=s.level if s.routine_id == ladder.id else None,
                completed=s.status in ended,
                hurt_steps=frozenset(hurt_steps.get(s.id, ())),
            )
            for s in sessions
        ),
        level_changes=tuple(
            rules.LevelChange(c.at, local_date_of(c.at, zone), c.from_level, c.to_level, c.rule_id)
            for c in changes
        ),
        flare_since=local_date_of(user.flare_since, zone) if user.flare_since else None,
        today=today,
    )


def _sentence(content: Content, decision: rules.Decision) -> str:
    ladder = content.ladder
    step = ladder.steps[min(decision.to_level, len(ladder.steps)) - 1]
    fields = {**decision.fields, "next_step": content.exercises[step].name.lower()}
    return content.texts.get(decision.message_key, **fields)


def _label(content: Content, score: int) -> str:
    labels = content.progression.labels
    label = pain_label(
        score,
        mild_min=labels.mild_min,
        moderate_min=labels.moderate_min,
        severe_min=labels.severe_min,
    )
    return content.texts.get(f"pain_{label.value}")


async def after_checkin(
    context: BotContext,
    telegram_user_id: int,
    kind: CheckinKind,
    score: int,
    session_id: int | None,
) -> None:
    """Called once a check-in is stored: run the rules, record every decision with its rule
    id and numbers, tell the runner in one sentence, and schedule tomorrow's morning
    question after a session or a run."""
    content = context.content
    texts = context.texts
    now = context.clock.now()
    sentences: list[str] = []
    rescreen = False
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        if user is None:
            return
        zone = user.time_zone or "UTC"
        today = local_date_of(now, zone)
        history = await load_history(session, user, content, today)
        thresholds = content.progression
        if kind is CheckinKind.AFTER_SESSION and session_id is not None:
            decisions = rules.evaluate_after_session(history, session_id, score, thresholds)
        elif kind is CheckinKind.MORNING:
            decisions = rules.evaluate_after_morning(history, score, thresholds)
        elif kind is CheckinKind.AFTER_RUN:
            decisions = rules.evaluate_after_run(history, score, thresholds)
        else:
            decisions = []
        for decision in decisions:
            sentence = _sentence(content, decision)
            sentences.append(sentence)
            session.add(
                LevelChange(
                    user_id=user.id,
                    from_level=decision.from_level,
                    to_level=decision.to_level,
                    rule_id=decision.rule_id,
                    numbers=dict(decision.numbers),
                    reason=sentence[:500],
                    at=now,
                )
            )
            if decision.kind in ("level_up", "level_down"):
                user.level = decision.to_level
            elif decision.kind == "flare_on":
                user.flare_since = now
            elif decision.kind == "flare_off":
                user.flare_since = None
            elif decision.kind == "clinician":
                rescreen = True
        if kind in (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN):
            morning = next_morning_after(today, at=user.morning_time, zone=zone)
            if user.next_morning_at is None or user.next_morning_at > morning:
                user.next_morning_at = morning
            if not decisions and kind is CheckinKind.AFTER_SESSION:
                sentences.append(texts.decision_wait_morning)
    log.info(
        "event=checkin context=%s decisions=%s",  # the score is health data: never logged
        kind.value,
        ",".join(d.rule_id for d in decisions) or "-",
    )
    logged = texts.get("checkin_logged", score=str(score), label=_label(content, score))
    text = " ".join([logged, *sentences])
    await context.bot.send_message(user.chat_id, text, reply_markup=_something_new(context))
    if rescreen:
        await start_rescreen(context, telegram_user_id)


def _something_new(context: BotContext) -> InlineKeyboardMarkup:
    return keyboards.choice(keyboards.ADHOC, "new", [(context.texts.something_new, "y")], width=1)


# --- R0c: ask the red-flag questions again ----------------------------------------------


async def start_rescreen(context: BotContext, telegram_user_id: int) -> None:
    from bot.handlers.onboarding import ask  # onboarding imports the handlers that import us

    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        if user is None or user.onboarding_step != Step.DONE:
            return
        user.onboarding_step = Step.SCREEN_EMERGENCY
        user.onboarding_answers = {"rescreen": True}
        user.awaiting = None
    log.info("event=rescreen")
    await ask(context, user, Step.SCREEN_EMERGENCY, lead=context.texts.rescreen_intro)


# --- /run and /checkin ------------------------------------------------------------------

RAN = "ran"
RUN_PAIN = "run_pain"
ADHOC_PAIN = "adhoc_pain"


async def run_command(update: Update, context: BotContext) -> None:
    """/run: did you run today? then pain after it."""
    user = await ready_user(update, context)
    if user is not None:
        await _ask(context, user, RAN)


async def checkin_command(update: Update, context: BotContext) -> None:
    """/checkin: a rating at any time."""
    user = await ready_user(update, context)
    if user is not None:
        await _ask(context, user, ADHOC_PAIN)


async def _ask(context: BotContext, user: User, question: str, lead: str | None = None) -> None:
    texts = context.texts
    async with context.db.write() as session:
        row = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        assert row is not None
        row.awaiting = question
        user = row
    if question == RAN:
        text, markup = texts.ask_ran, keyboards.yes_no(texts, keyboards.RUN, RAN)
    elif question == RUN_PAIN:
        text, markup = texts.ask_run_pain, keyboards.pain_scale(keyboards.RUN, RUN_PAIN)
    else:
        text, markup = texts.ask_adhoc_pain, keyboards.pain_scale(keyboards.ADHOC, ADHOC_PAIN)
    await prompts.send_prompt(
        context,
        user_id=user.id,
        chat_id=user.chat_id,
        text=f"{lead}\n\n{text}" if lead else text,
        markup=markup,
        previous_prompt_id=user.prompt_message_id,
    )


async def on_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """Taps on /run and /checkin questions, and "Something new or different?"."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    question, value = callback.arg(0) or "", callback.arg(1) or ""
    if callback.kind == keyboards.ADHOC and question == privacy.DELETE and value in ("y", "n"):
        await privacy.on_delete_tap(update, context, confirmed=value == "y")
        return
    if callback.kind == keyboards.ADHOC and question == "new" and value == "y":
        async with context.db.read() as session:
            user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        if user is None or user.onboarding_step != Step.DONE:
            await prompts.answer_query(query, texts.expired_button)
            return
        await prompts.answer_query(query)
        await prompts.remove_buttons(
            context, user.chat_id, query.message.message_id if query.message else None
        )
        await start_rescreen(context, user.telegram_user_id)
        return
    answer: bool | int | None = None
    if question == RAN and value in ("y", "n"):
        answer = value == "y"
    elif question in (RUN_PAIN, ADHOC_PAIN) and value.isdigit() and int(value) <= 10:
        answer = int(value)
    tapped = query.message.message_id if query.message else None
    claimed = answer is not None and await _claim(context, query.from_user.id, question, tapped)
    if answer is None or not claimed:
        await prompts.answer_query(query, texts.expired_button)
        return
    await prompts.answer_query(query)
    label = (
        (texts.answer_yes if answer else texts.answer_no)
        if isinstance(answer, bool)
        else f"{answer}/10"
    )
    asked = {RAN: texts.ask_ran, RUN_PAIN: texts.ask_run_pain, ADHOC_PAIN: texts.ask_adhoc_pain}[
        question
    ]
    await prompts.close_tapped(query, texts.get("answered", question=asked, answer=label))
    await _answered(context, query.from_user.id, question, answer)


async def _claim(
    context: BotContext, telegram_user_id: int, question: str, message_id: int | None
) -> bool:
    """Close the open question once (a double tap acts once)."""
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        if (
            user is None
            or user.awaiting != question
            or (message_id is not None and user.prompt_message_id != message_id)
        ):
            return False
        user.awaiting = None
        return True


async def on_text(update: Update, context: BotContext, user: User) -> None:
    """Typed answers to /run and /checkin."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    question = user.awaiting or ""
    if question == RAN:
        cleaned = message.text.strip().lower()
        answer: bool | int | None = (
            True if cleaned in ("yes", "y") else False if cleaned in ("no", "n") else None
        )
        if answer is None:
            await _ask(context, user, RAN, lead=context.texts.use_buttons)
            return
    else:
        try:
            answer = parse_pain(message.text)
        except InvalidInput:
            await _ask(context, user, question, lead=context.texts.bad_pain)
            return
    if not await _claim(context, user.telegram_user_id, question, None):
        return
    await prompts.remove_buttons(context, user.chat_id, user.prompt_message_id)
    await _answered(context, user.telegram_user_id, question, answer)


async def _answered(
    context: BotContext, telegram_user_id: int, question: str, answer: bool | int
) -> None:
    texts = context.texts
    if question == RAN:
        async with context.db.read() as session:
            user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        assert user is not None
        if answer:
            await _ask(context, user, RUN_PAIN)
        else:
            await context.bot.send_message(user.chat_id, texts.no_run)
        return
    assert isinstance(answer, int)
    kind = CheckinKind.AFTER_RUN if question == RUN_PAIN else CheckinKind.AD_HOC
    now = context.clock.now()
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        assert user is not None
        session.add(
            PainCheckin(
                user_id=user.id,
                score=answer,
                context=kind,
                local_date=local_date_of(now, user.time_zone or "UTC"),
                recorded_at=now,
            )
        )
    await after_checkin(context, telegram_user_id, kind, answer, None)


# --- /progress --------------------------------------------------------------------------


async def progress_command(update: Update, context: BotContext) -> None:
    """/progress: the pain picture and a two-line summary (level, streak, W vs B, R9)."""
    user = await ready_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    content, texts = context.content, context.texts
    now = context.clock.now()
    today = local_date_of(now, user.time_zone or "UTC")
    async with context.db.read() as session:
        history = await load_history(session, user, content, today)
    points = [c for c in history.checkins if c.context != "ad_hoc"]
    ended = [s for s in history.sessions if s.completed]
    if not points and not ended:
        await message.reply_text(texts.progress_empty)
        return
    thresholds = content.progression
    b = rules.baseline(history, thresholds)
    w = rules.weekly_mean(history, thresholds, end=today)
    start = today - timedelta(days=CHART_DAYS - 1)
    labels = {
        "title": texts.get("chart_title", days=str(CHART_DAYS)),
        "after_session": texts.chart_after_session,
        "after_run": texts.chart_after_run,
        "morning": texts.chart_morning,
        "sessions": texts.chart_sessions,
        "baseline": texts.chart_baseline,
        "pain_axis": texts.chart_pain_axis,
        "level": texts.chart_level,
    }
    data = ProgressData(
        points=tuple(
            PainPoint(c.local_date, c.score, c.context)  # type: ignore[arg-type]
            for c in points
            if c.local_date >= start
        ),
        session_days=tuple(s.local_date for s in ended if s.local_date >= start),
        level_marks=tuple(
            LevelMark(c.local_date, c.from_level, c.to_level, c.rule_id)
            for c in history.level_changes
            if c.from_level != c.to_level and c.local_date >= start
        ),
        start=start,
        end=today,
        baseline=b,
        labels=labels,
    )
    png = await asyncio.to_thread(render_progress, data)
    caption = texts.get(
        "progress_caption",
        level=str(history.level),
        levels=str(history.max_level),
        flare=texts.progress_flare if history.flare_since else "",
        streak=str(rules.streak(history)),
        w=f"{w:.1f}" if w is not None else texts.progress_no_mornings,
        b=f"{b:.1f}",
        verdict=texts.get(f"verdict_{rules.verdict(history, thresholds)}"),
    )
    await message.reply_photo(png, caption=caption)
    log.info("event=progress points=%s", len(data.points))
