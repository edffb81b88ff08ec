"""the runner's language: what every message to them is written in

- users.language: "en", "de", "es", "ru"... chosen at /start from Telegram's language
  code and changeable in /settings. NULL for every runner stored before: they keep
  English, the only language there was, until they choose another in /settings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, also on SQLite: batch mode would copy the users table, and
    # dropping the old one would cascade to every row that refers to it (see 0005).
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
