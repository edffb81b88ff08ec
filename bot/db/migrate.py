"""Apply Alembic migrations. Called before the bot's event loop starts (alembic's
env.py runs its own loop), or from a worker thread when a loop is already running."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot import resources


def alembic_config(database_url: str) -> Config:
    """A configuration built in code: it needs no alembic.ini in the working directory
    (the repository's alembic.ini is for running `alembic` by hand), and its script
    location is the installed package's migrations or the checkout's."""
    config = Config()
    config.set_main_option("script_location", str(resources.migrations_dir()))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head
