"""The store's tables: SQLAlchemy 2.0 typed models, all in one module."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL.

    SQLite keeps no offset: values are stored as UTC and read back with UTC attached, so
    comparisons and arithmetic never mix naive and aware datetimes. The DDL is that of
    ``DateTime(timezone=True)``, so existing tables need no migration.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give timestamps with a timezone (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Issue(Base):
    """One newspaper issue, identified by publication + street + date."""

    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("publication", "street", "date", name="uq_issue_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication: Mapped[str] = mapped_column(String(100))
    street: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100), default="")
    # "YYYY-MM" or "YYYY-MM-DD": the precision the paper (or the estimate) supports.
    date: Mapped[str] = mapped_column(String(10), index=True)
    date_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(300))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    # sha256 of the normalised text: the same content again is recognised as a duplicate.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The text as ingested, so the issue can be re-parsed when the parser improves.
    raw_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    articles: Mapped[list[Article]] = relationship(
        back_populates="issue",
        cascade="all, delete-orphan",
        order_by="Article.position",
        passive_deletes=True,
    )


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(String(100), default="")
    byline: Mapped[str] = mapped_column(String(300), default="")
    # Photo captions, one per line: kept apart so they never mix with body text.
    captions: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")

    issue: Mapped[Issue] = relationship(back_populates="articles")
    passages: Mapped[list[Passage]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="Passage.position",
        passive_deletes=True,
    )


class Passage(Base):
    """A run of whole sentences of one article: the unit that is indexed and quoted."""

    __tablename__ = "passages"
    __table_args__ = (Index("ix_passages_article_position", "article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    # Denormalised so rebuilding the index and deleting an issue need no join.
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # The subhead of the part of a long feature this passage belongs to ("" if none).
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    # "text" (a run of the article's sentences) or "caption" (one photo caption).
    kind: Mapped[str] = mapped_column(String(16), default="text", server_default="text")

    article: Mapped[Article] = relationship(back_populates="passages")


class Meta(Base):
    """Small key/value facts about the store, e.g. the corpus version the index follows."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class QueryLogEntry(Base):
    """One question and what Linli answered; users appear only as a keyed pseudonym."""

    __tablename__ = "query_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Public reference used by feedback buttons; assigned before the reply is sent.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # private, group, cli
    user_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    question: Mapped[str] = mapped_column(Text)
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    direct_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    # JSON list of {"passage_id", "score"} in rank order.
    results: Mapped[str] = mapped_column(Text, default="[]")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[int | None] = mapped_column(Integer, nullable=True)  # +1 / -1
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Whether the reply reached the resident: "sent", or "failed" (Telegram refused it,
    # kept failing or could not be reached). A failed one still counts as a question:
    # the resident asked. Entries from before revision 0003 were only logged once sent.
    delivery: Mapped[str] = mapped_column(String(16), default="sent", server_default="sent")


class Follower(Base):
    """A chat that follows topics: the one place Linli keeps a Telegram chat id.

    Only for as long as the chat follows something: the row goes with its last follow
    (and its follows and pending notifications with it). In a group the group follows,
    and notifications go to the group.
    """

    __tablename__ = "followers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Telegram chat ids exceed 32 bits (supergroups are -100…).
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_type: Mapped[str] = mapped_column(String(16), default="private")
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The chat's last dealing with its follows; inactive too long, it is asked, then removed.
    active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    retention_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    follows: Mapped[list[Follow]] = relationship(
        back_populates="follower",
        cascade="all, delete-orphan",
        order_by="Follow.id",
        passive_deletes=True,
    )


class Follow(Base):
    """One topic a chat follows ("加装电梯")."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("follower_id", "topic", name="uq_follow_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follower_id: Mapped[int] = mapped_column(
        ForeignKey("followers.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    follower: Mapped[Follower] = relationship(back_populates="follows")


class Notification(Base):
    """The outbox: one message to one follower about one new issue, and what became of it.

    ``status``: ``pending`` (to send), ``sending`` (claimed by a sender: if its process
    died, whether Telegram got it is unknown, and it is never sent again), ``sent``,
    ``failed`` (Telegram refused it for good). The unique pair is what keeps a follower
    from hearing twice about one issue, whichever process found it.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("issue_id", "follower_id", name="uq_notification_issue_follower"),
        Index("ix_notifications_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    follower_id: Mapped[int] = mapped_column(
        ForeignKey("followers.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(100))
    article_id: Mapped[int] = mapped_column(Integer)
    # What the message quotes, fixed when the issue was matched: the snippet, its matched
    # spans (JSON [[start, end], ...]) and its source line.
    snippet: Mapped[str] = mapped_column(Text)
    spans: Mapped[str] = mapped_column(Text, default="[]")
    source: Mapped[str] = mapped_column(String(600))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
class ResidentSetting(Base):
    """A resident's choices from /settings, under the query log's pseudonym, never their id."""

    __tablename__ = "resident_settings"

    user_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The street office whose issues rank first (IssueRef.street); None: every street alike.
    street: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # "zh" or "en" overrides the Telegram client's language; None follows the client.
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ButtonState(Base):
    """What an inline button refers to (an answer shown, a long article), kept across restarts.

    Callback data holds only ``key`` (random, unguessable); the owner is kept as
    pseudonyms of the chat and of the resident, so a press can be checked against them.
    """

    __tablename__ = "button_state"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "answer" or "article"
    chat_hash: Mapped[str] = mapped_column(String(64))
    user_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
class Synonym(Base):
    """An everyday word → official term staff added (the console's content gaps page).

    Read on top of the shipped table (``retrieval/data/synonyms.tsv``, or
    ``LINLI_SYNONYMS``), which seeds the expansion; every process reloads these rows when
    ``meta.synonyms_version`` moves.
    """

    __tablename__ = "synonyms"
    __table_args__ = (UniqueConstraint("everyday", "official", name="uq_synonym_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    everyday: Mapped[str] = mapped_column(String(40))
    official: Mapped[str] = mapped_column(String(40))
    # The pseudonym of the staff member who added it (never a Telegram id).
    added_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebLink(Base):
    """A one-time sign-in link for the web console (``/web`` in Telegram, ``linli web --open``).

    Only a hash of the link's token is stored: a copy of the database signs nobody in.
    """

    __tablename__ = "web_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Whom it signs in, as the query log's pseudonym; the role is read from the settings
    # on every request, so removing someone from STAFF_IDS ends their access at once.
    user_hash: Mapped[str] = mapped_column(String(64))
    # Minted on this machine by `linli web --open`: its admin, whatever the id lists say.
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, the table its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64), index=True)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    # Every form of this session carries it (compared in constant time).
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
