"""Every message a language's content can make, measured against Telegram's limits.

content-check runs this for each language: a translation that reads well can still make
a step too long for a photo's caption (its buttons would then sit under a second
message) or a text too long for one message. Lengths are counted as Telegram counts them
(UTF-16 code units, bot.views.length).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time

from telegram.constants import MessageLimit

from bot.content import Content, Plural
from bot.services.results import LibraryPage, Say, StepView
from bot.views import length, library_text, step_text

# One phone screen beside the runner on the floor (tests/test_step_text.py holds English
# to it); longer is reported, not refused.
COMFORTABLE_STEP = 600


@dataclass(frozen=True)
class Measured:
    what: str
    chars: int
    limit: int


def _views(content: Content, exercise_id: str) -> Iterator[tuple[str, StepView]]:
    exercise = content.exercises[exercise_id]
    statuses = (None, Say("step_status_done"), Say("step_status_hurt_stopped"))
    for part, walked in enumerate(exercise.walk()):
        timer = time(23, 59, 59) if walked.dose.timer_seconds is not None else None
        for hurt in (False, True):
            for status in statuses:
                view = StepView(
                    session_id=1,
                    index=8,
                    total=9,
                    version=0,
                    exercise_id=exercise_id,
                    hurt=hurt,
                    part=part,
                    position=19,
                    positions=20,
                    timer_until=timer,
                    status=status,
                    picture=True,
                )
                yield f"step {exercise_id} part {part + 1}", view


def measure(content: Content) -> Iterator[Measured]:
    """The longest form of each step (every part, with Hurts, a timer and a status), each
    library page, and each text as written, with the limit that applies."""
    for exercise_id in content.exercises:
        longest: dict[str, int] = {}
        for what, view in _views(content, exercise_id):
            longest[what] = max(longest.get(what, 0), length(step_text(content, view)))
        for what, chars in longest.items():
            yield Measured(what, chars, MessageLimit.CAPTION_LENGTH)
    for routine_id, routine in content.routines.items():
        yield Measured(
            f"library {routine_id}",
            length(library_text(content, LibraryPage(routine_id))),
            MessageLimit.MAX_TEXT_LENGTH,
        )
        for index in range(len(routine.steps)):
            yield Measured(
                f"library {routine_id} {routine.steps[index]}",
                length(library_text(content, LibraryPage(routine_id, index))),
                MessageLimit.MAX_TEXT_LENGTH,
            )
    texts = content.texts
    for key in type(texts).model_fields:
        value = getattr(texts, key)
        forms = value.forms().values() if isinstance(value, Plural) else [value]
        for form in forms:
            yield Measured(f"text {key}", length(form), MessageLimit.MAX_TEXT_LENGTH)


def too_long(content: Content) -> list[Measured]:
    return [m for m in measure(content) if m.chars > m.limit]


def long_steps(content: Content) -> list[Measured]:
    """Steps longer than one comfortable screen (reported, within Telegram's limit)."""
    return [
        m
        for m in measure(content)
        if m.what.startswith("step ") and COMFORTABLE_STEP < m.chars <= m.limit
    ]
