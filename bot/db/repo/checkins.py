"""Pain check-ins, the decisions of the rules, and the history the rules read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import groupby
from typing import Any, cast

from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    event,
    insert,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.db.models import LevelChange, PainCheckin, RoutineSession, StepEvent
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome
from bot.domain.progression import Rating


async def add(
    tx: AsyncSession,
    *,
    user_id: int,
    score: int,
    kind: CheckinKind,
    local_date: date,
    at: datetime,
    session_id: int | None = None,
) -> None:
    """One rating, inserted at once (Core: no ORM object to flush, nobody reads it back)."""
    await tx.execute(
        _INSERT_CHECKIN,
        {
            "user_id": user_id,
            "score": score,
            "context": kind,
            "session_id": session_id,
            "local_date": local_date,
            "recorded_at": at,
        },
    )


_INSERT_CHECKIN = insert(cast(Table, PainCheckin.__table__))


async def for_session(tx: AsyncSession, *, session_id: int) -> bool:
    """The after-session rating of that session exists already."""
    found = await tx.scalar(
        select(PainCheckin.id).where(
            PainCheckin.session_id == session_id,
            PainCheckin.context == CheckinKind.AFTER_SESSION,
        )
    )
    return found is not None


async def highest_since(
    tx: AsyncSession, *, user_ids: Sequence[int], since: Mapping[int, date]
) -> dict[int, int]:
    """Each runner's highest rating on or after their own local date `since[id]`."""
    if not user_ids:
        return {}
    rows = await tx.execute(
        select(PainCheckin.user_id, PainCheckin.local_date, PainCheckin.score).where(
            PainCheckin.user_id.in_(user_ids),
            PainCheckin.local_date >= min(since[i] for i in user_ids),
        )
    )
    highest: dict[int, int] = {}
    for user_id, day, score in rows.all():
        if day >= since[user_id]:
            highest[user_id] = max(score, highest.get(user_id, 0))
    return highest


async def last_decision_at(tx: AsyncSession, *, user_id: int, decision: str) -> datetime | None:
    """When the rules last recorded that decision about the runner (None: never)."""
    found: datetime | None = await tx.scalar(
        select(LevelChange.at)
        .where(LevelChange.user_id == user_id, LevelChange.decision == decision)
        .order_by(LevelChange.at.desc())
        .limit(1)
    )
    return found


async def morning_logged(tx: AsyncSession, *, user_id: int, local_date: date) -> bool:
    """A morning rating for that local date exists already."""
    found = await tx.scalar(
        select(PainCheckin.id).where(
            PainCheckin.user_id == user_id,
            PainCheckin.context == CheckinKind.MORNING,
            PainCheckin.local_date == local_date,
        )
    )
    return found is not None


def add_level_change(
    tx: AsyncSession,
    *,
    user_id: int,
    from_level: int,
    to_level: int,
    rule_id: str,
    decision: str,
    local_date: date,
    numbers: Mapping[str, Any],
    reason: str,
    at: datetime,
) -> None:
    tx.add(
        LevelChange(
            user_id=user_id,
            from_level=from_level,
            to_level=to_level,
            rule_id=rule_id,
            decision=decision,
            local_date=local_date,
            numbers=dict(numbers),
            reason=reason[:500],
            at=at,
        )
    )


@dataclass(frozen=True)
class SessionRow:
    id: int
    local_date: date
    started_at: datetime
    level: int | None
    planned_level: int | None
    in_flare: bool
    routine_id: str
    status: SessionStatus
    steps: Sequence[str]


@dataclass(frozen=True)
class DecisionRow:
    local_date: date
    at: datetime
    decision: str
    rule_id: str
    from_level: int
    to_level: int
    numbers: Mapping[str, Any]


@dataclass(frozen=True)
class HistoryRows:
    """What the progression rules read about one runner, as plain rows."""

    checkins: Sequence[Rating]  # as the rules read them: a few hundred, built once
    sessions: Sequence[SessionRow]
    answers: Sequence[tuple[int, str, StepOutcome]]  # (session id, exercise id, outcome)
    decisions: Sequence[DecisionRow]


def _raw(column: Any) -> Any:
    """The column as the driver gives it, converted below: the history is read on every
    check-in, and the column types' own per-row processing was most of its cost."""
    return type_coerce(column, String)


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _utc(value: datetime | str) -> datetime:
    """What `UTCDateTime` gives: aware UTC (SQLite hands back naive UTC text)."""
    if isinstance(value, str):
        text = value
        try:  # naive UTC text, read as UTC in one parse: a fifth of parse-then-replace
            value = datetime.fromisoformat(text + "+00:00")
        except ValueError:  # text with its own offset
            value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _steps(value: Any) -> Sequence[str]:
    """A session's exercise ids: the same few lists, stored over and over."""
    return _parsed_steps(value) if isinstance(value, str) else _json(value)


