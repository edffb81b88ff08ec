"""Callback data: one small frozen dataclass per kind of tap, and its wire format.

On the wire a tap is `1|<kind>|<arg>|...`: within Telegram's limit on a button's data, each part
from a short safe alphabet, version 1 (buttons sent by earlier releases decode the same
way). `decode` returns None for anything else, and a tap is never trusted: every use case
checks it against the tapping runner's own state before it writes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from telegram.constants import InlineKeyboardButtonLimit

from bot.domain.session_flow import Action

VERSION = "1"
MAX_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
_PART = re.compile(r"[A-Za-z0-9_.:+/-]{0,40}")
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a content id (bot.content.SLUG)
_MAX_ID = 2**31 - 1  # row ids are 32-bit integers on every database


class Flow(StrEnum):
    """Whose question an answer tap belongs to (also the wire kind)."""

    ONBOARDING = "ob"
    SETTINGS = "st"
    RUN = "rn"  # /run: did you run, and pain after it
    ADHOC = "ah"  # /checkin, "Something new or different?", /delete's confirmation


@dataclass(frozen=True)
class AnswerTap:
    """A button on a question: onboarding, settings, /run, /checkin."""

    flow: Flow
    question: str
    value: str


@dataclass(frozen=True)
class DaysTap:
    """A day toggle (or Save) on the days question; `mask` is the keyboard it was drawn
    with, so a second tap on an old keyboard is recognised instead of toggling back."""

    flow: Flow
    save: bool
    weekday: int
    mask: int


@dataclass(frozen=True)
class StepTap:
    """Done / Easier / Skip / Hurts / Stop on a session step (and that step's version)."""

    session_id: int
    index: int
    version: int
    action: Action


@dataclass(frozen=True)
class GoTap:
    """Start (or resume) today's session: the summary's Start (`delivery_id` None: the
    runner's daily routine; so do Starts drawn by earlier releases) and the reminder's,
    which starts the routine that reminder named."""

    delivery_id: int | None = None


@dataclass(frozen=True)
class RoutineTap:
    """A routine tapped in /routines: run it once now (the daily routine stays)."""

    routine_id: str


@dataclass(frozen=True)
class DailyTap:
    """Make `routine_id` the daily routine; `routine_id` None opens the choice."""

    routine_id: str | None


@dataclass(frozen=True)
class LibraryTap:
    """The exercise library: the list of routines (`routine_id` None), a routine's
    exercises (`index` None) or one exercise; `fresh`: sent as a new message (from
    /routines) instead of turning the tapped page."""

    routine_id: str | None = None
    index: int | None = None
    fresh: bool = False


@dataclass(frozen=True)
class ReminderTap:
    """Snooze 30 min, or Skip today, on a reminder."""

    delivery_id: int
    snooze: bool


@dataclass(frozen=True)
class SessionPainTap:
    """A 0-10 after a session."""

    session_id: int
    score: int


@dataclass(frozen=True)
class MorningTap:
    """A 0-10 on the morning question."""

    delivery_id: int
    score: int


@dataclass(frozen=True)
class MorningFirstTap:
    """A 0-10 (or Skip: `score` None) on the morning question asked before a session;
    the session starts right after."""

    delivery_id: int
    score: int | None


@dataclass(frozen=True)
class RescreenTap:
    """ "Something new or different?": ask the red-flag questions again (R0c)."""


@dataclass(frozen=True)
class DeleteTap:
    """/delete's confirmation: delete everything, or keep it."""

    confirmed: bool


Tap = (
    AnswerTap
    | DaysTap
    | StepTap
    | GoTap
    | RoutineTap
    | DailyTap
    | LibraryTap
    | ReminderTap
    | SessionPainTap
    | MorningTap
    | MorningFirstTap
    | RescreenTap
    | DeleteTap
)

# Wire kinds that are not a Flow.
STEP, GO, ROUTINE, REMINDER, SESSION_PAIN, MORNING = "ss", "go", "rt", "rm", "ck", "am"
MORNING_FIRST, SKIP = "af", "s"
# The library's list of routines: "-" turns the tapped page, "+" sends it anew (neither
# can be a routine id).
DAILY, LIBRARY, ALL, FRESH, TODAY = "dy", "lb", "-", "+", "today"
DAYS, RESCREEN, DELETE = "days", "new", "delete"
_YES_NO = ("y", "n")


def encode(tap: Tap) -> str:
    parts: tuple[str | int, ...]
    match tap:
        case AnswerTap(flow, question, value):
            parts = (flow.value, question, value)
        case DaysTap(flow, save, weekday, mask):
            parts = (flow.value, DAYS, "s" if save else "t", weekday, mask)
        case StepTap(session_id, index, version, action):
            parts = (STEP, session_id, index, version, action.value)
        case GoTap(delivery_id):
            parts = (GO, TODAY if delivery_id is None else delivery_id)
        case RoutineTap(routine_id):
            parts = (ROUTINE, routine_id)
        case DailyTap(routine_id):
            parts = (DAILY, "-" if routine_id is None else routine_id)
        case LibraryTap(routine_id, index, fresh):
            if routine_id is None:
                parts = (LIBRARY, FRESH if fresh else ALL)
            else:
                parts = (LIBRARY, routine_id) if index is None else (LIBRARY, routine_id, index)
        case ReminderTap(delivery_id, snooze):
            parts = (REMINDER, delivery_id, "z" if snooze else "s")
        case SessionPainTap(session_id, score):
            parts = (SESSION_PAIN, session_id, score)
        case MorningTap(delivery_id, score):
            parts = (MORNING, delivery_id, score)
        case MorningFirstTap(delivery_id, score):
            parts = (MORNING_FIRST, delivery_id, SKIP if score is None else score)
        case RescreenTap():
            parts = (Flow.ADHOC.value, RESCREEN, "y")
        case DeleteTap(confirmed):
            parts = (Flow.ADHOC.value, DELETE, "y" if confirmed else "n")
    texts = [VERSION, *(str(p) for p in parts)]
    for text in texts:
        if not _PART.fullmatch(text):
            raise ValueError(f"callback part {text!r} has characters outside the safe set")
    data = "|".join(texts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_BYTES} bytes")
    return data


def decode(data: object) -> Tap | None:
    """The tap in callback data; None for anything malformed, unknown or of another version."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    version, *rest = data.split("|")
    if version != VERSION or len(rest) < 2 or not all(_PART.fullmatch(p) for p in rest):
        return None
    kind, args = rest[0], rest[1:]
    try:
        flow = Flow(kind)
    except ValueError:
        return _decode_other(kind, args)
    return _decode_flow(flow, args)


def _decode_flow(flow: Flow, args: list[str]) -> Tap | None:
    match args:
        case [question, ("t" | "s") as how, weekday, mask] if question == DAYS:
            day, bits = _number(weekday, 6), _number(mask, 0b1111111)
            if flow in (Flow.ONBOARDING, Flow.SETTINGS) and day is not None and bits is not None:
                return DaysTap(flow, how == "s", day, bits)
        case [question, ("y" | "n") as answer] if flow is Flow.ADHOC and question == DELETE:
            return DeleteTap(answer == "y")
        case [question, "y"] if flow is Flow.ADHOC and question == RESCREEN:
            return RescreenTap()
        case [question, value] if question not in (DAYS, DELETE, RESCREEN):
            return AnswerTap(flow, question, value)
    return None


def _decode_other(kind: str, args: list[str]) -> Tap | None:
    match kind, args:
        case ("ss", [session_id, index, version, action]):
            numbers = _numbers((session_id, _MAX_ID), (index, 999), (version, 32_767))
            if numbers is not None and action in _ACTIONS:
                session, step, step_version = numbers
                return StepTap(session, step, step_version, Action(action))
        case ("go", ["today"]):
            return GoTap()
        case ("go", [delivery_id]):
            number = _number(delivery_id, _MAX_ID)
            if number is not None:
                return GoTap(number)
        case ("rt", [routine_id]) if routine_id:
            return RoutineTap(routine_id)
        case ("dy", ["-"]):
            return DailyTap(None)
        case ("dy", [routine_id]) if _SLUG.fullmatch(routine_id):
            return DailyTap(routine_id)
        case ("lb", ["-" | "+" as which]):
            return LibraryTap(fresh=which == "+")
        case ("lb", [routine_id]) if _SLUG.fullmatch(routine_id):
            return LibraryTap(routine_id)
        case ("lb", [routine_id, index]) if _SLUG.fullmatch(routine_id):
            number = _number(index, 999)
            if number is not None:
                return LibraryTap(routine_id, number)
        case ("rm", [delivery_id, ("z" | "s") as how]):
            number = _number(delivery_id, _MAX_ID)
            if number is not None:
                return ReminderTap(number, how == "z")
        case ("ck", [session_id, score]):
            numbers = _numbers((session_id, _MAX_ID), (score, 10))
            if numbers is not None:
                return SessionPainTap(*numbers)
        case ("am", [delivery_id, score]):
            numbers = _numbers((delivery_id, _MAX_ID), (score, 10))
            if numbers is not None:
                return MorningTap(*numbers)
        case ("af", [delivery_id, score]):
            number = _number(delivery_id, _MAX_ID)
            rating = None if score == SKIP else _number(score, 10)
            if number is not None and (rating is not None or score == SKIP):
                return MorningFirstTap(number, rating)
    return None


_ACTIONS = frozenset(a.value for a in Action)


def _number(text: str, highest: int) -> int | None:
    """A whole number 0..highest written in plain digits, or None."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= highest else None


def _numbers(*pairs: tuple[str, int]) -> tuple[int, ...] | None:
    values = tuple(_number(text, highest) for text, highest in pairs)
    return None if any(v is None for v in values) else tuple(v for v in values if v is not None)
