"""Alembic to a given revision, for the tests that store rows in an older schema and then
upgrade (or downgrade) it."""

from __future__ import annotations

from alembic import command

from bot.db.migrate import alembic_config


def upgrade_to(database_url: str, revision: str) -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade_to(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
