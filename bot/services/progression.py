"""The progression rules (`bot.domain.progression`) over a runner's stored rows: their
history as the pure rules read it, the decisions applied to the runner and recorded with
their rule id, numbers, day and sentence, the daily jobs run lazily (before a rating, when
a reminder or morning question is claimed), and a safety stop or return noted. Shared by
the check-ins, the reminder sweep and onboarding; no use case of its own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.engine import WRITE_UNIT
from bot.db.models import User
from bot.db.repo import checkins
from bot.db.repo.checkins import HistoryRows, SessionRow
from bot.domain import progression as rules
from bot.domain.enums import StepOutcome
from bot.domain.onboarding import SAFETY_RULES
from bot.domain.schedule import local_date_of, next_morning_after
from bot.services import safety
from bot.services.histories import Key
from bot.services.results import Say
from bot.services.runners import zone_of
from bot.services.unit import Env

HISTORY_DAYS = 120  # enough for the baseline's 4-week recompute

# --- the runner's history, as the pure rules see it -------------------------------------


def build_history(content: Content, user: User, rows: HistoryRows) -> rules.History:
    ladder = content.ladder
    position = {step: i + 1 for i, step in enumerate(ladder.steps)}
    for exercise in content.exercises.values():  # substitutes count as the step they replace
        for alt in (exercise.without_equipment, exercise.easier):
            if alt and exercise.id in position:
                position.setdefault(alt, position[exercise.id])
    hurt: dict[int, set[int]] = {}
    hurt_extra: set[int] = set()
    skipped: dict[int, set[int]] = {}
    for session_id, exercise_id, outcome in rows.answers:
        step = position.get(exercise_id)
        if outcome is StepOutcome.HURTS:
            if step is None:
                hurt_extra.add(session_id)
            else:
                hurt.setdefault(session_id, set()).add(step)
        elif step is not None:
            skipped.setdefault(session_id, set()).add(step)

    def session(s: SessionRow) -> rules.SessionRecord:
        is_ladder = s.routine_id == ladder.id
        return rules.SessionRecord(
            id=s.id,
            day=s.local_date,
            at=s.started_at,
            status=s.status,
            level=s.level if is_ladder else None,
            planned_level=s.planned_level if is_ladder else None,
            in_flare=s.in_flare,
            steps=frozenset(position[e] for e in s.steps if e in position and is_ladder),
            skipped=frozenset(skipped.get(s.id, ())),
            hurt=frozenset(hurt.get(s.id, ())) if is_ladder else frozenset(),
            hurt_extra=s.id in hurt_extra or (not is_ladder and s.id in hurt),
        )

    return rules.History(
        **_of_runner(content, user),
        ratings=tuple(rows.checkins),
        sessions=tuple(session(s) for s in rows.sessions),
        decisions=tuple(
            rules.Recorded(
                day=d.local_date,
                at=d.at,
                kind=d.decision,
                rule_id=d.rule_id,
                from_level=d.from_level,
                to_level=d.to_level,
                numbers=d.numbers,
            )
            for d in rows.decisions
            if d.decision in rules.DECISION_KINDS
        ),
    )


def _of_runner(content: Content, user: User) -> dict[str, Any]:
    """What the history takes from the runner's row rather than from their history rows."""
    return {
        "runner": runner_of(user),
        "onboarding_pain": user.baseline_pain if user.baseline_pain is not None else 0,
        "max_level": len(content.ladder.steps),
        "start": local_date_of(user.created_at, zone_of(user)),
    }


def runner_of(user: User) -> rules.Runner:
    since = user.flare_since
    return rules.Runner(
        level=user.level,
        flare_since=None if since is None else local_date_of(since, zone_of(user)),
        memory=rules.Memory.from_json(user.rules_memory),
    )


def history_key(tx: AsyncSession, user: User) -> Key | None:
    """Which version of the runner's history the database holds, as this unit read it
    with their row, locked. None when this unit has written history rows already (its
    own rows are not in any other version) or the row was not read in this unit."""
    if user not in tx or not tx.info.get(WRITE_UNIT) or checkins.wrote_history(tx):
        return None
    return Key(user.id, user.created_at, user.history_version)


