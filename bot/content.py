"""Load and validate content/ (exercises, routines, progression thresholds, texts).

Content is data: a clinician or writer edits YAML, never Python. Everything is
validated into typed, frozen models when the bot starts; a broken file stops the
start with a message that names the file, the entry and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, get_timezone_location
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from telegram.constants import BotCommandLimit, CallbackQueryLimit

from bot import resources
from bot.domain.plan import Catalogue, dose_seconds, ladder_steps, minutes_of, with_extras
from bot.domain.session_flow import Part, Side, parts
from bot.domain.thresholds import Progression
from bot.domain.zones import is_known_zone
from bot.i18n import (
    PLURAL_CATEGORIES,
    SOURCE_LANGUAGE,
    TranslationError,
    Translations,
    languages,
    placeholders,
    walk,
)
from bot.poses import Pose, PoseError, check, resolve

# The language of content/texts.yaml when it names none (its `locale:`).
DEFAULT_LOCALE = "en"

# The installed package's copy, or content/ of the checkout (bot/resources.py).
DEFAULT_CONTENT_DIR = resources.content_dir()

SLUG = r"^[a-z][a-z0-9_]*$"
SEED_FILE = r"^\d{3}_[0-9a-f]{16}\.txt$"

# Instructions are read on a phone lying on the floor: keep each line short.
MAX_INSTRUCTION_CHARS = 220
MAX_INSTRUCTIONS_TOTAL = 700
# The longest hold the ⏱ button counts down; a longer one is a mistake in the content.
MAX_TIMER_SECONDS = 300

M = TypeVar("M", bound=BaseModel)

# libyaml's safe loader where PyYAML was built with it (wheels are): content/ is read once
# per language at start-up, and the pure-Python loader was most of that time.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CAPITAL_NOUNS = frozenset({"de", "lb"})  # languages whose nouns keep a capital letter

_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Equipment = Literal["foam_roller", "mat", "wall", "chair", "step", "towel"]

# The longest text Telegram shows as a tap's answer (a toast or an alert).
_ALERT = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH


class ContentError(Exception):
    """A content file is missing or invalid; the message names file, entry and field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _as_range(value: Any) -> Any:
    """Accept `30`, `[15, 30]`, `{min: 15, max: 30}` or, for a seed's "up to three
    minutes", `{up_to: 180}` for a dose range."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"min": value, "max": value}
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"min": value[0], "max": value[1]}
    if isinstance(value, dict) and set(value) == {"up_to"}:
        return {"min": None, "max": value["up_to"]}
    return value


class _Range(_Model):
    min: float | None = Field(gt=0)  # None: "up to max", the seed gives no lower bound
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.min is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self

    @property
    def up_to(self) -> bool:
        return self.min is None

    @property
    def typical(self) -> float:
        """The middle of the range; "up to N" is counted from nothing."""
        return ((self.min or 0) + self.max) / 2

    def describe(self, scale: float = 1) -> str:
        """'15-30' or '30' ('up to' is the caller's words); `scale` converts units."""
        high = self.max * scale
        if self.min is None or self.min == self.max:
            return f"{high:g}"
        return f"{self.min * scale:g}-{high:g}"


Range = Annotated[_Range, BeforeValidator(_as_range)]


class Dose(_Model):
    """How much of an exercise: any of hold, reps, breaths, minutes, per side or not; for
    strength work, sets of them with a rest between."""

    hold_seconds: Range | None = None
    reps: Range | None = None
    breaths: Range | None = None
    minutes: Range | None = None
    sets: Range | None = None
    rest_seconds: Range | None = None
    sides: Literal[1, 2] = 1

    @model_validator(mode="after")
    def _something(self) -> Dose:
        if not (self.hold_seconds or self.reps or self.breaths or self.minutes):
            raise ValueError("a dose needs at least one of hold_seconds, reps, breaths, minutes")
        if self.sets is not None and (self.sets.up_to or self.sets.min != self.sets.max):
            raise ValueError("sets is one number, not a range")
        if self.rest_seconds is not None and self.sets is None:
            raise ValueError("rest_seconds is the rest between sets: it needs sets")
        if self.sets is not None and self.minutes is not None:
            raise ValueError("sets are of reps or holds, not of minutes")
        seconds = self.timer_seconds
        if seconds is not None and seconds > MAX_TIMER_SECONDS:
            raise ValueError(
                f"hold_seconds up to {seconds} gets a hold timer; the timer counts at most "
                f"{MAX_TIMER_SECONDS} s"
            )
        return self

    @property
    def is_timed_hold(self) -> bool:
        """A hold long enough that a countdown button helps."""
        return self.hold_seconds is not None and self.hold_seconds.max >= 10

    @property
    def timer_seconds(self) -> int | None:
        """What the ⏱ button counts: the hold's upper value (the seed's "15-30 seconds"
        is a hold to reach; the runner may tap Done before it ends), None when the dose
        is not a timed hold."""
        if self.hold_seconds is None or not self.is_timed_hold:
            return None
        return round(self.hold_seconds.max)

    @property
    def holds(self) -> int:
        """How many holds one side asks for (the most of the range; 1 without reps)."""
        reps = round(self.reps.max) if self.reps is not None else 1
        return reps * (round(self.sets.max) if self.sets is not None else 1)

    def one_side(self) -> Dose:
        """The same dose for a single side (a part of an each-side exercise)."""
        return self.model_copy(update={"sides": 1})

    def estimated_seconds(self) -> float:
        """A typical duration, used for routine lengths shown to the runner (the plan's
        one estimate, `bot.domain.plan.dose_seconds`, with each range's typical value)."""

        def typical(value: _Range | None) -> float | None:
            return None if value is None else value.typical

        return dose_seconds(
            minutes=typical(self.minutes),
            hold=typical(self.hold_seconds),
            breaths=typical(self.breaths),
            reps=typical(self.reps) or 1,
            sets=typical(self.sets) or 1,
            rest=typical(self.rest_seconds) or 0,
            sides=self.sides,
        )


def _short_lines(lines: list[str]) -> list[str]:
    for line in lines:
        if len(line) > MAX_INSTRUCTION_CHARS:
            raise ValueError(
                f"an instruction line has {len(line)} characters; "
                f"keep each under {MAX_INSTRUCTION_CHARS} for a phone screen"
            )
    total = sum(len(line) for line in lines)
    if total > MAX_INSTRUCTIONS_TOTAL:
        raise ValueError(
            f"instructions total {total} characters; keep them under {MAX_INSTRUCTIONS_TOTAL}"
        )
    return lines


class Technique(_Model):
    """One of the ways an exercise is done, walked as its own part of the step (seed
    000's four ways of foam rolling the upper back), with its own dose and how-to."""

    name: str = Field(min_length=2, max_length=40)
    instructions: list[str] = Field(min_length=1)
    dose: Dose

    @field_validator("instructions")
    @classmethod
    def _short(cls, lines: list[str]) -> list[str]:
        return _short_lines(lines)


@dataclass(frozen=True)
class WalkPart:
    """A part of a step as the runner reads it: the technique's name (None: the
    exercise's own), the side, the dose for this part and its how-to."""

    part: Part
    technique: str | None
    side: Side | None
    dose: Dose
    instructions: tuple[str, ...]


class Exercise(_Model):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=2, max_length=60)
    seed: str = Field(pattern=SEED_FILE)  # where the exercise and its dose come from
    # where the how-to comes from, when another seed describes the movement
    instructions_from: str | None = Field(default=None, pattern=SEED_FILE)
    instructions: list[str] = Field(min_length=1)
    dose: Dose
    # Walked as these parts, in order (each with its own dose and how-to); `instructions`
    # then say what the exercise is as a whole, and `dose` is all of them together.
    techniques: list[Technique] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    cautions: list[str] = Field(default_factory=list)
    equipment: list[Equipment] = Field(default_factory=list)
    easier: str | None = Field(default=None, pattern=SLUG)
    # when to take the easier version ("if your hips or knees won't let you kneel this
    # deep"), shown on the step's "Easier:" line
    easier_when: str | None = Field(default=None, max_length=120)
    without_equipment: str | None = Field(default=None, pattern=SLUG)
    without_equipment_reason: str | None = None

    @field_validator("instructions")
    @classmethod
    def _short(cls, lines: list[str]) -> list[str]:
        return _short_lines(lines)

    @model_validator(mode="after")
    def _techniques(self) -> Exercise:
        if len(self.techniques) == 1:
            raise ValueError("techniques: list two or more, or put the one in the exercise")
        if self.techniques and self.dose.sides == 2:
            raise ValueError("techniques: say each side on the technique, not on the exercise")
        if self.techniques and self.dose.is_timed_hold:
            raise ValueError("techniques: the hold timer goes with a technique's own dose")
        return self

    def walk(self) -> tuple[WalkPart, ...]:
        """The parts the step is walked in (one for a plain exercise done once)."""
        return self._walked

    @cached_property
    def _walked(self) -> tuple[WalkPart, ...]:
        # worked out once: content is frozen, and every tap on a step reads the parts of
        # each step of its session (the progress bar counts them)
        walked: list[WalkPart] = []
        sides = [t.dose.sides for t in self.techniques]
        for part in parts(self.dose.sides, sides):
            if part.technique is None:
                technique, dose, lines = None, self.dose, self.instructions
            else:
                chosen = self.techniques[part.technique]
                technique, dose, lines = chosen.name, chosen.dose, chosen.instructions
            if part.side is not None:
                dose = dose.one_side()
            walked.append(WalkPart(part, technique, part.side, dose, tuple(lines)))
        return tuple(walked)

    @model_validator(mode="after")
    def _substitute_explained(self) -> Exercise:
        if self.without_equipment and not self.without_equipment_reason:
            raise ValueError(
                "without_equipment needs a without_equipment_reason to tell the runner"
            )
        if self.without_equipment and not self.equipment:
            raise ValueError("without_equipment is only for an exercise that needs equipment")
        if self.easier_when and not self.easier:
            raise ValueError("easier_when says when to take the easier version: it needs easier")
        if self.instructions_from == self.seed:
            raise ValueError(
                "instructions_from names the exercise's own seed; leave it out when the "
                "how-to comes from the same seed"
            )
        return self


