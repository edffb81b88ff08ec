"""/settings, /pause, /resume and "start the setup again?": one thing at a time, each
change confirmed in one sentence with the next reminder."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerTap, DaysTap, Flow
from bot.content import Content
from bot.db.models import User
from bot.domain.enums import UserStatus
from bot.domain.onboarding import Step
from bot.domain.questions import SETTING_FIELDS, Question
from bot.domain.schedule import local_date_of, moved_morning
from bot.domain.zones import ZoneChoice
from bot.render import days_text, local_day_text, next_text, time_text, user_schedule_text
from bot.services import plans, progression, routines, safety
from bot.services.language import forget, language_name
from bot.services.onboarding import set_field
from bot.services.questions import (
    ASK_TEXT,
    Answer,
    DaysToggle,
    Invalid,
    answer_label,
    asked_text,
    close,
    days_draft,
    is_live,
    read_tap,
    read_typed,
    record,
    toggled,
)
from bot.services.results import (
    EXPIRED,
    Ask,
    MenuKeys,
    QuestionKeys,
    Reply,
    Say,
    note,
    refused,
)
from bot.services.runners import (
    gate,
    next_of,
    onboarding_ask,
    question_keys,
    refresh_next_reminder,
    schedule_line,
    schedule_of,
    zone_of,
)
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)

# The menu's buttons: what each opens, and the text of its label.
MENU_LABELS = {
    "time": "change_time",
    "zone": "change_zone",
    "days": "change_days",
    "routine": "change_routine",
    "equipment": "change_equipment",
    "morning": "change_morning",
    "pictures": "change_pictures",
    "language": "change_language",
    "pause": "pause",
    "resume": "resume",
    "close": "close",
}


async def open_question(env: Env, *, telegram_user_id: int, question: Question) -> Reply:
    """/settings (the menu) or /pause (for how long?)."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        return Reply(ask=_open(env, user, question))


def _open(env: Env, user: User, question: Question) -> Ask:
    """Make `question` the open one; the question to send (replacing the open prompt)."""
    user.awaiting = question
    if question is Question.DAYS:
        user.onboarding_answers = {**user.onboarding_answers, "days": user.reminder_days}
    replaces = user.prompt_message_id
    if question is Question.MENU:
        return Ask(MenuKeys(user.status is UserStatus.PAUSED), _menu_text(env, user), (), replaces)
    if question is Question.PAUSE:
        return Ask(QuestionKeys(Flow.SETTINGS, question), Say("pause_prompt"), (), replaces)
    if question is Question.LANGUAGE:
        return Ask(QuestionKeys(Flow.SETTINGS, question), Say("ask_language"), (), replaces)
    return _field_ask(user, question, lead=(), replaces=replaces)


def _field_ask(user: User, question: str, *, lead: tuple[Say, ...], replaces: int | None) -> Ask:
    return Ask(
        question_keys(Flow.SETTINGS, user, question), Say(ASK_TEXT[question]), lead, replaces
    )


def _menu_text(env: Env, user: User) -> Say:
    texts = env.texts
    return Say(
        "settings_menu",
        {
            "schedule": schedule_line(env.content, user, env.clock.now()),
            "morning": time_text(env.texts, user.morning_time),
            "routine": plans.routine_of(env.content, user).name,
            "roller": texts.answer_yes if user.has_foam_roller else texts.answer_no,
            "pictures": texts.answer_yes if user.pictures else texts.answer_no,
            "language": language_name(env.content.language),
            "status": _status(env, user),
        },
    )


def _status(env: Env, user: User) -> str:
    texts = env.texts
    if user.status is UserStatus.PAUSED and user.paused_until is not None and user.time_zone:
        until = local_day_text(
            user.paused_until, now=env.clock.now(), zone=user.time_zone, texts=texts
        )
        return texts.get("status_paused_until", until=until)
    return texts.get(f"status_{user.status.value}")


