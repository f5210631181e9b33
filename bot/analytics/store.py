"""The analytics database: its own SQLite file by default, PostgreSQL by URL.

Why separate from the tracker store: the outcomes report must never read or lock the
live conversations, and the analytics tables hold only what bot/analytics/recorder.py
lets through (no sender ids, no text but redacted unanswered questions).
``ANALYTICS_DB_URL`` (environment) wins over the ``url`` in endpoints.yml.
"""

from __future__ import annotations

import os
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics.recorder import Row

URL_ENV = "ANALYTICS_DB_URL"
DEFAULT_URL = "sqlite:///milia_analytics.db"

metadata = sa.MetaData()
events = sa.Table(
    "analytics_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation", sa.String(32), nullable=False),  # random per conversation
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),  # UTC date, for per-day counts
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(64)),
    sa.Column("value", sa.Integer),
    sa.Index("ix_analytics_events_kind_ts", "kind", "ts"),
    sa.Index("ix_analytics_events_conversation", "conversation", "kind", "ts"),
)
unanswered = sa.Table(
    "analytics_unanswered", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation", sa.String(32), nullable=False),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("text", sa.String(400), nullable=False),  # redacted
)


def resolve_url(url: Optional[str] = None) -> str:
    return os.environ.get(URL_ENV) or url or DEFAULT_URL


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def connect(url: Optional[str] = None) -> Engine:
    """An engine on the analytics database, with the tables created if missing."""
    engine = sa.create_engine(resolve_url(url), future=True)
    if engine.dialect.name == "sqlite":
        # WAL: the report reads while the broker writes, neither waits for the other.
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine


def write(engine: Engine, rows: Iterable[Row]) -> int:
    """Store rows in one transaction; returns how many."""
    facts, texts = [], []
    for row in rows:
        if row.kind == "unanswered":
            texts.append({"conversation": row.conversation, "ts": row.ts, "text": row.text or ""})
        else:
            facts.append({"conversation": row.conversation, "ts": row.ts, "day": row.day, "kind": row.kind,
                          "name": row.name, "value": row.value})
    with engine.begin() as connection:
        if facts:
            connection.execute(events.insert(), facts)
        if texts:
            connection.execute(unanswered.insert(), texts)
    return len(facts) + len(texts)
