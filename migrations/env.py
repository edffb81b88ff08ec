"""Alembic environment: async engine, batch mode for SQLite, the models' metadata."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.config import CommonSettings, SettingsError, load_settings
from bot.db.engine import Database
from bot.db.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    """The bot passes its URL in; `alembic` run by hand with the repository's alembic.ini
    reads DATABASE_URL (or .env) as the bot does."""
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    try:
        return load_settings(CommonSettings).database_url
    except SettingsError as exc:
        raise RuntimeError(f"no usable database URL for the migrations: {exc}") from None


def _configure(connection: Connection | None = None) -> None:
    context.configure(
        connection=connection,
        url=None if connection is not None else _url(),
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )


def run_migrations_offline() -> None:
    _configure()
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    database = Database(_url())
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await database.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
