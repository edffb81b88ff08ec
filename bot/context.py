"""The typed context every handler receives, and the long-lived things it reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.content import Content, Texts
from bot.db.engine import Database
from bot.services.histories import HistoryCache
from bot.services.unit import Env

DEPS_KEY = "deps"


@dataclass
class Deps:
    """Owned by the application's lifecycle hooks (bot.app.post_init / post_shutdown)."""

    settings: Settings
    content: Content
    clock: Clock
    db: Database | None = None  # opened in post_init, closed in post_shutdown
    histories: HistoryCache = field(default_factory=HistoryCache)  # the process's one


class BotContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to settings, content, clock and database.

    One context serves every handler of one update; `language` is the language of the
    runner who sent it (handlers/language.py sets it first), and `content`, `texts` and
    `env` speak it. A job's context has none: it speaks English, and a job that writes to
    runners takes each runner's language from their row."""

    language: str | None = None

    @property
    def deps(self) -> Deps:
        return deps_of(self.application)

    @property
    def content(self) -> Content:
        return self.deps.content.speaking(self.language)

    @property
    def texts(self) -> Texts:
        return self.content.texts

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    @property
    def env(self) -> Env:
        """What the use cases read: database, content, clock."""
        return Env(self.db, self.content, self.clock, self.deps.histories)

    @property
    def db(self) -> Database:
        db = self.deps.db
        if db is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return db


# ExtBot[int]: the bot's rate limiter (AIORateLimiter) takes int arguments.
BotApplication = Application[
    ExtBot[int], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


def deps_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Deps:
    """What build_application put in the application's bot_data."""
    deps = app.bot_data[DEPS_KEY]
    assert isinstance(deps, Deps)
    return deps