class Extras(_Model):
    """Gentle moves a session of the routine adds, in this order, while it is shorter than
    `min_minutes` (PROGRESSION.md, "Extras"): labelled as extras, not steps of the routine."""

    min_minutes: int = Field(ge=1, le=30)
    pool: list[str] = Field(min_length=1)

    @field_validator("pool")
    @classmethod
    def _once(cls, pool: list[str]) -> list[str]:
        if len(set(pool)) != len(pool):
            raise ValueError("an extra is listed twice")
        return pool


class Routine(_Model):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=2, max_length=60)
    kind: Literal["ladder", "routine"]
    seeds: list[str] = Field(min_length=1)
    summary: str = Field(min_length=10, max_length=300)
    steps: list[str] = Field(min_length=1)
    extras: Extras | None = None

    @field_validator("seeds")
    @classmethod
    def _seed_names(cls, seeds: list[str]) -> list[str]:
        for seed in seeds:
            if not re.match(SEED_FILE, seed):
                raise ValueError(f"{seed!r} is not a seed file name like 000_0123456789abcdef.txt")
        return seeds

    @property
    def purpose(self) -> str:
        """The summary's first sentence (when to do it, what for): the line that opens a
        session; /routines shows the whole summary."""
        first, stop, _ = self.summary.partition(". ")
        return f"{first}." if stop else self.summary


