"""Conversation lock store: messages of one conversation are processed one at a time, in order.

Rasa processes a message as "load tracker, predict, run actions, save tracker" under a
per-conversation ticket lock (``LockStore.lock``). With one server the lock can live in
memory; with several servers behind a load balancer it must be shared, or two servers
would load the same tracker, each append their turn and the store would drop or split one.

Rasa 3.6's ``RedisLockStore`` is not safe for that: it reads the lock, changes it in
Python and writes it back, so two servers issuing tickets at once overwrite each other
(RasaHQ/rasa#9213): a message is processed out of order, or fails with a ``LockError``
that the REST channel turns into a silent ``200 []``. Its tickets also live 60 s, so a
conversation whose server was killed waits a minute.

This module keeps Rasa's interface (it subclasses ``rasa.core.lock_store.LockStore``) and
replaces the mechanism:

- **Redis** (``LOCK_STORE_URL=redis://host:port/db``): every step is one Lua script, so
  issuing a ticket (``INCR``), checking whose turn it is, refreshing and releasing are
  atomic in Redis whichever server runs them. A ticket is a heartbeat, not a deadline:
  the server holding or waiting for it refreshes it every ``ttl / 3`` seconds, so a slow
  turn keeps its place, and a killed server's ticket lapses after ``ttl`` seconds
  (``LOCK_TICKET_TTL``, default 10) and the conversation carries on.
- **In memory** (no URL: ``make run``, one server): one FIFO ``asyncio.Lock`` per
  conversation, which wakes waiters in arrival order without polling (Rasa's in-memory
  store polls once a second, adding up to a second to a message sent before the
  previous reply arrived).

Each server also processes at most ``MAX_CONCURRENT_MESSAGES`` messages at once (default
2; more wait their turn in arrival order). Rasa's message handling is mostly synchronous
Python (NLU, policies, the SQL tracker store), so more at once adds no throughput; it only
lengthens each event-loop round, which delays when a newly arrived message takes its
ticket. Under overload that delay exceeded a second, and a person's next message, sent a
second after the previous one to another server, was served first (measured with the
load test). With the limit a new message takes its ticket within a few steps.

When the lock cannot be had (Redis unreachable, a ticket lost) the store raises
``LockUnavailable``; ``bot.lock_failures`` turns the request's answer into a 503 JSON
error instead of Rasa's ``200 []``, and nothing is stored for that message, so the
client can send it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager, suppress
from typing import Any, AsyncIterator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_failures import install_failure_response, mark_lock_failure

logger = logging.getLogger(__name__)

URL_ENV = "LOCK_STORE_URL"
TTL_ENV = "LOCK_TICKET_TTL"
DEFAULT_TTL_S = 10.0
POLL_INTERVAL_S = 0.02
# A ticket's wait is bounded: past this the message is refused (503) rather than kept waiting.
DEFAULT_MAX_WAIT_S = 20.0
CONCURRENCY_ENV = "MAX_CONCURRENT_MESSAGES"
DEFAULT_CONCURRENCY = 2
KEY_PREFIX = "milia:lock:"


class LockUnavailable(LockError):
    """The conversation's lock could not be taken; the message was not processed."""


def max_concurrent_messages() -> int:
    """Messages one server processes at once (``MAX_CONCURRENT_MESSAGES``, default 2)."""
    try:
        value = int(os.environ.get(CONCURRENCY_ENV, DEFAULT_CONCURRENCY))
    except ValueError:
        return DEFAULT_CONCURRENCY
    return value if value > 0 else DEFAULT_CONCURRENCY


def ticket_ttl_s() -> float:
    """Seconds a ticket lives without a heartbeat (``LOCK_TICKET_TTL``, default 10)."""
    try:
        value = float(os.environ.get(TTL_ENV, DEFAULT_TTL_S))
    except ValueError:
        return DEFAULT_TTL_S
    return value if value > 0 else DEFAULT_TTL_S


