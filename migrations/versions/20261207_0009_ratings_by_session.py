"""ratings found by their session: pain_checkins.session_id indexed

A session's rating is looked up by its session in two places, and neither had an index,
so each read every rating of every runner:

- the after-session rating, the most common check-in, first checks that the session has
  none yet: 24 ms on a database of 1,000 runners with 120 days each (261,695 ratings),
  growing with every runner's ratings, with SQLite's write lock held (with the index,
  0.007 ms);
- deleting a session (a runner's /delete) sets its ratings' session_id to NULL (ON DELETE
  SET NULL), which SQLite does by reading every rating, once per session deleted:
  /delete of a runner with 102 sessions took 4.5 s on that database, with the write lock
  held, so every other runner's tap waited; with the index, 7-9 ms.

Every other foreign key column already leads an index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_pain_checkins_session_id", "pain_checkins", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_pain_checkins_session_id", table_name="pain_checkins")