class Source(_Model):
    file: str = Field(pattern=SEED_FILE)
    title: str = Field(min_length=3)


class Choices(_Model):
    """Buttons offered for typed answers, and names the zone parser understands."""

    time_presets: list[str] = Field(min_length=1, max_length=12)
    morning_presets: list[str] = Field(min_length=1, max_length=12)
    common_zones: list[str] = Field(min_length=1, max_length=12)
    zone_aliases: dict[str, str] = Field(default_factory=dict)
    pause_days: list[int] = Field(min_length=1, max_length=4)
    yes_words: frozenset[str] = Field(min_length=1)
    no_words: frozenset[str] = Field(min_length=1)

    @field_validator("time_presets", "morning_presets")
    @classmethod
    def _times(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
                raise ValueError(f"{value!r} is not a time like 07:30")
        return values

    @field_validator("common_zones")
    @classmethod
    def _zones(cls, values: list[str]) -> list[str]:
        for value in values:
            if not is_known_zone(value):
                raise ValueError(f"{value!r} is not an IANA time zone")
        return values

    @field_validator("zone_aliases")
    @classmethod
    def _aliases(cls, values: dict[str, str]) -> dict[str, str]:
        for alias, zone in values.items():
            if alias != alias.lower():
                raise ValueError(f"alias {alias!r} must be lower case")
            if not is_known_zone(zone):
                raise ValueError(f"alias {alias!r}: {zone!r} is not an IANA time zone")
        return values

    @field_validator("pause_days")
    @classmethod
    def _pause(cls, values: list[int]) -> list[int]:
        if any(not 1 <= v <= 90 for v in values):
            raise ValueError("pause options are 1 to 90 days")
        return values


class Plural(_Model):
    """A text that depends on a count: one form per CLDR plural category the language uses
    ("1 step", "21 steps" in English; Russian needs one, few, many and other). Babel's CLDR
    rules pick the form, so no code says `if n == 1`."""

    zero: str | None = None
    one: str | None = None
    two: str | None = None
    few: str | None = None
    many: str | None = None
    other: str

    def forms(self) -> dict[str, str]:
        """The categories given, and their forms."""
        return {c: f for c in PLURAL_CATEGORIES if (f := getattr(self, c)) is not None}


class Texts(_Model):
    """Everything the bot says to a runner (content/texts.yaml); placeholders are str.format
    fields. Every text is declared here, so a missing or misspelt one stops the start. A text
    that counts something is a `Plural`: the caller passes the count, and `{n}` in it is the
    count unless the caller names `n` itself."""

    _locale: Locale = PrivateAttr(default_factory=lambda: Locale.parse(DEFAULT_LOCALE))

    disclaimer: str
    welcome: str
    welcome_back: str
    help_line: str
    help: str
    unknown_command: str
    unknown_text: str
    group_chat: str
    admin_alert: str
    error: str
    expired_button: str
    use_buttons: str
    screen_emergency: str
    screen_doctor: str
    red_flag_stop: str
    doctor_first: str
    red_flag_return: str
    red_flag_still: str
    doctor_return: str
    doctor_still: str
    screen_movement: str
    confirm_movement: str
    physician_first: str
    physician_return: str
    physician_still: str
    ask_pain: str
    ask_equipment: str
    ask_morning: str
    morning_with_reminder: str
    ask_time: str
    ask_zone: str
    ask_days: str
    summary: str
    summary_routine_level: str
    no_roller_note: str
    schedule_with_next: str
    finish_setup_first: str
    restart_confirm: str
    restart_kept: str
    answered: str
    pain_answer: str
    bad_pain: str
    bad_time: str
    bad_days: str
    days_none: str
    bad_zone: str
    bad_offset: str
    ambiguous_zone: str
    fixed_offset_warning: str
    zone_from_location: str
    settings_menu: str
    time_set: str
    morning_set: str
    morning_set_next: str
    zone_set: str
    days_set: str
    equipment_set_yes: str
    equipment_set_no: str
    pictures_set_on: str
    pictures_set_off: str
    language_set: str
    ask_language: str
    pause_prompt: str
    paused_until: str
    paused_indefinitely: str
    resumed: str
    not_paused: str
    # Shown as a tap's alert too, where Telegram takes fewer characters than in a message.
    safety_paused: str = Field(max_length=_ALERT)
    safety_paused_physician: str = Field(max_length=_ALERT)
    safety_paused_emergency: str = Field(max_length=_ALERT)
    not_set_up: str
    no_next_reminder: str
    status_active: str
    status_paused: str
    status_paused_until: str
    status_red_flag: str
    status_blocked: str
    every_day: str
    weekdays: str
    weekends: str
    schedule: str
    next_at: str
    today: str
    tomorrow: str
    answer_yes: str
    answer_no: str
    roller_yes: str
    roller_no: str
    save: str
    chosen: str
    start_over: str
    keep_settings: str
    doctor_cleared: str
    not_yet: str
    change_time: str
    change_zone: str
    change_days: str
    change_equipment: str
    change_pictures: str
    change_language: str
    change_morning: str
    pause: str
    resume: str
    close: str
    pause_for_days: Plural
    pause_week: str
    pause_until_resume: str
    start_first_session: str
    n_steps: Plural
    session_intro: str
    session_intro_ladder: str
    session_extras: Plural
    session_resume: str
    session_open_below: str
    session_dropped: str
    step_header: str
    step_header_extra: str
    step_instruction: str
    step_tip: str
    step_caution: str
    part_already_done: str
    part_line: str
    part_left: str
    part_right: str
    part_technique: str
    part_technique_side: str
    side_left: str
    side_right: str
    btn_timer: str
    timer_started: str
    timer_running: str
    timer_switch: str
    timer_ready: str
    step_easier: str
    step_easier_when: str
    step_status_done: str
    step_status_skipped: str
    step_status_stopped: str
    step_status_easier: str
    step_status_hurt_skipped: str
    step_status_hurt_stopped: str
    session_typed: str
    session_typed_part: str
    dose_seconds: str
    dose_minutes: str
    dose_hold: str
    dose_hold_minutes: str
    dose_breaths: Plural
    dose_breaths_couple: str
    dose_reps: Plural
    dose_times: Plural
    dose_up_to: str
    dose_each_side: str
    dose_hold_times: str
    dose_reps_breaths: str
    dose_reps_within: str
    dose_sets_of: str
    dose_sets_each: str
    dose_holding_each: str
    dose_rest: str
    outcome_skipped: str
    hurts_prompt: str
    hurts_prompt_no_easier: str
    session_complete: str
    session_stopped: str
    session_stopped_at_once: str
    session_stopped_hurt: str
    session_stopped_hurt_at_once: str
    tally_done: str
    tally_none_done: str
    tally_skipped: str
    tally_hurt: str
    ask_pain_after: str
    checkin_logged: str
    already_logged: str
    step_already_done: str
    session_finished_already: str
    pain_none: str
    pain_mild: str
    pain_moderate: str
    pain_severe: str
    btn_done: str
    btn_easier: str
    btn_skip: str
    btn_hurts: str
    btn_stop: str
    btn_start: str
    routines_list: str
    routine_label: str
    routine_label_ladder: str
    routine_unknown: str
    routine_entry: str
    session_purpose: str
    btn_change_daily: str
    btn_library: str
    daily_choose: str
    daily_set: str
    daily_back_to_ladder: str
    daily_already: str
    change_routine: str
    reminder_done_already: str
    btn_start_again: str
    library_intro: str
    library_routine: str
    library_item: str
    library_header: str
    library_technique: str
    library_source: str
    btn_library_back: str
    btn_library_next: str
    btn_library_list: str
    btn_library_routines: str
    reminder: str
    routine_with_level: str
    plan_capped: str
    reminder_flare: str
    btn_snooze: str
    btn_skip_today: str
    snoozed: str
    skipped_today: str
    reminder_closed: str
    morning_prompt: str
    morning_closed: str
    morning_expired: str
    morning_first: str
    btn_skip_morning: str
    decision_level_up: Plural
    decision_repeat_amber: str
    decision_wait_days: Plural
    decision_wait_hold: Plural
    decision_wait_run: str
    decision_wait_trend: str
    decision_wait_top: str
    decision_gate_pain: Plural
    decision_level_down_pain: Plural
    decision_level_down_morning: Plural
    decision_level_down_pain_flare: str
    decision_level_down_morning_flare: str
    decision_stay_first_pain: str
    decision_stay_first_morning: str
    decision_flare_on_pain: str
    decision_flare_on_morning: Plural
    decision_flare_off: Plural
    decision_clinician_flare: Plural
    decision_clinician_trend: str
    decision_nudge: Plural
    decision_gate_step: Plural
    decision_gate_top: Plural
    decision_missing_pain: str
    decision_missing_morning: str
    decision_clinician_second: Plural
    decision_clinician_baseline: str
    decision_run_keep: str
    decision_run_ease_pain: str
    decision_run_ease_morning: str
    decision_run_walk: str
    decision_stop: str
    decision_resume: str
    run_fine: str
    decision_wait_morning: str
    export_nothing: str
    export_json: str
    export_csv: str
    delete_confirm: str
    delete_yes: str
    delete_no: str
    deleted: str
    delete_kept: str
    stats_users: str
    stats_count: str
    stats_sessions: str
    stats_checkins: str
    stats_reminders: str
    ask_ran: str
    ask_run_pain: str
    no_run: str
    ask_adhoc_pain: str
    something_new: str
    rescreen_intro: str
    rescreen_clear: str
    progress_empty: str
    progress_caption: str
    progress_streak: Plural
    progress_level_line: str
    progress_level_line_flare: str
    progress_headline: str
    progress_headline_one: str
    progress_headline_none: str
    progress_span_days: Plural
    progress_span_weeks: Plural
    progress_level_change: str
    progress_level_same: str
    verdict_recovered: Plural
    verdict_improved: str
    verdict_not_yet: str
    verdict_out_of_reach: Plural
    verdict_no_data: str
    chart_morning: str
    chart_weekly: str
    chart_after_session: str
    chart_after_run: str
    chart_sessions: str
    chart_b0: str
    chart_b: str
    chart_pain_axis: str
    chart_level_axis: str
    chart_level: str
    chart_flare: str
    chart_zone_green: str
    chart_zone_amber: str
    chart_zone_red: str

    @property
    def locale(self) -> Locale:
        return self._locale

    # --- dates and times as the runner's language writes them (CLDR, through Babel) -----
    # English keeps the bot's own short forms ("Thu 26 Nov", "07:30"); every other language
    # takes CLDR's ("Do., 26. Nov.", "jue, 26 nov", "чт, 26 нояб.").

    def weekday_name(self, weekday: int) -> str:
        """Monday = 0: "Mon", "Mo", "lun", "пн"."""
        if self._locale.language == DEFAULT_LOCALE:
            return _EN_WEEKDAYS[weekday]
        return str(self._locale.days["stand-alone"]["abbreviated"][weekday])

    def weekday_names(self, weekday: int) -> tuple[str, ...]:
        """Every name of a weekday a runner may type, lower case: wide and short forms."""
        found: list[str] = []
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated", "short"):
                name = str(self._locale.days[context][width][weekday]).lower()
                found += [name, name.rstrip(".")]
        return tuple(dict.fromkeys(found))

    def date_text(self, day: date) -> str:
        """A day of the week and its date: "Thu 26 Nov"."""
        if self._locale.language == DEFAULT_LOCALE:
            return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]}"
        return format_skeleton("MMMEd", day, locale=self._locale)

    def day_month(self, day: date) -> str:
        """A chart's date label: "26 Nov", "26. Nov.", "26 нояб."."""
        if self._locale.language == DEFAULT_LOCALE:
            return f"{day.day} {_EN_MONTHS[day.month - 1]}"
        return format_skeleton("MMMd", day, locale=self._locale)

    def city(self, zone: str) -> str:
        """A time zone's city as the language names it (CLDR): "Nueva York", "Токио"."""
        try:
            return str(get_timezone_location(zone, locale=self._locale, return_city=True))
        except LookupError:  # a zone CLDR does not know: its own last part
            return zone.rsplit("/", 1)[-1].replace("_", " ")

    def in_sentence(self, name: str) -> str:
        """An exercise's name inside a sentence: lower case ("adds cat-cow"), except in a
        language that writes nouns with a capital (German: „Katze-Kuh“)."""
        return name if self._locale.language in _CAPITAL_NOUNS else name.lower()

    def number(self, value: float) -> str:
        """A pain mean: one decimal, none when whole ("3", "3.5"; "3,5" in German)."""
        text = f"{value:.1f}"
        text = text[:-2] if text.endswith(".0") else text
        if self._locale.language == DEFAULT_LOCALE:
            return text
        return text.replace(".", self._locale.number_symbols["latn"]["decimal"])

    def time_text(self, value: time) -> str:
        """A clock time: 24-hour "07:30" in English, CLDR's short time elsewhere."""
        if self._locale.language == DEFAULT_LOCALE:
            return value.strftime("%H:%M")
        return format_time(value, "short", locale=self._locale)

    def plural_category(self, count: int) -> str:
        """CLDR's category of `count` in the texts' language: 'one', 'few', 'other'..."""
        return str(self._locale.plural_form(count))

    def get(self, key: str, *, count: int | None = None, **fields: Any) -> str:
        """The text `key` with its placeholders filled in; for a plural text, the form
        `count` takes in the texts' language (with `{n}` the count)."""
        template = getattr(self, key, None) if key in type(self).model_fields else None
        if isinstance(template, Plural):
            if count is None:
                raise TypeError(f"text {key!r} counts something: pass count=")
            forms = template.forms()
            form = forms.get(self.plural_category(count), template.other)
            return form.format(**{"n": str(count), **fields})
        if not isinstance(template, str):
            raise KeyError(f"no text {key!r} in content/texts.yaml")
        if count is not None:
            raise TypeError(f"text {key!r} has no plural forms: it takes no count")
        return template.format(**fields) if fields else template

    def plurals(self) -> dict[str, Plural]:
        """Every text that counts something."""
        return {
            key: value
            for key in type(self).model_fields
            if isinstance(value := getattr(self, key), Plural)
        }