async def resume(env: Env, *, telegram_user_id: int) -> Reply:
    """/resume: reminders back on, with the next one named."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        return Reply(notes=(note(_resume(env, user)),))


def _resume(env: Env, user: User) -> Say:
    if safety.stopped(user):
        return safety.notice(user)
    was_paused = user.status is UserStatus.PAUSED
    user.status = UserStatus.ACTIVE
    user.paused_until = None
    refresh_next_reminder(user, env.clock.now())
    if user.flare_since is not None:  # in flare mode the morning question comes every day
        progression.ask_next_morning(user, local_date_of(env.clock.now(), zone_of(user)))
    log.info("event=resume was_paused=%s", was_paused)
    return Say(
        "resumed" if was_paused else "not_paused",
        {"next": next_of(env.content, user, env.clock.now())},
    )


async def answer_tap(
    env: Env, *, telegram_user_id: int, tap: AnswerTap | DaysTap, message_id: int | None
) -> Reply:
    """A button on a settings question: only the open question's buttons are live."""
    reply = await _answer_tap(env, telegram_user_id, tap, message_id)
    if reply.language is not None:  # committed: the next update reads the new one
        forget(env, telegram_user_id)
    return reply


async def _answer_tap(
    env: Env, telegram_user_id: int, tap: AnswerTap | DaysTap, message_id: int | None
) -> Reply:
    raw = "days" if isinstance(tap, DaysTap) else tap.question
    try:
        question = Question(raw)
    except ValueError:
        return refused(EXPIRED)
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        if (paused := safety.refusal(user)) is not None:
            return paused
        if (
            user is None
            or message_id is None
            or user.onboarding_step is not Step.DONE
            or not is_live(user, question, message_id)
        ):
            return refused(EXPIRED)
        value = tap.value if isinstance(tap, AnswerTap) else ""
        if question is Question.MENU and value in MENU_LABELS:
            return _menu_choice(env, user, value)
        if question is Question.PAUSE and value.isdigit():
            return _pause(env, user, int(value))
        if question is Question.RESTART and value in ("y", "n"):
            return _restart(env, user, value == "y")
        if question is Question.LANGUAGE and value in env.content.languages:
            return _set_language(env, user, value)
        if question in SETTING_FIELDS:
            answer = read_tap(env.content, question, tap)
            if answer is not None:
                return _set(env, user, question, answer, tapped=True)
        return refused(EXPIRED)


async def answer_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """Typed text while a settings question is open."""
    question = user.awaiting
    if not isinstance(question, Question) or question not in SETTING_FIELDS:
        return Reply(notes=(note(Say("use_buttons")),))
    answer = read_typed(env.content, question, text)
    if isinstance(answer, Invalid):
        lead = (answer.say(),)
        return Reply(ask=_field_ask(user, question, lead=lead, replaces=user.prompt_message_id))
    return _set(env, user, question, answer, tapped=False)


def answer_zone(env: Env, user: User, choice: ZoneChoice) -> Reply:
    return _set(env, user, Question.ZONE, choice, tapped=False)


def _menu_choice(env: Env, user: User, choice: str) -> Reply:
    close(user)
    texts = env.texts
    answered = record(texts.settings_menu.split("\n", 1)[0], texts.get(MENU_LABELS[choice]))
    if choice == "close":
        return Reply(record=answered)
    if choice == "resume":
        return Reply(record=answered, notes=(note(_resume(env, user)),))
    if choice == "routine":
        return Reply(record=answered, notes=routines.daily_question(user.routine_id).notes)
    if choice == "pictures":
        # one tap, no question: on becomes off and off on, confirmed in one sentence
        user.pictures = not user.pictures
        log.info("event=setting_changed field=pictures")
        said = Say("pictures_set_on" if user.pictures else "pictures_set_off")
        return Reply(record=answered, notes=(note(said),))
    return Reply(record=answered, ask=_open(env, user, Question(choice)))


def _set_language(env: Env, user: User, language: str) -> Reply:
    """Everything from this reply on, reminders included, is in `language`."""
    close(user)
    user.language = language
    log.info("event=setting_changed field=language")
    spoken = env.speaking(language)
    texts = spoken.texts
    answered = record(texts.ask_language, language_name(language))
    said = Say("language_set", {"language": language_name(language, capital=False)})
    return Reply(record=answered, notes=(note(said),), language=language, menu_language=language)


