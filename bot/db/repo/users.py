"""The runner's row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, event, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.engine import WRITE_UNIT, Database
from bot.db.models import RoutineSession, User
from bot.domain.enums import UserStatus
from bot.domain.onboarding import Step
from bot.domain.questions import MORNING_PREFIX, MorningPain

_CHANGED = "changed_rows"  # in session.info: this unit of work has changed rows


_READ_WITH = "session_read_with_runner"  # in session.info, see get


async def get(
    tx: AsyncSession, *, telegram_user_id: int, with_session: int | None = None
) -> User | None:
    """The runner's row. In a unit of work that may write, the row is locked (FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so every
    check-then-write about one runner happens one at a time, whichever process runs it.

    `with_session`: the id of a session the unit is about to read (a tap on a step), read
    in the same statement on SQLite: `sessions.get` then finds it in the unit's identity
    map instead of asking the database again (a tap on a step makes one statement fewer).
    Not on PostgreSQL: a statement that waited for the runner's row lock sees the other
    rows it joins as they were when it began, so a tap queued behind another on the same
    step would read the step before that one moved it; the session is read after the
    lock, as its own statement. SQLite's BEGIN IMMEDIATE took the lock before any read."""
    if with_session is None or tx.get_bind().dialect.name != "sqlite":
        query = _GET_LOCKED if tx.info.get(WRITE_UNIT) else _GET
        return await tx.scalar(query, {"telegram_user_id": telegram_user_id})
    params = {"telegram_user_id": telegram_user_id, "session_id": with_session}
    row = (await tx.execute(_GET_WITH_SESSION, params)).first()
    if row is None:
        return None
    tx.info[_READ_WITH] = row[1]  # the identity map holds objects weakly: keep it for the unit
    return row[0]


# Built once: building a statement and its cache key again on every update cost more
# than running it (every tap and check-in reads the runner first).
_GET = select(User).where(User.telegram_user_id == bindparam("telegram_user_id"))
_GET_LOCKED = _GET.with_for_update()
_GET_WITH_SESSION = (
    select(User, RoutineSession)
    .outerjoin(RoutineSession, RoutineSession.id == bindparam("session_id"))
    .where(User.telegram_user_id == bindparam("telegram_user_id"))
)


async def get_or_create(
    tx: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language_code: str | None,
    now: datetime,
) -> tuple[User, bool]:
    """The runner's row, created on first contact, and locked. Returns (user, created).

    A new runner has no row to lock yet, so two first contacts at once (two processes on
    PostgreSQL) could both look, find nothing and insert; the insert therefore does nothing
    when the row appeared meanwhile (ON CONFLICT DO NOTHING waits for the other
    transaction), and the row is then read, locked, whoever inserted it."""
    user = await get(tx, telegram_user_id=telegram_user_id)
    created = False
    if user is None:
        values: dict[str, Any] = {
            "telegram_user_id": telegram_user_id,
            "chat_id": chat_id,
            "first_name": first_name,
            "language_code": language_code,
            "status": UserStatus.ACTIVE,
            "onboarding_step": Step.WELCOME,
            "onboarding_answers": {},
            "created_at": now,
            "updated_at": now,
        }
        insert = pg_insert if tx.get_bind().dialect.name == "postgresql" else sqlite_insert
        inserted = await tx.execute(
            insert(User)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["telegram_user_id"])
        )
        created = bool(getattr(inserted, "rowcount", 0))
        user = await get(tx, telegram_user_id=telegram_user_id)
        assert user is not None
        if created:
            return user, True
    user.chat_id = chat_id
    user.first_name = first_name
    user.language_code = language_code
    if user.status is UserStatus.BLOCKED:
        # They wrote to us again, so they unblocked the bot.
        user.status = UserStatus.ACTIVE
    user.updated_at = now
    return user, False


async def by_id(tx: AsyncSession, *, user_id: int) -> User | None:
    return await tx.get(User, user_id)


async def set_prompt(tx: AsyncSession, *, telegram_user_id: int, message_id: int) -> None:
    """Remember the message that carries the open question: only its buttons are live."""
    await tx.execute(
        update(User)
        .where(User.telegram_user_id == telegram_user_id)
        .values(prompt_message_id=message_id)
    )


async def open_mornings(tx: AsyncSession, *, sent: Sequence[tuple[int, int, int]]) -> None:
    """(telegram user id, delivery id, message id) of morning questions just sent, in one
    statement: each becomes its runner's open question (a typed number answers it), if
    the runner is still set up and no other question is open (an unanswered check-in or
    setting keeps its place). The message is not the prompt: a morning question's buttons
    stay live by its delivery (a day, until the next one), whatever is asked meanwhile."""
    if not sent:
        return
    table = cast(Table, User.__table__)
    await tx.execute(
        update(table)
        .where(
            table.c.telegram_user_id == bindparam("b_who"),
            table.c.onboarding_step == Step.DONE,
            or_(
                table.c.awaiting.is_(None),
                type_coerce(table.c.awaiting, String).startswith(MORNING_PREFIX),
            ),
        )
        .values(awaiting=bindparam("b_awaiting"), prompt_message_id=None),
        [
            {"b_who": who, "b_awaiting": MorningPain(delivery_id)}
            for who, delivery_id, _message_id in sent
        ],
    )


# --- updated_at: when the runner's data last changed ----------------------------------


async def touch(tx: AsyncSession, user: User | None, *, now: datetime) -> None:
    """At the end of a write unit about one runner: if it changed any row (theirs: the
    unit is about them), their `updated_at` becomes `now`. The row is already loaded and
    locked, so this costs nothing when the unit changed the row anyway (the new value
    joins that UPDATE) and one small UPDATE of that column in the same transaction when it
    changed only other rows (a step answer: Core, so no flush of the unit of work); a unit
    that changed nothing (a stale tap) leaves it alone."""
    if user is None or user not in tx:  # no runner, or their rows were just deleted
        return
    session = tx.sync_session
    if session.is_modified(user, include_collections=False):
        user.updated_at = now
    elif user.updated_at != now and (session.info.get(_CHANGED) or _pending_changes(session)):
        await tx.execute(_TOUCH, {"touched_id": user.id, "touched_at": now})
        set_committed_value(user, "updated_at", now)


def _pending_changes(session: Session) -> bool:
    """Rows the next flush would write (an attribute set to its own value is not one)."""
    return bool(
        session.new
        or session.deleted
        or any(session.is_modified(obj, include_collections=False) for obj in session.dirty)
    )


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if not session.info.get(_CHANGED) and _pending_changes(session):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


async def language_of(db: Database, *, telegram_user_id: int) -> tuple[bool, str | None]:
    """(whether the runner has a row, the language stored there): one indexed read of one
    column on a bare connection, without a session or an ORM object (it comes before
    every update's own work)."""
    async with db.engine.connect() as conn:
        row = (await conn.execute(_LANGUAGE_OF, {"telegram_user_id": telegram_user_id})).first()
    return (row is not None, row[0] if row is not None else None)


_USERS = cast(Table, User.__table__)
_TOUCH = (  # built once (see _GET)
    update(_USERS)
    .where(_USERS.c.id == bindparam("touched_id"))
    .values(updated_at=bindparam("touched_at"))
)
_LANGUAGE_OF = select(_USERS.c.language).where(
    _USERS.c.telegram_user_id == bindparam("telegram_user_id")
)
