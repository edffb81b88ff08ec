"""SQLAlchemy 2 typed models. Portable: the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain.enums import (
    ALL_DAYS,
    CheckinKind,
    DeliveryKind,
    DeliveryStatus,
    SessionStatus,
    StepOutcome,
    UserStatus,
)
from bot.domain.onboarding import Step, parse_step
from bot.domain.questions import Awaiting, parse_awaiting, stored

# Named constraints, so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class AwaitingColumn(TypeDecorator[Awaiting]):
    """The open question, parsed (`bot.domain.questions`); stored as a short string."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Awaiting | None, dialect: Dialect) -> str | None:
        return stored(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Awaiting | None:
        return parse_awaiting(value)


class StepColumn(TypeDecorator[Step]):
    """Where onboarding stands (`bot.domain.onboarding.Step`); an unknown value reads as
    "welcome", so a runner with a corrupt row is simply set up again."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Step | None, dialect: Dialect) -> str | None:
        return None if value is None else Step(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Step | None:
        if value is None:
            return None
        return parse_step(value) or Step.WELCOME


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012  (SQLAlchemy reads it)
        datetime: UTCDateTime(),
        date: Date(),
        time: Time(),
    }


class User(Base):
    """A runner, keyed by their Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))  # Telegram's, as sent
    # The language the bot writes to them in (bot.i18n); None: English (chosen before 0006).
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[UserStatus] = mapped_column(
        _enum(UserStatus, "user_status"), default=UserStatus.ACTIVE
    )
    # Where onboarding stands: the name of the open question, or "done".
    onboarding_step: Mapped[Step] = mapped_column(StepColumn(), default=Step.WELCOME)
    onboarding_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The settings question waiting for an answer (None when none), and the message that
    # carries the open question's buttons: a tap on any other message has expired.
    awaiting: Mapped[Awaiting | None] = mapped_column(AwaitingColumn())
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The /start message that created this row. Message ids only grow in a chat, so a
    # button on an older message was drawn for a record /delete removed: it is stale.
    first_message_id: Mapped[int | None] = mapped_column(BigInteger)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    reminder_time: Mapped[time | None]
    reminder_days: Mapped[int] = mapped_column(SmallInteger, default=ALL_DAYS)
    has_foam_roller: Mapped[bool | None]
    # Each step comes with its exercise's picture (off: text only, to save data)
    pictures: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    routine_id: Mapped[str] = mapped_column(String(64), default="decompression")
    baseline_pain: Mapped[int | None] = mapped_column(SmallInteger)
    paused_until: Mapped[datetime | None]
    flare_since: Mapped[datetime | None]
    # What the progression rules keep between check-ins beyond the level and flare mode
    # (B0, B and their dates, the last day the daily jobs ran): `domain.progression.Memory`.
    rules_memory: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_reminder_at: Mapped[datetime | None] = mapped_column(index=True)
    # A snoozed reminder fires again at next_reminder_at but still belongs to this date.
    snooze_date: Mapped[date | None]
    # The morning check-in ("How's your back this morning?") the day after a session or run.
    morning_time: Mapped[time] = mapped_column(default=time(8, 0))
    next_morning_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # One more for every row of their history written (check-ins, sessions, step answers,
    # decisions): moved by triggers in the database (migration 0007), never by the code.
    history_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    sessions: Mapped[list[RoutineSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("level >= 1", name="level_positive"),
        CheckConstraint("reminder_days >= 0 AND reminder_days <= 127", name="reminder_days_mask"),
        CheckConstraint(
            "baseline_pain IS NULL OR (baseline_pain >= 0 AND baseline_pain <= 10)",
            name="baseline_pain_range",
        ),
    )


class RoutineSession(Base):
    """One run-through of a routine, one step at a time."""

    __tablename__ = "routine_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[int | None] = mapped_column(SmallInteger)
    # The exercise ids of this session, fixed when it starts (content may change later).
    steps: Mapped[list[str]] = mapped_column(JSON)
    current_step: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Bumped whenever the current step changes under the runner (Hurts, Easier), so a tap on
    # the step's earlier buttons is recognised as stale even though the index is the same.
    step_version: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Hurts was tapped on the current step: only Easier, Skip and Stop are offered.
    step_hurt: Mapped[bool] = mapped_column(default=False)
    # Where the runner is inside the current step: its side (left 0, right 1) and, for an
    # exercise walked as several techniques, which one. 0 for a single-part step.
    step_part: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # When the hold timer the runner started on the current step ends; None when none runs.
    # Every tap that moves the step clears it, so a timer never fires for a step that is over.
    timer_ends_at: Mapped[datetime | None] = mapped_column(index=True)
    # The index of the first extra step (gentle moves added to a short session, not ladder
    # steps); None when the session has none.
    extras_from: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus, "session_status"), default=SessionStatus.IN_PROGRESS
    )
    local_date: Mapped[date]
    step_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The runner's stored ladder level and flare mode when the session started: a session run
    # below the stored level (flare, the level-3 cap) does not count toward a level-up.
    planned_level: Mapped[int | None] = mapped_column(SmallInteger)
    in_flare: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")
    events: Mapped[list[StepEvent]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_routine_sessions_user_status", "user_id", "status"),
        Index("ix_routine_sessions_user_day", "user_id", "local_date"),
        # At most one session in progress per runner, whatever races the handlers lose.
        Index(
            "uq_routine_sessions_one_in_progress",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        CheckConstraint("current_step >= 0", name="current_step_positive"),
    )


class StepEvent(Base):
    """What the runner answered on one step of a session."""

    __tablename__ = "step_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("routine_sessions.id", ondelete="CASCADE"), index=True
    )
    step_index: Mapped[int] = mapped_column(SmallInteger)
    exercise_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[StepOutcome] = mapped_column(_enum(StepOutcome, "step_outcome"))
    at: Mapped[datetime]

    session: Mapped[RoutineSession] = relationship(back_populates="events")


