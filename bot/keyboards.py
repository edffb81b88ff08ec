"""Inline keyboards (pure builders) and the callback-data codec.

Callback data is small, versioned and never trusted: `1|<kind>|<arg>|...`, at most 64
bytes (Telegram's limit), each part from a short safe alphabet. `decode` returns None
for anything else; handlers then check the parsed data against the tapping user's own
state before writing anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Texts
from bot.domain.parsing import WEEKDAYS

CALLBACK_VERSION = "1"
MAX_CALLBACK_BYTES = 64
_PART = re.compile(r"[A-Za-z0-9_.:+/-]{0,40}")

# Kinds of callback: onboarding question, settings question, a session step, start (or
# resume) today's session, a pain check-in, a routine from /routines.
ONBOARDING = "ob"
SETTINGS = "st"
SESSION = "ss"
GO = "go"
CHECKIN = "ck"
ROUTINE = "rt"
REMINDER = "rm"  # Snooze / Skip today on a reminder
MORNING = "am"  # the morning check-in's 0-10
RUN = "rn"  # /run: did you run, and pain after it
ADHOC = "ah"  # /checkin: a rating at any time
KINDS = frozenset(
    {ONBOARDING, SETTINGS, SESSION, GO, CHECKIN, ROUTINE, REMINDER, MORNING, RUN, ADHOC}
)


@dataclass(frozen=True)
class Callback:
    kind: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None


def encode(kind: str, *args: str | int) -> str:
    parts = [CALLBACK_VERSION, kind, *(str(a) for a in args)]
    for part in parts:
        if not _PART.fullmatch(part):
            raise ValueError(f"callback part {part!r} has characters outside the safe set")
    data = "|".join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_CALLBACK_BYTES} bytes")
    return data


def decode(data: object) -> Callback | None:
    """Parse callback data; None for anything malformed, unknown or from another version."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split("|")
    if len(parts) < 3 or parts[0] != CALLBACK_VERSION or parts[1] not in KINDS:
        return None
    if not all(_PART.fullmatch(p) for p in parts[2:]):
        return None
    return Callback(kind=parts[1], args=tuple(parts[2:]))


def _button(label: str, kind: str, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(kind, *args))


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def yes_no(texts: Texts, kind: str, question: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.answer_yes, kind, question, "y"),
                _button(texts.answer_no, kind, question, "n"),
            ]
        ]
    )


def choice(
    kind: str, question: str, options: Sequence[tuple[str, str]], width: int = 2
) -> InlineKeyboardMarkup:
    """One button per (label, value) option."""
    return InlineKeyboardMarkup(
        _rows([_button(label, kind, question, value) for label, value in options], width)
    )


def pain_scale(kind: str, question: str) -> InlineKeyboardMarkup:
    """0-10 in two rows: 0-5 and 6-10."""
    buttons = [_button(str(n), kind, question, n) for n in range(11)]
    return InlineKeyboardMarkup([buttons[:6], buttons[6:]])


def times(kind: str, presets: Sequence[str], question: str = "time") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        _rows([_button(t, kind, question, t.replace(":", "")) for t in presets], 3)
    )


def zones(kind: str, common: Sequence[str]) -> InlineKeyboardMarkup:
    labels = [(z.split("/")[-1].replace("_", " "), z) for z in common]
    return InlineKeyboardMarkup(_rows([_button(label, kind, "zone", z) for label, z in labels], 2))


def days(texts: Texts, kind: str, mask: int) -> InlineKeyboardMarkup:
    """Mon..Sun toggles (✓ on chosen days) and Save. The mask rides along so that a second
    tap on an old keyboard (a double tap) is recognised as stale instead of toggling back."""
    toggles = [
        _button(f"{'✓ ' if mask >> i & 1 else ''}{name}", kind, "days", "t", i, mask)
        for i, name in enumerate(WEEKDAYS)
    ]
    return InlineKeyboardMarkup(
        [toggles[:4], toggles[4:], [_button(texts.save, kind, "days", "s", 0, mask)]]
    )


def step_buttons(
    texts: Texts, *, session_id: int, index: int, version: int, actions: Sequence[str]
) -> InlineKeyboardMarkup:
    """Done / Easier / Skip / Hurts / Stop, each naming the session, step and its version."""
    labels = {
        "d": texts.btn_done,
        "e": texts.btn_easier,
        "s": texts.btn_skip,
        "h": texts.btn_hurts,
        "x": texts.btn_stop,
    }
    buttons = [_button(labels[a], SESSION, session_id, index, version, a) for a in actions]
    first = 2 if len(buttons) > 3 else len(buttons)
    return InlineKeyboardMarkup(
        [buttons[:first], buttons[first:]] if buttons[first:] else [buttons]
    )


def start_button(label: str) -> InlineKeyboardMarkup:
    """Start (or resume) today's session."""
    return InlineKeyboardMarkup([[_button(label, GO, "today")]])


def routine_list(options: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One row per routine: (label, routine id)."""
    return InlineKeyboardMarkup(
        [[_button(label, ROUTINE, routine_id)] for label, routine_id in options]
    )


def reminder_buttons(texts: Texts, delivery_id: int, *, snooze: bool) -> InlineKeyboardMarkup:
    """Start / Snooze 30 min (once a day) / Skip today."""
    row = [_button(texts.btn_start, GO, "today")]
    if snooze:
        row.append(_button(texts.btn_snooze, REMINDER, delivery_id, "z"))
    row.append(_button(texts.btn_skip_today, REMINDER, delivery_id, "s"))
    return InlineKeyboardMarkup([row])
