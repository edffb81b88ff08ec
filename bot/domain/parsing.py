"""Reading what runners type: a time of day, a pain score, training days.

Each parser raises InvalidInput with a short machine-readable reason; the words shown to
the runner live in content/texts.yaml, keyed by the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import time

from bot.domain.enums import ALL_DAYS, WEEKDAYS_MASK, WEEKENDS_MASK

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Short English day names; index = weekday (Monday = 0 = bit 0 of a days mask)."""


# Anything longer is not a time or a score; checking length first keeps junk cheap.
_MAX_TIME_LEN = 24
_MAX_PAIN_LEN = 16
_MAX_DAYS_LEN = 200


class InvalidInput(ValueError):
    """Typed input could not be read. `field` is 'time' | 'pain' | 'days'; `reason` a short code."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- time -------------------------------------------------------------------------------

# Patterns are anchored (fullmatch) with bounded repetitions and no nested quantifiers,
# so matching is linear in the (already length-capped) input.
_MERIDIEM = re.compile(r"(.*?)\s*([ap])\.?m\.?")
_HOUR_ONLY = re.compile(r"([0-9]{1,2})h?")
_HOUR_MINUTE = re.compile(r"([0-9]{1,2})\s*[:.h]\s*([0-9]{2})")
_COMPACT = re.compile(r"([0-9]{1,2})([0-9]{2})")
_NAMED_TIMES = {"noon": time(12, 0), "midnight": time(0, 0)}
# "19 Uhr", "19 h", "19 horas", "19 ч", "19 часов": the hour, said as such
_HOURS_WORD = re.compile(r"\s*(?:uhr|h|hs|hrs?|horas?|ч\.?|час(?:а|ов)?)$")


def parse_time(text: str) -> time:
    """A wall-clock time from `7:30`, `0730`, `7.30pm`, `7h30`, `12am`, `noon` and the like."""
    s = " ".join(text.split()).lower()
    if not s:
        raise InvalidInput("time", "empty")
    if len(s) > _MAX_TIME_LEN:
        raise InvalidInput("time", "unreadable")
    if s in _NAMED_TIMES:
        return _NAMED_TIMES[s]
    s = _HOURS_WORD.sub("", s) or s
    meridiem: str | None = None
    m = _MERIDIEM.fullmatch(s)
    if m:
        s, meridiem = m.group(1), m.group(2)
    hour, minute = _clock_digits(s)
    if meridiem is not None:
        hour = _from_twelve_hour(hour, pm=meridiem == "p")
    if hour > 23:
        raise InvalidInput("time", "hour_out_of_range")
    if minute > 59:
        raise InvalidInput("time", "minute_out_of_range")
    return time(hour, minute)


def _clock_digits(s: str) -> tuple[int, int]:
    """(hour, minute) as written, before any range check."""
    for pattern in (_HOUR_ONLY, _HOUR_MINUTE, _COMPACT):
        m = pattern.fullmatch(s)
        if m:
            groups = m.groups()
            return int(groups[0]), int(groups[1]) if len(groups) > 1 else 0
    raise InvalidInput("time", "unreadable")


def _from_twelve_hour(hour: int, *, pm: bool) -> int:
    """12am is midnight and 12pm is noon; 0am and 13pm do not exist."""
    if not 1 <= hour <= 12:
        raise InvalidInput("time", "hour_out_of_range")
    return hour % 12 + (12 if pm else 0)


# --- pain -------------------------------------------------------------------------------

_PAIN = re.compile(r"(-?)([0-9]+)(?:\s*/\s*10)?")


def parse_pain(text: str) -> int:
    """An NPRS score 0-10 from `3`, `03` or `3/10`; no fractions, ranges or words."""
    s = text.strip()
    if not s:
        raise InvalidInput("pain", "empty")
    m = _PAIN.fullmatch(s) if len(s) <= _MAX_PAIN_LEN else None
    if m is None:
        raise InvalidInput("pain", "not_a_number")
    value = int(m.group(2))
    if m.group(1) or value > 10:
        raise InvalidInput("pain", "out_of_range")
    return value


# --- days -------------------------------------------------------------------------------

_DAY_NAMES: dict[str, int] = {}
for _i, _full in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    _DAY_NAMES[_full] = _i
    _DAY_NAMES[_full + "s"] = _i  # "mondays"
    _DAY_NAMES[_full[:3]] = _i
_DAY_NAMES.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_GROUPS = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "all": ALL_DAYS,
    "weekdays": WEEKDAYS_MASK,
    "weekday": WEEKDAYS_MASK,
    "weekends": WEEKENDS_MASK,
    "weekend": WEEKENDS_MASK,
}
_EVERY_DAY = re.compile(r"\bevery\s+day\b|\ball\s+days\b")
# "to" in English, German ("Mo bis Fr"), Spanish ("lunes a viernes") and Russian ("с пн по пт")
_RANGE_WORD = re.compile(r"\s+(?:to|through|thru|till|until|bis|a|hasta|по|до)\s+")
# Words around day names that say nothing more: "on", "am", "los", "с"...
_FILLERS = frozenset(
    {"on", "am", "an", "jeden", "los", "las", "el", "la", "de", "por", "с", "в", "во"}
)
_ABBREVIATION_DOT = re.compile(r"\.(?=\s*[-–—])")
_DASH = re.compile(r"\s*[-–—]\s*")
# "and" in English, German, Spanish and Russian
_SEPARATORS = re.compile(r"[,;&+/.]|\b(?:and|und|y|и)\b")


def parse_days(
    text: str,
    *,
    names: Mapping[str, int] | None = None,
    groups: Mapping[str, int] | None = None,
) -> int:
    """A days mask from `mon wed fri`, `monday-friday`, `fri-mon`, `weekdays`, `every day`...
    `names` adds a language's day names (lower case, Monday = 0: "mo", "miércoles", "пт")
    and `groups` its phrases for several days ("jeden tag", "entre semana")."""
    s = text.strip().lower()
    if len(s) > _MAX_DAYS_LEN:
        raise InvalidInput("days", "unreadable")
    if groups or names:  # typed with or without accents: "miércoles", "miercoles"
        s = _fold(s)
    s = _ABBREVIATION_DOT.sub("", s)  # "Mo.-Fr.": the dot of a short name before a dash
    for phrase, mask in sorted((groups or {}).items(), key=lambda g: -len(g[0])):
        if phrase and _fold(phrase) in s:
            s = s.replace(_fold(phrase), f" {_GROUP_MARK}{mask} ")
    if names:
        folded = {_fold(name): day for name, day in names.items()}
        s = " ".join(_day_token(token, folded) for token in re.split(r"(\W)", s) if token)
        s = " ".join(token for token in s.split() if token not in _FILLERS)
    s = _EVERY_DAY.sub(" daily ", s)
    s = _RANGE_WORD.sub("-", s)
    s = _DASH.sub("-", s)
    tokens = _SEPARATORS.sub(" ", s).split()
    if not tokens:
        raise InvalidInput("days", "empty")
    mask = 0
    for token in tokens:
        mask |= _token_mask(token)
    return mask


def _fold(text: str) -> str:
    """Lower case without accents (Cyrillic й and ё keep theirs)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(
        ch
        for i, ch in enumerate(decomposed)
        if not unicodedata.combining(ch) or (i and decomposed[i - 1] in "иеИЕ")
    )
    return unicodedata.normalize("NFC", kept)


