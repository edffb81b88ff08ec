"""a session on the floor: sides and techniques, hold timers, extras, the reminder's routine

- routine_sessions.step_part: where the runner is inside the current step (a side, or one
  of the techniques of an exercise walked in parts); 0 for the sessions already stored.
- routine_sessions.timer_ends_at: the end of the hold timer running on the current step.
- routine_sessions.extras_from: the first extra step of a short session, if it has any.
- reminder_deliveries.routine_id: the routine a reminder named, so its Start starts it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routine_sessions") as batch:
        batch.add_column(
            sa.Column("step_part", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("timer_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("extras_from", sa.SmallInteger(), nullable=True))
        batch.create_index("ix_routine_sessions_timer_ends_at", ["timer_ends_at"])
    with op.batch_alter_table("reminder_deliveries") as batch:
        # Deliveries from before it stay NULL: their Start starts the runner's routine.
        batch.add_column(sa.Column("routine_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_deliveries") as batch:
        batch.drop_column("routine_id")
    with op.batch_alter_table("routine_sessions") as batch:
        batch.drop_index("ix_routine_sessions_timer_ends_at")
        batch.drop_column("extras_from")
        batch.drop_column("timer_ends_at")
        batch.drop_column("step_part")
