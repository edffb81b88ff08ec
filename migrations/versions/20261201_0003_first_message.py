"""the message that began a runner's record

- users.first_message_id: the /start message that created the row. Message ids only grow
  in a chat, so a button on an older message was drawn for a record that /delete has
  removed since, and a tap on it is stale whatever ids it carries (SQLite hands a deleted
  row's id to the next row, so a session or delivery id alone does not tell).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows from before it stay NULL: no bound, as before.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("first_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("first_message_id")
