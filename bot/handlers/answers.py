"""What an answer changes on the runner's row, shared by onboarding and /settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from bot.content import Content
from bot.db.models import User
from bot.domain.enums import UserStatus
from bot.domain.onboarding import Step, next_step, parse_step
from bot.domain.profile import Schedule, next_reminder
from bot.domain.zones import ZoneChoice
from bot.handlers.questions import Answer, DaysToggle, toggled


@dataclass
class Outcome:
    """What to tell the runner after an answer was stored."""

    notes: list[str] = field(default_factory=list)  # sentences to send, in order
    ask: str | None = None  # the next question, if any
    days_mask: int | None = None  # a day toggle: redraw the keyboard with this mask
    finished: bool = False  # onboarding just finished


def schedule_of(user: User) -> Schedule | None:
    if user.reminder_time is None or user.time_zone is None:
        return None
    return Schedule(
        local_time=user.reminder_time, zone=user.time_zone, days_mask=user.reminder_days
    )


def refresh_next_reminder(user: User, now: datetime) -> None:
    """Recompute next_reminder_at after any change to schedule or status."""
    user.next_reminder_at = next_reminder(
        schedule=schedule_of(user),
        status=user.status.value,
        paused_until=user.paused_until,
        onboarded=parse_step(user.onboarding_step) is Step.DONE,
        now=now,
    )


def no_roller_reason(content: Content) -> str:
    """Why step 1 changes without a foam roller, from the exercise itself."""
    for exercise in content.exercises.values():
        if "foam_roller" in exercise.equipment and exercise.without_equipment_reason:
            return exercise.without_equipment_reason
    return ""


def set_field(user: User, question: str, answer: Answer, content: Content) -> list[str]:
    """Store a time, zone, days or equipment answer; return notes worth telling."""
    texts = content.texts
    if question == "time" and isinstance(answer, time):
        user.reminder_time = answer
    elif question == "morning" and isinstance(answer, time):
        user.morning_time = answer
    elif question == "zone" and isinstance(answer, ZoneChoice):
        user.time_zone = answer.name
        if answer.fixed_offset:
            return [texts.get("fixed_offset_warning", zone=answer.name)]
    elif question == "days" and isinstance(answer, DaysToggle):
        user.reminder_days = toggled(answer)
    elif question == "equipment" and isinstance(answer, bool):
        user.has_foam_roller = answer
    else:
        raise ValueError(f"no field for question {question!r}")
    return []


def apply_onboarding(
    user: User, question: str, answer: Answer, content: Content, now: datetime
) -> Outcome:
    """Store one onboarding answer and move to the next question (or a safety stop)."""
    texts = content.texts
    step = Step(question)
    if step is Step.SCREEN_EMERGENCY and answer is True:
        user.status = UserStatus.RED_FLAG
        user.onboarding_step = Step.RED_FLAG
        user.next_reminder_at = None
        return Outcome(notes=[texts.red_flag_stop])
    if step is Step.SCREEN_DOCTOR and answer is True:
        user.status = UserStatus.PAUSED
        user.paused_until = None
        user.onboarding_step = Step.SEE_DOCTOR
        user.next_reminder_at = None
        return Outcome(notes=[texts.doctor_first])
    if step in (Step.RED_FLAG, Step.SEE_DOCTOR):
        if answer is not True:
            still = texts.red_flag_still if step is Step.RED_FLAG else texts.doctor_still
            return Outcome(notes=[still])
        user.status = UserStatus.ACTIVE
        user.paused_until = None
        user.onboarding_step = Step.SCREEN_EMERGENCY
        return Outcome(ask=Step.SCREEN_EMERGENCY)

    notes: list[str] = []
    if step is Step.PAIN and isinstance(answer, int) and not isinstance(answer, bool):
        user.baseline_pain = answer
    elif step is Step.DAYS and isinstance(answer, DaysToggle):
        mask = toggled(answer)
        if not answer.save:
            user.onboarding_answers = {**user.onboarding_answers, "days": mask}
            return Outcome(days_mask=mask)
        if mask == 0:
            return Outcome(notes=[texts.days_none], ask=Step.DAYS)
        user.reminder_days = mask
    elif step is Step.SCREEN_DOCTOR and user.onboarding_answers.get("rescreen"):
        # R0c: the questions asked again after a check-in; all clear, back to the programme.
        user.onboarding_step = Step.DONE
        user.onboarding_answers = {}
        refresh_next_reminder(user, now)
        return Outcome(notes=[texts.rescreen_clear])
    elif step in (Step.SCREEN_EMERGENCY, Step.SCREEN_DOCTOR):
        pass  # a "no": nothing to store, on to the next question
    else:
        notes = set_field(user, question, answer, content)
        if step is Step.EQUIPMENT and answer is False:
            notes.append(no_roller_reason(content))

    following = next_step(step)
    user.onboarding_step = following
    if following is Step.DONE:
        user.status = UserStatus.ACTIVE
        user.onboarding_answers = {}
        refresh_next_reminder(user, now)
        return Outcome(notes=notes, finished=True)
    return Outcome(notes=[n for n in notes if n], ask=following)
