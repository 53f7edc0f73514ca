"""The query log records whether each reply was delivered, so undelivered answers count.

Until now an entry was written only after its reply was sent: a reply lost to a Telegram
5xx, a run of 429s or a network error left no trace, and /stats never counted the
question. ``query_log.delivery`` is ``sent`` or ``failed``; every existing entry was
logged after a successful send, so the column's default, ``sent``, is also their truth.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(
            sa.Column("delivery", sa.String(16), nullable=False, server_default="sent")
        )


def downgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.drop_column("delivery")
