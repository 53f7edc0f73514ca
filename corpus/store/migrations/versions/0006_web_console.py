"""The web console: one-time sign-in links, browser sessions, and staff's synonyms.

``web_links`` and ``web_sessions`` hold only hashes of their tokens and the query log's
pseudonym of the person; ``synonyms`` holds the everyday → official pairs staff add from
the content gaps page, read on top of the shipped table by every process.

Frozen like the others: plain SQLAlchemy types (timestamps are ``DateTime(timezone=True)``,
the DDL of the models' ``UTCDateTime``), nothing imported from the models.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "synonyms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("everyday", sa.String(40), nullable=False),
        sa.Column("official", sa.String(40), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("everyday", "official", name="uq_synonym_pair"),
    )
    op.create_table(
        "web_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_links_expires_at", "web_links", ["expires_at"])
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_index("ix_web_sessions_user_hash", "web_sessions", ["user_hash"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user_hash", table_name="web_sessions")
    op.drop_index("ix_web_sessions_expires_at", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index("ix_web_links_expires_at", table_name="web_links")
    op.drop_table("web_links")
    op.drop_table("synonyms")
