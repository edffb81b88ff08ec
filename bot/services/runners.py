"""What every use case about a set-up runner shares: who may use a command yet, their
schedule, and keeping the next reminder in step with it."""

from __future__ import annotations

from datetime import datetime

from bot.callbacks import Flow
from bot.content import Content
from bot.db.models import User
from bot.domain.onboarding import Step, is_in_progress
from bot.domain.profile import Schedule, next_reminder
from bot.render import next_text, user_schedule_text
from bot.services import safety
from bot.services.questions import ASK_TEXT, days_draft
from bot.services.results import Ask, QuestionKeys, Reply, Say, note


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
        status=user.status,
        paused_until=user.paused_until,
        onboarded=user.onboarding_step is Step.DONE,
        now=now,
    )


def zone_of(user: User) -> str:
    return user.time_zone or "UTC"


def next_of(content: Content, user: User, now: datetime) -> str:
    """'tomorrow 07:30', or 'none scheduled'."""
    return next_text(content.texts, user.next_reminder_at, now=now, zone=user.time_zone)


def schedule_line(content: Content, user: User, now: datetime) -> str:
    """'Mon, Wed at 07:30, Europe/Berlin; next: tomorrow 07:30'"""
    return content.texts.get(
        "schedule_with_next",
        schedule=user_schedule_text(content.texts, schedule_of(user)),
        next=next_of(content, user, now),
    )


def question_keys(flow: Flow, user: User, question: str) -> QuestionKeys:
    """The buttons of an onboarding or settings question, drawn for this runner."""
    reminder = user.reminder_time if question == "morning" else None
    return QuestionKeys(flow, question, days_draft(user), reminder)


def onboarding_ask(user: User, step: Step, *, lead: tuple[Say, ...] = ()) -> Ask:
    """An onboarding question as the live prompt, replacing whatever prompt is open."""
    return Ask(
        keys=question_keys(Flow.ONBOARDING, user, step.value),
        text=Say(ASK_TEXT[step.value]),
        lead=lead,
        replaces=user.prompt_message_id,
    )


def gate(user: User | None) -> Reply | None:
    """None when the runner may use a command; otherwise what to tell them first."""
    step = user.onboarding_step if user is not None else None
    if user is None or step is None or step is Step.WELCOME:
        return Reply(notes=(note(Say("not_set_up")),))
    if is_in_progress(step):
        ask = onboarding_ask(user, step, lead=(Say("finish_setup_first"),))
        return Reply(ask=ask)
    return safety.refusal(user)
