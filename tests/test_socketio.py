"""Rasa's socket.io channel with the standard web-chat settings (credentials.yml).

Clinics that already run a Rasa web chat (Rasa Webchat, Chatwoot, custom clients) talk
socket.io: ``session_request`` -> ``session_confirm``, then ``user_uttered`` ->
``bot_uttered``, with session persistence so a reconnecting page keeps its
conversation. These tests use python-socketio's client against the real bot.

They need credentials.yml to name ``bot.channels.socketio.SocketIOInput`` (Rasa's channel
with two fixes, see that module): with Rasa's own ``socketio:`` channel and
python-socketio 5.18, no reply is ever delivered when session persistence is on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable, Coroutine, Iterator

import pytest
import socketio

from bot.channels import session_ids
from bot.channels.socketio import SocketIOOutput
from tests.servers import BotStack

# The client's background writer logs "packet queue is empty" when the test process
# exits after an aborted long-polling connection: noise, not a failure.
logging.getLogger("engineio.client").setLevel(logging.CRITICAL)

QUIET_S = 2.0
TIMEOUT_S = 60.0


class Session:
    """One socket.io connection bound to a Rasa conversation (session_id)."""

    def __init__(self, url: str, session_id: str) -> None:
        self.session_id = session_id
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.confirmed = threading.Event()
        self.confirmed_id: str = ""
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("bot_uttered", self._on_bot_uttered)
        # Long-polling: the sync client's websocket transport needs websocket-client,
        # which isn't a dependency. The events are the same on either transport.
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": session_id})
        assert self.confirmed.wait(30), "no session_confirm"
        # The server issues conversation ids: an id it did not issue is replaced.
        self.requested_id = session_id
        self.session_id = self.confirmed_id

    def _on_confirm(self, session_id: Any) -> None:
        self.confirmed_id = str(session_id)
        self.confirmed.set()

    def _on_bot_uttered(self, data: Any) -> None:
        self.replies.put(data)

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a message; collect bot_uttered events until the bot has been quiet a moment."""
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        collected: list[dict[str, Any]] = []
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                collected.append(self.replies.get(timeout=QUIET_S if collected else TIMEOUT_S))
            except queue.Empty:
                break
        return collected

    def close(self) -> None:
        # abort: a long-polling read loop would otherwise hold this up for the 25 s ping interval.
        self.client.eio.disconnect(abort=True)


@pytest.fixture
def session(bot_stack: BotStack, new_sender: Callable[[], str]) -> Iterator[Callable[..., Session]]:
    opened: list[Session] = []

    def _open(session_id: str = "") -> Session:
        created = Session(bot_stack.url, session_id or new_sender())
        opened.append(created)
        return created

    yield _open
    for created in opened:
        created.close()


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [reply["text"] for reply in replies if isinstance(reply, dict) and reply.get("text")]


@pytest.mark.server
def test_session_request_with_an_invented_id_gets_a_server_issued_one(
    session: Callable[..., Session], bot_stack: BotStack
) -> None:
    opened = session("my-own-chosen-id")
    assert opened.confirmed_id != "my-own-chosen-id"
    assert session_ids.is_issued_id(opened.confirmed_id, key=bot_stack.session_key)


@pytest.mark.server
def test_session_request_with_an_issued_id_is_confirmed_with_the_same_id(session: Callable[..., Session]) -> None:
    first = session()
    again = session(first.confirmed_id)
    assert again.confirmed_id == first.confirmed_id


@pytest.mark.server
def test_user_uttered_gets_bot_uttered_disclaimer_first_then_answers(session: Callable[..., Session]) -> None:
    opened = session()
    first = texts(opened.say("hello"))
    assert first and "automated assistant" in first[0], first
    answer = " ".join(texts(opened.say("what are milia")))
    assert "keratin" in answer.lower() and "Source:" in answer, answer


@pytest.mark.server
def test_buttons_arrive_as_quick_replies(session: Callable[..., Session]) -> None:
    replies = session().say("hello")
    with_buttons = [reply for reply in replies if reply.get("quick_replies")]
    assert with_buttons, replies
    assert all({"title", "payload"} <= set(button) for button in with_buttons[0]["quick_replies"])


@pytest.mark.server
def test_session_persists_across_reconnects(session: Callable[..., Session]) -> None:
    first = session()
    first.say("hello")
    first.close()
    again = session(first.session_id)
    answer = texts(again.say("how long do they last"))
    assert answer and not any("automated assistant" in text for text in answer[:1]), answer


@pytest.mark.server
def test_emergency_advice_arrives_over_socketio(session: Callable[..., Session]) -> None:
    opened = session()
    replies = opened.say("my 3 week old baby has a fever of 38.5 and is floppy")
    assert any(text.startswith("EMERGENCY") for text in texts(replies)), replies
    # The conversation goes on afterwards.
    assert texts(opened.say("thank you"))


class RecordingServer:
    """Stands in for socketio.AsyncServer: records what would be emitted."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, Any]] = []

    async def emit(self, event: str, data: Any = None, room: Any = None) -> None:
        self.emitted.append((event, data, room))


def run_now(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends.

    asyncio.run() is refused while Playwright's sync API (browser tests, same session)
    holds its event loop.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("the coroutine waited for something")


def test_custom_payloads_are_emitted_as_event_data_not_keyword_arguments() -> None:
    server = RecordingServer()
    output = SocketIOOutput(server, "bot_uttered")  # type: ignore[arg-type]
    run_now(output.send_custom_json("s1", {"triage_level": "emergency"}))
    run_now(output.send_custom_json("s1", {"data": {"title": "x"}}))
    assert server.emitted == [
        ("bot_uttered", {"triage_level": "emergency"}, "s1"),
        ("bot_uttered", {"title": "x"}, "s1"),
    ]
