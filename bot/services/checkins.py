"""Pain check-ins, each one write unit: the rating is stored, the progression rules run
over the runner's history (`bot.services.progression`), every decision is recorded and
applied, the morning question after a session or a run is scheduled, and the runner is
told in one sentence. Also /run, /checkin, the morning question (tapped, typed, or asked
first before a session) and "Something new or different?" (R0c)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerTap, Flow, MorningTap, SessionPainTap
from bot.content import Content
from bot.db.models import ReminderDelivery, User
from bot.db.repo import checkins, deliveries, sessions
from bot.domain import progression as rules
from bot.domain.enums import (
    CheckinKind,
    DeliveryKind,
    DeliveryStatus,
    SessionStatus,
)
from bot.domain.onboarding import Step
from bot.domain.pain import pain_label
from bot.domain.questions import MorningPain, Question, SessionPain
from bot.domain.schedule import local_date_of
from bot.services import reminders, safety
from bot.services.progression import (
    apply,
    ask_next_morning,
    history_for_rating,
    history_key,
    remember_history,
)
from bot.services.questions import (
    ASK_TEXT,
    Invalid,
    answer_label,
    asked_text,
    close,
    is_live,
    predates,
    read_tap,
    read_typed,
    record,
)
from bot.services.results import (
    EXPIRED,
    Ask,
    Buttons,
    MorningKeys,
    Note,
    QuestionKeys,
    Reply,
    Say,
    SessionPainKeys,
    note,
    refused,
)
from bot.services.runners import gate, onboarding_ask, zone_of
from bot.services.unit import Env, runner_unit

log = logging.getLogger(__name__)

FLOWS = {Question.RAN: Flow.RUN, Question.RUN_PAIN: Flow.RUN, Question.ADHOC_PAIN: Flow.ADHOC}


# --- storing a rating and acting on it --------------------------------------------------


async def log_rating(
    env: Env,
    tx: AsyncSession,
    user: User,
    kind: CheckinKind,
    score: int,
    *,
    session_id: int | None = None,
    local_date: date | None = None,
) -> tuple[Note, Ask | None]:
    """Store the rating and run the rules (yesterday's daily jobs first, if they have not
    run), record and apply every decision, schedule the morning question after a session
    or a run. The message to send, and the R0c question when a decision asks for a
    clinician's look."""
    now = env.clock.now()
    zone = zone_of(user)
    today = local_date_of(now, zone)
    day = local_date or today
    key = history_key(tx, user)
    rating = rules.Rating(day, score, kind, now, session_id)
    event = rules.event_of(rating)
    rated = await history_for_rating(env, tx, user, key, today=today, rating=rating, event=event)
    await checkins.add(
        tx, user_id=user.id, score=score, kind=kind, local_date=day, at=now, session_id=session_id
    )
    outcome = rules.decide(rated.history, event, env.content.progression)
    decisions = (*rated.caught.decisions, *outcome.decisions)
    said = apply(env, tx, user, decisions, outcome.runner, now=now)
    remember_history(
        env, tx, key, rated.read, since=rated.since, rating=rating, decisions=decisions
    )
    # The rules decide in their order (R6b before R5); the runner reads a clinician's
    # advice last, just before the safety questions it leads to.
    advice = {i for i, d in enumerate(decisions) if d.kind == "clinician"}
    sentences = [s for i, s in enumerate(said) if i not in advice]
    sentences += [s for i, s in enumerate(said) if i in advice]
    if kind in (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN):
        ask_next_morning(user, today)
        if not outcome.decisions and kind is CheckinKind.AFTER_SESSION:
            sentences.append(Say("decision_wait_morning"))
        elif not outcome.decisions and user.flare_since is None:
            sentences.append(Say("run_fine"))
    log.info(
        "event=checkin context=%s decisions=%s",  # the score is health data: never logged
        kind.value,
        ",".join(d.rule_id for d in decisions) or "-",
    )
    logged = Say("checkin_logged", {"score": str(score), "label": _label(env.content, score)})
    message = Note((logged, *sentences), " ", Buttons.SOMETHING_NEW)
    rescreen = rated.caught.rescreen or outcome.rescreen
    return message, _rescreen(env, user) if rescreen else None


