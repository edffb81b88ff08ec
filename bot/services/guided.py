"""Guided sessions: start or resume today's routine, one step at a time; every tap on a
step is checked against the runner's own session and applied once (one write unit);
at the end, the pain check-in. Also /routines."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MorningFirstTap, StepTap
from bot.content import Content
from bot.db.models import RoutineSession, User
from bot.db.repo import deliveries, sessions, users
from bot.domain import session_flow
from bot.domain.enums import CheckinKind, DeliveryKind, SessionStatus, StepOutcome
from bot.domain.onboarding import Step
from bot.domain.plan import NoteKind, TodayPlan
from bot.domain.questions import MorningPain, SessionPain
from bot.domain.schedule import local_date_of
from bot.domain.session_flow import StepState, Tally, Transition, tally, transition
from bot.domain.zones import tzinfo_for
from bot.render import dose_text, extras_text, local_day_text
from bot.services import checkins, plans, safety
from bot.services.questions import answer_label, close, is_live, predates, record
from bot.services.results import (
    EXPIRED,
    Ask,
    Note,
    Reply,
    Say,
    SessionPainKeys,
    StartAgain,
    StepView,
    note,
    refused,
)
from bot.services.runners import gate, zone_of
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)


def step_view(
    content: Content, rs: RoutineSession, zone: str = "UTC", *, picture: bool = False
) -> StepView:
    """The session's current step and part, as a message shows it (`zone`: the runner's,
    for when a running hold timer ends; `picture`: a new step message, for a runner who has
    pictures on, comes with its exercise's picture)."""
    counts = [len(content.exercises[e].walk()) for e in rs.steps]
    part = min(rs.step_part, counts[rs.current_step] - 1)
    position, positions = session_flow.position(counts, rs.current_step, part)
    until = None
    if rs.timer_ends_at is not None:
        until = rs.timer_ends_at.astimezone(tzinfo_for(zone)).time().replace(microsecond=0)
    return StepView(
        session_id=rs.id,
        index=rs.current_step,
        total=len(rs.steps),
        version=rs.step_version,
        exercise_id=rs.steps[rs.current_step],
        hurt=rs.step_hurt,
        part=part,
        position=position,
        positions=positions,
        timer_until=until,
        extra=rs.extras_from is not None and rs.current_step >= rs.extras_from,
        picture=picture and rs.steps[rs.current_step] in content.poses,
    )


def step_state(content: Content, view: StepView) -> StepState:
    exercise = content.exercises[view.exercise_id]
    walked = exercise.walk()
    part = min(view.part, len(walked) - 1)
    return StepState(
        view.index,
        view.total,
        view.hurt,
        exercise.easier is not None,
        part=part,
        parts=len(walked),
        timed=walked[part].dose.timer_seconds is not None,
    )


# --- starting and resuming -------------------------------------------------------------


