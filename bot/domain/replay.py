"""Replaying a runner's history through the progression rules (PROGRESSION.md "Replaying a
history"): the same `progression.decide` the bot calls, day by day, with the daily jobs at
the end of each day. `python -m bot replay FILE` reads the file and prints what this gives.

The history's days count from 1; they are laid on a calendar from `FIRST_DAY` (the rules
only compare dates). Within a day, events happen in the order listed; a morning tapped on
a later day (`tapped_day`) happens that day, before that day's other events, and its
decisions carry the day it was asked for; tapped two or more days later it is past its
expiry and ignored, as the bot refuses it. A second rating for a morning is ignored too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, SessionStatus
from bot.domain.thresholds import Progression

FIRST_DAY = date(2026, 1, 5)  # a Monday
Pain = Annotated[int, Field(ge=0, le=10)]
Day = Annotated[int, Field(ge=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionSpec(_Model):
    pain: Pain | None = None
    hurts: tuple[int, ...] = ()  # ladder step numbers tapped "Hurts"
    skipped: tuple[int, ...] = ()
    outcome: Literal["completed", "stopped", "abandoned"] = "completed"
    routine: Literal["ladder", "other"] = "ladder"


class RunSpec(_Model):
    pain: Pain | None = None


class Screening(_Model):
    emergency: bool = False  # R0a
    doctor: bool = False  # R0b
    movement: bool = False  # R0d


class HistoryEvent(_Model):
    day: Day
    session: SessionSpec | None = None
    run: RunSpec | None = None
    morning: Pain | None = None
    tapped_day: Day | None = None
    checkin: Pain | None = None
    screening: Screening | None = None
    cleared: bool | None = None

    @model_validator(mode="after")
    def _one(self) -> HistoryEvent:
        given = [
            name
            for name in ("session", "run", "morning", "checkin", "screening", "cleared")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "each event needs exactly one of session, run, morning, checkin, screening,"
                f" cleared (day {self.day} has {', '.join(given) or 'none'})"
            )
        if self.tapped_day is not None and (self.morning is None or self.tapped_day < self.day):
            raise ValueError(f"day {self.day}: tapped_day goes with a morning, on or after it")
        return self


class HistoryFile(_Model):
    level: int = Field(default=1, ge=1)
    onboarding_pain: Pain
    roller: bool = True
    events: tuple[HistoryEvent, ...] = ()
    until: Day | None = None


@dataclass(frozen=True)
class Line:
    """One printed decision."""

    day: int
    decision: rules.Decision

    def as_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "day": self.day,
            "rule": d.rule_id,
            "decision": d.kind,
            "level": d.to_level,
            "session_level": d.session_level,
            "flare": d.flare,
        }


def parse(data: Any) -> HistoryFile:
    """The history file's content, validated (pydantic's ValidationError names the field)."""
    return HistoryFile.model_validate(data)


def day_of(n: int) -> date:
    return FIRST_DAY + timedelta(days=n - 1)


def number_of(day: date) -> int:
    return (day - FIRST_DAY).days + 1


def replay(spec: HistoryFile, thresholds: Progression, *, max_level: int) -> list[Line]:
    """Every decision of the history, in the order the rules make them."""
    if spec.level > max_level:
        raise ValueError(f"level {spec.level} is above the ladder's {max_level}")
    history = rules.History(
        runner=rules.Runner(level=spec.level),
        onboarding_pain=spec.onboarding_pain,
        max_level=max_level,
        start=FIRST_DAY,
    )
    last = spec.until or max((max(e.day, e.tapped_day or 0) for e in spec.events), default=0)
    player = _Player(history, thresholds)
    for n in range(1, last + 1):
        today = day_of(n)
        late = [e for e in spec.events if e.tapped_day == n and e.tapped_day != e.day]
        for event in late:
            player.morning(event, today)
        for event in spec.events:
            if event.day == n and (event.tapped_day is None or event.tapped_day == n):
                player.play(event, today)
        player.decide(rules.EndOfDay(today))
    return player.lines


class _Player:
    def __init__(self, history: rules.History, thresholds: Progression) -> None:
        self.history = history
        self.rules = thresholds
        self.lines: list[Line] = []
        self.clock = datetime.combine(FIRST_DAY, time(), tzinfo=UTC)
        self.session_ids = 0

    def tick(self, day: date) -> datetime:
        """A strictly later instant on `day` (or just after the last one)."""
        start = datetime.combine(day, time(), tzinfo=UTC)
        self.clock = max(self.clock + timedelta(seconds=1), start)
        return self.clock

    def decide(self, event: rules.Event) -> None:
        outcome = rules.decide(self.history, event, self.rules)
        self.history = rules.applied(self.history, outcome)
        self.clock = max([self.clock, *(d.at for d in self.history.decisions)])
        self.lines.extend(Line(number_of(d.day), d) for d in outcome.decisions)

    def rate(self, day: date, score: int, kind: CheckinKind, session_id: int | None = None) -> None:
        rating = rules.Rating(day, score, kind, self.tick(day), session_id)
        self.history = replace(self.history, ratings=(*self.history.ratings, rating))

    def morning(self, event: HistoryEvent, today: date) -> None:
        assert event.morning is not None
        asked = day_of(event.day)
        if (today - asked).days >= 2 or asked in rules.mornings(self.history):
            return  # past its expiry, or that morning was rated already
        self.rate(asked, event.morning, CheckinKind.MORNING)
        self.decide(rules.Morning(asked, event.morning))

    def play(self, event: HistoryEvent, today: date) -> None:
        if event.morning is not None:
            self.morning(event, today)
        elif event.session is not None:
            self.session(event.session, today)
        elif event.run is not None:
            if event.run.pain is not None:
                self.rate(today, event.run.pain, CheckinKind.AFTER_RUN)
                self.decide(rules.RunPain(today, event.run.pain))
        elif event.checkin is not None:
            self.rate(today, event.checkin, CheckinKind.AD_HOC)
            self.decide(rules.AdHoc(today, event.checkin))
        elif event.screening is not None:
            s = event.screening
            rule: rules.SafetyRule | None = (
                "R0a" if s.emergency else "R0b" if s.doctor else "R0d" if s.movement else None
            )
            if rule is not None:
                self.decide(rules.Stop(today, rule))
        elif event.cleared:
            self.decide(rules.Resume(today))

    def session(self, spec: SessionSpec, today: date) -> None:
        if self.history.runner.memory.stopped_on is not None:
            return  # the bot starts no session during a safety stop
        self.session_ids += 1
        ladder = spec.routine == "ladder"
        level = rules.session_level(self.history, today, self.rules) if ladder else None
        steps = frozenset(range(1, level + 1)) if level is not None else frozenset()
        sharp = self.rules.gates.sharp_pain_step
        if level is not None and sharp in steps and self._sharp_dropped(today):
            steps = steps - {sharp}
        record = rules.SessionRecord(
            id=self.session_ids,
            day=today,
            at=self.tick(today),
            status=SessionStatus(spec.outcome),
            level=level,
            planned_level=self.history.runner.level if ladder else None,
            in_flare=self.history.runner.flare_since is not None,
            steps=steps,
            skipped=frozenset(spec.skipped) & steps,
            hurt=frozenset(spec.hurts) & steps,
            hurt_extra=not ladder and bool(spec.hurts),
        )
        self.history = replace(self.history, sessions=(*self.history.sessions, record))
        if spec.pain is not None and spec.outcome != "abandoned":
            self.rate(today, spec.pain, CheckinKind.AFTER_SESSION, record.id)
            self.decide(rules.SessionPain(today, record.id, spec.pain))

    def _sharp_dropped(self, today: date) -> bool:
        """A "hurts" on the sharp-pain step on day d drops it on days d+1 .. d+N."""
        gate = self.rules.gates
        return any(
            gate.sharp_pain_step in s.hurt
            and 1 <= (today - s.day).days <= gate.sharp_pain_drop_days
            for s in self.history.sessions
        )