@dataclass(frozen=True)
class Command:
    command: str
    description: str


@dataclass(frozen=True)
class Content:
    sources: Mapping[str, Source]
    exercises: Mapping[str, Exercise]
    routines: Mapping[str, Routine]
    progression: Progression
    texts: Texts
    choices: Choices
    commands: tuple[Command, ...]
    exercise_files: Mapping[str, str]  # exercise id -> file it came from (for messages)
    catalogue: Catalogue  # durations and foam-roller substitutes, for today_plan
    # exercise id -> the pose its picture is drawn from (`like:` resolved); an exercise
    # without one has no picture (content-check lists it)
    poses: Mapping[str, Pose] = dataclass_field(default_factory=dict)
    language: str = "en"  # the language every text of this content is in
    # Every language's content, this one included, by language (load_languages); one
    # dictionary shared by all of them, so any content reaches a runner's language.
    languages: Mapping[str, Content] = dataclass_field(
        default_factory=dict, compare=False, repr=False
    )

    def speaking(self, language: str | None) -> Content:
        """This content in `language`; English for a language the bot does not speak."""
        if language == self.language:
            return self
        found = self.languages.get(language or SOURCE_LANGUAGE)
        if found is None:
            found = self.languages.get(SOURCE_LANGUAGE, self)
        return found

    @property
    def ladder(self) -> Routine:
        return next(r for r in self.routines.values() if r.kind == "ladder")

    def routine_minutes(self, routine: Routine) -> int:
        """The whole routine, every step as written (content-check lists these)."""
        return minutes_of(routine.steps, self.catalogue)

    def ladder_minutes(self, *, has_roller: bool = True) -> list[int]:
        """The ladder's length at each level 1..N, as the plan counts it (the extras of
        a short level included)."""
        ladder = self.ladder
        substitutes = {} if has_roller else self.catalogue.no_roller
        return [
            minutes_of(
                with_extras(
                    ladder_steps(ladder.steps, level, substitutes=substitutes),
                    ladder.extras,
                    self.catalogue,
                )[0],
                self.catalogue,
            )
            for level in range(1, len(ladder.steps) + 1)
        ]

    @property
    def no_roller_reason(self) -> str:
        """Why a foam-roller step changes for a runner without one, from the exercise."""
        return next(
            (
                e.without_equipment_reason
                for e in self.exercises.values()
                if e.id in self.catalogue.no_roller and e.without_equipment_reason
            ),
            "",
        )


