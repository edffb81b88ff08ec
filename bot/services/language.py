"""The runner's language: which one an update is answered in, and choosing another."""

from __future__ import annotations

import logging

from babel import Locale

from bot.db.repo import users
from bot.domain.language import DEFAULT, from_telegram

__all__ = ["from_telegram", "language_name", "of_runner", "spoken"]
from bot.services.unit import Env

log = logging.getLogger(__name__)


def spoken(env: Env) -> list[str]:
    """The languages the bot speaks: English and every language with a catalogue."""
    return list(env.content.languages) or [DEFAULT]


async def of_runner(env: Env, *, telegram_user_id: int, language_code: str | None) -> str:
    """The language to answer `telegram_user_id` in: the one stored for them; a runner
    stored before languages existed keeps English; someone the bot has not met yet gets
    the one Telegram says they use (`de-AT` is German), if the bot speaks it."""
    async with env.db.read() as tx:
        known, language = await users.language_of(tx, telegram_user_id=telegram_user_id)
    if not known:
        return from_telegram(language_code, spoken(env))
    return language if language is not None and language in env.content.languages else DEFAULT


def language_name(language: str, *, capital: bool = True) -> str:
    """The language's own name for itself, from CLDR: "Deutsch", "Español", "Русский" on
    a button (`capital`), "español" and "русский" inside a sentence."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:] if capital else name