_GROUP_MARK = "group"  # a language's phrase for several days, read before the names


def _day_token(token: str, names: Mapping[str, int]) -> str:
    """A day name of the language as the English short name; anything else as it was."""
    key = token.rstrip(".")
    return _ENGLISH_SHORT[names[key]] if key in names else token


_ENGLISH_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _token_mask(token: str) -> int:
    if token in _GROUPS:
        return _GROUPS[token]
    if token.startswith(_GROUP_MARK) and token[len(_GROUP_MARK) :].isdigit():
        return int(token[len(_GROUP_MARK) :]) & ALL_DAYS
    if token in _DAY_NAMES:
        return 1 << _DAY_NAMES[token]
    first, dash, last = token.partition("-")
    if dash and first in _DAY_NAMES and last in _DAY_NAMES:
        return _day_range(_DAY_NAMES[first], _DAY_NAMES[last])
    raise InvalidInput("days", "unreadable")


def _day_range(first: int, last: int) -> int:
    """Inclusive, wrapping past Sunday: fri-mon is Fri, Sat, Sun, Mon."""
    mask = 0
    day = first
    while True:
        mask |= 1 << day
        if day == last:
            return mask
        day = (day + 1) % 7


def _check_mask(mask: int) -> None:
    if not 0 <= mask <= ALL_DAYS:
        raise ValueError(f"days mask must be 0..{ALL_DAYS}, got {mask}")


def toggle_day(mask: int, weekday: int) -> int:
    """The mask with `weekday` (0 = Monday .. 6 = Sunday) switched on or off."""
    _check_mask(mask)
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0..6, got {weekday}")
    return mask ^ (1 << weekday)


def days_of(mask: int) -> list[int]:
    """The weekday indices set in `mask`, Monday first."""
    _check_mask(mask)
    return [day for day in range(7) if mask >> day & 1]
