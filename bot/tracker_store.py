"""SQL tracker store configured by one database URL.

Rasa's ``SQLTrackerStore`` takes dialect, host, port and db separately; clinics think
in URLs. ``TRACKER_STORE_URL`` (environment) wins over ``url`` in endpoints.yml, so a
deployment can move from the default SQLite file to PostgreSQL without editing files.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

URL_ENV = "TRACKER_STORE_URL"
DEFAULT_URL = "sqlite:///milia_tracker.db"


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file readable and writable by its owner only (0600).

    Conversations hold health details; SQLite would create the file with the default
    umask (world-readable 0644). An existing file is tightened to 0600 too. SQLite gives
    its journal files the database file's mode.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
    except OSError as error:  # a read-only disk: the store reports it (health, replies)
        logger.error("cannot make %s private: %s", path, error.strerror)


def connection_arguments(url: str) -> dict[str, Any]:
    """Translate a database URL into ``SQLTrackerStore`` keyword arguments."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        return {"dialect": "sqlite", "db": parsed.database or "milia_tracker.db"}
    # SQLTrackerStore accepts a complete URL in `host` for server databases.
    return {"dialect": dialect, "host": url, "db": parsed.database or "milia"}


class UrlSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose connection is one URL (SQLite file by default)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        url: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa hands a custom store the endpoint's `url` as `host`.
        host = kwargs.pop("host", None)
        resolved = os.environ.get(URL_ENV) or url or host or DEFAULT_URL
        create_private_sqlite_file(resolved)
        for ignored in ("dialect", "db", "port", "username", "password"):
            kwargs.pop(ignored, None)
        super().__init__(domain=domain, event_broker=event_broker, **connection_arguments(resolved), **kwargs)
