"""/start and the onboarding questions: safety screening, pain (confirmed with the
movement question when very high), equipment, reminder time, morning time, zone, days;
then the summary with the first session offer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerTap, DaysTap, Flow
from bot.content import Content
from bot.db.models import User
from bot.db.repo import users
from bot.domain.enums import UserStatus
from bot.domain.onboarding import SAFETY_STOPS, Step, after_pain, is_in_progress, next_step
from bot.domain.questions import Question
from bot.domain.zones import ZoneChoice
from bot.render import user_schedule_text
from bot.services import language, plans, progression, safety
from bot.services.questions import (
    Answer,
    DaysToggle,
    Invalid,
    answer_label,
    asked_text,
    days_draft,
    read_tap,
    read_typed,
    record,
    toggled,
)
from bot.services.results import (
    EXPIRED,
    Ask,
    Buttons,
    Note,
    QuestionKeys,
    Reply,
    Say,
    note,
    refused,
)
from bot.services.runners import (
    onboarding_ask,
    refresh_next_reminder,
    schedule_line,
    schedule_of,
)
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)


async def start(
    env: Env,
    *,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language_code: str | None,
    message_id: int | None = None,
) -> Reply:
    """/start: begin setting up, pick up where the runner left off, or ask before changing.
    `message_id` is the /start message: a new record begins there (`questions.predates`)."""
    now = env.clock.now()
    async with env.db.write() as tx:
        user, created = await users.get_or_create(
            tx,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            first_name=first_name,
            language_code=language_code,
            now=now,
        )
        if created:
            user.first_message_id = message_id
        chosen = user.language is None and (created or user.onboarding_step is Step.WELCOME)
        if chosen:  # someone new: Telegram's language (one from before 0006 keeps English)
            user.language = language.from_telegram(language_code, language.spoken(env))
        env = env.speaking(user.language)
        step = user.onboarding_step
        fresh = step is Step.WELCOME
        if fresh:
            step = user.onboarding_step = Step.SCREEN_EMERGENCY
            user.onboarding_answers = {}
        user.awaiting = Question.RESTART if step is Step.DONE else None
        if step is Step.DONE and user.next_reminder_at is None:
            # Back after blocking the bot (or anything else that dropped the schedule).
            refresh_next_reminder(user, now)
        if step is Step.DONE:
            ask = Ask(
                keys=QuestionKeys(Flow.SETTINGS, Question.RESTART),
                text=Say(
                    "restart_confirm",
                    {"schedule": _schedule(env.content, user)},
                ),
                replaces=user.prompt_message_id,
            )
        else:
            ask = onboarding_ask(user, step)
    if chosen:  # committed: read from their row from now on
        language.forget(env, telegram_user_id)
    log.info("event=start new_user=%s step=%s", created, step.value)
    greeting = {"first_name": first_name or "", "disclaimer": env.texts.disclaimer}
    notes: tuple[Note, ...] = ()
    if fresh:
        span = plans.ladder_span(env.content, now=env.clock.now())
        minutes = {
            "first_minutes": span.text(span.first),
            "top_minutes": str(span.top),
        }
        notes = (note(Say("welcome", {**greeting, **minutes})),)
    elif is_in_progress(step):
        notes = (note(Say("welcome_back", greeting)),)
    return Reply(notes=notes, ask=ask, language=user.language)


def _schedule(content: Content, user: User) -> str:
    return user_schedule_text(content.texts, schedule_of(user))


async def answer_tap(
    env: Env, *, telegram_user_id: int, tap: AnswerTap | DaysTap, message_id: int | None
) -> Reply:
    """A button on an onboarding question: only the open question's buttons work."""
    question = "days" if isinstance(tap, DaysTap) else tap.question
    answer = read_tap(env.content, question, tap)
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if (
            user is None
            or answer is None
            or user.onboarding_step != question
            or message_id is None
            or message_id != user.prompt_message_id
            or (isinstance(answer, DaysToggle) and answer.mask != days_draft(user))
        ):
            return refused(EXPIRED)
        outcome = apply_answer(env.content, user, Step(question), answer, env.clock.now())
        if outcome.ask is Step(question):  # not accepted (no day picked): say why, keep it
            return Reply(refused=outcome.notes[0] if outcome.notes else None)
        if outcome.days_mask is not None:
            return Reply(redraw=QuestionKeys(Flow.ONBOARDING, "days", outcome.days_mask))
        user.prompt_message_id = None  # the tapped question now shows its answer
        answered = record(
            asked_text(env.content, question), answer_label(env.content, question, answer)
        )
        reply = _follow_up(env, user, outcome, record=answered)
        progression.note_safety(env, tx, user)
        return await safety.after_answer(tx, user, reply, env.clock.now())