def _catalogue(exercises: Mapping[str, Exercise]) -> Catalogue:
    return Catalogue(
        seconds={e.id: e.dose.estimated_seconds() for e in exercises.values()},
        no_roller={
            e.id: e.without_equipment
            for e in exercises.values()
            if e.without_equipment and "foam_roller" in e.equipment
        },
    )


# --- cross-checks ---------------------------------------------------------------


def _check_easier(exercise: Exercise, easier: Exercise, rel: str) -> None:
    """An easier version is not harder: no longer a dose, no equipment the exercise does
    not already need."""
    where = f"{rel}: exercise '{exercise.id}': field 'easier'"
    if easier.dose.estimated_seconds() > exercise.dose.estimated_seconds():
        raise ContentError(
            f"{where}: '{easier.id}' takes longer ({easier.dose.estimated_seconds():.0f} s) "
            f"than '{exercise.id}' ({exercise.dose.estimated_seconds():.0f} s); an easier "
            "version is not a longer dose"
        )
    if not set(easier.equipment) <= set(exercise.equipment):
        raise ContentError(f"{where}: '{easier.id}' needs equipment '{exercise.id}' does not")
    if easier.dose.sets is not None and exercise.dose.sets is None:
        raise ContentError(f"{where}: '{easier.id}' is strength work and '{exercise.id}' is not")


