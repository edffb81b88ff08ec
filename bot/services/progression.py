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
    env: Env, tx: AsyncSession, user: User, today: date, key: Key | None = None
) -> rules.History:
    """The runner's last HISTORY_DAYS days as the rules read them. With the `key` this
    unit took before it wrote anything (history_key), the history read at that version,
    by this process, is used instead of reading it again."""
    since = today - timedelta(days=HISTORY_DAYS)
    cache = env.histories
    if key is not None:
        history = cache.get(key, since)
        if history is not None:
            history = replace(history, **_of_runner(env.content, user))
            if cache.verify:
                await _same_as_stored(env, tx, user, since, history)
            return history
    history = await _read_history(env, tx, user, since)
    if key is not None:  # read in a write unit, under the runner's lock
        cache.put(key, since, history)
    return history


def remember_history(
    env: Env,
    tx: AsyncSession,
    key: Key | None,
    read: rules.History,
    *,
    today: date,
    rating: rules.Rating,
    decisions: Sequence[rules.Decision],
) -> None:
    """Once a check-in's unit commits: the history it read (`read`, at `key`) with the
    rating and the decisions it stored, under the version those rows moved it to (one per
    row), as the query would read it back. Only when the unit had written nothing before
    it read (a key), and the new rows come last in the query's order (they would not if
    the clock had gone back)."""
    if key is None:
        return
    at = rating.at  # both in the query's order, by time: the last is the latest
    if (read.ratings and read.ratings[-1].at > at) or (
        read.decisions and read.decisions[-1].at > at
    ):
        return
    since = today - timedelta(days=HISTORY_DAYS)
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


async def daily_jobs(env: Env, tx: AsyncSession, user: User, *, now: datetime) -> DailyNews:
    """The rules' daily jobs up to yesterday (R6b in flare mode, the B recompute, the R8
    nudge, a session's missing morning) when they have not run yet: a reminder or morning
    question about to be sent carries what they say."""
    today = local_date_of(now, zone_of(user))
    yesterday = today - timedelta(days=1)
    memory = rules.Memory.from_json(user.rules_memory)
    if memory.daily_on is not None and memory.daily_on >= yesterday:
        return DailyNews((), rescreen=False)
    if memory.daily_on is None:  # new to the daily jobs: they start from yesterday
        user.rules_memory = replace(memory, daily_on=yesterday).to_json()
        return DailyNews((), rescreen=False)
    history = await load_history(env, tx, user, today, history_key(tx, user))
    caught, _ = rules.catch_up(history, yesterday, env.content.progression)
    sentences = apply(env, tx, user, caught.decisions, caught.runner, now=now)
    return DailyNews(sentences, rescreen=caught.rescreen)


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
