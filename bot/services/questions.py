"""The questions asked during onboarding, in /settings, /run and /checkin: how a tap or a
typed answer is read, how an answer reads in the record left on the question, and the one
rule for closing an open question (a double tap acts once)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from bot.callbacks import AnswerTap, DaysTap
from bot.content import Content
from bot.db.models import User
from bot.db.repo import users
from bot.domain.enums import ALL_DAYS, WEEKDAYS_MASK, WEEKENDS_MASK
from bot.domain.parsing import InvalidInput, parse_days, parse_pain, parse_time, toggle_day
from bot.domain.questions import Awaiting
from bot.domain.zones import AmbiguousZone, OffsetOutOfRange, ZoneChoice, ZoneNotFound, parse_zone
from bot.render import days_text
from bot.services.results import Say
from bot.services.unit import Env

# Questions answered Yes/No, with the text each asks.
# The safety stops, whose Yes means "I've been cleared".
CLEARED = ("red_flag", "see_doctor", "see_physician")
YES_NO = {
    "screen_emergency": "screen_emergency",
    "screen_doctor": "screen_doctor",
    "screen_movement": "screen_movement",
    "confirm_movement": "confirm_movement",
    "red_flag": "red_flag_return",
    "see_doctor": "doctor_return",
    "see_physician": "physician_return",
    "equipment": "ask_equipment",
    "restart": "restart_confirm",
    "ran": "ask_ran",
}
PAIN = {"pain": "ask_pain", "run_pain": "ask_run_pain", "adhoc_pain": "ask_adhoc_pain"}
ASK_TEXT = {
    **YES_NO,
    **PAIN,
    "morning": "ask_morning",
    "time": "ask_time",
    "zone": "ask_zone",
    "days": "ask_days",
}


@dataclass(frozen=True)
class Invalid:
    """A typed answer that could not be read: which text explains what is accepted."""

    text_key: str
    fields: dict[str, str] = field(default_factory=dict)

    def say(self) -> Say:
        return Say(self.text_key, self.fields)


@dataclass(frozen=True)
class DaysToggle:
    """A day tap (or Save): not an answer yet, unless `save`."""

    weekday: int
    mask: int
    save: bool


Answer = bool | int | time | ZoneChoice | DaysToggle


def read_tap(content: Content, question: str, tap: AnswerTap | DaysTap) -> Answer | None:
    """The answer a button carries, or None when it is not one this question's buttons make."""
    if isinstance(tap, DaysTap):
        return DaysToggle(tap.weekday, tap.mask, tap.save) if question == "days" else None
    value = tap.value
    if question in YES_NO and value in ("y", "n"):
        return value == "y"
    if question in PAIN and value.isdigit() and 0 <= int(value) <= 10:
        return int(value)
    if question == "time" and value in {p.replace(":", "") for p in content.choices.time_presets}:
        return time(int(value[:2]), int(value[2:]))
    if question == "morning" and re.fullmatch(r"([01][0-9]|2[0-3])[0-5][0-9]", value):
        # Besides the presets, the first button offers the runner's own reminder time: any
        # time is accepted, as it would be typed.
        return time(int(value[:2]), int(value[2:]))
    if question == "zone" and value in content.choices.common_zones:
        return ZoneChoice(name=value, fixed_offset=False)
    return None


def read_typed(content: Content, question: str, text: str) -> Answer | Invalid:
    """The answer in a typed message, or which text explains what is accepted."""
    cleaned = text.strip().lower().rstrip("!.")
    if question in YES_NO:
        # the runner's language, and English, which every runner may type
        both = (content.choices, content.speaking("en").choices)
        if any(cleaned in words.yes_words for words in both):
            return True
        if any(cleaned in words.no_words for words in both):
            return False
        return Invalid("use_buttons")
    try:
        if question in PAIN:
            return parse_pain(text)
        if question in ("time", "morning"):
            return parse_time(text)
        if question == "days":
            names, groups = _day_words(content)
            mask = parse_days(text, names=names, groups=groups)
            return DaysToggle(weekday=0, mask=mask, save=True)
    except InvalidInput as exc:
        return Invalid(f"bad_{exc.field}")
    if question == "zone":
        try:
            aliases = content.choices.zone_aliases
            return parse_zone(text, aliases=aliases, language=content.language)
        except OffsetOutOfRange:
            return Invalid("bad_offset")
        except AmbiguousZone as exc:
            return Invalid("ambiguous_zone", {"candidates": ", ".join(exc.candidates)})
        except ZoneNotFound:
            return Invalid("bad_zone")
    return Invalid("use_buttons")


def _day_words(content: Content) -> tuple[dict[str, int], dict[str, int]]:
    """The runner's language's names of the days (CLDR's, wide and short) and its words
    for every day, weekdays and weekends (the texts the bot itself shows)."""
    texts = content.texts
    names = {name: day for day in range(7) for name in texts.weekday_names(day)}
    groups = {
        texts.every_day.lower(): ALL_DAYS,
        texts.weekdays.lower(): WEEKDAYS_MASK,
        texts.weekends.lower(): WEEKENDS_MASK,
    }
    return names, groups


def toggled(answer: DaysToggle) -> int:
    """The mask after a day tap (Save keeps it)."""
    return answer.mask if answer.save else toggle_day(answer.mask, answer.weekday)


def answer_label(content: Content, question: str, answer: Answer) -> str:
    """How an answer reads in the one-line record left on the question."""
    texts = content.texts
    if isinstance(answer, bool):
        if question in CLEARED:
            return texts.doctor_cleared if answer else texts.not_yet
        if question == "restart":
            return texts.start_over if answer else texts.keep_settings
        if question == "equipment":
            return texts.roller_yes if answer else texts.roller_no
        return texts.answer_yes if answer else texts.answer_no
    if isinstance(answer, time):
        return texts.time_text(answer)
    if isinstance(answer, ZoneChoice):
        return answer.name
    if isinstance(answer, DaysToggle):
        return days_text(texts, answer.mask)
    return texts.get("pain_answer", score=str(answer))


def record(question_text: str, answer: str) -> Say:
    """'<question>\n→ <answer>': what stays on an answered question."""
    return Say("answered", {"question": question_text, "answer": answer})


def asked_text(content: Content, question: str, **fields: Any) -> str:
    return content.texts.get(ASK_TEXT[question], **fields)


def days_draft(user: User) -> int:
    """The days picked so far on an open days question (kept between taps)."""
    return int(user.onboarding_answers.get("days", ALL_DAYS))


def is_live(user: User, question: Awaiting, message_id: int | None) -> bool:
    """`question` is the runner's open question, and (for a tap) its message is the one
    tapped: only the newest question's buttons work."""
    return user.awaiting == question and (
        message_id is None or message_id == user.prompt_message_id
    )


def predates(user: User | None, message_id: int | None) -> bool:
    """The tapped message is older than the runner's record: its buttons were drawn for a
    record /delete has removed since (message ids only grow in a chat), so whatever ids
    they carry, a tap on them has expired."""
    first = user.first_message_id if user is not None else None
    return first is not None and message_id is not None and message_id < first


def close(user: User) -> int | None:
    """Close the open question (so a second tap on it finds nothing open). Returns its
    message, whose buttons the caller removes when the answer was typed."""
    prompt = user.prompt_message_id
    user.awaiting = None
    user.prompt_message_id = None
    return prompt


async def remember_prompt(env: Env, *, telegram_user_id: int, message_id: int) -> None:
    """The message just sent carries the open question: its buttons are the live ones."""
    async with env.db.write() as tx:
        await users.set_prompt(tx, telegram_user_id=telegram_user_id, message_id=message_id)
