"""Rasa event broker that feeds the analytics store (the only Rasa-facing analytics code).

endpoints.yml::

    event_broker:
      type: bot.analytics.broker.AnalyticsEventBroker
      url: sqlite:///milia_analytics.db     # or ANALYTICS_DB_URL=postgresql://...

Why a custom broker rather than Rasa's ``type: sql``: Rasa's SQL broker stores every
event whole (texts, sender ids, entities). This one passes each event through
:class:`bot.analytics.recorder.Recorder`, which keeps only allow-listed facts, and
writes on a background thread in batches, so a reply never waits for analytics and a
full or broken analytics database only loses analytics (logged), never a conversation.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from asyncio import AbstractEventLoop
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.analytics import store
from bot.analytics.recorder import Recorder, Row
from bot.analytics.redaction import redact
from bot.domain_files import load_domain

logger = logging.getLogger(__name__)
MAX_QUEUED_EVENTS = 50_000  # events waiting to be written; past that they are dropped (logged)
BATCH_ROWS = 5_000
FLUSH_SECONDS = 0.5


class AnalyticsEventBroker(EventBroker):
    """Publishes allow-listed, anonymous facts to the analytics database."""

    def __init__(self, url: Optional[str] = None, intents: Optional[frozenset[str]] = None) -> None:
        self.engine = store.connect(url)
        self.recorder = Recorder(intents=intents if intents is not None else frozenset(load_domain()["intents"]),
                                 redact=redact)
        self.dropped = 0
        self._queue: queue.Queue[Optional[list[Row]]] = queue.Queue(maxsize=MAX_QUEUED_EVENTS)
        self._writer = threading.Thread(target=self._write_loop, name="analytics-writer", daemon=True)
        self._writer.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> AnalyticsEventBroker:
        return cls(url=broker_config.url if broker_config else None)

    def publish(self, event: dict[str, Any]) -> None:
        """Called by Rasa for every new tracker event; never raises, never blocks."""
        try:
            rows = self.recorder.rows(event)
        except Exception:  # noqa: BLE001 - analytics must never break a conversation
            logger.exception("analytics: could not read an event; skipped")
            return
        if rows:
            try:
                self._queue.put_nowait(rows)
            except queue.Full:
                self.dropped += len(rows)
                logger.warning("analytics: queue full, %d rows dropped so far", self.dropped)

    def _write_loop(self) -> None:
        """Gather what arrives within FLUSH_SECONDS (up to BATCH_ROWS) and write it in one go."""
        stopping = False
        while not stopping:
            item = self._queue.get()
            batch: list[Row] = []
            deadline = time.monotonic() + FLUSH_SECONDS
            while True:
                if item is None:
                    stopping = True
                    break
                batch.extend(item)
                remaining = deadline - time.monotonic()
                if len(batch) >= BATCH_ROWS or remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if batch:
                try:
                    store.write(self.engine, batch)
                except Exception:  # noqa: BLE001 - a broken analytics database loses analytics only
                    logger.exception("analytics: could not write %d rows", len(batch))

    def flush(self, timeout: float = 10.0) -> None:
        """Write everything queued so far and stop the writer (used on close and in tests)."""
        self._queue.put(None)
        self._writer.join(timeout)

    async def close(self) -> None:
        self.flush()
        self.engine.dispose()