# --------------------------------------------------------------------------- Redis scripts
# Keys per conversation: KEYS[1] the ticket counter, KEYS[2] the queue (sorted set of
# ticket numbers), KEYS[3] the tickets' expiry times in ms (hash). Time is Redis's own
# clock (TIME), so servers whose clocks differ still agree on what has expired.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
_KEEP_KEYS = "for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end "

ISSUE_SCRIPT = (
    _NOW
    + "local n = redis.call('INCR', KEYS[1]) "
    "redis.call('ZADD', KEYS[2], n, n) "
    "redis.call('HSET', KEYS[3], n, now + tonumber(ARGV[1])) "
    + _KEEP_KEYS
    + "return n"
)

# ARGV: ticket lifetime ms, key idle ms, ticket number. Returns 1 (your turn), 0 (wait),
# -1 (the ticket is gone: it lapsed while its holder was silent).
TRY_ACQUIRE_SCRIPT = (
    _NOW
    + "while true do "
    "  local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "  if #head == 0 then break end "
    "  local expires = tonumber(redis.call('HGET', KEYS[3], head[1])) "
    "  if expires and expires >= now then break end "
    "  redis.call('ZREM', KEYS[2], head[1]) redis.call('HDEL', KEYS[3], head[1]) "
    "end "
    "local mine = tonumber(redis.call('HGET', KEYS[3], ARGV[3])) "
    "if not mine or mine < now then "
    "  redis.call('ZREM', KEYS[2], ARGV[3]) redis.call('HDEL', KEYS[3], ARGV[3]) return -1 "
    "end "
    "redis.call('HSET', KEYS[3], ARGV[3], now + tonumber(ARGV[1])) "
    + _KEEP_KEYS
    + "local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "if head[1] == ARGV[3] then return 1 end return 0"
)

# ARGV: (lifetime, idle), ticket number. Removes the ticket; the keys go when nobody is queued.
RELEASE_SCRIPT = (
    "redis.call('ZREM', KEYS[2], ARGV[3]) redis.call('HDEL', KEYS[3], ARGV[3]) "
    "if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end "
    "return 1"
)


