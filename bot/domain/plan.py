"""Today's plan: which exercises a session runs, at which level, for how long, and what to
tell the runner about it. One pure function, `today_plan`, serves `/session`, the reminder,
`/routines` and the onboarding summary, so what one of them announces is what the session
runs (in flare mode, without a foam roller, with a step left out after it hurt)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.progression import running_level
from bot.domain.thresholds import Progression

LADDER = "ladder"


class RoutineLike(Protocol):
    """What the plan reads of a routine (`bot.content.Routine` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def steps(self) -> Sequence[str]: ...

    @property
    def extras(self) -> ExtrasLike | None: ...


class ExtrasLike(Protocol):
    """Gentle moves a short session of a routine adds (`bot.content.Extras` is one)."""

    @property
    def min_minutes(self) -> int: ...

    @property
    def pool(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Catalogue:
    """What the plan needs to know about the exercises, built once from content/."""

    seconds: Mapping[str, float]  # exercise id -> its typical duration, all sides
    no_roller: Mapping[str, str]  # an exercise that needs a foam roller -> its substitute


@dataclass(frozen=True)
class RunnerToday:
    level: int  # the stored ladder level (flare mode does not change it)
    has_roller: bool
    in_flare: bool
    sharp_hurt_at: datetime | None = None  # the last Hurts on the sharp-pain step, if recent
    severe_recently: bool = False  # a rating at the level-4 gate's pain in the last week


class NoteKind(StrEnum):
    NO_ROLLER = "no_roller"  # a foam-roller step was swapped for its substitute
    DROPPED = "dropped"  # the sharp-pain step is left out for a few days
    FLARE = "flare"  # flare mode: only the gentlest levels
    CAPPED = "capped"  # a recent high rating: the levels past the level-4 gate wait


@dataclass(frozen=True)
class PlanNote:
    kind: NoteKind
    exercise_id: str | None = None  # DROPPED: the step left out
    until: datetime | None = None  # DROPPED: when it comes back


@dataclass(frozen=True)
class TodayPlan:
    routine_id: str
    level: int | None  # the level the session runs at; None for a routine off the ladder
    steps: tuple[str, ...]  # every step the session runs, extras last
    minutes: int  # all of them, extras included
    notes: tuple[PlanNote, ...]
    extras_from: int | None = None  # the index of the first extra in `steps`; None: none

    @property
    def extras(self) -> tuple[str, ...]:
        """The gentle moves added to a short session: not steps of the routine."""
        return () if self.extras_from is None else self.steps[self.extras_from :]

    @property
    def routine_steps(self) -> tuple[str, ...]:
        """The steps of the routine itself (the ladder steps of a ladder session)."""
        return self.steps if self.extras_from is None else self.steps[: self.extras_from]


def ladder_steps(
    ladder: Sequence[str],
    level: int,
    *,
    substitutes: Mapping[str, str],
    dropped: frozenset[str] = frozenset(),
) -> list[str]:
    """Steps 1..level of the ladder (cumulative), with equipment substitutes swapped in and
    temporarily dropped steps left out. Level is clamped to the ladder's length."""
    level = max(1, min(level, len(ladder)))
    steps = [substitutes.get(step, step) for step in ladder[:level]]
    return [step for step in steps if step not in dropped] or steps[:1]


SECONDS_PER_BREATH = 5  # a slow breath
SECONDS_PER_REP = 3  # a controlled dynamic rep (a squat, a lunge)
SETUP_SECONDS = 10  # getting into position, once a side


def dose_seconds(
    *,
    minutes: float | None = None,
    hold: float | None = None,
    breaths: float | None = None,
    reps: float = 1,
    sets: float = 1,
    rest: float = 0,
    sides: int = 1,
) -> float:
    """A typical duration of one exercise's dose, all sets and sides (each number a typical
    value of the content's range): what `Catalogue.seconds` holds and `minutes_of` adds up.
    A timed dose (`minutes`) is that long a rep; otherwise a rep is a hold, some breaths or one
    dynamic movement, plus the time to get into position. Rest comes between sets."""
    if minutes is not None:
        per_rep, setup = minutes * 60, 0.0
    elif hold is not None:
        per_rep, setup = hold, SETUP_SECONDS
    elif breaths is not None:
        per_rep, setup = breaths * SECONDS_PER_BREATH, SETUP_SECONDS
    else:
        per_rep, setup = SECONDS_PER_REP, SETUP_SECONDS
    return sets * sides * reps * per_rep + sides * setup + (sets - 1) * rest


def minutes_of(steps: Sequence[str], catalogue: Catalogue) -> int:
    """How long the steps take, in whole minutes (at least one)."""
    return max(1, round(sum(catalogue.seconds[step] for step in steps) / 60))


def with_extras(
    steps: Sequence[str], extras: ExtrasLike | None, catalogue: Catalogue
) -> tuple[tuple[str, ...], int | None]:
    """`steps`, and after them the pool's moves in order (those not already in the
    session) until the session lasts `min_minutes`; the index of the first extra, or None
    when the session is long enough as it is (or there is no pool)."""
    chosen = list(steps)
    if extras is None:
        return tuple(chosen), None
    for move in extras.pool:
        if minutes_of(chosen, catalogue) >= extras.min_minutes:
            break
        if move not in chosen:
            chosen.append(move)
    first = len(steps) if len(chosen) > len(steps) else None
    return tuple(chosen), first


def today_plan(
    routine: RoutineLike,
    *,
    runner: RunnerToday,
    catalogue: Catalogue,
    rules: Progression,
    now: datetime,
) -> TodayPlan:
    """The session the runner gets today from `routine`: the ladder at their level (at the
    flare level in flare mode), or a chosen routine whole; foam-roller steps swapped when
    they have none; the sharp-pain step left out for a few days after it hurt; and, when
    that is shorter than the routine's `extras.min_minutes`, gentle extras after it (not
    ladder steps: PROGRESSION.md, "Extras")."""
    substitutes = {} if runner.has_roller else dict(catalogue.no_roller)
    if routine.kind != LADDER:
        steps, first = with_extras(
            [substitutes.get(step, step) for step in routine.steps], routine.extras, catalogue
        )
        return TodayPlan(routine.id, None, steps, minutes_of(steps, catalogue), (), first)

    stored = max(1, min(runner.level, len(routine.steps)))
    level = running_level(
        stored, in_flare=runner.in_flare, severe_recently=runner.severe_recently, rules=rules
    )
    notes: list[PlanNote] = []
    dropped: frozenset[str] = frozenset()
    gates = rules.gates
    sharp_index = gates.sharp_pain_step - 1
    window = timedelta(days=gates.sharp_pain_drop_days)
    if (
        runner.sharp_hurt_at is not None
        and sharp_index < level
        and now - runner.sharp_hurt_at <= window
    ):
        sharp = routine.steps[sharp_index]
        dropped = frozenset({substitutes.get(sharp, sharp)})
        notes.append(PlanNote(NoteKind.DROPPED, sharp, runner.sharp_hurt_at + window))
    steps, first = with_extras(
        ladder_steps(routine.steps, level, substitutes=substitutes, dropped=dropped),
        routine.extras,
        catalogue,
    )
    if any(step in substitutes for step in routine.steps[:level]):
        notes.append(PlanNote(NoteKind.NO_ROLLER))
    if runner.in_flare:
        notes.append(PlanNote(NoteKind.FLARE))
    elif level < stored:
        notes.append(PlanNote(NoteKind.CAPPED))
    return TodayPlan(routine.id, level, steps, minutes_of(steps, catalogue), tuple(notes), first)
