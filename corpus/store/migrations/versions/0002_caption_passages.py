"""Photo captions become passages of their own, so a fact printed only under a photo is found.

Passages get a ``kind``: ``text`` (a run of the article's sentences, as before) or
``caption`` (one photo caption). Every article's stored captions are copied into caption
passages after its text passages, and the corpus version moves, so every running index
rebuilds and can quote them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the tables this revision reads and writes (never the models).
_articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("issue_id", sa.Integer),
    sa.column("captions", sa.Text),
)
_passages = sa.table(
    "passages",
    sa.column("article_id", sa.Integer),
    sa.column("issue_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("heading", sa.String(300)),
    sa.column("text", sa.Text),
    sa.column("kind", sa.String(16)),
)
_meta = sa.table("meta", sa.column("key", sa.String(100)), sa.column("value", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("passages") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="text")
        )
    connection = op.get_bind()
    last = dict(
        connection.execute(
            sa.select(_passages.c.article_id, sa.func.max(_passages.c.position)).group_by(
                _passages.c.article_id
            )
        ).all()
    )
    rows = []
    for article_id, issue_id, captions in connection.execute(
        sa.select(_articles.c.id, _articles.c.issue_id, _articles.c.captions)
    ):
        lines = [line.strip() for line in (captions or "").splitlines() if line.strip()]
        start = (last.get(article_id) or 0) + 1
        rows += [
            {
                "article_id": article_id,
                "issue_id": issue_id,
                "position": start + n,
                "heading": "",
                "text": line,
                "kind": "caption",
            }
            for n, line in enumerate(lines)
        ]
    if rows:
        op.bulk_insert(_passages, rows)
        _bump_corpus_version(connection)


def downgrade() -> None:
    op.execute(_passages.delete().where(_passages.c.kind == "caption"))
    with op.batch_alter_table("passages") as batch:
        batch.drop_column("kind")
    _bump_corpus_version(op.get_bind())


def _bump_corpus_version(connection: sa.Connection) -> None:
    """Move the corpus version (what corpus.store.issues.bump_corpus_version does)."""
    key = "corpus_version"
    value = connection.execute(sa.select(_meta.c.value).where(_meta.c.key == key)).scalar()
    if value is None:
        connection.execute(_meta.insert().values(key=key, value="1"))
    else:
        connection.execute(
            _meta.update().where(_meta.c.key == key).values(value=str(int(value) + 1))
        )