def _check_stand_ins(ladder: Routine, exercises: Mapping[str, Exercise], rel: str) -> None:
    """What stands in for a ladder step (its easier version, its no-equipment substitute)
    counts as that step in the progression rules: so it is no ladder step itself and
    stands in for one step only."""
    stands_for: dict[str, str] = {}
    for step in ladder.steps:
        exercise = exercises[step]
        for field in ("easier", "without_equipment"):
            ref = getattr(exercise, field)
            if ref is None:
                continue
            where = f"{rel}: routine '{ladder.id}': step '{step}': field '{field}' of the exercise"
            if ref in ladder.steps:
                raise ContentError(f"{where}: '{ref}' is a ladder step itself")
            if stands_for.get(ref, step) != step:
                raise ContentError(f"{where}: '{ref}' already stands in for '{stands_for[ref]}'")
            stands_for[ref] = step


def _check_extras(
    routine: Routine, extras: Extras, exercises: Mapping[str, Exercise], rel: str
) -> None:
    """An extra is a gentle move anyone can do: a known exercise, no equipment, no strength
    work, and neither a step of the routine nor what stands in for one (the rules would
    count it as that step)."""
    stand_ins = {
        ref
        for step in routine.steps
        for ref in (exercises[step].easier, exercises[step].without_equipment)
        if ref
    }
    for move in extras.pool:
        where = f"{rel}: routine '{routine.id}': field 'extras.pool': '{move}'"
        if move not in exercises:
            raise ContentError(f"{where}: no exercise with that id")
        exercise = exercises[move]
        if move in routine.steps or move in stand_ins:
            raise ContentError(f"{where}: is a step of the routine or stands in for one")
        if exercise.equipment:
            raise ContentError(f"{where}: needs equipment ({', '.join(exercise.equipment)})")
        if exercise.dose.sets is not None:
            raise ContentError(f"{where}: is strength work, not a gentle move")


def _check_extras_fill(routine: Routine, catalogue: Catalogue, rel: str) -> None:
    """The pool is long enough to bring the routine's shortest session (level 1 without
    equipment, for the ladder) to its `min_minutes`."""
    if routine.extras is None:
        return
    first = ladder_steps(routine.steps, 1, substitutes=catalogue.no_roller)
    steps = first if routine.kind == "ladder" else list(routine.steps)
    filled, _ = with_extras(steps, routine.extras, catalogue)
    if minutes_of(filled, catalogue) < routine.extras.min_minutes:
        raise ContentError(
            f"{rel}: routine '{routine.id}': field 'extras.pool': its moves bring the "
            f"shortest session to {minutes_of(filled, catalogue)} min, short of "
            f"min_minutes {routine.extras.min_minutes}"
        )


# --- loading -------------------------------------------------------------------


def _load_poses(root: Path, exercises: Mapping[str, Exercise]) -> dict[str, Pose]:
    """content/poses/*.yaml: every pose checked (bot.poses), for a known exercise, once."""
    poses: dict[str, Pose] = {}
    files: dict[str, str] = {}
    for path in sorted((root / "poses").glob("*.yaml")):
        rel = _rel(path, root)
        items = _entries(_read_yaml(path, root), rel, "poses")
        for index, item in enumerate(items, start=1):
            name = item.get("exercise") if isinstance(item, dict) else None
            label = f"exercise '{name}'" if name else f"pose #{index}"
            if not isinstance(item, dict):
                raise ContentError(f"{rel}: {label}: expected a mapping of fields")
            try:
                pose = Pose.model_validate(item)
            except ValidationError as exc:
                raise ContentError(f"{rel}: {label}: {_explain(exc)}") from None
            if pose.exercise not in exercises:
                raise ContentError(f"{rel}: {label}: no exercise with this id")
            if pose.exercise in poses:
                raise ContentError(f"{rel}: {label}: already has a pose in {files[pose.exercise]}")
            try:
                check(pose)
            except PoseError as exc:
                raise ContentError(f"{rel}: {exc}") from None
            poses[pose.exercise], files[pose.exercise] = pose, rel
    try:
        return resolve(poses, files)
    except PoseError as exc:
        raise ContentError(str(exc)) from None