class PainCheckin(Base):
    """A pain rating, 0-10 (NPRS). Health data: never logged in clear."""

    __tablename__ = "pain_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    context: Mapped[CheckinKind] = mapped_column(_enum(CheckinKind, "checkin_context"))
    # Indexed: a session's rating is looked up by it, and a deleted session's ratings
    # are set to NULL by it (migration 0009).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("routine_sessions.id", ondelete="SET NULL"), index=True
    )
    local_date: Mapped[date]
    recorded_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        # Every read of ratings asks for a runner's from a local date on (migration 0008).
        Index("ix_pain_checkins_user_day", "user_id", "local_date"),
    )


class ReminderDelivery(Base):
    """A reminder or morning prompt for one user and local date: sent at most once."""

    __tablename__ = "reminder_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(_enum(DeliveryKind, "delivery_kind"))
    local_date: Mapped[date]
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    snoozed: Mapped[bool] = mapped_column(default=False)
    # The routine the reminder named, so its Start starts that one (None: sent before 0004).
    # On a morning question asked before a session: the routine that session is for
    # (None: the daily one).
    routine_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "local_date"),
        Index("ix_reminder_deliveries_status_claimed", "status", "claimed_at"),
    )


class LevelChange(Base):
    """A decision of the progression rules, with the rule id and the numbers behind it."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[int] = mapped_column(SmallInteger)
    to_level: Mapped[int] = mapped_column(SmallInteger)
    rule_id: Mapped[str] = mapped_column(String(8))
    # The decision's name (`domain.progression.DecisionKind`) and the runner's local date it
    # belongs to (a late morning rating's decisions carry the morning's date).
    decision: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date]
    numbers: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]


class PictureUpload(Base):
    """An exercise picture Telegram already has: sent by its `file_id` from then on, by
    every process. Keyed by the picture's identity (`bot.poses.Pose.key`, its data and the
    drawing style), so a changed pose is a new picture, uploaded again."""

    __tablename__ = "picture_uploads"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(256))
    uploaded_at: Mapped[datetime]
