"""SQL tracker store configured by one database URL.

Rasa's ``SQLTrackerStore`` takes dialect, host, port and db separately; clinics think
in URLs. ``TRACKER_STORE_URL`` (environment) wins over ``url`` in endpoints.yml, so a
deployment can move from the default SQLite file to PostgreSQL without editing files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import stat
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

URL_ENV = "TRACKER_STORE_URL"
DEFAULT_URL = "sqlite:///milia_tracker.db"
# Conversations whose tracker a server keeps in memory between turns (least recently used go first).
CACHED_CONVERSATIONS = 2000
# Rows per INSERT statement on PostgreSQL: a statement of bounded size (6 values a row).
ROWS_PER_INSERT = 150


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


class _Known:
    """A tracker this server saved, with how many of its events are stored and the last stored id."""

    __slots__ = ("tracker", "stored", "last_id")

    def __init__(self, tracker: DialogueStateTracker, stored: int, last_id: Optional[int]) -> None:
        self.tracker, self.stored, self.last_id = tracker, stored, last_id


class TurnCachingMixin:
    """Load and save a turn at a cost independent of the conversation's length.

    Rasa's ``SQLTrackerStore`` rebuilds the tracker from every stored event of the session
    on each turn (load, JSON-decode, replay) and counts the stored events to find what to
    insert; both grow with the conversation. Here the server keeps the tracker it saved:
    on the next turn one indexed query (the conversation's highest event id) says whether
    the database still holds exactly what this server wrote. If so the tracker is reused;
    if another server added turns since (several servers share the database), only the
    new events are read and applied; anything else (a new session, deletion, an
    unfinished turn) falls back to Rasa's full load. The conversation lock guarantees no
    two servers change a conversation at once, so the check cannot race a writer.
    """

    SQLEvent: Any
    domain: Optional[Domain]

    def _init_cache(self) -> None:
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._single_server = self.engine.dialect.name == "sqlite"  # type: ignore[attr-defined]
        # Conversations this server found nothing stored for at the start of the turn.
        self._new_here: set[str] = set()

    def _last_id(self, session: Any, sender_id: str) -> Optional[int]:
        return session.query(func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == sender_id).scalar()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        # Rasa's SQL access and message handling never wait on the network, so a turn would
        # run start to end without letting the server read newly arrived messages; yielding
        # here lets them take their lock ticket now, in arrival order (bot/lock_store.py).
        await asyncio.sleep(0)
        known = self._known.pop(sender_id, None)
        if known is not None and self.domain is not None and len(known.tracker.events) == known.stored:
            with self.session_scope() as session:  # type: ignore[attr-defined]
                last_id = self._last_id(session, sender_id)
                if last_id == known.last_id:
                    self._known[sender_id] = known
                    return known.tracker
                if last_id is not None and known.last_id is not None and last_id > known.last_id:
                    rows = (session.query(self.SQLEvent.data).filter(self.SQLEvent.sender_id == sender_id,
                                                                     self.SQLEvent.id > known.last_id)
                            .order_by(self.SQLEvent.id).all())
                    new_events = deserialise_events([json.loads(row.data) for row in rows])
                    if not any(isinstance(event, SessionStarted) for event in new_events):
                        for event in new_events:
                            known.tracker.update(event)
                        known.stored, known.last_id = len(known.tracker.events), last_id
                        self._known[sender_id] = known
                        return known.tracker
        tracker = await super().retrieve(sender_id)  # type: ignore[misc]
        if tracker is None:
            if len(self._new_here) >= CACHED_CONVERSATIONS:
                self._new_here.clear()
            self._new_here.add(sender_id)
        else:
            self._new_here.discard(sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's new events, then publish exactly those to the event broker.

        Rasa's ``stream_events`` finds the new events by loading the stored tracker again
        (a full load from the database: a sixth of a loaded server's time in the profile)
        and publishes them before they are stored. Here the events written are the events
        published, and only once they are committed: a turn the database refused is not
        counted by the broker's consumers (analytics) either.
        """
        await asyncio.sleep(0)  # as in `retrieve`
        with self.session_scope() as session:  # type: ignore[attr-defined]
            unsaved = list(self._unsaved(session, tracker))
            last_id = self._insert(session, [self._row(tracker.sender_id, event) for event in unsaved])
            if last_id is None:
                last_id = self._last_id(session, tracker.sender_id)
            session.commit()
        self._remember(tracker, last_id)
        if self.event_broker is not None:  # type: ignore[attr-defined]
            for event in unsaved:  # the body Rasa publishes
                self.event_broker.publish({"sender_id": tracker.sender_id, **event.as_dict()})  # type: ignore

    def _insert(self, session: Any, rows: list[dict[str, Any]]) -> Optional[int]:
        """Insert the rows and return the last one's id (None when there are none).

        Through SQLAlchemy Core: the ORM's unit of work inserted the rows one by one to
        learn their ids (9% of a loaded server's time in the profile). SQLite runs one
        compiled INSERT for all rows and reports the connection's last row id (a
        multi-row VALUES statement was compiled afresh every turn: 5%); PostgreSQL gets
        multi-row INSERTs (150 rows each) that return the ids; any other database the ORM's
        row-by-row inserts, which work everywhere.
        """
        table, last_id = self.SQLEvent.__table__, None
        if not rows:
            return None
        dialect = self.engine.dialect.name  # type: ignore[attr-defined]
        if dialect == "sqlite":
            session.execute(table.insert(), rows)
            return session.execute(text("SELECT last_insert_rowid()")).scalar()
        if dialect != "postgresql":
            stored = [self.SQLEvent(**row) for row in rows]
            session.add_all(stored)
            session.flush()
            return stored[-1].id
        for start in range(0, len(rows), ROWS_PER_INSERT):
            statement = table.insert().values(rows[start:start + ROWS_PER_INSERT])
            last_id = max(row_id for (row_id,) in session.execute(statement.returning(table.c.id)))
        return last_id

    def _unsaved(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The tracker's events not yet in the database.

        When this server loaded the tracker from its memory this turn, the events after
        those it stored. With several servers sharing the database the highest stored id is
        checked again first: a server that stalled past its lock ticket's lifetime may find
        that another server has saved turns since. A SQLite file has one server (the
        embedded default), which held the conversation's lock since ``retrieve`` checked.
        """
        known = self._known.get(tracker.sender_id)
        new_here = tracker.sender_id in self._new_here
        self._new_here.discard(tracker.sender_id)
        if known is None and new_here and self._single_server:
            return iter(tracker.events)  # a first turn: nothing stored (counting the stored events was 4%)
        if known is not None and known.tracker is tracker and (
            self._single_server or known.last_id == self._last_id(session, tracker.sender_id)
        ):
            return itertools.islice(tracker.events, known.stored, None)
        return self._additional_events(session, tracker)  # type: ignore[attr-defined]

    def _row(self, sender_id: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _remember(self, tracker: DialogueStateTracker, last_id: Optional[int]) -> None:
        self._known.pop(tracker.sender_id, None)
        # A tracker that started a new session still holds the old one: let the next turn load afresh.
        if sum(isinstance(event, SessionStarted) for event in tracker.events) > 1:
            return
        self._known[tracker.sender_id] = _Known(tracker, len(tracker.events), last_id)
        while len(self._known) > CACHED_CONVERSATIONS:
            self._known.popitem(last=False)


class UrlSQLTrackerStore(TurnCachingMixin, SQLTrackerStore):
    """``SQLTrackerStore`` whose connection is one URL (SQLite file by default).

    Turns are loaded and saved at a cost independent of the conversation's length
    (``TurnCachingMixin``); SQLite connections are kept open between turns.
    """

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
        self._init_cache()
        if self.engine.dialect.name == "sqlite":
            # Rasa's engine opens and closes a SQLite connection per turn (a tenth of a
            # turn's time in the profile); keep a few open. SQLite keeps its default
            # journal (every commit on disk; WAL mode was measured faster, but it hides a
            # read-only database from the store's failure reporting, see
            # tests/test_storage_failure.py).
            self.engine.dispose()
            self.engine = create_engine(self.engine.url, poolclass=QueuePool, pool_size=2, max_overflow=4,
                                        connect_args={"check_same_thread": False})
            self.sessionmaker = sessionmaker(bind=self.engine)
