"""A message whose conversation lock could not be taken is answered 503, never a silent ``200 []``.

Rasa 3.6's REST channel catches every exception of message handling, logs it and answers
``200`` with whatever replies were collected: for a lock failure that is ``[]``, and the
client cannot tell "the bot had nothing to say" from "your message was dropped". The
project's own channels answer a failed turn with a 503 themselves (bot/channels/turn.py);
this middleware covers any channel that does not (Rasa's own, or one added later). The
lock store (``bot.lock_store``) marks the failure in a context variable of the request's
task; a response middleware on Rasa's Sanic app then replaces the answer with a 503 JSON
error and a ``Retry-After`` header, so the client (or the widget) can send it again.

This is the one place that leans on Rasa's and Sanic's internals for this: the names of
Rasa's Sanic apps, Sanic's app registry, and that a response middleware registered while
the server starts applies to every request. ``tests/test_lock_failures.py`` fails if
any of that changes.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any, Optional

logger = logging.getLogger(__name__)

# `rasa run --enable-api` builds "rasa_server"; without the API, "rasa_core_no_api".
RASA_APP_NAMES = ("rasa_server", "rasa_core_no_api")
RETRY_AFTER_S = 2
MESSAGE = "The assistant could not take your message just now; please send it again in a moment."

_failure: ContextVar[Optional[str]] = ContextVar("milia_lock_failure", default=None)
_installed: set[int] = set()


def mark_lock_failure(reason: str) -> None:
    """Record, for the request being handled in this task, that its message was not processed."""
    _failure.set(reason)


def take_lock_failure() -> Optional[str]:
    """The failure recorded for this request (and forget it: a keep-alive connection reuses the task)."""
    reason = _failure.get()
    _failure.set(None)
    return reason


async def _forget_previous(request: Any) -> None:
    _failure.set(None)


async def _answer_failure(request: Any, response: Any) -> Any:
    reason = take_lock_failure()
    # A channel that reports failures itself (bot/channels/turn.py answers 503 with the
    # emergency number) keeps its answer; only a "successful" answer is replaced.
    if reason is None or getattr(response, "status", 200) != 200:
        return None
    from sanic.response import json

    return json({"error": MESSAGE, "reason": reason}, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def install_failure_response() -> bool:
    """Register the 503 middleware on the running Rasa Sanic app(s); True if one was found.

    Called when the lock store is created, which Rasa does while its server starts
    (``before_server_start``), when the app already exists.
    """
    from sanic import Sanic

    found = False
    for name, app in list(Sanic._app_registry.items()):
        if name not in RASA_APP_NAMES:
            continue
        found = True
        if id(app) in _installed:
            continue
        app.register_middleware(_forget_previous, "request")
        app.register_middleware(_answer_failure, "response")
        _installed.add(id(app))
    if not found:
        logger.warning("No Rasa server app found: a lock failure would be answered 200 [] by Rasa's REST channel")
    return found
