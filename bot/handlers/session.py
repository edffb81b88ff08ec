"""Guided sessions: /session, Start buttons, /routines, one message per step, the
after-session pain check-in. Every tap is checked against the runner's own session."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import keyboards
from bot.content import Exercise
from bot.context import BotContext
from bot.db import repo
from bot.db.models import PainCheckin, RoutineSession, StepEvent, User
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome
from bot.domain.enums import StepOutcome as FlowOutcome
from bot.domain.parsing import InvalidInput, parse_pain
from bot.domain.plan import ladder_steps
from bot.domain.progression import flare_level
from bot.domain.schedule import local_date_of
from bot.domain.session_flow import (
    Action,
    StepState,
    Transition,
    offered,
    progress_bar,
    tally,
    transition,
)
from bot.handlers import prompts
from bot.handlers.answers import no_roller_reason
from bot.handlers.checkins import after_checkin
from bot.handlers.users import ready_user
from bot.render import local_day_text

log = logging.getLogger(__name__)


# --- planning --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    routine_id: str
    level: int | None
    steps: list[str]
    notes: list[str]


async def _plan(
    context: BotContext, session: AsyncSession, user: User, routine_id: str, now: datetime
) -> Plan:
    """Today's exercises: the ladder at the runner's level (cumulative), or a chosen routine."""
    content = context.content
    texts = context.texts
    routine = content.routines.get(routine_id) or content.ladder
    substitutes: dict[str, str] = {}
    notes: list[str] = []
    if not user.has_foam_roller:
        substitutes = {
            e.id: e.without_equipment
            for e in content.exercises.values()
            if e.without_equipment and "foam_roller" in e.equipment
        }
    if routine.kind != "ladder":
        steps = [substitutes.get(step, step) for step in routine.steps]
        return Plan(routine.id, None, steps, notes)

    gates = content.progression.gates
    dropped: set[str] = set()
    sharp = routine.steps[gates.sharp_pain_step - 1]
    window = timedelta(days=gates.sharp_pain_drop_days)
    if user.level >= gates.sharp_pain_step:
        last_hurt = await repo.hurt_recently(
            session, user_id=user.id, exercise_id=sharp, since=now - window
        )
        if last_hurt is not None:
            dropped.add(sharp)
            until = local_day_text(
                last_hurt + window, now=now, zone=user.time_zone or "UTC", texts=texts
            )
            notes.append(
                texts.get("session_dropped", name=content.exercises[sharp].name, until=until)
            )
    level = flare_level(user.level, content.progression) if user.flare_since else user.level
    steps = ladder_steps(routine.steps, level, substitutes=substitutes, dropped=frozenset(dropped))
    if substitutes and any(s in substitutes for s in routine.steps[:level]):
        notes.append(no_roller_reason(content))
    if user.flare_since:
        notes.append(texts.reminder_flare)
    return Plan(routine.id, level, steps, notes)


def _minutes(context: BotContext, steps: list[str]) -> int:
    seconds = sum(context.content.exercises[s].dose.estimated_seconds() for s in steps)
    return max(1, round(seconds / 60))


# --- rendering -------------------------------------------------------------------------


def _step_text(context: BotContext, exercise: Exercise, index: int, total: int) -> str:
    texts = context.texts
    lines = [
        texts.get(
            "step_header", index=str(index + 1), total=str(total), bar=progress_bar(index, total)
        ),
        exercise.name,
        exercise.dose.describe(),
        "",
        *(f"• {line}" for line in exercise.instructions),
    ]
    extras = [texts.get("step_tip", cue=cue) for cue in exercise.cues[:2]]
    extras += [texts.get("step_caution", caution=c) for c in exercise.cautions]
    if extras:
        lines += ["", *extras]
    return "\n".join(lines)


def _step_markup(context: BotContext, rs: RoutineSession) -> InlineKeyboardMarkup:
    exercise = context.content.exercises[rs.steps[rs.current_step]]
    state = StepState(rs.current_step, len(rs.steps), rs.step_hurt, exercise.easier is not None)
    return keyboards.step_buttons(
        context.texts,
        session_id=rs.id,
        index=rs.current_step,
        version=rs.step_version,
        actions=[a.value for a in offered(state)],
    )


async def _send_step(context: BotContext, chat_id: int, rs: RoutineSession) -> None:
    """Send the current step as its own message and remember it as the live one."""
    exercise = context.content.exercises[rs.steps[rs.current_step]]
    message = await context.bot.send_message(
        chat_id,
        _step_text(context, exercise, rs.current_step, len(rs.steps)),
        reply_markup=_step_markup(context, rs),
    )
    async with context.db.write() as session:  # one UPDATE: this runs on every step
        await session.execute(
            update(RoutineSession)
            .where(RoutineSession.id == rs.id, RoutineSession.current_step == rs.current_step)
            .values(step_message_id=message.message_id)
        )


# --- starting and resuming -------------------------------------------------------------


async def session_command(update: Update, context: BotContext) -> None:
    """/session: start today's routine, or resume the one in progress."""
    user = await ready_user(update, context)
    if user is not None:
        await start_or_resume(context, user)


