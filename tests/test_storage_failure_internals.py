"""Fails when Rasa changes under the internals this project leans on (bot/rasa_internals.py,
bot/serve.py). Each test names what breaks if it fails."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
import rasa.core.agent
import rasa.core.run
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import storage_health
from bot.rasa_internals import LoudFailSafeTrackerStore, fallback_store, install_loud_tracker_store, primary_store


class RaisingStore(InMemoryTrackerStore):
    async def save(self, tracker: Any) -> None:
        raise OSError("disk full")

    async def retrieve(self, sender_id: str) -> Any:
        raise OSError("disk unreadable")


def test_agent_wraps_stores_in_the_loud_fail_safe_store() -> None:
    # If not: store errors are swallowed again and nobody is told.
    install_loud_tracker_store()
    wrapped = Agent._create_tracker_store(InMemoryTrackerStore(Domain.empty()), Domain.empty())
    assert isinstance(wrapped, LoudFailSafeTrackerStore)
    assert "FailSafeTrackerStore(" in inspect.getsource(Agent._create_tracker_store)


def test_fail_safe_store_reports_save_and_retrieve_errors_through_its_hooks() -> None:
    store = LoudFailSafeTrackerStore(RaisingStore(Domain.empty()))
    turn = storage_health.start_turn()
    asyncio.run(store.save(DialogueStateTracker.from_events("s", [])))
    assert turn.errors == ["OSError"]
    assert asyncio.run(store.retrieve("s")) is None
    assert turn.errors == ["OSError", "OSError"]
    assert storage_health.STATE.failing()
    # Rasa's fallback kept the tracker in memory: deletion must clear it there too.
    assert isinstance(fallback_store(store), InMemoryTrackerStore)


def test_primary_store_is_reachable_behind_the_wrapper() -> None:
    inner = InMemoryTrackerStore(Domain.empty())
    assert primary_store(FailSafeTrackerStore(inner)) is inner
    assert primary_store(inner) is inner


@pytest.mark.parametrize(
    "function, parameters",
    [
        (rasa.core.run.configure_app, ["input_channels", "cors", "auth_token", "enable_api", "port", "endpoints"]),
        (rasa.core.run.create_http_input_channels, ["channel", "credentials_file"]),
        (rasa.core.run.load_agent_on_start, ["model_path", "endpoints", "remote_storage", "app", "loop"]),
        (rasa.core.run.close_resources, ["app"]),
    ],
)
def test_the_launcher_calls_rasa_run_functions_with_these_parameters(function: Any, parameters: list[str]) -> None:
    # bot.serve repeats serve_application's few lines with these functions.
    assert set(parameters) <= set(inspect.signature(function).parameters)


def test_rasa_keeps_the_agent_on_the_app_context() -> None:
    # bot.rasa_internals.agent_of reads request.app.ctx.agent.
    assert "app.ctx.agent" in inspect.getsource(rasa.core.run.load_agent_on_start)


def test_socketio_server_has_the_engineio_buffer_limit_we_lower() -> None:
    from socketio import AsyncServer

    assert hasattr(AsyncServer(async_mode="sanic").eio, "max_http_buffer_size")