async def load_history(
    env: Env,
    tx: AsyncSession,
    user: User,
    today: date,
    key: Key | None = None,
    *,
    since: date | None = None,
) -> rules.History:
    """The runner's history as the rules read it, from `since` on (at most HISTORY_DAYS
    days back; the default). With the `key` this unit took before it wrote anything
    (history_key), the history read at that version, by this process, is used instead of
    reading it again."""
    since = _read_from(today, since)
    history = await _cached(env, tx, user, key, since)
    if history is not None:
        return history
    history = await _read_history(env, tx, user, since)
    if key is not None:  # read in a write unit, under the runner's lock
        env.histories.put(key, since, history)
    return history


def _read_from(today: date, since: date | None) -> date:
    """The first day load_history reads for `since`: never more than HISTORY_DAYS back."""
    whole = today - timedelta(days=HISTORY_DAYS)
    return whole if since is None else max(since, whole)


@dataclass(frozen=True)
class Rated:
    """The history a rating is decided on."""

    read: rules.History  # as read, from `since` on
    since: date
    caught: rules.Outcome  # the daily jobs through yesterday, run on it
    history: rules.History  # with them applied and the rating in it


async def history_for_rating(
    env: Env,
    tx: AsyncSession,
    user: User,
    key: Key | None,
    *,
    today: date,
    rating: rules.Rating,
    event: rules.Event,
) -> Rated:
    """Two weeks of the runner's history (`rules.rating_read_from`) when they hold all
    the rules will count for this rating (`rules.rating_window_holds`), else the whole
    HISTORY_DAYS: a check-in with nothing in memory reads about an eighth of the rows.
    The daily jobs through yesterday are caught up on it and the rating is in it."""
    thresholds = env.content.progression
    memory = rules.Memory.from_json(user.rules_memory)
    yesterday = today - timedelta(days=1)
    since = rules.rating_read_from(memory, event, yesterday, thresholds)
    if since is None:
        return await _rated(env, tx, user, key, today, None, rating)
    weeks = await _rated(env, tx, user, key, today, since, rating)
    if not rules.rating_window_holds(weeks.history, event, thresholds):
        return await _rated(env, tx, user, key, today, None, rating)
    if env.histories.verify:  # the tests: the same decisions as on the whole history
        whole = await _rated(env, tx, user, None, today, None, rating)
        on_weeks = (weeks.caught, rules.decide(weeks.history, event, thresholds))
        on_whole = (whole.caught, rules.decide(whole.history, event, thresholds))
        if on_weeks != on_whole:
            raise AssertionError(
                f"a rating of runner row {user.id} decides otherwise on the weeks from "
                f"{since}: {on_weeks} against {on_whole}"
            )
    return weeks


async def _rated(
    env: Env,
    tx: AsyncSession,
    user: User,
    key: Key | None,
    today: date,
    since: date | None,
    rating: rules.Rating,
) -> Rated:
    read = await load_history(env, tx, user, today, key, since=since)
    caught, history = rules.catch_up(read, today - timedelta(days=1), env.content.progression)
    history = replace(history, ratings=(*history.ratings, rating))
    return Rated(read, _read_from(today, since), caught, history)


async def _cached(
    env: Env, tx: AsyncSession, user: User, key: Key | None, since: date
) -> rules.History | None:
    """The history from `since` on as this process read it at the version `key` names."""
    cache = env.histories
    if key is None:
        return None
    history = cache.get(key, since)
    if history is None:
        return None
    history = replace(history, **_of_runner(env.content, user))
    if cache.verify:
        await _same_as_stored(env, tx, user, since, history)
    return history


def remember_history(
    env: Env,
    tx: AsyncSession,
    key: Key | None,
    read: rules.History,
    *,
    since: date,
    rating: rules.Rating,
    decisions: Sequence[rules.Decision],
) -> None:
    """Once a check-in's unit commits: the history it read (`read`, from `since` on, at
    `key`) with the rating and the decisions it stored, under the version those rows moved
    it to (one per row), as the query would read it back. Only when the unit had written
    nothing before it read (a key), and the new rows come last in the query's order (they
    would not if the clock had gone back)."""
    if key is None:
        return
    at = rating.at  # both in the query's order, by time: the last is the latest
    if (read.ratings and read.ratings[-1].at > at) or (
        read.decisions and read.decisions[-1].at > at
    ):
        return
    recorded = tuple(
        rules.Recorded(
            day=d.day,
            at=at,
            kind=d.kind,
            rule_id=d.rule_id,
            from_level=d.from_level,
            to_level=d.to_level,
            numbers=json.loads(json.dumps(dict(d.numbers))),  # as stored (JSON), read back
        )
        for d in decisions
        if d.kind in rules.DECISION_KINDS and d.day >= since
    )
    written = replace(
        read,
        ratings=(*read.ratings, *((rating,) if rating.day >= since else ())),
        decisions=(*read.decisions, *recorded),
    )
    version = replace(key, version=key.version + 1 + len(decisions))
    cache = env.histories
    env.db.after_commit(tx, lambda: cache.put(version, since, written))