def _pause(env: Env, user: User, days: int) -> Reply:
    if days != 0 and days not in env.content.choices.pause_days:
        return refused(EXPIRED)
    now = env.clock.now()
    close(user)
    user.status = UserStatus.PAUSED
    user.paused_until = now + timedelta(days=days) if days else None
    refresh_next_reminder(user, now)
    texts = env.texts
    label = texts.pause_until_resume if days == 0 else texts.get("pause_for_days", count=days)
    if user.paused_until is None or user.time_zone is None:
        sentence = Say("paused_indefinitely")
    else:
        until = local_day_text(user.paused_until, now=now, zone=user.time_zone, texts=texts)
        sentence = Say("paused_until", {"until": until, "next": next_of(env.content, user, now)})
    log.info("event=pause days=%s", days)
    return Reply(record=record(texts.pause_prompt, label), notes=(note(sentence),))


def _restart(env: Env, user: User, again: bool) -> Reply:
    close(user)
    texts = env.texts
    schedule = user_schedule_text(texts, schedule_of(user))
    answered = record(
        asked_text(env.content, "restart", schedule=schedule),
        texts.start_over if again else texts.keep_settings,
    )
    if not again:
        kept = Say("restart_kept", {"next": next_of(env.content, user, env.clock.now())})
        return Reply(record=answered, notes=(note(kept),))
    user.onboarding_step = Step.SCREEN_EMERGENCY
    user.onboarding_answers = {}
    user.next_reminder_at = None  # no reminders while setting up again
    log.info("event=restart_onboarding")
    return Reply(record=answered, ask=onboarding_ask(user, Step.SCREEN_EMERGENCY))


def _set(env: Env, user: User, question: Question, answer: Answer, *, tapped: bool) -> Reply:
    """Store a new time, zone, days, equipment or morning time; confirm it in one sentence."""
    if isinstance(answer, DaysToggle):
        if tapped and answer.mask != days_draft(user):
            return refused(EXPIRED)  # drawn before the last toggle: a double tap
        if not answer.save:
            mask = toggled(answer)
            user.onboarding_answers = {**user.onboarding_answers, "days": mask}
            return Reply(redraw=QuestionKeys(Flow.SETTINGS, "days", mask))
        if toggled(answer) == 0:
            if tapped:
                return Reply(refused=Say("days_none"))
            lead = (Say("days_none"),)
            return Reply(ask=_field_ask(user, question, lead=lead, replaces=user.prompt_message_id))
    prompt = close(user)
    now = env.clock.now()
    # The morning question already due belongs to a local date: it keeps it, at the new time.
    pending = user.next_morning_at
    pending_day = local_date_of(pending, zone_of(user)) if pending is not None else None
    notes = set_field(env.content, user, question, answer)
    refresh_next_reminder(user, now)
    if pending_day is not None and question in (Question.MORNING, Question.ZONE):
        user.next_morning_at = moved_morning(
            pending_day, at=user.morning_time, zone=zone_of(user), now=now
        )
    log.info("event=setting_changed field=%s", question.value)
    confirmed = note(*notes, _confirmation(env.content, user, question, now))
    if tapped:
        label = answer_label(env.content, question, answer)
        return Reply(record=record(asked_text(env.content, question), label), notes=(confirmed,))
    return Reply(strip=(prompt,) if prompt else (), notes=(confirmed,))


def _confirmation(content: Content, user: User, question: Question, now: datetime) -> Say:
    upcoming = next_of(content, user, now)
    texts = content.texts
    if question is Question.TIME:
        return Say(
            "time_set",
            {
                "time": time_text(texts, user.reminder_time) if user.reminder_time else "",
                "next": upcoming,
            },
        )
    if question is Question.ZONE:
        return Say("zone_set", {"zone": user.time_zone or "", "next": upcoming})
    if question is Question.MORNING:
        fields = {"time": time_text(texts, user.morning_time)}
        if user.next_morning_at is None:
            return Say("morning_set", fields)
        asked = next_text(texts, user.next_morning_at, now=now, zone=user.time_zone)
        return Say("morning_set_next", {**fields, "next": asked})
    if question is Question.DAYS:
        return Say("days_set", {"days": days_text(texts, user.reminder_days), "next": upcoming})
    if user.has_foam_roller:
        return Say("equipment_set_yes", {"next": upcoming})
    return Say("equipment_set_no", {"reason": content.no_roller_reason, "next": upcoming})
