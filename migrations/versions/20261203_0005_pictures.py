"""exercise pictures: uploaded once, and a runner can turn them off

- users.pictures: each step comes with its exercise's picture; true for every runner
  already stored (they get pictures from their next step on; /settings turns them off).
- picture_uploads: Telegram's file_id of each picture already uploaded, keyed by the
  picture's content hash, so every process sends it by file_id from then on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, also on SQLite (which takes NOT NULL with a constant default):
    # batch mode would copy the table, and dropping the old users table would cascade to
    # every row that refers to it.
    op.add_column(
        "users", sa.Column("pictures", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "picture_uploads",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("picture_uploads")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table: see upgrade()
    op.drop_column("users", "pictures")
