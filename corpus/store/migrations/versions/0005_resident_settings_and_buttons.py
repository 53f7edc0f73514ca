"""Residents' settings (/settings: my street, language) and the state behind inline buttons.

``resident_settings`` holds each resident's choices under the query log's pseudonym (a
keyed HMAC of the Telegram id), never the id itself. ``button_state`` keeps what an
answer's buttons refer to (更多结果, 全文, 👍/👎, "read on"), so they still work after a
restart; rows older than the bot's age limit are purged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_settings",
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("street", sa.String(100), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_hash"),
    )
    op.create_table(
        "button_state",
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("chat_hash", sa.String(64), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_button_state_created_at", "button_state", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_button_state_created_at", table_name="button_state")
    op.drop_table("button_state")
    op.drop_table("resident_settings")