async def start_or_resume(
    context: BotContext,
    user: User,
    *,
    routine_id: str | None = None,
    tapped_message_id: int | None = None,
) -> None:
    texts = context.texts
    now = context.clock.now()
    today = local_date_of(now, user.time_zone or "UTC")
    stale_message_id: int | None = None
    async with context.db.write() as session:
        row = await repo.get_user(session, telegram_user_id=user.telegram_user_id)
        assert row is not None
        current = await repo.open_session(session, user_id=row.id)
        if current is not None and (current.local_date < today or routine_id is not None):
            # Yesterday's unfinished session (or a different routine chosen): closed, not lost.
            current.status = SessionStatus.ABANDONED
            current.ended_at = now
            stale_message_id = current.step_message_id
            await session.flush()
            current = None
        if current is not None:
            if tapped_message_id is not None and (current.step_message_id or 0) > tapped_message_id:
                resumed, plan = None, None  # a second tap on the same Start: already open below
            else:
                resumed, plan = current, None
        else:
            if routine_id is not None:
                row.routine_id = routine_id
            plan = await _plan(context, session, row, row.routine_id, now)
            resumed = RoutineSession(
                user_id=row.id,
                routine_id=plan.routine_id,
                level=plan.level,
                steps=plan.steps,
                current_step=0,
                step_version=0,
                step_hurt=False,
                status=SessionStatus.IN_PROGRESS,
                local_date=today,
                started_at=now,
            )
            session.add(resumed)
            await session.flush()
    await prompts.remove_buttons(context, user.chat_id, stale_message_id)
    if resumed is None:
        await context.bot.send_message(user.chat_id, texts.session_open_below)
        return
    if plan is None:
        await prompts.remove_buttons(context, user.chat_id, resumed.step_message_id)
        await context.bot.send_message(
            user.chat_id,
            texts.get(
                "session_resume", step=str(resumed.current_step + 1), total=str(len(resumed.steps))
            ),
        )
    else:
        routine = context.content.routines[plan.routine_id]
        minutes = _minutes(context, plan.steps)
        intro = (
            texts.get(
                "session_intro_ladder",
                routine=routine.name,
                level=str(plan.level),
                levels=str(len(routine.steps)),
                steps=str(len(plan.steps)),
                minutes=str(minutes),
            )
            if plan.level is not None
            else texts.get(
                "session_intro",
                routine=routine.name,
                steps=str(len(plan.steps)),
                minutes=str(minutes),
            )
        )
        await context.bot.send_message(user.chat_id, "\n".join([intro, *plan.notes]))
        log.info("event=session_started session_id=%s steps=%s", resumed.id, len(plan.steps))
    await _send_step(context, user.chat_id, resumed)


