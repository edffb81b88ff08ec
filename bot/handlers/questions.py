"""The questions asked during onboarding and in /settings: their text and buttons, how a
tap or a typed answer is read, and what an answer changes. One place for both flows, so
that /settings uses the same parsers and buttons as onboarding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.content import Content
from bot.domain.enums import ALL_DAYS
from bot.domain.parsing import (
    InvalidInput,
    parse_days,
    parse_pain,
    parse_time,
    toggle_day,
)
from bot.domain.zones import AmbiguousZone, OffsetOutOfRange, ZoneChoice, ZoneNotFound, parse_zone
from bot.render import days_text

YES_WORDS = frozenset({"yes", "y", "yep", "yeah", "ja", "si", "oui"})
NO_WORDS = frozenset({"no", "n", "nope", "nein", "non"})

# Questions answered Yes/No, with the text each asks.
YES_NO = {
    "screen_emergency": "screen_emergency",
    "screen_doctor": "screen_doctor",
    "red_flag": "red_flag_return",
    "see_doctor": "doctor_return",
    "equipment": "ask_equipment",
    "restart": "restart_confirm",
}
ASK_TEXT = {
    "morning": "ask_morning",
    **YES_NO,
    "pain": "ask_pain",
    "time": "ask_time",
    "zone": "ask_zone",
    "days": "ask_days",
}


@dataclass(frozen=True)
class Invalid:
    """A typed answer that could not be read: which text explains what is accepted."""

    text_key: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DaysToggle:
    """A tap on a day button (or Save): not an answer yet, unless `save`."""

    weekday: int
    mask: int
    save: bool


Answer = bool | int | time | ZoneChoice | DaysToggle


def markup(
    content: Content, kind: str, question: str, *, days_mask: int = ALL_DAYS
) -> InlineKeyboardMarkup | None:
    texts = content.texts
    if question in ("red_flag", "see_doctor"):
        return keyboards.choice(kind, question, [(texts.doctor_cleared, "y"), (texts.not_yet, "n")])
    if question == "restart":
        return keyboards.choice(
            kind, question, [(texts.start_over, "y"), (texts.keep_settings, "n")]
        )
    if question == "equipment":
        return keyboards.choice(kind, question, [(texts.roller_yes, "y"), (texts.roller_no, "n")])
    if question in YES_NO:
        return keyboards.yes_no(texts, kind, question)
    if question == "pain":
        return keyboards.pain_scale(kind, question)
    if question == "time":
        return keyboards.times(kind, content.choices.time_presets)
    if question == "morning":
        return keyboards.times(kind, content.choices.morning_presets, "morning")
    if question == "zone":
        return keyboards.zones(kind, content.choices.common_zones)
    if question == "days":
        return keyboards.days(texts, kind, days_mask)
    return None


def read_tap(content: Content, question: str, args: tuple[str, ...]) -> Answer | None:
    """The answer a button carries, or None when it is not one this question's buttons make."""
    if question in YES_NO and len(args) == 1 and args[0] in ("y", "n"):
        return args[0] == "y"
    if question == "pain" and len(args) == 1 and args[0].isdigit() and 0 <= int(args[0]) <= 10:
        return int(args[0])
    if question in ("time", "morning") and len(args) == 1:
        listed = (
            content.choices.time_presets if question == "time" else content.choices.morning_presets
        )
        presets = {p.replace(":", ""): p for p in listed}
        if args[0] in presets:
            hours, minutes = presets[args[0]].split(":")
            return time(int(hours), int(minutes))
    if question == "zone" and len(args) == 1 and args[0] in content.choices.common_zones:
        return ZoneChoice(name=args[0], fixed_offset=False)
    if question == "days" and len(args) == 3 and args[0] in ("t", "s"):
        weekday, mask = args[1], args[2]
        if weekday.isdigit() and mask.isdigit() and int(weekday) < 7 and int(mask) <= ALL_DAYS:
            return DaysToggle(weekday=int(weekday), mask=int(mask), save=args[0] == "s")
    return None


def read_typed(content: Content, question: str, text: str) -> Answer | Invalid:
    """The answer in a typed message, or which text explains what is accepted."""
    cleaned = text.strip().lower().rstrip("!.")
    if question in YES_NO:
        if cleaned in YES_WORDS:
            return True
        if cleaned in NO_WORDS:
            return False
        return Invalid("use_buttons")
    try:
        if question == "pain":
            return parse_pain(text)
        if question in ("time", "morning"):
            return parse_time(text)
        if question == "days":
            return DaysToggle(weekday=0, mask=parse_days(text), save=True)
    except InvalidInput as exc:
        return Invalid(f"bad_{exc.field}")
    if question == "zone":
        try:
            return parse_zone(text, aliases=content.choices.zone_aliases)
        except OffsetOutOfRange:
            return Invalid("bad_offset")
        except AmbiguousZone as exc:
            return Invalid("ambiguous_zone", {"candidates": ", ".join(exc.candidates)})
        except ZoneNotFound:
            return Invalid("bad_zone")
    return Invalid("use_buttons")


def toggled(answer: DaysToggle) -> int:
    """The mask after a day tap (Save keeps it)."""
    return answer.mask if answer.save else toggle_day(answer.mask, answer.weekday)


def answer_label(content: Content, question: str, answer: Answer) -> str:
    """How an answer reads in the one-line record left on the question."""
    texts = content.texts
    if isinstance(answer, bool):
        if question in ("red_flag", "see_doctor"):
            return texts.doctor_cleared if answer else texts.not_yet
        if question == "restart":
            return texts.start_over if answer else texts.keep_settings
        if question == "equipment":
            return texts.roller_yes if answer else texts.roller_no
        return texts.answer_yes if answer else texts.answer_no
    if isinstance(answer, time):
        return answer.strftime("%H:%M")
    if isinstance(answer, ZoneChoice):
        return answer.name
    if isinstance(answer, DaysToggle):
        return days_text(texts, answer.mask)
    return f"{answer}/10"
