"""A lock failure is answered 503 with a JSON error, and the Rasa internals this leans on still hold.

``bot/lock_failures.py`` relies on: the names of Rasa's Sanic apps, Rasa handling each
message under ``lock_store.lock(sender_id)``, Rasa's REST channel swallowing exceptions
(which is why the middleware is needed), and Sanic applying a response middleware
registered at start. If Rasa or Sanic change any of these, a test here fails.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
from typing import Any

import aiohttp
import rasa.core.run
import rasa.server
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage, register
from rasa.core.channels.rest import RestInput
from sanic import Sanic

from bot.channels.rest import ValidatedRestInput
from bot.lock_failures import RASA_APP_NAMES
from bot.lock_store import ConversationLockStore

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_rasa_app_names_are_the_ones_we_look_for() -> None:
    assert 'Sanic("rasa_server")' in inspect.getsource(rasa.server.create_app)
    assert 'Sanic("rasa_core_no_api"' in inspect.getsource(rasa.core.run._create_app_without_api)
    assert set(RASA_APP_NAMES) == {"rasa_server", "rasa_core_no_api"}


def test_rasa_handles_each_message_under_the_conversation_lock() -> None:
    assert "self.lock_store.lock(message.sender_id)" in inspect.getsource(Agent.handle_message)


def test_rasa_rest_channel_still_swallows_errors_so_the_middleware_is_needed() -> None:
    source = inspect.getsource(RestInput.blueprint)
    assert "except Exception" in source and "response.json(collector.messages)" in source


class _AgentWithUnreachableLocks:
    """Rasa's agent reduced to what matters here: handle a message under the lock store's lock."""

    def __init__(self) -> None:
        self.lock_store = ConversationLockStore(url=UNREACHABLE_REDIS)
        self.processed = 0

    def is_ready(self) -> bool:
        return True  # a model is loaded; only the locks are unreachable

    async def handle_message(self, message: UserMessage) -> None:
        async with self.lock_store.lock(message.sender_id):
            self.processed += 1
            await message.output_channel.send_text_message(message.sender_id, "processed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_and_ask(channel: Any) -> tuple[list[tuple[int, Any, Any]], _AgentWithUnreachableLocks]:
    Sanic.test_mode = True  # several apps of the same name in one test process
    app = Sanic("rasa_server")
    agent = _AgentWithUnreachableLocks()  # creating the lock store installs the middleware
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = _free_port()

    async def scenario() -> list[tuple[int, Any]]:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        answers = []
        try:
            async with aiohttp.ClientSession() as session:
                webhook = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
                async with session.post(webhook, json={"sender": "a", "message": "hello"}) as response:
                    answers.append((response.status, await response.json(), response.headers.get("Retry-After")))
                # The same keep-alive connection: the next request is not marked by the previous one.
                async with session.get(f"http://127.0.0.1:{port}/webhooks/rest/") as response:
                    answers.append((response.status, await response.json(), None))
        finally:
            server.close()
            await server.wait_closed()
        return answers

    return asyncio.run(scenario()), agent


def test_lock_failure_in_rasas_own_rest_channel_is_a_503_json_not_200_empty() -> None:
    ((status, body, retry_after), (health_status, _, _)), agent = _serve_and_ask(RestInput())
    assert status == 503
    assert "send it again" in body["error"] and retry_after
    assert agent.processed == 0
    assert health_status == 200  # the same keep-alive connection is not marked by the failure


def test_a_channel_that_reports_the_failure_itself_keeps_its_answer() -> None:
    ((status, body, _), _), agent = _serve_and_ask(ValidatedRestInput())
    assert status == 503
    assert "emergency_number" in body  # bot/channels/turn.py's answer, not replaced
    assert agent.processed == 0
