"""Pain check-ins and what follows them, each one write unit: the rating is stored, the
progression rules (PROGRESSION.md) read the history, every decision is recorded with its
rule id and numbers and applied, the morning question after a session or a run is
scheduled, and the runner is told in one sentence. Also /run, /checkin, the morning
question, "Something new or different?" (R0c) and /progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerTap, Flow, MorningTap, SessionPainTap
from bot.content import Content
from bot.db.models import ReminderDelivery, User
from bot.db.repo import checkins, deliveries, sessions, users
from bot.db.repo.checkins import HistoryRows
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, DeliveryKind, DeliveryStatus, SessionStatus
from bot.domain.onboarding import Step
from bot.domain.pain import pain_label
from bot.domain.questions import MorningPain, Question, SessionPain
from bot.domain.schedule import local_date_of, next_morning_after
from bot.services import reminders
from bot.services.questions import (
    ASK_TEXT,
    Invalid,
    answer_label,
    asked_text,
    close,
    is_live,
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

HISTORY_DAYS = 120  # enough for the baseline's 4-week recompute and the progress picture
CHART_DAYS = 28
FLOWS = {Question.RAN: Flow.RUN, Question.RUN_PAIN: Flow.RUN, Question.ADHOC_PAIN: Flow.ADHOC}


# --- the runner's history, as the pure rules see it -------------------------------------


def build_history(content: Content, user: User, rows: HistoryRows, today: date) -> rules.History:
    zone = zone_of(user)
    ladder = content.ladder
    position = {step: i + 1 for i, step in enumerate(ladder.steps)}
    for exercise in content.exercises.values():  # substitutes count as the step they replace
        for alt in (exercise.without_equipment, exercise.easier):
            if alt and exercise.id in position:
                position.setdefault(alt, position[exercise.id])
    hurt_steps: dict[int, set[int]] = {}
    for session_id, exercise_id in rows.hurts:
        if exercise_id in position:
            hurt_steps.setdefault(session_id, set()).add(position[exercise_id])
    ended = (SessionStatus.COMPLETED, SessionStatus.STOPPED)
    return rules.History(
        onboarding_pain=user.baseline_pain if user.baseline_pain is not None else 0,
        level=user.level,
        max_level=len(ladder.steps),
        checkins=tuple(
            rules.Checkin(c.local_date, c.score, c.kind, c.at, c.session_id) for c in rows.checkins
        ),
        sessions=tuple(
            rules.SessionRecord(
                id=s.id,
                local_date=s.local_date,
                level=s.level if s.routine_id == ladder.id else None,
                completed=s.status in ended,
                hurt_steps=frozenset(hurt_steps.get(s.id, ())),
            )
            for s in rows.sessions
        ),
        level_changes=tuple(
            rules.LevelChange(c.at, local_date_of(c.at, zone), c.from_level, c.to_level, c.rule_id)
            for c in rows.changes
        ),
        flare_since=local_date_of(user.flare_since, zone) if user.flare_since else None,
        today=today,
    )


async def load_history(
    tx: AsyncSession, content: Content, user: User, today: date
) -> rules.History:
    rows = await checkins.history(tx, user_id=user.id, since=today - timedelta(days=HISTORY_DAYS))
    return build_history(content, user, rows, today)


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
    """Store the rating, run the rules, record and apply every decision, schedule the
    morning question after a session or a run. The message to send, and the R0c question
    when a decision asks for a clinician's look."""
    content, texts = env.content, env.texts
    now = env.clock.now()
    zone = zone_of(user)
    today = local_date_of(now, zone)
    checkins.add(
        tx,
        user_id=user.id,
        score=score,
        kind=kind,
        local_date=local_date or today,
        at=now,
        session_id=session_id,
    )
    history = await load_history(tx, content, user, today)
    thresholds = content.progression
    if kind is CheckinKind.AFTER_SESSION and session_id is not None:
        decisions = rules.evaluate_after_session(history, session_id, score, thresholds)
    elif kind is CheckinKind.MORNING:
        decisions = rules.evaluate_after_morning(history, score, thresholds)
    elif kind is CheckinKind.AFTER_RUN:
        decisions = rules.evaluate_after_run(history, score, thresholds)
    else:
        decisions = []
    sentences: list[Say] = []
    rescreen = False
    for decision in decisions:
        sentence = decision_say(content, decision)
        sentences.append(sentence)
        checkins.add_level_change(
            tx,
            user_id=user.id,
            from_level=decision.from_level,
            to_level=decision.to_level,
            rule_id=decision.rule_id,
            decision=decision.kind,
            local_date=local_date or today,
            numbers=decision.numbers,
            reason=texts.get(sentence.key, **sentence.fields),
            at=now,
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
            sentences.append(Say("decision_wait_morning"))
    log.info(
        "event=checkin context=%s decisions=%s",  # the score is health data: never logged
        kind.value,
        ",".join(d.rule_id for d in decisions) or "-",
    )
    logged = Say("checkin_logged", {"score": str(score), "label": _label(content, score)})
    message = Note((logged, *sentences), " ", Buttons.SOMETHING_NEW)
    return message, _rescreen(env, user) if rescreen else None


def decision_say(content: Content, decision: rules.Decision) -> Say:
    ladder = content.ladder
    step = ladder.steps[min(decision.to_level, len(ladder.steps)) - 1]
    return Say(
        decision.message_key,
        {**decision.fields, "next_step": content.exercises[step].name.lower()},
    )


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
    async with runner_unit(env, telegram_user_id) as (tx, user):
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
    return None


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
    return delivery


def close_morning(user: User, delivery_id: int) -> int | None:
    """Close the open morning question of that delivery (tapped or typed); its message."""
    awaiting = user.awaiting
    if isinstance(awaiting, MorningPain) and awaiting.delivery_id == delivery_id:
        return close(user)
    return None


async def morning_tap(env: Env, *, telegram_user_id: int, tap: MorningTap) -> Reply:
    """The morning rating: once per morning, until it expires or the next session starts."""
    async with runner_unit(env, telegram_user_id) as (tx, user):
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
    """A typed rating while the morning question is open."""
    score = read_morning(env, user, text)
    if isinstance(score, Ask):
        return Reply(ask=score)
    awaiting = user.awaiting
    assert isinstance(awaiting, MorningPain)
    prompt = close(user)
    strip = (prompt,) if prompt else ()
    delivery = await morning_to_rate(tx, user, awaiting.delivery_id, env.clock.now())
    if isinstance(delivery, str):
        return Reply(strip=strip, notes=(note(Say(delivery)),))
    message, rescreen_ask = await log_rating(
        env, tx, user, CheckinKind.MORNING, score, local_date=delivery.local_date
    )
    return Reply(strip=strip, notes=(message,), ask=rescreen_ask)


async def morning_first(env: Env, tx: AsyncSession, user: User) -> Ask | None:
    """Before a session: today's morning question, when one was sent (or is due today) and
    is still open, asked now with the rating buttons and a Skip; None when there is none."""
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
    return morning_ask(user, MorningPain(found.id, then_start=True))


# --- /progress ------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What /progress shows: the chart's data and the caption's fields."""

    history: rules.History
    start: date
    baseline: float
    week_mean: float | None
    verdict: str
    streak: int


async def progress(env: Env, *, telegram_user_id: int) -> Progress | Reply:
    """/progress: the history of the last weeks, or what to tell the runner instead."""
    async with env.db.read() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id)
        refusal = gate(user)
        if refusal is not None or user is None:
            return refusal or Reply()
        today = local_date_of(env.clock.now(), zone_of(user))
        history = await load_history(tx, env.content, user, today)
    if not any(c.context != CheckinKind.AD_HOC for c in history.checkins) and not any(
        s.completed for s in history.sessions
    ):
        return Reply(notes=(note(Say("progress_empty")),))
    thresholds = env.content.progression
    return Progress(
        history=history,
        start=today - timedelta(days=CHART_DAYS - 1),
        baseline=rules.baseline(history, thresholds),
        week_mean=rules.weekly_mean(history, thresholds, end=today),
        verdict=rules.verdict(history, thresholds),
        streak=rules.streak(history),
    )
