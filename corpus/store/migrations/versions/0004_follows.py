"""Residents follow topics: followers (the only table with chat ids), follows, the outbox.

``followers`` holds a chat id only while the chat follows something; ``follows`` its
topics; ``notifications`` is the outbox, one row per new issue and follower, which
keeps a follower from hearing twice about one issue and a restart from losing what was
still to be sent. The last issue already matched against the follows is kept in
``meta`` (``follow_last_issue``): set here to the newest stored issue, so that issues
stored before following existed are never announced.

Frozen: plain SQLAlchemy types, never the models. Self-contained (its own tables and one
``meta`` row), so it can be re-chained after other revisions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURSOR_KEY = "follow_last_issue"


def upgrade() -> None:
    op.create_table(
        "followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_type", sa.String(length=16), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retention_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
    )
    op.create_index("ix_followers_active_at", "followers", ["active_at"])
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["follower_id"], ["followers.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("follower_id", "topic", name="uq_follow_topic"),
    )
    op.create_index("ix_follows_follower_id", "follows", ["follower_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=False),
        sa.Column("spans", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=600), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["follower_id"], ["followers.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("issue_id", "follower_id", name="uq_notification_issue_follower"),
    )
    op.create_index("ix_notifications_issue_id", "notifications", ["issue_id"])
    op.create_index("ix_notifications_follower_id", "notifications", ["follower_id"])
    op.create_index("ix_notifications_status", "notifications", ["status", "id"])
    newest = op.get_bind().execute(sa.text("SELECT MAX(id) FROM issues")).scalar()
    meta = sa.table("meta", sa.column("key", sa.String(100)), sa.column("value", sa.Text))
    op.execute(sa.delete(meta).where(meta.c.key == CURSOR_KEY))
    op.bulk_insert(meta, [{"key": CURSOR_KEY, "value": str(newest or 0)}])


def downgrade() -> None:
    meta = sa.table("meta", sa.column("key", sa.String(100)))
    op.execute(sa.delete(meta).where(meta.c.key == CURSOR_KEY))
    for table in ("notifications", "follows", "followers"):
        op.drop_table(table)
