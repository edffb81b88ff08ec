"""The thresholds of PROGRESSION.md as typed, validated data. The values live in
content/progression.yaml (a clinician tunes them there); the shape belongs to the rules
that read them (`bot.domain.progression`), so it lives beside them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Zones(_Model):
    green_max: int = Field(ge=0, le=10)
    amber_max: int = Field(ge=0, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> Zones:
        if not self.green_max < self.amber_max < 10:
            raise ValueError("need green_max < amber_max < 10")
        return self


class Baseline(_Model):
    first_mornings: int = Field(ge=1)
    recompute_days: int = Field(ge=1)
    recompute_window_days: int = Field(ge=1, description="the median's window")
    recompute_min_mornings: int = Field(ge=1)
    max_rise: int = Field(ge=0, description="B rises by at most this much a recompute")
    trend_days: int = Field(ge=1)


class LevelUp(_Model):
    sessions_in_a_row: int = Field(ge=1)
    max_pain: int = Field(ge=0, le=10)
    min_days_between: int = Field(ge=0)


class LevelDown(_Model):
    pain_above: int = Field(ge=0, le=10)
    hold_sessions: int = Field(ge=0)


class Flare(_Model):
    pain_at_least: int = Field(ge=0, le=10)
    morning_rise: int = Field(ge=1)
    morning_rise_days: int = Field(ge=1)
    morning_gap_days: int = Field(ge=1, description="mornings in a row: at most this apart")
    max_level: int = Field(ge=1)
    clinician_after_days: int = Field(ge=1)
    clinician_every_days: int = Field(ge=1, description="R6b advice at most once in N days")
    second_flare_days: int = Field(ge=0)
    weekly_rise: int = Field(ge=1)


class Runs(_Model):
    no_level_up_days: int = Field(ge=0, description="after an unsettled morning after a run")


class Gates(_Model):
    level: int = Field(ge=1, description="the level this gate guards")
    pain_below: int = Field(ge=0, le=10)
    comfortable_step: int = Field(ge=1)
    comfortable_sessions: int = Field(ge=1)
    sharp_pain_step: int = Field(ge=1)
    sharp_pain_drop_days: int = Field(ge=1)
    top_level: int = Field(ge=1, description="the level the sharp-pain step's gate guards")


class Dosing(_Model):
    seconds_per_stretch: int = Field(ge=1)
    nudge_below_sessions: int = Field(ge=1)
    nudge_window_days: int = Field(ge=1)


class Improvement(_Model):
    points: int = Field(ge=1)
    percent: int = Field(ge=1, le=100)
    small_baseline_max: int = Field(ge=0, le=10)
    small_baseline_points: int = Field(ge=1)
    # "Recovered" needs W of 0 over at least this many mornings (one 0 is not a week).
    recovered_mornings: int = Field(default=3, ge=1)


class Labels(_Model):
    mild_min: int = Field(ge=1, le=10)
    moderate_min: int = Field(ge=1, le=10)
    severe_min: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> Labels:
        if not self.mild_min < self.moderate_min < self.severe_min:
            raise ValueError("need mild_min < moderate_min < severe_min")
        return self


class Screening(_Model):
    confirm_movement_from: int = Field(ge=0, le=11, description="11: never asked again")


class Progression(_Model):
    """The thresholds of PROGRESSION.md; defaults live in content/progression.yaml."""

    zones: Zones
    settled_margin: int = Field(ge=0)
    baseline: Baseline
    level_up: LevelUp
    level_down: LevelDown
    flare: Flare
    runs: Runs
    gates: Gates
    dosing: Dosing
    improvement: Improvement
    labels: Labels
    screening: Screening
