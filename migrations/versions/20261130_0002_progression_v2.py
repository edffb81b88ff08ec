"""progression rules, version 2: what the rules store, and a morning time that fits

- users.rules_memory: B0, B and their dates and the daily jobs' last day (JSON), filled
  from the morning ratings a runner already has (B0 = the median of their first 7);
- routine_sessions.planned_level / in_flare: the stored level and flare mode at the start,
  so a session run below the stored level does not count toward a level-up;
- level_changes.decision / local_date: each recorded decision's name and the runner's
  local date it belongs to, read back from the rule ids and numbers already stored;
- users.morning_time: a runner whose reminder comes before noon and whose morning question
  was still at the unasked 08:00 default now gets it with the reminder.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.domain.zones import tzinfo_for

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_MORNINGS = 7  # content/progression.yaml baseline.first_mornings at the time of writing
OLD_MORNING_DEFAULT = time(8, 0)

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("time_zone", sa.String),
    sa.column("reminder_time", sa.Time),
    sa.column("morning_time", sa.Time),
    sa.column("rules_memory", sa.JSON),
)
checkins = sa.table(
    "pain_checkins",
    sa.column("user_id", sa.Integer),
    sa.column("score", sa.SmallInteger),
    sa.column("context", sa.String),
    sa.column("local_date", sa.Date),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("id", sa.Integer),
)
changes = sa.table(
    "level_changes",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("from_level", sa.SmallInteger),
    sa.column("to_level", sa.SmallInteger),
    sa.column("rule_id", sa.String),
    sa.column("numbers", sa.JSON),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("decision", sa.String),
    sa.column("local_date", sa.Date),
)
sessions = sa.table(
    "routine_sessions",
    sa.column("level", sa.SmallInteger),
    sa.column("planned_level", sa.SmallInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("rules_memory", sa.JSON(), nullable=True))
    with op.batch_alter_table("routine_sessions") as batch:
        batch.add_column(sa.Column("planned_level", sa.SmallInteger(), nullable=True))
        batch.add_column(
            sa.Column("in_flare", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("level_changes") as batch:
        batch.add_column(sa.Column("decision", sa.String(16), nullable=True))
        batch.add_column(sa.Column("local_date", sa.Date(), nullable=True))

    conn = op.get_bind()
    conn.execute(sa.update(sessions).values(planned_level=sessions.c.level))
    zones = _fill_users(conn)
    _fill_changes(conn, zones)

    with op.batch_alter_table("level_changes") as batch:
        batch.alter_column("decision", existing_type=sa.String(16), nullable=False)
        batch.alter_column("local_date", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("routine_sessions") as batch:
        batch.alter_column("in_flare", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("level_changes") as batch:
        batch.drop_column("local_date")
        batch.drop_column("decision")
    with op.batch_alter_table("routine_sessions") as batch:
        batch.drop_column("in_flare")
        batch.drop_column("planned_level")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("rules_memory")


def _fill_users(conn: sa.Connection) -> dict[int, str]:
    """B0 from each runner's first mornings; the morning time; each runner's zone."""
    zones: dict[int, str] = {}
    mornings: dict[int, dict[date, tuple[datetime, int, int]]] = {}
    rows = conn.execute(
        sa.select(
            checkins.c.user_id,
            checkins.c.local_date,
            checkins.c.recorded_at,
            checkins.c.id,
            checkins.c.score,
        ).where(checkins.c.context == "morning")
    )
    for user_id, day, at, row_id, score in rows:
        by_day = mornings.setdefault(user_id, {})
        seen = by_day.get(day)
        if seen is None or (at, row_id) >= (seen[0], seen[1]):  # the latest of a date wins
            by_day[day] = (at, row_id, score)
    for user_id, zone, reminder, morning in conn.execute(
        sa.select(users.c.id, users.c.time_zone, users.c.reminder_time, users.c.morning_time)
    ).all():
        zones[user_id] = zone or "UTC"
        values: dict[str, Any] = {"rules_memory": _memory(mornings.get(user_id, {}))}
        if reminder is not None and reminder < time(12, 0) and morning == OLD_MORNING_DEFAULT:
            values["morning_time"] = reminder
        conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))
    return zones


def _memory(by_day: dict[date, tuple[datetime, int, int]]) -> dict[str, Any]:
    days = sorted(by_day)
    if len(days) < FIRST_MORNINGS:
        return {}
    first = days[:FIRST_MORNINGS]
    b0 = float(statistics.median(by_day[d][2] for d in first))
    fixed = first[-1].isoformat()
    return {"b0": b0, "b0_on": fixed, "b": b0, "b_on": fixed}


def _fill_changes(conn: sa.Connection, zones: dict[int, str]) -> None:
    rows = conn.execute(
        sa.select(
            changes.c.id,
            changes.c.user_id,
            changes.c.from_level,
            changes.c.to_level,
            changes.c.rule_id,
            changes.c.numbers,
            changes.c.at,
        )
    ).all()
    for row_id, user_id, from_level, to_level, rule_id, numbers, at in rows:
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        local = at.astimezone(tzinfo_for(zones.get(user_id, "UTC"))).date()
        conn.execute(
            sa.update(changes)
            .where(changes.c.id == row_id)
            .values(
                decision=_decision(rule_id, from_level, to_level, numbers or {}),
                local_date=local,
            )
        )


def _decision(rule_id: str, from_level: int, to_level: int, numbers: dict[str, Any]) -> str:
    """Version 1 stored the rule id and numbers only; each rule's decisions differ in them."""
    if to_level > from_level:
        return "level_up"
    if to_level < from_level:
        return "level_down"
    if rule_id == "R6":
        return "flare_off" if "flare_days" in numbers else "flare_on"
    if rule_id == "R6b":
        return "clinician"
    if rule_id == "R7":
        return "run_ease" if "level_up_from" in numbers else "run_keep"
    if rule_id == "R8":
        return "nudge"
    if rule_id in ("R4", "R5"):
        return "repeat"
    return "wait"
