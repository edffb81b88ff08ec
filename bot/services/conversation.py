"""Typed text and shared locations: the answer to the runner's open question, whichever
flow it belongs to, or a hint. One write unit each."""

from __future__ import annotations

from bot.domain.onboarding import Step, is_in_progress
from bot.domain.questions import MorningPain, Question, SessionPain
from bot.domain.zones import zone_from_location
from bot.services import checkins, guided, onboarding, safety, settings
from bot.services.results import Reply, Say, note
from bot.services.unit import Env, runner_unit

UNKNOWN = Reply(notes=(note(Say("unknown_text")),))
NOT_SET_UP = Reply(notes=(note(Say("not_set_up")),))
CHECKIN_QUESTIONS = frozenset({Question.RAN, Question.RUN_PAIN, Question.ADHOC_PAIN})


async def text(env: Env, *, telegram_user_id: int, text: str) -> Reply:
    """Typed text: the answer to the open question, or a hint."""
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if user is None:
            return NOT_SET_UP
        if (paused := safety.refusal(user)) is not None:
            return paused
        step, awaiting = user.onboarding_step, user.awaiting
        if is_in_progress(step):
            return await onboarding.answer_text(env, tx, user, text)
        if step is Step.DONE and awaiting is None:
            # Mid-session, a typed question gets the step again (its dose and buttons).
            return await guided.typed_mid_session(env, tx, user) or UNKNOWN
        if step is not Step.DONE or awaiting is None:
            return UNKNOWN
        if isinstance(awaiting, SessionPain):
            return await checkins.session_pain_text(env, tx, user, text)
        if isinstance(awaiting, MorningPain) and awaiting.then_start:
            return await guided.morning_first_text(env, tx, user, text)
        if isinstance(awaiting, MorningPain):
            return await checkins.morning_text(env, tx, user, text)
        if awaiting in CHECKIN_QUESTIONS:
            return await checkins.answer_text(env, tx, user, text)
        return await settings.answer_text(env, tx, user, text)


async def location(env: Env, *, telegram_user_id: int, latitude: float, longitude: float) -> Reply:
    """A shared location answers the time-zone question (the place itself is not stored)."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        if user is None:
            return NOT_SET_UP
        if (paused := safety.refusal(user)) is not None:
            return paused
        choice = zone_from_location(latitude, longitude)
        found = note(Say("zone_from_location", {"zone": choice.name}))
        if user.onboarding_step is Step.ZONE:
            reply = onboarding.answer_zone(env, user, choice)
        elif user.onboarding_step is Step.DONE and user.awaiting is Question.ZONE:
            reply = settings.answer_zone(env, user, choice)
        else:
            reply = UNKNOWN
        return Reply(strip=reply.strip, notes=(found, *reply.notes), ask=reply.ask)