async def on_go(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """A Start button (summary, reminder): start or resume today's session."""
    query = update.callback_query
    assert query is not None
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
    if user is None or callback.args != ("today",) or user.onboarding_step != "done":
        await prompts.answer_query(query, context.texts.expired_button)
        return
    await prompts.answer_query(query)
    await prompts.remove_buttons(
        context, user.chat_id, query.message.message_id if query.message else None
    )
    await start_or_resume(
        context, user, tapped_message_id=query.message.message_id if query.message else None
    )


# --- taps on a step --------------------------------------------------------------------


@dataclass(frozen=True)
class _Applied:
    rs: RoutineSession
    exercise: Exercise
    move: Transition
    old_message_id: int | None


async def on_step(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    """Done / Easier / Skip / Hurts / Stop on a step: applied once, only on the live step."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    parsed = _parse_step_callback(callback)
    if parsed is None:
        await prompts.answer_query(query, texts.expired_button)
        return
    session_id, index, version, action = parsed
    refusal: str | None = None
    applied: _Applied | None = None
    now = context.clock.now()
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
        rs = await session.get(RoutineSession, session_id)
        if user is None or rs is None or rs.user_id != user.id:
            refusal = texts.expired_button
        elif rs.status is not SessionStatus.IN_PROGRESS:
            refusal = texts.session_finished_already
        elif index < rs.current_step:
            refusal = texts.step_already_done
        elif index != rs.current_step or version != rs.step_version:
            refusal = texts.expired_button
        else:
            exercise = context.content.exercises[rs.steps[index]]
            state = StepState(index, len(rs.steps), rs.step_hurt, exercise.easier is not None)
            move = transition(state, action)
            if move is None:
                refusal = texts.expired_button
            else:
                applied = _Applied(rs, exercise, move, rs.step_message_id)
                _apply(rs, exercise, move, now)
                session.add(
                    StepEvent(
                        session_id=rs.id,
                        step_index=index,
                        exercise_id=exercise.id,
                        outcome=StepOutcome(move.outcome.value),
                        at=now,
                    )
                )
    if applied is None:
        await prompts.answer_query(query, refusal)
        return
    await prompts.answer_query(query)
    log.info(
        "event=step session_id=%s step=%s outcome=%s", session_id, index, applied.move.outcome.value
    )
    await _after_step(context, query, applied)


def _parse_step_callback(callback: keyboards.Callback) -> tuple[int, int, int, Action] | None:
    if len(callback.args) != 4 or not all(a.isdigit() for a in callback.args[:3]):
        return None
    try:
        action = Action(callback.args[3])
    except ValueError:
        return None
    return int(callback.args[0]), int(callback.args[1]), int(callback.args[2]), action


def _apply(rs: RoutineSession, exercise: Exercise, move: Transition, now: datetime) -> None:
    if move.swap_to_easier and exercise.easier:
        steps = list(rs.steps)
        steps[rs.current_step] = exercise.easier
        rs.steps = steps  # a new list, so the JSON column is written
    rs.current_step = (
        min(move.next_index, len(rs.steps) - 1) if not move.finished else rs.current_step
    )
    rs.step_version = rs.step_version + 1
    rs.step_hurt = move.hurt
    if move.finished:
        rs.status = SessionStatus.STOPPED if move.stopped else SessionStatus.COMPLETED
        rs.ended_at = now


async def _after_step(context: BotContext, query: CallbackQuery, applied: _Applied) -> None:
    texts = context.texts
    rs, move = applied.rs, applied.move
    chat_id = query.message.chat.id if query.message else rs.user_id
    if move.hurt:
        prompt = texts.hurts_prompt if applied.exercise.easier else texts.hurts_prompt_no_easier
        text = (
            query.message.text if isinstance(query.message, Message) and query.message.text else ""
        )
        try:
            await query.edit_message_text(
                f"{text}\n\n{prompt}", reply_markup=_step_markup(context, rs)
            )
        except BadRequest as exc:
            log.debug("event=hurts_edit_skipped reason=%s", exc.message[:60])
        return
    if move.outcome is FlowOutcome.EASIER:
        easier = context.content.exercises[rs.steps[rs.current_step]]
        outcome = texts.get("outcome_easier", easier=easier.name)
    else:
        outcome = texts.get(f"outcome_{move.outcome.value}")
    await prompts.close_tapped(
        query, texts.get("step_record", name=applied.exercise.name, outcome=outcome)
    )
    if move.finished:
        await _finish(context, chat_id, rs)
    else:
        await _send_step(context, chat_id, rs)


async def _finish(context: BotContext, chat_id: int, rs: RoutineSession) -> None:
    """Summary, then the pain check-in (typed numbers count too)."""
    texts = context.texts
    async with context.db.write() as session:
        outcomes = await repo.session_outcomes(session, session_id=rs.id)
        user = await session.get(User, rs.user_id)
        assert user is not None
        user.awaiting = f"pain:{rs.id}"
        previous_prompt = user.prompt_message_id
    counts = tally([FlowOutcome(o.value) for o in outcomes])
    key = "session_stopped" if rs.status is SessionStatus.STOPPED else "session_complete"
    summary = texts.get(
        key, done=str(counts.done), skipped=str(counts.skipped), hurt=str(counts.hurt)
    )
    log.info("event=session_ended session_id=%s status=%s", rs.id, rs.status.value)
    await context.bot.send_message(chat_id, summary)
    await prompts.send_prompt(
        context,
        user_id=rs.user_id,
        chat_id=chat_id,
        text=texts.ask_pain_after,
        markup=keyboards.pain_scale(keyboards.CHECKIN, str(rs.id)),
        previous_prompt_id=previous_prompt,
    )


# --- the after-session check-in --------------------------------------------------------


async def on_checkin_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    query = update.callback_query
    assert query is not None
    args = callback.args
    if len(args) != 2 or not args[0].isdigit() or not args[1].isdigit() or int(args[1]) > 10:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    await _record_checkin(context, query.from_user.id, int(args[0]), int(args[1]), query=query)


async def on_checkin_text(update: Update, context: BotContext, user: User) -> None:
    """A typed rating while the after-session check-in is open."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    session_id = int((user.awaiting or "pain:0").split(":", 1)[1])
    try:
        score = parse_pain(message.text)
    except InvalidInput:
        await prompts.send_prompt(
            context,
            user_id=user.id,
            chat_id=user.chat_id,
            text=f"{context.texts.bad_pain}\n\n{context.texts.ask_pain_after}",
            markup=keyboards.pain_scale(keyboards.CHECKIN, str(session_id)),
            previous_prompt_id=user.prompt_message_id,
        )
        return
    await _record_checkin(context, user.telegram_user_id, session_id, score, query=None)


async def _record_checkin(
    context: BotContext,
    telegram_user_id: int,
    session_id: int,
    score: int,
    *,
    query: CallbackQuery | None,
) -> None:
    texts = context.texts
    now = context.clock.now()
    refusal: str | None = None
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        rs = await session.get(RoutineSession, session_id)
        if (
            user is None
            or rs is None
            or rs.user_id != user.id
            or rs.status is SessionStatus.IN_PROGRESS
        ):
            refusal = texts.expired_button
        elif await repo.checkin_for_session(session, session_id=rs.id) is not None:
            refusal = texts.already_logged
        else:
            session.add(
                PainCheckin(
                    user_id=user.id,
                    score=score,
                    context=CheckinKind.AFTER_SESSION,
                    session_id=rs.id,
                    local_date=local_date_of(now, user.time_zone or "UTC"),
                    recorded_at=now,
                )
            )
            if user.awaiting == f"pain:{rs.id}":
                user.awaiting = None
            prompt_id = user.prompt_message_id
    if refusal is not None or user is None:
        if query is not None:
            await prompts.answer_query(query, refusal)
        return
    if query is not None:
        await prompts.answer_query(query)
        await prompts.close_tapped(
            query, texts.get("answered", question=texts.ask_pain_after, answer=f"{score}/10")
        )
    else:
        await prompts.remove_buttons(context, user.chat_id, prompt_id)
    await after_checkin(
        context, user.telegram_user_id, CheckinKind.AFTER_SESSION, score, session_id
    )


# --- /routines -------------------------------------------------------------------------


async def routines_command(update: Update, context: BotContext) -> None:
    """/routines: every routine in content/, the current one marked; a tap starts it."""
    user = await ready_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    texts = context.texts
    content = context.content
    options = []
    for routine in content.routines.values():
        mark = "✓ " if routine.id == user.routine_id else ""
        if routine.kind == "ladder":
            steps = ladder_steps(routine.steps, user.level, substitutes={})
            label = texts.get(
                "routine_label_ladder",
                mark=mark,
                name=routine.name,
                level=str(user.level),
                minutes=str(_minutes(context, steps)),
            )
        else:
            label = texts.get(
                "routine_label",
                mark=mark,
                name=routine.name,
                minutes=str(_minutes(context, list(routine.steps))),
            )
        options.append((label, routine.id))
    await message.reply_text(texts.routines_list, reply_markup=keyboards.routine_list(options))


async def on_routine_tap(update: Update, context: BotContext, callback: keyboards.Callback) -> None:
    query = update.callback_query
    assert query is not None
    routine_id = callback.arg(0) or ""
    async with context.db.read() as session:
        user = await repo.get_user(session, telegram_user_id=query.from_user.id)
    if user is None or user.onboarding_step != "done" or len(callback.args) != 1:
        await prompts.answer_query(query, context.texts.expired_button)
        return
    if routine_id not in context.content.routines:
        await prompts.answer_query(query, context.texts.routine_unknown)
        return
    await prompts.answer_query(query)
    await prompts.remove_buttons(
        context, user.chat_id, query.message.message_id if query.message else None
    )
    await start_or_resume(context, user, routine_id=routine_id)
