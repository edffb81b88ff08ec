"""SQLite engine: pragmas on every connection, and concurrent writers that never fail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import Database
from bot.db.models import PainCheckin, User
from bot.db.repo import users
from bot.domain.enums import CheckinKind

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


async def _make_user(db: Database, telegram_user_id: int = 1) -> int:
    async with db.write() as session:
        user, _ = await users.get_or_create(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            first_name="Alex",
            language_code="en",
            now=NOW,
        )
        return user.id


async def test_pragmas_on_every_connection(migrated_db: Database) -> None:
    if migrated_db.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    async with migrated_db.read() as session:
        journal = (await session.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await session.execute(text("PRAGMA foreign_keys"))).scalar()
        busy = (await session.execute(text("PRAGMA busy_timeout"))).scalar()
    assert journal == "wal"
    assert foreign_keys == 1
    assert busy is not None
    assert int(busy) >= 5000


async def test_concurrent_read_then_write_never_locks(migrated_db: Database) -> None:
    """Fifty units of work each read the level and write it + 1: none fails, none is lost."""
    user_id = await _make_user(migrated_db)

    async def bump() -> None:
        async with migrated_db.write() as session:
            # Locked like repo.users.get locks in a unit of work that writes.
            user = await session.get(User, user_id, with_for_update=True)
            assert user is not None
            await asyncio.sleep(0)  # let the others try to interleave
            user.level = user.level + 1

    await asyncio.gather(*(bump() for _ in range(50)))
    async with migrated_db.read() as session:
        user = await session.get(User, user_id)
    assert user is not None
    assert user.level == 51


async def test_datetimes_come_back_aware_utc(migrated_db: Database) -> None:
    user_id = await _make_user(migrated_db)
    berlin_morning = datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    async with migrated_db.write() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.next_reminder_at = berlin_morning
    async with migrated_db.read() as session:
        stored = await session.scalar(select(User.next_reminder_at).where(User.id == user_id))
    assert stored == berlin_morning
    assert stored is not None
    assert stored.tzinfo == UTC


async def test_naive_datetimes_are_refused(migrated_db: Database) -> None:
    user_id = await _make_user(migrated_db)
    with pytest.raises(Exception, match="naive datetime"):
        async with migrated_db.write() as session:
            user = await session.get(User, user_id)
            assert user is not None
            user.next_reminder_at = datetime(2026, 3, 2, 8, 0)


async def test_pain_score_outside_0_10_is_refused_by_the_database(migrated_db: Database) -> None:
    user_id = await _make_user(migrated_db)
    with pytest.raises(IntegrityError):
        async with migrated_db.write() as session:
            session.add(
                PainCheckin(
                    user_id=user_id,
                    score=11,
                    context=CheckinKind.AD_HOC,
                    local_date=NOW.date(),
                    recorded_at=NOW,
                )
            )


async def test_foreign_keys_cascade_on_user_delete(migrated_db: Database) -> None:
    user_id = await _make_user(migrated_db)
    async with migrated_db.write() as session:
        session.add(
            PainCheckin(
                user_id=user_id,
                score=3,
                context=CheckinKind.MORNING,
                local_date=NOW.date(),
                recorded_at=NOW,
            )
        )
    async with migrated_db.write() as session:
        await session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    async with migrated_db.read() as session:
        left = (await session.execute(text("SELECT count(*) FROM pain_checkins"))).scalar()
    assert left == 0


async def test_returning_user_who_blocked_us_is_active_again(migrated_db: Database) -> None:
    from bot.domain.enums import UserStatus

    user_id = await _make_user(migrated_db, telegram_user_id=5)
    async with migrated_db.write() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.status = UserStatus.BLOCKED
    async with migrated_db.write() as session:
        user, created = await users.get_or_create(
            session, telegram_user_id=5, chat_id=5, first_name="Alex", language_code=None, now=NOW
        )
    assert not created
    assert user.status is UserStatus.ACTIVE
