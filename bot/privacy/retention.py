"""Retention: delete conversations whose last message is older than ``retention_days``.

``make purge`` runs this (clinics schedule it daily), and ``bot.serve`` runs it at every
start. A conversation goes as a whole (all its rows), judged by its newest event, so
an ongoing conversation is never cut in the middle.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from bot.settings import load_settings
from bot.tracker_store import DEFAULT_URL, URL_ENV

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86400
EVENTS_TABLE = "events"  # Rasa's SQLTrackerStore table


def purge_database(url: str, retention_days: int, now: Optional[float] = None) -> int:
    """Delete every conversation whose newest event is older than the period; return how many."""
    cutoff = (now if now is not None else time.time()) - retention_days * SECONDS_PER_DAY
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(EVENTS_TABLE):
            return 0
        events = sa.Table(EVENTS_TABLE, sa.MetaData(), autoload_with=engine)
        expired = (
            sa.select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(sa.func.max(events.c.timestamp) < cutoff)
        )
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(expired)]
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                connection.execute(events.delete().where(events.c.sender_id.in_(chunk)))
        return len(senders)
    finally:
        engine.dispose()


def store_url(endpoints: Any = None) -> Optional[str]:
    """The SQL URL of the conversation store, or None when it is not one of ours."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    config = getattr(endpoints, "tracker_store", None)
    if config is None:
        return DEFAULT_URL
    if config.type != "bot.tracker_store.UrlSQLTrackerStore":
        return None
    return config.url or config.kwargs.get("host") or DEFAULT_URL


def purge_expired(endpoints: Any = None) -> int:
    """Purge the configured store with the clinic's period; logs and returns the count."""
    url = store_url(endpoints)
    if url is None:
        logger.info("retention: the tracker store is not SQL; nothing purged")
        return 0
    days = load_settings().retention_days
    removed = purge_database(url, days)
    logger.info("retention: deleted %d conversation(s) older than %d days", removed, days)
    return removed


def main() -> None:
    """``python -m bot.privacy.retention [endpoints.yml]`` (``make purge``)."""
    import sys

    from rasa.core.utils import AvailableEndpoints

    endpoints_file = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("endpoints.yml")
    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    removed = purge_expired(endpoints)
    print(f"deleted {removed} conversation(s) older than {load_settings().retention_days} days")


if __name__ == "__main__":
    main()