async def answer_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """Typed text while an onboarding question is open (a safety stop answers before)."""
    step = user.onboarding_step
    answer = read_typed(env.content, step, text)
    if isinstance(answer, Invalid):
        return Reply(ask=onboarding_ask(user, step, lead=(answer.say(),)))
    if isinstance(answer, DaysToggle) and answer.mask == 0:
        return Reply(ask=onboarding_ask(user, step, lead=(Say("days_none"),)))
    reply = _apply_typed(env, user, step, answer)
    progression.note_safety(env, tx, user)
    return await safety.after_answer(tx, user, reply, env.clock.now())


def answer_zone(env: Env, user: User, choice: ZoneChoice) -> Reply:
    """A shared location while the zone question is open."""
    return _apply_typed(env, user, Step.ZONE, choice)


def _apply_typed(env: Env, user: User, step: Step, answer: Answer) -> Reply:
    prompt = user.prompt_message_id
    outcome = apply_answer(env.content, user, step, answer, env.clock.now())
    user.prompt_message_id = None
    reply = _follow_up(env, user, outcome, record=None)
    return Reply(strip=(prompt,) if prompt else (), notes=reply.notes, ask=reply.ask)


_STILL = {
    Step.RED_FLAG: "red_flag_still",
    Step.SEE_DOCTOR: "doctor_still",
    Step.SEE_PHYSICIAN: "physician_still",
}


def _still(step: Step) -> str:
    return _STILL.get(step, "doctor_still")


@dataclass(frozen=True)
class Outcome:
    """What to tell the runner after an answer was stored."""

    notes: tuple[Say, ...] = ()  # sentences to send, in order
    ask: Step | None = None  # the next question, if any
    days_mask: int | None = None  # a day toggle: redraw the keyboard with this mask
    finished: bool = False  # onboarding just finished


def set_field(content: Content, user: User, question: str, answer: Answer) -> tuple[Say, ...]:
    """Store a time, zone, days or equipment answer (onboarding and /settings); return the
    notes worth telling."""
    if question == "time" and isinstance(answer, time):
        user.reminder_time = answer
    elif question == "morning" and isinstance(answer, time):
        user.morning_time = answer
    elif question == "zone" and isinstance(answer, ZoneChoice):
        user.time_zone = answer.name
        if answer.fixed_offset:
            return (Say("fixed_offset_warning", {"zone": answer.name}),)
    elif question == "days" and isinstance(answer, DaysToggle):
        user.reminder_days = toggled(answer)
    elif question == "equipment" and isinstance(answer, bool):
        user.has_foam_roller = answer
    else:
        raise ValueError(f"no field for question {question!r}")
    return ()