@lru_cache(maxsize=256)
def _parsed_steps(value: str) -> tuple[str, ...]:
    return tuple(json.loads(value))


# The enums by stored value: a dict lookup, where calling the enum costs several times more.
_KINDS = {kind.value: kind for kind in CheckinKind}
_STATUSES = {status.value: status for status in SessionStatus}
_OUTCOMES = {outcome.value: outcome for outcome in StepOutcome}
_SINCE, _USER = bindparam("since", type_=Date()), bindparam("user_id", type_=Integer())
_USERS = bindparam("user_ids", expanding=True, type_=Integer())
_CHECKIN_COLUMNS = (
    _raw(PainCheckin.local_date),
    PainCheckin.score,
    _raw(PainCheckin.context),
    _raw(PainCheckin.recorded_at),
    PainCheckin.session_id,
)
# Each session with its skipped and "hurts" steps, if any, in one statement: a session
# comes once, or once per such step (rare).
_SESSION_COLUMNS = (
    RoutineSession.id,
    _raw(RoutineSession.local_date),
    _raw(RoutineSession.started_at),
    RoutineSession.level,
    RoutineSession.planned_level,
    RoutineSession.in_flare,
    RoutineSession.routine_id,
    _raw(RoutineSession.status),
    _raw(RoutineSession.steps),
    StepEvent.exercise_id,
    _raw(StepEvent.outcome),
)
# Two comparisons rather than IN: an IN of values is an "expanding" parameter, which
# SQLAlchemy renders into the statement again on every execution (with it, a check-in's
# read of two weeks took 15-25% longer).
_SKIPPED_OR_HURTS = and_(
    StepEvent.session_id == RoutineSession.id,
    or_(StepEvent.outcome == StepOutcome.HURTS, StepEvent.outcome == StepOutcome.SKIPPED),
)
_DECISION_COLUMNS = (
    _raw(LevelChange.local_date),
    _raw(LevelChange.at),
    LevelChange.decision,
    LevelChange.rule_id,
    LevelChange.from_level,
    LevelChange.to_level,
    _raw(LevelChange.numbers),
)
_CHECKINS = (
    select(*_CHECKIN_COLUMNS)
    .where(PainCheckin.user_id == _USER, PainCheckin.local_date >= _SINCE)
    .order_by(PainCheckin.recorded_at, PainCheckin.id)
)
_SESSIONS = (
    select(*_SESSION_COLUMNS)
    .outerjoin(StepEvent, _SKIPPED_OR_HURTS)
    .where(RoutineSession.user_id == _USER, RoutineSession.local_date >= _SINCE)
    .order_by(RoutineSession.started_at, RoutineSession.id)
)
_DECISIONS = (
    select(*_DECISION_COLUMNS)
    .where(LevelChange.user_id == _USER, LevelChange.local_date >= _SINCE)
    .order_by(LevelChange.at, LevelChange.id)
)
# The same for many runners at once, each runner's rows together (the first column).
_CHECKINS_OF_MANY = (
    select(PainCheckin.user_id, *_CHECKIN_COLUMNS)
    .where(PainCheckin.user_id.in_(_USERS), PainCheckin.local_date >= _SINCE)
    .order_by(PainCheckin.user_id, PainCheckin.recorded_at, PainCheckin.id)
)
_SESSIONS_OF_MANY = (
    select(RoutineSession.user_id, *_SESSION_COLUMNS)
    .outerjoin(StepEvent, _SKIPPED_OR_HURTS)
    .where(RoutineSession.user_id.in_(_USERS), RoutineSession.local_date >= _SINCE)
    .order_by(RoutineSession.user_id, RoutineSession.started_at, RoutineSession.id)
)
_DECISIONS_OF_MANY = (
    select(LevelChange.user_id, *_DECISION_COLUMNS)
    .where(LevelChange.user_id.in_(_USERS), LevelChange.local_date >= _SINCE)
    .order_by(LevelChange.user_id, LevelChange.at, LevelChange.id)
)


