"""The values the bot stores, owned by the domain: the database columns use these enums
(`bot.db.models`), the pure rules compare against them, nothing mirrors them."""

from __future__ import annotations

from enum import StrEnum


class UserStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED = "blocked"  # Telegram said the runner blocked the bot: no reminders
    RED_FLAG = "red_flag"  # a safety stop: no programme until a doctor has cleared them


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    STOPPED = "stopped"
    ABANDONED = "abandoned"  # left unfinished on an earlier day, or replaced by another routine


class StepOutcome(StrEnum):
    """What the runner answered on one step of a session."""

    DONE = "done"
    EASIER = "easier"
    SKIPPED = "skipped"
    HURTS = "hurts"
    STOPPED = "stopped"


class CheckinKind(StrEnum):
    """When a pain rating was given (stored in the `context` column of pain_checkins)."""

    AFTER_SESSION = "after_session"
    AFTER_RUN = "after_run"
    MORNING = "morning"
    AD_HOC = "ad_hoc"


class DeliveryKind(StrEnum):
    REMINDER = "reminder"
    MORNING_CHECKIN = "morning_checkin"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # claimed by a sweep, not yet confirmed sent
    SENT = "sent"
    SNOOZED = "snoozed"  # the runner asked for it again in 30 minutes
    SKIPPED = "skipped"  # the runner tapped "Skip today"
    MISSED = "missed"  # the bot was down past the grace window: not sent, on purpose
    FAILED = "failed"  # Telegram refused for good (blocked) or retries ran out


# Reminder days as a bit mask, Monday is bit 0.
ALL_DAYS = 0b1111111
WEEKDAYS_MASK = 0b0011111
WEEKENDS_MASK = 0b1100000