def apply_answer(
    content: Content, user: User, step: Step, answer: Answer, now: datetime
) -> Outcome:
    """Store one onboarding answer and move to the next question (or a safety stop)."""
    if step is Step.SCREEN_EMERGENCY and answer is True:
        user.status = UserStatus.RED_FLAG
        user.onboarding_step = Step.RED_FLAG
        user.next_reminder_at = None
        return Outcome(notes=(Say("red_flag_stop"),))
    if step is Step.SCREEN_DOCTOR and answer is True:
        user.status = UserStatus.PAUSED
        user.paused_until = None
        user.onboarding_step = Step.SEE_DOCTOR
        user.next_reminder_at = None
        return Outcome(notes=(Say("doctor_first"),))
    if step in (Step.SCREEN_MOVEMENT, Step.CONFIRM_MOVEMENT) and answer is True:
        # R0d: a physician in person confirms that the back is safe to move first.
        user.status = UserStatus.PAUSED
        user.paused_until = None
        user.onboarding_step = Step.SEE_PHYSICIAN
        user.next_reminder_at = None
        return Outcome(notes=(Say("physician_first"),))
    if step in SAFETY_STOPS:
        if answer is not True:
            return Outcome(notes=(Say(_still(step)),))
        user.status = UserStatus.ACTIVE
        user.paused_until = None
        user.onboarding_step = Step.SCREEN_EMERGENCY
        return Outcome(ask=Step.SCREEN_EMERGENCY)

    notes: tuple[Say, ...] = ()
    following = next_step(step)
    if step is Step.PAIN and isinstance(answer, int) and not isinstance(answer, bool):
        user.baseline_pain = answer
        screening = content.progression.screening
        following = after_pain(answer, confirm_movement_from=screening.confirm_movement_from)
    elif step is Step.DAYS and isinstance(answer, DaysToggle):
        mask = toggled(answer)
        if not answer.save:
            user.onboarding_answers = {**user.onboarding_answers, "days": mask}
            return Outcome(days_mask=mask)
        if mask == 0:
            return Outcome(notes=(Say("days_none"),), ask=Step.DAYS)
        user.reminder_days = mask
    elif step is Step.SCREEN_DOCTOR and user.onboarding_answers.get("rescreen"):
        # R0c: the questions asked again after a check-in; all clear, back to the programme.
        user.onboarding_step = Step.DONE
        user.onboarding_answers = {}
        refresh_next_reminder(user, now)
        return Outcome(notes=(Say("rescreen_clear"),))
    elif step in (
        Step.SCREEN_EMERGENCY,
        Step.SCREEN_DOCTOR,
        Step.SCREEN_MOVEMENT,
        Step.CONFIRM_MOVEMENT,
    ):
        pass  # a "no": nothing to store, on to the next question
    else:
        notes = set_field(content, user, step.value, answer)
        if step is Step.EQUIPMENT and answer is False and content.no_roller_reason:
            notes = (*notes, Say("no_roller_note", {"reason": content.no_roller_reason}))

    user.onboarding_step = following
    if following is Step.DONE:
        user.status = UserStatus.ACTIVE
        user.onboarding_answers = {}
        refresh_next_reminder(user, now)
        return Outcome(notes=notes, finished=True)
    return Outcome(notes=notes, ask=following)


def _follow_up(env: Env, user: User, outcome: Outcome, *, record: Say | None) -> Reply:
    """After an answer: its notes, then the next question or the summary."""
    if outcome.ask is not None:
        ask = onboarding_ask(user, outcome.ask, lead=outcome.notes)
        return Reply(record=record, ask=ask)
    notes = tuple(note(n) for n in outcome.notes)
    if outcome.finished:
        notes = (*notes, _summary(env, user))
    return Reply(record=record, notes=notes)


def _summary(env: Env, user: User) -> Note:
    now = env.clock.now()
    content = env.content
    plan = plans.plan_of(content, user, now=now)
    routine = content.routines[plan.routine_id]
    first = content.exercises[plan.steps[0]].name
    described = (
        content.texts.get(
            "summary_routine_level", routine=routine.name, level=str(plan.level), first=first
        )
        if plan.level is not None
        else routine.name
    )
    text = Say(
        "summary",
        {
            "schedule": schedule_line(content, user, now),
            "routine": described,
            "minutes": str(plan.minutes),
        },
    )
    return note(text, buttons=Buttons.START_FIRST)
