"""The time source. Domain and scheduler code take a Clock so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, and later the playground)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware instant")
        instant = instant.astimezone(UTC)
        if instant < self._now:
            raise ValueError("time only moves forward")
        self._now = instant
        return self._now


class TravelClock:
    """Real time plus an offset that only grows: the playground's clock. Time flows as
    usual and a demo can jump ahead ("+1 day", "to tomorrow 07:29"); never backwards, so
    nothing already stored ends up in the future. `python -m bot run` never uses it."""

    def __init__(self, real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._real.now() + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._offset += delta
        return self.now()

    def travel_to(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("TravelClock needs a timezone-aware instant")
        return self.advance(instant.astimezone(UTC) - self.now())
