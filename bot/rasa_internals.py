"""Every place this project leans on a Rasa 3.6 internal, in one small module.

``tests/test_storage_failure_internals.py`` fails if Rasa changes under any of these:

* ``rasa.core.agent.FailSafeTrackerStore``: Rasa wraps every tracker store in it, and
  it swallows write errors (falling back to a memory store it never reads back).
  We replace the class the agent uses by a subclass that reports each error to
  ``bot.storage_health`` so the channel can tell the person instead of looping.
* ``FailSafeTrackerStore._tracker_store``: the primary store, to delete a conversation
  from the database rather than from the fallback.
* ``request.app.ctx.agent``: where Rasa's server keeps the agent (model, store).
"""

from __future__ import annotations

from typing import Any, Optional

import rasa.core.agent
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore

from bot import storage_health


class LoudFailSafeTrackerStore(FailSafeTrackerStore):
    """Rasa's fail-safe wrapper that records every store error for the current turn."""

    def on_tracker_store_error(self, error: Exception) -> None:
        # Not Rasa's log line: it quotes the error, which can hold the user's text.
        storage_health.record_failure(error)

    def on_tracker_store_retrieve_error(self, error: Exception) -> None:
        storage_health.record_failure(error)

    async def save(self, tracker: Any) -> None:
        await super().save(tracker)
        if not storage_health.failed_in_this_turn():
            storage_health.record_success()


def install_loud_tracker_store() -> None:
    """Make ``Agent._create_tracker_store`` wrap stores in ``LoudFailSafeTrackerStore``.

    Called when the channels are created, which ``rasa run`` does before loading the
    agent, so it also holds for plain ``rasa run`` and not only for ``bot.serve``.
    """
    rasa.core.agent.FailSafeTrackerStore = LoudFailSafeTrackerStore  # type: ignore[misc]


def primary_store(store: Optional[TrackerStore]) -> Optional[TrackerStore]:
    """The store behind Rasa's fail-safe wrapper (or ``store`` itself)."""
    if isinstance(store, FailSafeTrackerStore):
        return store._tracker_store
    return store


def fallback_store(store: Optional[TrackerStore]) -> Optional[TrackerStore]:
    """The in-memory fallback of the fail-safe wrapper, if it was ever used."""
    if isinstance(store, FailSafeTrackerStore):
        return store._fallback_tracker_store
    return None


def agent_of_app(app: Any) -> Any:
    """The Rasa agent of a Sanic app (None before the model is loaded)."""
    return getattr(app.ctx, "agent", None)


def agent_of(request: Any) -> Any:
    """The Rasa agent serving this request (None before the model is loaded)."""
    return agent_of_app(request.app)