class ConversationLockStore(LockStore):
    """Rasa lock store chosen by URL: Redis with atomic tickets, or in memory when no URL is set.

    Configured in endpoints.yml as ``lock_store: {type: bot.lock_store.ConversationLockStore}``;
    ``LOCK_STORE_URL`` (environment) wins over the endpoint's ``url``.
    """

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[str] = None,
        ttl_s: Optional[float] = None,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
    ) -> None:
        super().__init__()
        configured = url or os.environ.get(URL_ENV) or (endpoint_config.url if endpoint_config else None)
        self.url: Optional[str] = configured or None
        self.ttl_s = ttl_s or ticket_ttl_s()
        self.max_wait_s = max_wait_s
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}
        self.concurrency = max_concurrent_messages()
        self._processing: Optional[asyncio.Semaphore] = None
        install_failure_response()
        if self.url:
            logger.info("Conversation locks in Redis (%s), tickets lapse after %.0f s", _redacted(self.url), self.ttl_s)

    # ------------------------------------------------------------------ Rasa's interface
    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = 0, wait_time_in_seconds: float = 0
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock for one message (Rasa's ``async with lock_store.lock(id)``).

        ``lock_lifetime`` and ``wait_time_in_seconds`` are Rasa's arguments; they are ignored
        because tickets here are heartbeats and waiting does not poll on a fixed second.
        """
        if self._processing is None:
            self._processing = asyncio.Semaphore(self.concurrency)
        if not self.url:
            async with self._local_lock(conversation_id), self._processing:
                yield TicketLock(conversation_id)
            return
        async with self._redis_lock(conversation_id), self._processing:
            yield TicketLock(conversation_id)

    # The ticket-by-ticket interface of Rasa's base class is not used by Rasa's code paths
    # (they all go through `lock`); it is answered for the in-memory case only.
    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return TicketLock(conversation_id) if conversation_id in self._local else None

    def delete_lock(self, conversation_id: str) -> None:
        self._local.pop(conversation_id, None)

    def save_lock(self, lock: TicketLock) -> None:
        """Tickets are not saved as objects here (see the module docstring)."""

    # ------------------------------------------------------------------ in memory
    @asynccontextmanager
    async def _local_lock(self, conversation_id: str) -> AsyncIterator[None]:
        lock, users = self._local.get(conversation_id) or (asyncio.Lock(), 0)
        self._local[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._local[conversation_id]
            if users <= 1:
                del self._local[conversation_id]
            else:
                self._local[conversation_id] = (lock, users - 1)

    # ------------------------------------------------------------------ Redis
    def _client(self) -> Any:
        if self._redis is None:
            import redis.asyncio as redis

            assert self.url is not None
            self._redis = redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=2)
            self._scripts = {
                name: self._redis.register_script(script)
                for name, script in (("issue", ISSUE_SCRIPT), ("try", TRY_ACQUIRE_SCRIPT), ("release", RELEASE_SCRIPT))
            }
        return self._redis

    def _keys(self, conversation_id: str) -> list[str]:
        base = KEY_PREFIX + conversation_id
        return [base + ":next", base + ":queue", base + ":expires"]

    def _script_args(self) -> list[int]:
        ttl_ms = int(self.ttl_s * 1000)
        return [ttl_ms, max(ttl_ms * 10, 60_000)]

    async def _run(self, name: str, conversation_id: str, *extra: Any, before_processing: bool = True) -> int:
        self._client()
        try:
            return int(await self._scripts[name](keys=self._keys(conversation_id), args=[*self._script_args(), *extra]))
        except Exception as error:  # any Redis failure means: no lock, so no processing
            reason = f"lock store unreachable ({type(error).__name__})"
            raise self._fail(conversation_id, reason, before_processing) from error

    def _fail(self, conversation_id: str, reason: str, before_processing: bool = True) -> LockUnavailable:
        # Only a failure before the message was processed may answer 503 ("send it again");
        # after processing, the turn is stored and a resend would duplicate it.
        if before_processing:
            mark_lock_failure(reason)
        logger.error("No lock for conversation %s: %s", conversation_id, reason)
        return LockUnavailable(f"Could not acquire lock for conversation_id '{conversation_id}': {reason}")

    @asynccontextmanager
    async def _redis_lock(self, conversation_id: str) -> AsyncIterator[None]:
        ticket = await self._run("issue", conversation_id)
        heartbeat: Optional[asyncio.Task] = None
        try:
            await self._wait_for_turn(conversation_id, ticket)
            heartbeat = asyncio.create_task(self._heartbeat(conversation_id, ticket))
            yield
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await heartbeat
            with suppress(LockUnavailable):
                # A ticket left behind lapses by itself after `ttl_s`.
                await self._run("release", conversation_id, ticket, before_processing=False)

    async def _wait_for_turn(self, conversation_id: str, ticket: int) -> None:
        deadline = time.monotonic() + self.max_wait_s
        delay = POLL_INTERVAL_S / 4
        while True:
            state = await self._run("try", conversation_id, ticket)
            if state == 1:
                return
            if state == -1:
                raise self._fail(conversation_id, "ticket lapsed while waiting")
            if time.monotonic() > deadline:
                raise self._fail(conversation_id, f"still queued after {self.max_wait_s:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_INTERVAL_S)

    async def _heartbeat(self, conversation_id: str, ticket: int) -> None:
        """Keep the held ticket alive while the message is processed (however long that takes)."""
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            with suppress(LockUnavailable):
                await self._run("try", conversation_id, ticket, before_processing=False)


def _redacted(url: str) -> str:
    """The URL without its password, for logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)