async def history(tx: AsyncSession, *, user_id: int, since: date) -> HistoryRows:
    """Check-ins, sessions, their skipped and "hurts" steps and the recorded decisions from
    `since` on. This runs on every check-in, over months of rows: plain columns on the
    unit's connection (no ORM objects), statements built once, values converted here."""
    conn = await tx.connection()
    params = {"user_id": user_id, "since": since}
    checkins = (await conn.execute(_CHECKINS, params)).all()
    sessions = (await conn.execute(_SESSIONS, params)).all()
    decisions = (await conn.execute(_DECISIONS, params)).all()
    return _history_rows(checkins, sessions, decisions)


async def histories(tx: AsyncSession, *, since: Mapping[int, date]) -> dict[int, HistoryRows]:
    """`history` of many runners (user id: from which day), one statement per table: what
    a batch of reminders reads for the rules' daily jobs. Each runner gets exactly the
    rows `history` would give them; the statements read from the earliest day asked for,
    so runners asked for much earlier days than the others are better read in a group of
    their own (services.progression._histories_of reads a batch so)."""
    result: dict[int, HistoryRows] = {}
    if not since:
        return result
    conn = await tx.connection()
    params = {"user_ids": sorted(since), "since": min(since.values())}
    of = {
        table: {
            user_id: _from(rows, day, since[user_id])
            for user_id, rows in groupby((await conn.execute(statement, params)).all(), _first)
        }
        for table, statement, day in (
            ("checkins", _CHECKINS_OF_MANY, 1),
            ("sessions", _SESSIONS_OF_MANY, 2),
            ("decisions", _DECISIONS_OF_MANY, 1),
        )
    }
    for user_id in since:
        result[user_id] = _history_rows(
            of["checkins"].get(user_id, ()),
            of["sessions"].get(user_id, ()),
            of["decisions"].get(user_id, ()),
        )
    return result


def _first(row: Sequence[Any]) -> Any:
    return row[0]


def _from(rows: Iterable[Sequence[Any]], day: int, since: date) -> list[Sequence[Any]]:
    """One runner's rows (their id first) from `since` on (their local date at `day`), as
    `history` reads them. SQLite gives the dates as ISO text, which sorts as they do."""
    text = since.isoformat()
    return [row[1:] for row in rows if (text if isinstance(row[day], str) else since) <= row[day]]


def _history_rows(
    checkins: Iterable[Sequence[Any]],
    rows: Iterable[Sequence[Any]],
    decisions: Iterable[Sequence[Any]],
) -> HistoryRows:
    sessions: list[SessionRow] = []
    answers: list[tuple[int, str, StepOutcome]] = []
    for sid, day, at, level, planned, flare, routine, status, steps, exercise, outcome in rows:
        if not sessions or sessions[-1].id != sid:
            sessions.append(
                SessionRow(
                    sid,
                    _date(day),
                    _utc(at),
                    level,
                    planned,
                    bool(flare),
                    routine,
                    _STATUSES[status],
                    _steps(steps),
                )
            )
        if exercise is not None:
            answers.append((sid, exercise, _OUTCOMES[outcome]))
    return HistoryRows(
        checkins=[
            Rating(_date(day), score, _KINDS[kind], _utc(at), session_id)
            for day, score, kind, at, session_id in checkins
        ],
        sessions=sessions,
        answers=answers,
        decisions=[
            DecisionRow(_date(day), _utc(at), decision, rule, old, new, _json(numbers))
            for day, at, decision, rule, old, new, numbers in decisions
        ],
    )


# --- whether a unit of work has written history yet ---------------------------------------

_HISTORY_MODELS = (PainCheckin, RoutineSession, StepEvent, LevelChange)
# The tables a write to which is known not to touch the history; a write to any other
# (or one this cannot name, such as an alias) counts as a write to the history.
_NOT_HISTORY = frozenset(("users", "reminder_deliveries", "picture_uploads"))
_WROTE_HISTORY = "wrote_history"  # in session.info


def wrote_history(tx: AsyncSession) -> bool:
    """This unit of work has written rows of the history `history` reads, or its next flush
    would (any statement through the session it cannot tell apart counts as one; nothing
    here writes through the bare connection)."""
    session = tx.sync_session
    return bool(session.info.get(_WROTE_HISTORY)) or _history_pending(session)


def _history_pending(session: Session) -> bool:
    return any(
        isinstance(obj, _HISTORY_MODELS)
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
    )


@event.listens_for(Session, "before_flush")
def _note_history_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if not session.info.get(_WROTE_HISTORY) and _history_pending(session):
        session.info[_WROTE_HISTORY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_history_statement(state: ORMExecuteState) -> None:
    if state.is_select and not state.is_from_statement:
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or table.name not in _NOT_HISTORY:
        state.session.info[_WROTE_HISTORY] = True
