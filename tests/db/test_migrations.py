"""Alembic: the initial migration creates every table, and the models match it."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.db.engine import Database
from bot.db.migrate import head_revision, upgrade_to_head
from bot.db.models import Base
from tests.utils.rows import EXPECTED_TABLES


async def test_upgrade_creates_every_table_at_head(migrated_db: Database) -> None:
    async with migrated_db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert tables >= EXPECTED_TABLES
    assert version == head_revision()


async def test_models_and_migrations_agree(migrated_db: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with migrated_db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_upgrade_twice_is_harmless(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    await asyncio.to_thread(upgrade_to_head, database_url)
    db = Database(database_url)
    try:
        async with db.read() as session:
            rows = (await session.execute(text("SELECT count(*) FROM alembic_version"))).scalar()
        assert rows == 1
    finally:
        await db.dispose()
