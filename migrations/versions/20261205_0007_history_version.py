"""the runner's history version: a number that moves whenever their history does

- users.history_version: 0 for every runner stored before, then one more for each row of
  their history inserted, changed or deleted (pain_checkins, routine_sessions,
  step_events, level_changes; a change of a column the history reads), by triggers in
  the database itself, so no writer can forget it, in this process or another. Only the
  runner's own units take their row's lock this way: the writes outside one (the step
  message's id, the hold timer) change no column the history reads. A process that read
  a runner's history at version N may use what it read while the runner's row still
  says N (the check-ins' history cache, bot/services/histories.py); any other number
  means read it again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables the history is read from, the columns it reads (an update of any other
# column, such as the message that shows a session's step or its hold timer, is not a
# change of history), and how a row names its runner.
_COLUMNS = {
    "pain_checkins": "user_id, local_date, score, context, recorded_at, session_id",
    "routine_sessions": (
        "user_id, local_date, started_at, level, planned_level, in_flare, routine_id, status, steps"
    ),
    "level_changes": "user_id, local_date, at, decision, rule_id, from_level, to_level, numbers",
    "step_events": "session_id, exercise_id, outcome",
}
_OWNER = {
    "pain_checkins": "{row}.user_id",
    "routine_sessions": "{row}.user_id",
    "level_changes": "{row}.user_id",
    "step_events": "(SELECT user_id FROM routine_sessions WHERE id = {row}.session_id)",
}
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _bump(*owners: str) -> str:
    return (
        f"UPDATE users SET history_version = history_version + 1 WHERE id IN ({', '.join(owners)});"
    )


def _sqlite_trigger(table: str, event: str) -> str:
    # An update that moved the row to another runner moves both runners.
    rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
    body = _bump(*(_OWNER[table].format(row=row) for row in rows))
    when = f"UPDATE OF {_COLUMNS[table]}" if event == "UPDATE" else event
    return (
        f"CREATE TRIGGER {table}_history_{event.lower()} AFTER {when} ON {table}"
        f" FOR EACH ROW BEGIN {body} END"
    )


def _postgres_function(table: str) -> str:
    owner = _OWNER[table]
    return f"""
CREATE FUNCTION {table}_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_bump(owner.format(row="OLD"))}
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
            AND {owner.format(row="NEW")} IS DISTINCT FROM {owner.format(row="OLD")}) THEN
        {_bump(owner.format(row="NEW"))}
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("history_version", sa.Integer(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in _OWNER:
            op.execute(_postgres_function(table))
            op.execute(
                f"CREATE TRIGGER {table}_history"
                f" AFTER INSERT OR UPDATE OF {_COLUMNS[table]} OR DELETE ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION {table}_history()"
            )
    else:
        for table in _OWNER:
            for event in _EVENTS:
                op.execute(_sqlite_trigger(table, event))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _OWNER:
            op.execute(f"DROP TRIGGER {table}_history ON {table}")
            op.execute(f"DROP FUNCTION {table}_history()")
    else:
        for table in _OWNER:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER {table}_history_{event.lower()}")
    op.drop_column("users", "history_version")