async def _read_history(env: Env, tx: AsyncSession, user: User, since: date) -> rules.History:
    rows = await checkins.history(tx, user_id=user.id, since=since)
    return build_history(env.content, user, rows)


async def _same_as_stored(
    env: Env, tx: AsyncSession, user: User, since: date, history: rules.History
) -> None:
    """HistoryCache.verify: the history read again must be the one the cache gave."""
    stored = await _read_history(env, tx, user, since)
    if stored != history:
        differ = [
            f.name for f in fields(stored) if getattr(stored, f.name) != getattr(history, f.name)
        ]
        raise AssertionError(f"the cached history of runner row {user.id} differs in {differ}")


async def _same_as_with_all(
    env: Env, tx: AsyncSession, user: User, caught: rules.Outcome, through: date
) -> None:
    """HistoryCache.verify: the daily jobs decide the same on all HISTORY_DAYS days."""
    today = through + timedelta(days=1)
    whole = await _read_history(env, tx, user, _read_from(today, None))
    expected, _ = rules.catch_up(whole, through, env.content.progression)
    if expected != caught:
        raise AssertionError(
            f"the daily jobs of runner row {user.id} differ on their window: "
            f"{caught} against {expected}"
        )


def apply(
    env: Env,
    tx: AsyncSession,
    user: User,
    decisions: Sequence[rules.Decision],
    runner: rules.Runner,
    *,
    now: datetime,
) -> tuple[Say, ...]:
    """Record every decision with its rule id, numbers and sentence, and store the runner
    the rules left: level, flare mode, what they remember. The sentences, in order."""
    sentences: list[Say] = []
    for decision in decisions:
        sentence = decision_say(env.content, decision)
        sentences.append(sentence)
        checkins.add_level_change(
            tx,
            user_id=user.id,
            from_level=decision.from_level,
            to_level=decision.to_level,
            rule_id=decision.rule_id,
            decision=decision.kind,
            local_date=decision.day,
            numbers=decision.numbers,
            reason=env.texts.get(sentence.key, count=sentence.count, **sentence.fields),
            at=now,
        )
    if decisions:  # also from the reminder sweep's daily jobs, outside a runner's own unit
        user.updated_at = now
    user.level = runner.level
    zone = zone_of(user)
    if runner.flare_since is None:
        user.flare_since = None
    elif user.flare_since is None:
        user.flare_since = now
        ask_next_morning(user, local_date_of(now, zone))  # every morning while in flare
    else:
        moved = runner.flare_since - local_date_of(user.flare_since, zone)
        user.flare_since += moved  # a safety stop paused the flare's clock
    user.rules_memory = runner.memory.to_json()
    return tuple(sentences)


async def daily_jobs(
    env: Env, tx: AsyncSession, users: Sequence[User], *, now: datetime
) -> dict[int, DailyNews]:
    """The rules' daily jobs up to yesterday (R6b in flare mode, the B recompute, the R8
    nudge, a session's missing morning) of each runner whose jobs have not run yet: the
    reminder or morning question about to be sent carries what they say (by user id).

    Every runner who used the bot the day before comes here with their first reminder or
    morning question of the day, a batch of them at a time: only the weeks the jobs look
    at are read (`rules.daily_jobs_read_from`), not months, for the batch at once."""
    news: dict[int, DailyNews] = {}
    due: list[_Due] = []
    for user in users:  # every key is taken before any of the jobs writes history
        today = local_date_of(now, zone_of(user))
        yesterday = today - timedelta(days=1)
        memory = rules.Memory.from_json(user.rules_memory)
        if memory.daily_on is not None and memory.daily_on >= yesterday:
            news[user.id] = DailyNews((), rescreen=False)
        elif memory.daily_on is None:  # new to the daily jobs: they start from yesterday
            user.rules_memory = replace(memory, daily_on=yesterday).to_json()
            news[user.id] = DailyNews((), rescreen=False)
        else:
            since = _read_from(
                today, rules.daily_jobs_read_from(memory, yesterday, env.content.progression)
            )
            speaking = env.speaking(user.language)
            due.append(_Due(speaking, user, yesterday, since, history_key(tx, user)))
    histories = await _histories_of(tx, due)
    for job in due:
        user, thresholds = job.user, job.env.content.progression
        caught, _ = rules.catch_up(histories[user.id], job.through, thresholds)
        if env.histories.verify:
            await _same_as_with_all(job.env, tx, user, caught, job.through)
        sentences = apply(job.env, tx, user, caught.decisions, caught.runner, now=now)
        news[user.id] = DailyNews(sentences, rescreen=caught.rescreen)
    return news


