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


Awaiting = Question | SessionPain

_SESSION_PAIN = "pain:"


def parse_awaiting(raw: str | None) -> Awaiting | None:
    if not raw:
        return None
    if raw.startswith(_SESSION_PAIN):
        number = raw.removeprefix(_SESSION_PAIN)
        return SessionPain(int(number)) if number.isdigit() and len(number) < 12 else None
    try:
        return Question(raw)
    except ValueError:
        return None


def stored(awaiting: Awaiting | None) -> str | None:
    if awaiting is None:
        return None
    if isinstance(awaiting, SessionPain):
        return f"{_SESSION_PAIN}{awaiting.session_id}"
    return awaiting.value