async def start(
    env: Env,
    *,
    telegram_user_id: int,
    routine_id: str | None = None,
    delivery_id: int | None = None,
    tapped_message_id: int | None = None,
    from_command: bool = True,
) -> Reply:
    """Start today's session, or resume the one in progress: of the runner's daily
    routine, of `routine_id` (tried once from /routines: the daily routine stays), or of
    what reminder `delivery_id` named. Today's morning question, when still open, is
    asked first. A tap on Start or on a routine (`from_command` False) from a runner who
    cannot start one has simply expired."""
    if routine_id is not None and routine_id not in env.content.routines:
        return refused("routine_unknown")
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if predates(user, tapped_message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        if from_command:
            refusal = gate(user)
            if refusal is not None:
                return refusal
        if user is None or user.onboarding_step is not Step.DONE:
            return refused(EXPIRED)
        if delivery_id is not None:
            return await _from_reminder(env, tx, user, delivery_id, tapped_message_id)
        return await _begin(
            env, tx, user, routine_id=routine_id, tapped_message_id=tapped_message_id
        )


async def _from_reminder(
    env: Env, tx: AsyncSession, user: User, delivery_id: int, tapped_message_id: int | None
) -> Reply:
    """A reminder's Start: what that reminder named. One from an earlier day resumes
    today's open session rather than opening a second; when today's session (or today's
    session of the named routine) is over already, it says so and offers another."""
    delivery = await deliveries.get(tx, delivery_id=delivery_id)
    if (
        delivery is None
        or delivery.user_id != user.id
        or delivery.kind is not DeliveryKind.REMINDER
    ):
        return refused(EXPIRED)
    named = delivery.routine_id if delivery.routine_id in env.content.routines else None
    routine = plans.routine_of(env.content, user, named)
    today = local_date_of(env.clock.now(), zone_of(user))
    current = await sessions.open_for(tx, user_id=user.id)
    earlier = delivery.local_date < today
    if earlier and current is not None and current.local_date == today:
        # Far above today's step: resumed below, whatever was tapped since.
        return await _begin(env, tx, user, tapped_message_id=tapped_message_id, below=False)
    if current is None or current.local_date < today or current.routine_id != routine.id:
        done = await sessions.ended_on(
            tx, user_id=user.id, local_date=today, routine_id=None if earlier else routine.id
        )
        if done is not None:
            name = env.content.routines.get(done.routine_id, routine).name
            said = Say("reminder_done_already", {"routine": name})
            strip = (tapped_message_id,) if tapped_message_id is not None else ()
            return Reply(strip=strip, notes=(note(said, buttons=StartAgain(routine.id)),))
    return await _begin(env, tx, user, routine_id=routine.id, tapped_message_id=tapped_message_id)


async def _begin(
    env: Env,
    tx: AsyncSession,
    user: User,
    *,
    routine_id: str | None = None,
    tapped_message_id: int | None = None,
    morning_asked: bool = False,
    below: bool = True,
) -> Reply:
    """Resume the open session, or ask the morning question first (unless just
    `morning_asked`), or start a new one: of `routine_id`, else of the daily routine.
    `below`: a tap on a message older than the open step is a second tap on the Start
    that opened it (not so for an earlier day's reminder)."""
    now = env.clock.now()
    today = local_date_of(now, zone_of(user))
    strip: list[int] = [tapped_message_id] if tapped_message_id is not None else []
    current = await sessions.open_for(tx, user_id=user.id)
    if current is not None and (
        current.local_date < today or (routine_id is not None and current.routine_id != routine_id)
    ):
        # Yesterday's unfinished session (or a different routine chosen): closed, not lost.
        current.status = SessionStatus.ABANDONED
        current.ended_at = now
        current.timer_ends_at = None
        if current.step_message_id is not None:
            strip.append(current.step_message_id)
        await tx.flush()
        current = None
    if current is not None:
        if (
            below
            and tapped_message_id is not None
            and (current.step_message_id or 0) > tapped_message_id
        ):
            # A second tap on the same Start: the session is already open below.
            return Reply(strip=tuple(strip), notes=(note(Say("session_open_below")),))
        if current.step_message_id is not None:
            strip.append(current.step_message_id)
        resume = Say(
            "session_resume",
            {"step": str(current.current_step + 1), "total": str(len(current.steps))},
        )
        return Reply(
            strip=tuple(strip),
            notes=(note(resume),),
            step=step_view(env.content, current, zone_of(user), picture=user.pictures),
        )
    if not morning_asked:
        open_prompt = user.prompt_message_id
        ask = await checkins.morning_first(env, tx, user, routine_id=routine_id)
        if ask is not None:
            # It replaces the morning question sent earlier; the question that was open
            # until now closes too, so its buttons come off as well.
            if open_prompt is not None and open_prompt != ask.replaces:
                strip.append(open_prompt)
            return Reply(strip=tuple(strip), ask=ask)
    routine = plans.routine_of(env.content, user, routine_id)
    plan = await plans.plan_for(tx, env.content, user, now=now, routine=routine)
    session = RoutineSession(
        user_id=user.id,
        routine_id=plan.routine_id,
        level=plan.level,
        steps=list(plan.steps),
        extras_from=plan.extras_from,
        current_step=0,
        step_version=0,
        step_hurt=False,
        step_part=0,
        status=SessionStatus.IN_PROGRESS,
        local_date=today,
        planned_level=user.level if plan.level is not None else None,
        in_flare=user.flare_since is not None,
        started_at=now,
    )
    sessions.add(tx, session=session)
    await tx.flush()
    purpose = Say("session_purpose", {"purpose": routine.purpose})
    intro = note(_intro(env.content, plan), purpose, *plan_notes(env, user, plan))
    log.info("event=session_started session_id=%s steps=%s", session.id, len(plan.steps))
    view = step_view(env.content, session, zone_of(user), picture=user.pictures)
    return Reply(strip=tuple(strip), notes=(intro,), step=view)


async def typed_mid_session(env: Env, tx: AsyncSession, user: User) -> Reply | None:
    """Text typed while today's session is open and no question is: what the step asks
    (its dose) and the step again below with its buttons, the old one's coming off; None
    when no session is open today."""
    current = await sessions.open_for(tx, user_id=user.id)
    today = local_date_of(env.clock.now(), zone_of(user))
    if current is None or current.local_date != today:
        return None
    view = step_view(env.content, current, zone_of(user), picture=user.pictures)
    exercise = env.content.exercises[view.exercise_id]
    piece = exercise.walk()[view.part]
    if piece.technique is not None:
        # a step walked in techniques (foam rolling): the one on screen, with its own dose
        dose = dose_text(env.texts, piece.dose)
        fields = {"name": exercise.name, "part": piece.technique, "dose": dose}
        again = Say("session_typed_part", fields)
    else:
        # the whole step's dose ("... each side"): the step below says which side is next
        dose = dose_text(env.texts, exercise.dose)
        again = Say("session_typed", {"name": exercise.name, "dose": dose})
    strip = (current.step_message_id,) if current.step_message_id is not None else ()
    return Reply(strip=strip, notes=(note(again),), step=view)


# --- the morning question asked before a session ---------------------------------------


async def start_after_morning(
    env: Env, *, telegram_user_id: int, tap: MorningFirstTap, message_id: int | None
) -> Reply:
    """A rating (or Skip) on the morning question asked before a session: the rating is
    stored and the session starts at once."""
    asked = MorningPain(tap.delivery_id, then_start=True)
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if (paused := safety.refusal(user)) is not None:
            return paused
        if (
            user is None
            or user.onboarding_step is not Step.DONE
            or message_id is None
            or not is_live(user, asked, message_id)
        ):
            return refused(EXPIRED)
        close(user)
        texts = env.texts
        label = (
            texts.outcome_skipped
            if tap.score is None
            else answer_label(env.content, "pain", tap.score)
        )
        reply = await _rated_then_start(env, tx, user, tap.delivery_id, tap.score)
        return Reply(
            record=record(texts.morning_first, label),
            strip=reply.strip,
            notes=reply.notes,
            step=reply.step,
            ask=reply.ask,
        )


async def morning_first_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """A typed rating on the morning question asked before a session."""
    score = checkins.read_morning(env, user, text)
    if isinstance(score, Ask):
        return Reply(ask=score)
    awaiting = user.awaiting
    assert isinstance(awaiting, MorningPain)
    prompt = close(user)
    reply = await _rated_then_start(env, tx, user, awaiting.delivery_id, score)
    strip = (prompt,) if prompt else ()
    return Reply(strip=(*strip, *reply.strip), notes=reply.notes, step=reply.step, ask=reply.ask)


async def _rated_then_start(
    env: Env, tx: AsyncSession, user: User, delivery_id: int, score: int | None
) -> Reply:
    """Store the morning rating (unless skipped, or no longer possible: then say why),
    then start the session; after a rating that asks the safety questions again, those
    come first and the session waits."""
    said: tuple[Note, ...] = ()
    asked = await deliveries.get(tx, delivery_id=delivery_id)
    # The session this question came before: the routine it was asked for.
    routine_id = asked.routine_id if asked is not None and asked.user_id == user.id else None
    if score is not None:
        delivery = await checkins.morning_to_rate(tx, user, delivery_id, env.clock.now())
        if isinstance(delivery, str):
            said = (note(Say(delivery)),)
        else:
            message, rescreen = await checkins.log_rating(
                env, tx, user, CheckinKind.MORNING, score, local_date=delivery.local_date
            )
            if rescreen is not None:
                return Reply(notes=(message,), ask=rescreen)
            said = (message,)
    if routine_id not in env.content.routines:
        routine_id = None
    started = await _begin(env, tx, user, routine_id=routine_id, morning_asked=True)
    return Reply(strip=started.strip, notes=(*said, *started.notes), step=started.step)


def _intro(content: Content, plan: TodayPlan) -> Say:
    routine = content.routines[plan.routine_id]
    fields = {
        "routine": routine.name,
        "steps": content.texts.get("n_steps", count=len(plan.routine_steps)),
        "minutes": str(plan.minutes),
        "extras": extras_text(content.texts, len(plan.extras)),
    }
    if plan.level is None:
        return Say("session_intro", fields)
    return Say(
        "session_intro_ladder",
        {**fields, "level": str(plan.level), "levels": str(len(routine.steps))},
    )


def plan_notes(env: Env, user: User, plan: TodayPlan) -> tuple[Say, ...]:
    """What the plan tells the runner about today: a step left out, no roller, flare."""
    said: list[Say] = []
    for item in plan.notes:
        if item.kind is NoteKind.DROPPED and item.exercise_id and item.until:
            until = local_day_text(
                item.until, now=env.clock.now(), zone=zone_of(user), texts=env.texts
            )
            name = env.content.exercises[item.exercise_id].name
            said.append(Say("session_dropped", {"name": name, "until": until}))
        elif item.kind is NoteKind.NO_ROLLER:
            said.append(Say("no_roller_note", {"reason": env.content.no_roller_reason}))
        elif item.kind is NoteKind.FLARE:
            said.append(Say("reminder_flare"))
        elif item.kind is NoteKind.CAPPED and plan.level is not None:
            said.append(Say("plan_capped", {"level": str(plan.level)}))
    return tuple(said)


# --- taps on a step --------------------------------------------------------------------


async def live_step(
    env: Env, tx: AsyncSession, user: User | None, tap: StepTap, message_id: int | None
) -> RoutineSession | Reply:
    """The runner's session when `tap` is on its live step (and part), else the refusal."""
    if predates(user, message_id):
        return refused(EXPIRED)
    if (paused := safety.refusal(user)) is not None:
        return paused
    rs = await sessions.get(tx, session_id=tap.session_id)
    if user is None or rs is None or rs.user_id != user.id:
        return refused(EXPIRED)
    if rs.status is not SessionStatus.IN_PROGRESS:
        return refused("session_finished_already")
    if tap.index < rs.current_step:
        return refused("step_already_done")
    if tap.index == rs.current_step and _part_moved_since(rs, tap.version):
        return refused("part_already_done")
    if tap.index != rs.current_step or tap.version != rs.step_version:
        return refused(EXPIRED)
    if message_id is not None and message_id < (rs.step_message_id or 0):
        # the same step, sent again below (a typed question, a resume): that one is live
        return refused(EXPIRED)
    return rs


def _part_moved_since(rs: RoutineSession, version: int) -> bool:
    """The tap is from the step's drawing just before its part moved on (Done on a side,
    or the timer switching sides): the only move that leaves a later part, unhurt."""
    return version == rs.step_version - 1 and rs.step_part > 0 and not rs.step_hurt


async def tap_step(
    env: Env, *, telegram_user_id: int, tap: StepTap, message_id: int | None = None
) -> Reply:
    """Done / Easier / Skip / Hurts / Stop: applied once, and only on the live step.
    Done on a part that is not the step's last moves to the next part (the same message
    shows it); the step's outcome is recorded once, for the whole step."""
    now = env.clock.now()
    async with runner_unit(env, telegram_user_id, with_session=tap.session_id) as (tx, user):
        rs = await live_step(env, tx, user, tap, message_id)
        if isinstance(rs, Reply):
            return rs
        assert user is not None
        exercise = env.content.exercises[rs.steps[tap.index]]
        before = step_view(env.content, rs, zone_of(user))
        move = transition(step_state(env.content, before), tap.action)
        if move is None:
            return refused(EXPIRED)
        await sessions.move(tx, session=rs, values=_apply(rs, move, exercise.easier, now))
        if move.within_step:
            log.info(
                "event=step_part session_id=%s step=%s part=%s", rs.id, tap.index, rs.step_part
            )
            return Reply(edit_step=step_view(env.content, rs, zone_of(user)))
        await sessions.add_event(
            tx,
            session_id=rs.id,
            step_index=tap.index,
            exercise_id=exercise.id,
            outcome=move.outcome,
            at=now,
        )
        log.info("event=step session_id=%s step=%s outcome=%s", rs.id, tap.index, move.outcome)
        if move.hurt:
            return Reply(edit_step=step_view(env.content, rs, zone_of(user)))
        # The tapped step keeps its instructions, with a status line instead of buttons.
        status = _status(env, rs, move, before.hurt)
        over = replace(before, hurt=False, timer_until=None, status=status)
        if not move.finished:
            following = step_view(env.content, rs, zone_of(user), picture=user.pictures)
            return Reply(edit_step=over, step=following)
        counts = tally(await sessions.outcomes(tx, session_id=rs.id))
        user.awaiting = SessionPain(rs.id)
        replaces = user.prompt_message_id
        summary = _summary(env, counts, len(rs.steps), stopped=move.stopped, hurt=before.hurt)
        log.info("event=session_ended session_id=%s status=%s", rs.id, rs.status.value)
        ask = Ask(SessionPainKeys(rs.id), Say("ask_pain_after"), (), replaces)
        return Reply(edit_step=over, notes=(note(summary),), ask=ask)


def _status(env: Env, rs: RoutineSession, move: Transition, hurt: bool) -> Say:
    """The status line of a step that is over: done, skipped, swapped, stopped; after
    Hurts, that it hurt."""
    if move.outcome is StepOutcome.EASIER:
        easier = env.content.exercises[rs.steps[rs.current_step]].name
        return Say("step_status_easier", {"easier": easier})
    if hurt:
        return Say(f"step_status_hurt_{move.outcome.value}")
    return Say(f"step_status_{move.outcome.value}")


def _summary(env: Env, counts: Tally, total: int, *, stopped: bool, hurt: bool) -> Say:
    """The end of a session in words: how many of the steps were done, then only the
    counts that are not zero; after Stop, whether stopping followed something that hurt."""
    texts = env.texts
    if counts.done:
        said = [texts.get("tally_done", done=str(counts.done), total=str(total))]
    elif counts.skipped or counts.hurt or not stopped:
        said = [texts.tally_none_done]
    else:
        said = []
    if counts.skipped:
        said.append(texts.get("tally_skipped", n=str(counts.skipped)))
    if counts.hurt:
        said.append(texts.get("tally_hurt", n=str(counts.hurt)))
    tallied = ", ".join(said)
    if not stopped:
        return Say("session_complete", {"tally": tallied})
    if hurt:
        key = "session_stopped_hurt" if tallied else "session_stopped_hurt_at_once"
    else:
        key = "session_stopped" if tallied else "session_stopped_at_once"
    return Say(key, {"tally": tallied})


def _apply(
    rs: RoutineSession, move: Transition, easier: str | None, now: datetime
) -> dict[str, Any]:
    """The move, as the session row's new values. Every move ends a running hold timer (in
    this same write), so a timer never fires for a step or a side that is over."""
    steps = list(rs.steps)
    values: dict[str, Any] = {}
    if move.swap_to_easier and easier:
        steps[rs.current_step] = easier
        values["steps"] = steps
    current = rs.current_step
    if not move.finished:
        values["current_step"] = current = min(move.next_index, len(steps) - 1)
    values |= {
        "step_part": move.next_part,
        "step_version": rs.step_version + 1,
        "step_hurt": move.hurt,
        "timer_ends_at": None,
    }
    if move.finished:
        # Stop on an extra ends a session whose own steps are all behind it: it is
        # complete (extras never change whether a session counts, PROGRESSION.md).
        on_extra = rs.extras_from is not None and current >= rs.extras_from
        stopped = move.stopped and not on_extra
        values["status"] = SessionStatus.STOPPED if stopped else SessionStatus.COMPLETED
        values["ended_at"] = now
    return values


async def remember_step(env: Env, *, session_id: int, step_index: int, message_id: int) -> None:
    """The message just sent carries the current step (one small UPDATE, every step)."""
    await sessions.set_step_message(
        env.db, session_id=session_id, step_index=step_index, message_id=message_id
    )


# --- /routines -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutineOption:
    routine_id: str
    label: Say  # its name and today's minutes (and level, on the ladder)
    summary: str  # when to do it and what it is for
    current: bool  # the daily routine: the one reminders and /session run


async def routines(env: Env, *, telegram_user_id: int) -> tuple[RoutineOption, ...] | Reply:
    """/routines: every routine with its summary and today's length for this runner, the
    daily one marked; or what to tell the runner instead."""
    now = env.clock.now()
    async with env.db.read() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id)
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        options: list[RoutineOption] = []
        for routine in env.content.routines.values():
            plan = await plans.plan_for(tx, env.content, user, now=now, routine=routine)
            fields = {"name": routine.name, "minutes": str(plan.minutes)}
            if plan.level is None:
                label = Say("routine_label", fields)
            else:
                label = Say("routine_label_ladder", {**fields, "level": str(plan.level)})
            current = routine.id == plans.routine_of(env.content, user).id
            options.append(RoutineOption(routine.id, label, routine.summary, current))
    return tuple(options)
