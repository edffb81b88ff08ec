"""The open question a runner may answer once set up (`User.awaiting`), as a parsed value.

At most one question is open at a time; its message is the only one whose buttons work.
The database stores it as a short string (`stored`), and `parse_awaiting` reads it back;
anything unknown reads as "nothing open", so an old or corrupt value can never be acted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Question(StrEnum):
    # /settings: one thing to change, the menu itself, pause, and "start again?" after /start
    TIME = "time"
    ZONE = "zone"
    DAYS = "days"
    EQUIPMENT = "equipment"
    MORNING = "morning"
    LANGUAGE = "language"
    MENU = "menu"
    PAUSE = "pause"
    RESTART = "restart"
    # /delete's confirmation
    DELETE = "delete"
    # /run and /checkin
    RAN = "ran"
    RUN_PAIN = "run_pain"
    ADHOC_PAIN = "adhoc_pain"


SETTING_FIELDS = (
    Question.TIME,
    Question.ZONE,
    Question.DAYS,
    Question.EQUIPMENT,
    Question.MORNING,
)
PAIN_QUESTIONS = frozenset({Question.RUN_PAIN, Question.ADHOC_PAIN})


@dataclass(frozen=True)
class SessionPain:
    """The pain check-in after session `session_id` is open."""

    session_id: int


@dataclass(frozen=True)
class MorningPain:
    """The morning question of delivery `delivery_id` is open (a typed number answers it);
    `then_start`: it was asked before a session, which starts once it is answered."""

    delivery_id: int
    then_start: bool = False


Awaiting = Question | SessionPain | MorningPain

_SESSION_PAIN = "pain:"
_MORNING = "am:"
MORNING_PREFIX = _MORNING  # how a sent morning question is stored as the open one
_MORNING_FIRST = "am_go:"


def parse_awaiting(raw: str | None) -> Awaiting | None:
    if not raw:
        return None
    prefix, colon, number = raw.partition(":")
    if colon:
        if not (number.isascii() and number.isdigit() and len(number) < 12):
            return None
        if f"{prefix}:" == _SESSION_PAIN:
            return SessionPain(int(number))
        if f"{prefix}:" in (_MORNING, _MORNING_FIRST):
            return MorningPain(int(number), then_start=f"{prefix}:" == _MORNING_FIRST)
        return None
    try:
        return Question(raw)
    except ValueError:
        return None


def stored(awaiting: Awaiting | None) -> str | None:
    if awaiting is None:
        return None
    if isinstance(awaiting, SessionPain):
        return f"{_SESSION_PAIN}{awaiting.session_id}"
    if isinstance(awaiting, MorningPain):
        prefix = _MORNING_FIRST if awaiting.then_start else _MORNING
        return f"{prefix}{awaiting.delivery_id}"
    return awaiting.value
