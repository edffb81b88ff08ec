"""The runner's language: which one an update is answered in, and choosing another."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from weakref import WeakKeyDictionary

from bot.db.engine import Database
from bot.db.repo import users
from bot.domain.language import DEFAULT, from_telegram, language_name
from bot.services.unit import Env

__all__ = ["forget", "from_telegram", "language_name", "of_runner", "spoken"]

log = logging.getLogger(__name__)


def spoken(env: Env) -> list[str]:
    """The languages the bot speaks: English and every language with a catalogue."""
    return list(env.content.languages) or [DEFAULT]


class _Remembered:
    """The languages read lately, on SQLite only (one process serves its runners there):
    every update needs its runner's language before anything else, and a read of one
    column still costs about half a millisecond of CPU. Bounded, so it never grows with the
    number of runners, and each entry is trusted for a minute at most, so a second
    process on the same file answers in a new language soon after the first one stored
    it. On PostgreSQL, where several processes share the runners, it is always read.

    An entry takes about 200 bytes. One process serves 200-300 runners tapping at a
    human pace (README, Performance), so 2,048 holds everyone active in the last minute
    several times over; a bound of 10,000 made 10,000 runners with a session open cost
    about 200 bytes each, memory that looked as if it grew with the runners."""

    SIZE = 2_048
    SECONDS = 60.0

    def __init__(self) -> None:
        self.found: OrderedDict[int, tuple[float, bool, str | None]] = OrderedDict()

    def get(self, telegram_user_id: int, now: float) -> tuple[bool, str | None] | None:
        entry = self.found.get(telegram_user_id)
        if entry is None or now - entry[0] > self.SECONDS:
            return None
        return entry[1], entry[2]

    def put(self, telegram_user_id: int, now: float, known: bool, language: str | None) -> None:
        self.found[telegram_user_id] = (now, known, language)
        self.found.move_to_end(telegram_user_id)
        while len(self.found) > self.SIZE:
            self.found.popitem(last=False)


_remembered: WeakKeyDictionary[Database, _Remembered] = WeakKeyDictionary()


def forget(env: Env, telegram_user_id: int) -> None:
    """The runner's language changed (or their rows went): read it again next time."""
    remembered = _remembered.get(env.db)
    if remembered is not None:
        remembered.found.pop(telegram_user_id, None)


async def of_runner(env: Env, *, telegram_user_id: int, language_code: str | None) -> str:
    """The language to answer `telegram_user_id` in: the one stored for them; a runner
    stored before languages existed keeps English; someone the bot has not met yet gets
    the one Telegram says they use (`de-AT` is German), if the bot speaks it."""
    now = time.monotonic()
    remembered = (
        _remembered.setdefault(env.db, _Remembered()) if env.db.dialect == "sqlite" else None
    )
    found = remembered.get(telegram_user_id, now) if remembered is not None else None
    if found is None:
        found = await users.language_of(env.db, telegram_user_id=telegram_user_id)
        if remembered is not None:
            remembered.put(telegram_user_id, now, *found)
    known, language = found
    if not known:
        return from_telegram(language_code, spoken(env))
    return language if language is not None and language in env.content.languages else DEFAULT
