"""the history read by day: ratings and sessions indexed by runner and local date

Every read of a runner's history asks for the rows from a local date on (a check-in's
rules, the daily jobs' week, /progress, the morning question). Ratings were indexed by
runner and time recorded, so such a read walked all of a runner's ratings and looked up
each row's date; sessions were indexed by runner and status, the same walk. The first
reminder of the day for 200 runners who used the bot yesterday, reading their week,
spent about 25 ms walking 120 days of ratings and 12 ms of sessions, with SQLite's write
lock held; with these indexes, 5-10 ms and 4 ms.

- ix_pain_checkins_user_day (user_id, local_date) replaces ix_pain_checkins_user_recorded
  (user_id, recorded_at): no statement looks a runner's ratings up by the time recorded
  (the operator's weekly count reads all runners' and could not use it either), and the
  planner chose that index for its order and walked every rating to find the week.
- ix_routine_sessions_user_day (user_id, local_date), beside the index by status that the
  session in progress is found by.

Indexes only: no row changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_pain_checkins_user_day", "pain_checkins", ["user_id", "local_date"])
    op.drop_index("ix_pain_checkins_user_recorded", table_name="pain_checkins")
    op.create_index(
        "ix_routine_sessions_user_day", "routine_sessions", ["user_id", "local_date"]
    )


def downgrade() -> None:
    op.drop_index("ix_routine_sessions_user_day", table_name="routine_sessions")
    op.create_index(
        "ix_pain_checkins_user_recorded", "pain_checkins", ["user_id", "recorded_at"]
    )
    op.drop_index("ix_pain_checkins_user_day", table_name="pain_checkins")
