"""Baseline: the schema as the releases before migrations created it with create_all.

A database made by such a release (these tables, no alembic_version) is stamped at this
revision instead of running it (corpus/store/migrate.py checks its tables first).

Revision ID: 0001
Revises:
Create Date: 2026-12-01

Frozen: written out with plain SQLAlchemy types, never imported from corpus.store.models,
so that later changes to the models cannot change what this revision creates. The
timestamps are ``DateTime(timezone=True)``: the DDL of the models' ``UTCDateTime``.
No column has a server default (the models' defaults are applied by SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Every table of the first release, as one transaction of DDL (long, not complex)."""
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication", sa.String(length=100), nullable=False),
        sa.Column("street", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("date_estimated", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("publication", "street", "date", name="uq_issue_identity"),
        # Unnamed, as create_all made it: PostgreSQL names it issues_content_hash_key.
        sa.UniqueConstraint("content_hash"),
    )
    op.create_index("ix_issues_date", "issues", ["date"])

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )

    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("direct_answer", sa.Text(), nullable=True),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_index("ix_query_log_created_at", "query_log", ["created_at"])
    op.create_index("ix_query_log_user_hash", "query_log", ["user_hash"])

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column("byline", sa.String(length=300), nullable=False),
        sa.Column("captions", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_articles_issue_id", "articles", ["issue_id"])

    op.create_table(
        "passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_passages_article_id", "passages", ["article_id"])
    op.create_index("ix_passages_article_position", "passages", ["article_id", "position"])
    op.create_index("ix_passages_issue_id", "passages", ["issue_id"])


def downgrade() -> None:
    # Children first: their foreign keys point at issues and articles.
    for table in ("passages", "articles", "query_log", "meta", "issues"):
        op.drop_table(table)
