"""What a use case hands back: which texts to send (keys of content/texts.yaml and their
fields), which question to ask with which buttons, which step to show. Plain data; the
handlers render it (`bot.handlers.show`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum

from bot.callbacks import Flow
from bot.domain.enums import ALL_DAYS


@dataclass(frozen=True)
class Say:
    """A text of content/texts.yaml and the values of its placeholders."""

    key: str
    fields: Mapping[str, str] = field(default_factory=dict)
    count: int | None = None  # what a plural text counts: it picks the form


def say(key: str, *, count: int | None = None, **fields: str) -> Say:
    return Say(key, fields, count)


class Buttons(StrEnum):
    """Buttons that go with a message that is not a question."""

    START_FIRST = "start_first"  # start the first session (the onboarding summary)
    SOMETHING_NEW = "something_new"  # R0c: "Something new or different?" after a check-in


@dataclass(frozen=True)
class StartAgain:
    """A Start for one routine, under "today's session is done already"."""

    routine_id: str


@dataclass(frozen=True)
class DailyChoice:
    """One button per routine, to make it the daily one (`current` marked)."""

    current: str


NoteButtons = Buttons | StartAgain | DailyChoice


@dataclass(frozen=True)
class Note:
    """One message: its lines joined by `sep`."""

    lines: tuple[Say, ...]
    sep: str = "\n"
    buttons: NoteButtons | None = None


def note(*lines: Say, sep: str = "\n", buttons: NoteButtons | None = None) -> Note:
    return Note(lines, sep, buttons)


# --- the buttons of a question ------------------------------------------------------


@dataclass(frozen=True)
class QuestionKeys:
    """The buttons of a question of a flow (Yes/No, 0-10, times, zones, days, ...)."""

    flow: Flow
    question: str
    days_mask: int = ALL_DAYS  # the days question: which days are on
    # The morning-time question: the reminder time, whose morning default comes first.
    reminder: time | None = None


@dataclass(frozen=True)
class MenuKeys:
    """The /settings menu: Pause, or Resume for a paused runner."""

    paused: bool


@dataclass(frozen=True)
class SessionPainKeys:
    """0-10 after session `session_id`."""

    session_id: int


@dataclass(frozen=True)
class MorningKeys:
    """0-10 on the morning question of delivery `delivery_id`; asked before a session
    (`then_start`), with a Skip that starts the session without a rating."""

    delivery_id: int
    then_start: bool = False


Keys = QuestionKeys | MenuKeys | SessionPainKeys | MorningKeys


@dataclass(frozen=True)
class Ask:
    """A question sent as the one live prompt; the handler remembers its message."""

    keys: Keys
    text: Say
    lead: tuple[Say, ...] = ()  # lines before the question (why it is asked again)
    replaces: int | None = None  # the prompt it replaces: its buttons come off first


@dataclass(frozen=True)
class StepView:
    """A session step, as a message with its buttons."""

    session_id: int
    index: int
    total: int
    version: int
    exercise_id: str
    hurt: bool  # Hurts was tapped: only Easier, Skip and Stop are offered
    part: int = 0  # where the runner is inside the step: a side, a technique
    # The part the runner is on, counted over the whole session from 0, and all parts of
    # the session (the progress bar moves on each side); None: counted in steps.
    position: int | None = None
    positions: int | None = None
    timer_until: time | None = None  # a hold timer runs until then (the runner's time)
    # A step that is over: its status line ("✅ Done"), shown instead of buttons
    status: Say | None = None
    extra: bool = False  # a gentle extra after the routine's own steps (PROGRESSION.md)
    picture: bool = False  # sent as the exercise's picture, the step its caption


@dataclass(frozen=True)
class LibraryPage:
    """A page of the exercise library: the routines (`routine_id` None), one routine's
    exercises (`index` None) or one exercise. `in_place`: it replaces the tapped page."""

    routine_id: str | None = None
    index: int | None = None
    in_place: bool = False
    # the exercise whose picture the page comes below (a new message); None: no picture
    picture: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the handler does, in this order: answer the tap (`refused` ends it there),
    turn the tapped message into `record` (or redraw its buttons or its step), take the
    buttons off `strip`, send `notes`, then `step`, then `ask`."""

    refused: Say | None = None  # a tap not acted on: the reason, as its toast
    alert: bool = False  # `refused` is shown as an alert the runner dismisses, not a toast
    toast: Say | None = None  # a tap acted on, with a short toast
    record: Say | None = None  # the tapped question becomes this one-line record
    redraw: Keys | None = None  # the tapped message keeps its text with these buttons
    # the tapped step is shown again: after Hurts, or over (with its status, no buttons)
    edit_step: StepView | None = None
    strip: tuple[int, ...] = ()  # messages whose buttons come off
    notes: tuple[Note, ...] = ()
    step: StepView | None = None  # a step to send; the handler remembers its message
    ask: Ask | None = None
    page: LibraryPage | None = None  # the exercise library, after everything else
    # the runner's language, when this use case chose it (at /start, in /settings): the
    # reply is written in it, not in the language the update came in
    language: str | None = None
    # the language this chat's command menu is to be in from now on (chosen in /settings)
    menu_language: str | None = None


def refused(key: str) -> Reply:
    return Reply(refused=Say(key))


EXPIRED = "expired_button"