def _label(content: Content, score: int) -> str:
    labels = content.progression.labels
    label = pain_label(
        score,
        mild_min=labels.mild_min,
        moderate_min=labels.moderate_min,
        severe_min=labels.severe_min,
    )
    return content.texts.get(f"pain_{label.value}")


def _rescreen(env: Env, user: User) -> Ask | None:
    """R0c: the red-flag questions again, from the first."""
    if user.onboarding_step is not Step.DONE:
        return None
    user.onboarding_step = Step.SCREEN_EMERGENCY
    user.onboarding_answers = {"rescreen": True}
    user.awaiting = None
    log.info("event=rescreen")
    return onboarding_ask(user, Step.SCREEN_EMERGENCY, lead=(Say("rescreen_intro"),))


async def rescreen(env: Env, *, telegram_user_id: int, message_id: int | None) -> Reply:
    """ "Something new or different?" was tapped: its button comes off, the questions begin."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        if predates(user, message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        ask = _rescreen(env, user) if user is not None else None
        if ask is None:
            return refused(EXPIRED)
        return Reply(strip=(message_id,) if message_id is not None else (), ask=ask)


# --- /run and /checkin ------------------------------------------------------------------


async def ask(env: Env, *, telegram_user_id: int, question: Question) -> Reply:
    """/run (did you run today?) or /checkin (a rating at any time)."""
    async with runner_unit(env, telegram_user_id) as (_tx, user):
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        return Reply(ask=_ask(user, question))


def _ask(user: User, question: Question, lead: tuple[Say, ...] = ()) -> Ask:
    replaces = user.prompt_message_id
    user.awaiting = question
    return Ask(QuestionKeys(FLOWS[question], question), Say(ASK_TEXT[question]), lead, replaces)


async def answer_tap(
    env: Env, *, telegram_user_id: int, tap: AnswerTap, message_id: int | None
) -> Reply:
    """A button on the /run or /checkin question."""
    try:
        question = Question(tap.question)
    except ValueError:
        return refused(EXPIRED)
    answer = read_tap(env.content, question, tap) if question in FLOWS else None
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if (paused := safety.refusal(user)) is not None:
            return paused
        if (
            user is None
            or answer is None
            or FLOWS[question] is not tap.flow
            or message_id is None
            or not is_live(user, question, message_id)
        ):
            return refused(EXPIRED)
        assert isinstance(answer, bool | int)
        close(user)
        answered = record(
            asked_text(env.content, question), answer_label(env.content, question, answer)
        )
        reply = await _answered(env, tx, user, question, answer)
        return Reply(record=answered, notes=reply.notes, ask=reply.ask)


async def answer_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """A typed answer to the /run or /checkin question."""
    question = user.awaiting
    assert isinstance(question, Question)
    answer = read_typed(env.content, question, text)
    if isinstance(answer, Invalid):
        return Reply(ask=_ask(user, question, (answer.say(),)))
    assert isinstance(answer, bool | int)
    prompt = close(user)
    reply = await _answered(env, tx, user, question, answer)
    return Reply(strip=(prompt,) if prompt else (), notes=reply.notes, ask=reply.ask)


async def _answered(
    env: Env, tx: AsyncSession, user: User, question: Question, answer: bool | int
) -> Reply:
    if question is Question.RAN:
        if answer:
            return Reply(ask=_ask(user, Question.RUN_PAIN))
        return Reply(notes=(note(Say("no_run")),))
    kind = CheckinKind.AFTER_RUN if question is Question.RUN_PAIN else CheckinKind.AD_HOC
    message, rescreen_ask = await log_rating(env, tx, user, kind, int(answer))
    return Reply(notes=(message,), ask=rescreen_ask)


# --- after a session ---------------------------------------------------------------------


async def session_pain_tap(
    env: Env, *, telegram_user_id: int, tap: SessionPainTap, message_id: int | None
) -> Reply:
    """0-10 tapped after a session."""
    async with runner_unit(env, telegram_user_id, with_session=tap.session_id) as (tx, user):
        if predates(user, message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        if user is None:
            return refused(EXPIRED)
        refusal = await _session_refusal(tx, user, tap.session_id)
        if refusal is not None:
            return refused(refusal)
        if user.awaiting == SessionPain(tap.session_id):
            user.awaiting = None
            if user.prompt_message_id == message_id:
                user.prompt_message_id = None
        message, rescreen_ask = await log_rating(
            env, tx, user, CheckinKind.AFTER_SESSION, tap.score, session_id=tap.session_id
        )
        answered = record(env.texts.ask_pain_after, answer_label(env.content, "pain", tap.score))
        return Reply(record=answered, notes=(message,), ask=rescreen_ask)


async def session_pain_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """A typed rating while the after-session check-in is open."""
    awaiting = user.awaiting
    assert isinstance(awaiting, SessionPain)
    answer = read_typed(env.content, "pain", text)
    if isinstance(answer, Invalid | bool) or not isinstance(answer, int):
        replaces = user.prompt_message_id
        ask = Ask(
            SessionPainKeys(awaiting.session_id),
            Say("ask_pain_after"),
            (Say("bad_pain"),),
            replaces,
        )
        return Reply(ask=ask)
    refusal = await _session_refusal(tx, user, awaiting.session_id)
    if refusal is not None:
        return Reply()
    prompt = close(user)
    message, rescreen_ask = await log_rating(
        env, tx, user, CheckinKind.AFTER_SESSION, answer, session_id=awaiting.session_id
    )
    return Reply(strip=(prompt,) if prompt else (), notes=(message,), ask=rescreen_ask)


async def _session_refusal(tx: AsyncSession, user: User, session_id: int) -> str | None:
    """Why a rating for that session cannot be logged, or None."""
    found = await sessions.get(tx, session_id=session_id)
    if found is None or found.user_id != user.id or found.status is SessionStatus.IN_PROGRESS:
        return EXPIRED
    if await checkins.for_session(tx, session_id=session_id):
        return "already_logged"
    if await _before_safety_stop(tx, user, found.started_at):
        return EXPIRED
    return None


async def _before_safety_stop(tx: AsyncSession, user: User, asked: datetime) -> bool:
    """The question was asked before the runner's last safety stop: what it asks about
    decides nothing, then or after the runner is back (PROGRESSION.md)."""
    stop = await checkins.last_decision_at(tx, user_id=user.id, decision="stop")
    return stop is not None and asked <= stop


# --- the morning question ---------------------------------------------------------------


MORNING_LIFETIME = timedelta(hours=24)  # a morning button expires after this (PROGRESSION.md)


async def morning_to_rate(
    tx: AsyncSession, user: User, delivery_id: int, now: datetime
) -> ReminderDelivery | str:
    """The morning question a rating answers, or why it cannot be stored: logged already,
    expired (the next morning question went out, or a day has passed), or closed (a
    session started since it was asked)."""
    delivery = await deliveries.get(tx, delivery_id=delivery_id)
    if (
        delivery is None
        or delivery.user_id != user.id
        or delivery.kind is not DeliveryKind.MORNING_CHECKIN
    ):
        return EXPIRED
    if await checkins.morning_logged(tx, user_id=user.id, local_date=delivery.local_date):
        return "already_logged"
    if now - delivery.created_at >= MORNING_LIFETIME or await deliveries.morning_sent_after(
        tx, user_id=user.id, local_date=delivery.local_date
    ):
        return "morning_expired"
    if await sessions.started_since(tx, user_id=user.id, since=delivery.created_at):
        return "morning_closed"
    if await _before_safety_stop(tx, user, delivery.created_at):
        return "morning_expired"
    return delivery


def close_morning(user: User, delivery_id: int) -> int | None:
    """Close the open morning question of that delivery (tapped or typed); its message."""
    awaiting = user.awaiting
    if isinstance(awaiting, MorningPain) and awaiting.delivery_id == delivery_id:
        return close(user)
    return None


async def morning_tap(
    env: Env, *, telegram_user_id: int, tap: MorningTap, message_id: int | None = None
) -> Reply:
    """The morning rating: once per morning, until it expires or the next session starts."""
    async with runner_unit(env, telegram_user_id) as (tx, user):
        if predates(user, message_id):
            return refused(EXPIRED)
        if (paused := safety.refusal(user)) is not None:
            return paused
        if user is None:
            return refused(EXPIRED)
        delivery = await morning_to_rate(tx, user, tap.delivery_id, env.clock.now())
        if isinstance(delivery, str):
            return refused(delivery)
        close_morning(user, delivery.id)
        message, rescreen_ask = await log_rating(
            env, tx, user, CheckinKind.MORNING, tap.score, local_date=delivery.local_date
        )
        answered = record(env.texts.morning_prompt, answer_label(env.content, "pain", tap.score))
        return Reply(record=answered, notes=(message,), ask=rescreen_ask)


def morning_ask(user: User, awaiting: MorningPain, lead: tuple[Say, ...] = ()) -> Ask:
    """The morning question as the open one (again, after a typed answer it could not read)."""
    user.awaiting = awaiting
    text = Say("morning_first" if awaiting.then_start else "morning_prompt")
    keys = MorningKeys(awaiting.delivery_id, awaiting.then_start)
    return Ask(keys, text, lead, user.prompt_message_id)


def read_morning(env: Env, user: User, text: str) -> int | Ask:
    """A typed morning rating, or the question again with a hint."""
    awaiting = user.awaiting
    assert isinstance(awaiting, MorningPain)
    answer = read_typed(env.content, "pain", text)
    if isinstance(answer, bool) or not isinstance(answer, int):
        return morning_ask(user, awaiting, (Say("bad_pain"),))
    return answer


async def morning_text(env: Env, tx: AsyncSession, user: User, text: str) -> Reply:
    """A typed rating while the morning question is open. The question's buttons come off
    (the sent one's too: it is not the prompt, so other questions leave it live)."""
    awaiting = user.awaiting
    assert isinstance(awaiting, MorningPain)
    shown = user.prompt_message_id
    if shown is None:
        sent = await deliveries.get(tx, delivery_id=awaiting.delivery_id)
        shown = sent.message_id if sent is not None and sent.user_id == user.id else None
    score = read_morning(env, user, text)
    if isinstance(score, Ask):
        return Reply(ask=replace(score, replaces=shown))
    close(user)
    strip = (shown,) if shown else ()
    delivery = await morning_to_rate(tx, user, awaiting.delivery_id, env.clock.now())
    if isinstance(delivery, str):
        return Reply(strip=strip, notes=(note(Say(delivery)),))
    message, rescreen_ask = await log_rating(
        env, tx, user, CheckinKind.MORNING, score, local_date=delivery.local_date
    )
    return Reply(strip=strip, notes=(message,), ask=rescreen_ask)


async def morning_first(
    env: Env, tx: AsyncSession, user: User, *, routine_id: str | None = None
) -> Ask | None:
    """Before a session: today's morning question, when one was sent (or is due today) and
    is still open, asked now with the rating buttons and a Skip; None when there is none.
    The delivery keeps the routine the session is for (`routine_id`; None: the daily one),
    so the session that starts once it is answered is the one asked for."""
    now = env.clock.now()
    today = local_date_of(now, zone_of(user))
    found = await deliveries.find(
        tx, user_id=user.id, kind=DeliveryKind.MORNING_CHECKIN, local_date=today
    )
    if found is None:
        found = await reminders.take_morning(tx, user, now=now)
    if found is None or found.status not in (DeliveryStatus.SENT, DeliveryStatus.PENDING):
        return None
    if isinstance(await morning_to_rate(tx, user, found.id, now), str):
        return None
    log.info("event=morning_first")
    found.routine_id = routine_id
    ask = morning_ask(user, MorningPain(found.id, then_start=True))
    # One live morning question, not two: the one sent this morning loses its buttons.
    return replace(ask, replaces=found.message_id or ask.replaces)
