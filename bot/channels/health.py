"""The health report for load balancers and people: model, conversation store, actions.

``GET /webhooks/widget/health`` (and ``GET /health`` under ``bot.serve``) answers 200
when the bot can answer and keep what it is told, 503 otherwise, with a JSON body
naming each part. The store is tested with a write that is rolled back, so a
read-only or full database shows as failing before anyone's conversation is lost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Optional

import aiohttp
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

from bot import storage_health
from bot.rasa_internals import primary_store

ACTION_TIMEOUT_S = 1.0


def probe_sql_store(store: SQLTrackerStore) -> Optional[str]:
    """None when a write to the events table works (then rolled back), else the error's class."""
    table = store.SQLEvent.__table__
    try:
        with store.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(
                    table.insert().values(
                        sender_id="__health_probe__", type_name="health_probe", timestamp=time.time(), data="{}"
                    )
                )
            finally:
                transaction.rollback()
    except Exception as error:  # any driver error means "cannot write"
        return type(error).__name__
    return None


def store_status(store: Any) -> dict[str, Any]:
    primary = primary_store(store)
    if primary is None:
        return {"status": "failing", "detail": "no store (model not loaded)"}
    problem = probe_sql_store(primary) if isinstance(primary, SQLTrackerStore) else None
    if problem is None and storage_health.STATE.failing():
        problem = storage_health.STATE.last_failure or "last write failed"
    kind = type(primary).__name__
    if problem:
        return {"status": "failing", "kind": kind, "detail": problem}
    if isinstance(primary, InMemoryTrackerStore):
        return {"status": "ok", "kind": kind, "detail": "in memory: conversations are lost on restart"}
    return {"status": "ok", "kind": kind}


async def action_server_status(agent: Any) -> dict[str, Any]:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return {"status": "not configured"}
    health_url = url.rsplit("/webhook", 1)[0] + "/health"
    try:
        timeout = aiohttp.ClientTimeout(total=ACTION_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(health_url) as reply:
                return {"status": "ok" if reply.status == 200 else f"HTTP {reply.status}"}
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return {"status": "unreachable", "detail": "questionnaire results need it; red flags do not"}


async def health_report(agent: Any) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body). The action server is reported but optional: red flags and
    curated answers work without it."""
    model_ok = bool(agent is not None and agent.is_ready())
    store = store_status(getattr(agent, "tracker_store", None)) if agent is not None else {"status": "failing"}
    actions = await action_server_status(agent) if agent is not None else {"status": "unknown"}
    healthy = model_ok and store["status"] == "ok"
    body = {
        "status": "ok" if healthy else "failing",
        "model": {"status": "ok" if model_ok else "not loaded"},
        "store": store,
        "action_server": actions,
    }
    return (200 if healthy else 503), body