def _read_yaml(path: Path, root: Path) -> Any:
    rel = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{rel}: file is missing") from None
    except OSError as exc:
        raise ContentError(f"{rel}: cannot be read ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ContentError(f"{rel}: not valid YAML{where}: {problem}") from None


def _rel(path: Path, root: Path) -> str:
    try:
        return f"content/{path.relative_to(root).as_posix()}"
    except ValueError:
        return str(path)


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"] if not isinstance(p, int)) or "(entry)"
    message = first["msg"].removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"field '{field}': {message}{suffix}"


def _entries(data: Any, rel: str, key: str) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ContentError(f"{rel}: expected a top-level '{key}:' list")
    return list(data[key])


def _parse_entries(model: type[M], items: Iterable[Any], rel: str, kind: str) -> list[M]:
    parsed: list[M] = []
    for index, item in enumerate(items, start=1):
        name = item.get("id") or item.get("file") if isinstance(item, dict) else None
        label = f"{kind} '{name}'" if name else f"{kind} #{index}"
        if not isinstance(item, dict):
            raise ContentError(f"{rel}: {label}: expected a mapping of fields")
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            raise ContentError(f"{rel}: {label}: {_explain(exc)}") from None
    return parsed


def _parse_one(model: type[M], data: Any, rel: str) -> M:
    if not isinstance(data, dict):
        raise ContentError(f"{rel}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(f"{rel}: {_explain(exc)}") from None


def _check_placeholders(texts: Texts, rel: str) -> None:
    for key in type(texts).model_fields:
        value = getattr(texts, key)
        forms = value.forms() if isinstance(value, Plural) else {"value": value}
        try:
            found = {category: placeholders(form) for category, form in forms.items()}
        except ValueError as exc:
            raise ContentError(f"{rel}: text '{key}': field 'value': {exc}") from None
        if isinstance(value, Plural):
            _check_plural(key, value, found, texts.locale, rel)


def _check_plural(
    key: str, value: Plural, found: Mapping[str, set[str]], locale: Locale, rel: str
) -> None:
    """Every category the language uses, none it never picks, and the same placeholders
    in every form (in Russian "one" is also 21 and 31, so a form without {n} is wrong)."""
    needed = set(locale.plural_form.tags) | {"other"}
    given = set(found)
    if missing := [c for c in PLURAL_CATEGORIES if c in needed - given]:
        raise ContentError(
            f"{rel}: text '{key}': field '{missing[0]}': {locale} needs the plural forms "
            f"{', '.join(c for c in PLURAL_CATEGORIES if c in needed)}"
        )
    if unused := [c for c in PLURAL_CATEGORIES if c in given - needed]:
        raise ContentError(
            f"{rel}: text '{key}': field '{unused[0]}': {locale} never uses this plural form"
        )
    expected = found["other"]
    for category, names in found.items():
        if names != expected:
            raise ContentError(
                f"{rel}: text '{key}': field '{category}': placeholders "
                f"{{{', '.join(sorted(names))}}} differ from the other form's "
                f"{{{', '.join(sorted(expected))}}}"
            )


def _locale(name: Any, rel: str) -> Locale:
    try:
        return Locale.parse(str(name))
    except (UnknownLocaleError, ValueError) as exc:
        raise ContentError(f"{rel}: field 'locale': {exc}") from None


def load_languages(root: Path | str = DEFAULT_CONTENT_DIR) -> Content:
    """English content that reaches every language with a catalogue (Content.speaking);
    each language is checked in full, so a missing or broken translation stops the start."""
    root = Path(root)
    raw: dict[Path, Any] = {}  # each file is read once, whatever the number of languages
    english = load_content(root, raw=raw)
    shared: dict[str, Content] = {SOURCE_LANGUAGE: english}
    object.__setattr__(english, "languages", shared)
    for language in languages(root):
        if language != SOURCE_LANGUAGE:
            translated = load_content(root, language, poses=english.poses, raw=raw)
            object.__setattr__(translated, "languages", shared)
            shared[language] = translated
    return english


def load_content(
    root: Path | str = DEFAULT_CONTENT_DIR,
    language: str | None = None,
    *,
    translations: Translations | None = None,
    poses: Mapping[str, Pose] | None = None,
    raw: dict[Path, Any] | None = None,
) -> Content:
    """Read and cross-check every file under content/ in `language` (English, the source,
    when None); raise ContentError on the first problem. Another language is the English
    YAML with its catalogue's translations in place (bot/i18n.py), checked by the same
    rules. `translations` stands in for the catalogue on disk (a translator's draft);
    `poses` for the pictures' poses, which every language shares, and `raw` keeps the
    files' parsed YAML for the next language (nothing here changes it)."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError(f"{root}: content folder is missing")
    if language is not None and language != SOURCE_LANGUAGE and translations is None:
        try:
            translations = Translations.load(root, language)
        except TranslationError as exc:
            raise ContentError(str(exc)) from None

    def read(path: Path) -> Any:
        if raw is None:
            data = _read_yaml(path, root)
        elif path in raw:
            data = raw[path]
        else:
            data = raw[path] = _read_yaml(path, root)
        if translations is None:
            return data
        try:
            return walk(path.relative_to(root).as_posix(), data, translations.translate)
        except TranslationError as exc:
            raise ContentError(str(exc)) from None

    rel = "content/sources.yaml"
    sources_list = _parse_entries(
        Source, _entries(read(root / "sources.yaml"), rel, "sources"), rel, "source"
    )
    sources = {s.file: s for s in sources_list}

    exercises: dict[str, Exercise] = {}
    exercise_files: dict[str, str] = {}
    files = sorted((root / "exercises").glob("*.yaml"))
    if not files:
        raise ContentError("content/exercises/: no exercise files (*.yaml)")
    for path in files:
        rel = _rel(path, root)
        for exercise in _parse_entries(
            Exercise, _entries(read(path), rel, "exercises"), rel, "exercise"
        ):
            if exercise.id in exercises:
                raise ContentError(
                    f"{rel}: exercise '{exercise.id}': field 'id': already defined in "
                    f"{exercise_files[exercise.id]}"
                )
            for field in ("seed", "instructions_from"):
                seed = getattr(exercise, field)
                if seed is not None and seed not in sources:
                    raise ContentError(
                        f"{rel}: exercise '{exercise.id}': field '{field}': {seed} "
                        "is not listed in content/sources.yaml"
                    )
            exercises[exercise.id] = exercise
            exercise_files[exercise.id] = rel

    for exercise in exercises.values():
        rel = exercise_files[exercise.id]
        for field in ("easier", "without_equipment"):
            ref = getattr(exercise, field)
            if ref is None:
                continue
            if ref not in exercises:
                raise ContentError(
                    f"{rel}: exercise '{exercise.id}': field '{field}': no exercise with id '{ref}'"
                )
            if ref == exercise.id:
                raise ContentError(
                    f"{rel}: exercise '{exercise.id}': field '{field}': cannot name itself"
                )
            if field == "without_equipment" and exercises[ref].equipment == exercise.equipment:
                raise ContentError(
                    f"{rel}: exercise '{exercise.id}': field '{field}': '{ref}' needs the "
                    "same equipment"
                )
            if field == "easier":
                _check_easier(exercise, exercises[ref], rel)

    rel = "content/routines.yaml"
    routines_list = _parse_entries(
        Routine, _entries(read(root / "routines.yaml"), rel, "routines"), rel, "routine"
    )
    routines: dict[str, Routine] = {}
    for routine in routines_list:
        if routine.id in routines:
            raise ContentError(f"{rel}: routine '{routine.id}': field 'id': defined twice")
        for seed in routine.seeds:
            if seed not in sources:
                raise ContentError(
                    f"{rel}: routine '{routine.id}': field 'seeds': {seed} is not listed in "
                    "content/sources.yaml"
                )
        for step in routine.steps:
            if step not in exercises:
                raise ContentError(
                    f"{rel}: routine '{routine.id}': field 'steps': no exercise with id '{step}'"
                )
        if routine.extras is not None:
            _check_extras(routine, routine.extras, exercises, rel)
        pool = routine.extras.pool if routine.extras is not None else []
        used = {exercises[step].seed for step in [*routine.steps, *pool]}
        if used != set(routine.seeds):
            missing, unused = sorted(used - set(routine.seeds)), sorted(set(routine.seeds) - used)
            raise ContentError(
                f"{rel}: routine '{routine.id}': field 'seeds': must list the seeds of its "
                f"steps (missing: {', '.join(missing) or 'none'}; "
                f"unused: {', '.join(unused) or 'none'})"
            )
        routines[routine.id] = routine
    ladders = [r for r in routines.values() if r.kind == "ladder"]
    if len(ladders) != 1:
        raise ContentError(
            f"{rel}: field 'kind': need exactly one ladder routine, found {len(ladders)}"
        )

    _check_stand_ins(ladders[0], exercises, rel)
    catalogue = _catalogue(exercises)
    for routine in routines.values():
        _check_extras_fill(routine, catalogue, rel)

    rel = "content/progression.yaml"
    progression = _parse_one(Progression, read(root / "progression.yaml"), rel)
    ladder_len = len(ladders[0].steps)
    for field, value in (
        ("gates.level", progression.gates.level),
        ("gates.comfortable_step", progression.gates.comfortable_step),
        ("gates.sharp_pain_step", progression.gates.sharp_pain_step),
        ("flare.max_level", progression.flare.max_level),
    ):
        if value > ladder_len:
            raise ContentError(
                f"{rel}: field '{field}': {value} is beyond the ladder's {ladder_len} steps"
            )

    rel = "content/texts.yaml"
    texts_data = read(root / "texts.yaml")
    if not isinstance(texts_data, dict) or not isinstance(texts_data.get("texts"), dict):
        raise ContentError(f"{rel}: expected a top-level 'texts:' mapping")
    texts = _parse_one(Texts, texts_data["texts"], rel)
    texts._locale = _locale(
        translations.language if translations else texts_data.get("locale", DEFAULT_LOCALE), rel
    )
    _check_placeholders(texts, rel)
    raw_commands = texts_data.get("commands")
    if not isinstance(raw_commands, dict) or not raw_commands:
        raise ContentError(f"{rel}: expected a 'commands:' mapping of command to description")
    commands: list[Command] = []
    if len(raw_commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
        raise ContentError(
            f"{rel}: field 'commands': Telegram's menu takes at most "
            f"{BotCommandLimit.MAX_COMMAND_NUMBER} commands"
        )
    shortest, longest = BotCommandLimit.MIN_COMMAND, BotCommandLimit.MAX_COMMAND
    for name, description in raw_commands.items():
        if not re.fullmatch(rf"[a-z0-9_]{{{shortest},{longest}}}", str(name)) or not isinstance(
            description, str
        ):
            raise ContentError(
                f"{rel}: command '{name}': field 'commands': need a lowercase name "
                "and a description"
            )
        if not 3 <= len(description) <= BotCommandLimit.MAX_DESCRIPTION:
            raise ContentError(
                f"{rel}: command '{name}': field 'commands': description must be "
                f"3-{BotCommandLimit.MAX_DESCRIPTION} characters"
            )
        commands.append(Command(str(name), description))

    rel = "content/choices.yaml"
    choices = _parse_one(Choices, read(root / "choices.yaml"), rel)
    if poses is None:
        poses = _load_poses(root, exercises)

    return Content(
        sources=sources,
        exercises=exercises,
        routines=routines,
        progression=progression,
        texts=texts,
        choices=choices,
        commands=tuple(commands),
        exercise_files=exercise_files,
        catalogue=catalogue,
        poses=poses,
        language=texts.locale.language,
    )