@dataclass(frozen=True)
class _Due:
    """A runner whose daily jobs run now: through which day, on their history from when."""

    env: Env  # in the runner's language
    user: User
    through: date
    since: date
    key: Key | None


# Runners whose histories start within this many days of each other are read together;
# read with runners whose history starts weeks earlier (back after weeks away, or the B
# recompute's 28 days today), each of them would be read from there. A batch is read in
# as many such groups as its starts need, one statement per table each.
_TOGETHER_DAYS = 3


async def _histories_of(tx: AsyncSession, due: Sequence[_Due]) -> dict[int, rules.History]:
    found: dict[int, rules.History] = {}
    missing: dict[int, _Due] = {}
    for job in due:
        history = await _cached(job.env, tx, job.user, job.key, job.since)
        if history is None:
            missing[job.user.id] = job
        else:
            found[job.user.id] = history
    unread = {user_id: job.since for user_id, job in missing.items()}
    while unread:
        first = max(unread.values()) - timedelta(days=_TOGETHER_DAYS)
        group = {user_id: since for user_id, since in unread.items() if since >= first}
        rows = await checkins.histories(tx, since=group)
        for user_id in group:
            job = missing[user_id]
            found[user_id] = build_history(job.env.content, job.user, rows[user_id])
            del unread[user_id]
    return found


@dataclass(frozen=True)
class DailyNews:
    sentences: tuple[Say, ...]
    rescreen: bool  # R6b fired: offer the red-flag questions again (R0c)


def note_safety(env: Env, tx: AsyncSession, user: User) -> None:
    """A safety stop began (R0a, R0b, R0d) or ended: the rules record it, decide nothing
    while it lasts and pause the flare's clock (PROGRESSION.md, "During a safety stop")."""
    runner = runner_of(user)
    stopped = safety.stopped(user)
    if stopped == (runner.memory.stopped_on is not None):
        return
    now = env.clock.now()
    zone = zone_of(user)
    today = local_date_of(now, zone)
    event: rules.Event
    if stopped:
        event = rules.Stop(today, SAFETY_RULES[user.onboarding_step])
    else:
        event = rules.Resume(today)
    history = rules.History(
        runner=runner,
        onboarding_pain=user.baseline_pain or 0,
        max_level=len(env.content.ladder.steps),
        start=local_date_of(user.created_at, zone),
    )
    outcome = rules.decide(history, event, env.content.progression)
    apply(env, tx, user, outcome.decisions, outcome.runner, now=now)


def ask_next_morning(user: User, today: date) -> None:
    """The morning question comes tomorrow (unless one is due earlier)."""
    morning = next_morning_after(today, at=user.morning_time, zone=zone_of(user))
    if user.next_morning_at is None or user.next_morning_at > morning:
        user.next_morning_at = morning


DATE_FIELDS = frozenset({"next_date", "level_up_from", "run_day", "session_day"})


def decision_say(content: Content, decision: rules.Decision) -> Say:
    ladder = content.ladder
    step = ladder.steps[min(decision.to_level, len(ladder.steps)) - 1]
    fields = dict(decision.fields)
    for key in DATE_FIELDS & fields.keys():  # "Thu 10 Dec", not an ISO date
        day = date.fromisoformat(fields[key])
        fields[key] = content.texts.date_text(day)
    return Say(
        decision.message_key,
        {**fields, "next_step": content.texts.in_sentence(content.exercises[step].name)},
        decision.count,
    )
