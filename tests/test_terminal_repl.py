"""The terminal chat's loop and HTTP client, without a terminal or Rasa.

The loop is driven with a list of typed lines against a fake server that records
what it was sent; the client is tested against a small local HTTP server that
answers like the widget channel, errors included.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import yaml
from rich.console import Console

from bot.terminal.client import BotError, WidgetClient
from bot.terminal.repl import OPENING_MESSAGE, Conversation
from bot.terminal.servers import Servers, StartError, endpoints_for
from tests.test_terminal_render import DISCLAIMER, EMERGENCY, FOLLOW_UPS, QUESTION, TREATMENT

GREETING = [
    {"text": DISCLAIMER},
    {
        "text": "Hi! What would you like to know?",
        "buttons": [{"title": "What are milia?", "payload": "/ask_what_is_milia"}],
    },
]


class FakeChat:
    """Answers like the widget channel from a script; records every call."""

    def __init__(self, answers: Optional[dict[str, Any]] = None) -> None:
        self.answers = answers or {}
        self.sent: list[tuple[str, str]] = []
        self.sessions = 0
        self.forgotten: list[str] = []

    def new_session(self) -> str:
        self.sessions += 1
        return f"session-{self.sessions}"

    def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        self.sent.append((sender, message))
        answer = self.answers.get(message, GREETING if message == OPENING_MESSAGE else [{"text": "Noted."}])
        if isinstance(answer, BotError):
            raise answer
        return answer

    def forget(self, sender: str) -> bool:
        self.forgotten.append(sender)
        return True

    def config(self) -> dict[str, Any]:
        return {"emergency_number": "911"}


def converse(chat: FakeChat, lines: list[str]) -> str:
    """Run the loop over ``lines`` (then Ctrl-D); returns the screen; records put-back texts."""
    output = io.StringIO()
    conversation = Conversation(chat=chat, console=Console(file=output, width=80, color_system=None))
    pending = list(lines)
    chat.put_back = []  # type: ignore[attr-defined]

    def read(default: str) -> str:
        chat.put_back.append(default)  # type: ignore[attr-defined]
        if not pending:
            raise EOFError
        return pending.pop(0)

    conversation.run(read)
    return output.getvalue()


def test_the_disclaimer_comes_first_then_a_number_sends_the_payload_and_shows_the_title() -> None:
    chat = FakeChat({"how do I get rid of them": [TREATMENT]})
    shown = converse(chat, ["how do I get rid of them", "1", "and are they contagious?"])
    assert shown.lstrip().startswith("Hello. I'm an automated assistant")
    assert [message for _, message in chat.sent] == [
        OPENING_MESSAGE, "how do I get rid of them", "/ask_home_removal", "and are they contagious?",
    ]
    assert "You: Can I pop them at home?" in shown
    assert "/ask_home_removal" not in shown and OPENING_MESSAGE not in shown
    assert "You: and are they contagious?" in shown  # free text right after options
    assert shown.rstrip().endswith("Goodbye. If someone may be seriously ill, call 911.")


def test_restart_starts_a_new_server_session_with_the_disclaimer_again() -> None:
    chat = FakeChat()
    shown = converse(chat, ["hello", "/restart", "hi again"])
    assert chat.sessions == 2
    assert shown.count("I'm an automated assistant") == 2
    assert chat.sent[-1] == ("session-2", "hi again")
    assert chat.sent.count(("session-2", OPENING_MESSAGE)) == 1


def test_delete_asks_the_server_to_forget_then_starts_afresh() -> None:
    chat = FakeChat()
    shown = converse(chat, ["hello", "/delete"])
    assert chat.forgotten == ["session-1"]
    assert "deleted from the server" in shown
    assert chat.sessions == 2


def test_quit_help_and_unknown_commands_send_nothing() -> None:
    chat = FakeChat()
    shown = converse(chat, ["/help", '/inform{"age_group":"adult"}', "", "/quit", "never sent"])
    assert [message for _, message in chat.sent] == [OPENING_MESSAGE]
    assert "/restart" in shown and "There is no command" in shown


def test_an_error_is_said_kindly_with_the_emergency_number_and_the_text_is_put_back() -> None:
    chat = FakeChat({"my baby": BotError("the assistant could not answer (HTTP 503)", emergency_number="112")})
    shown = converse(chat, ["my baby", "/quit"])
    assert "Sorry: the assistant could not answer (HTTP 503)" in shown
    assert "call 112 now" in shown  # the number the server gave wins over the configured one
    assert chat.put_back == ["", "my baby"]  # type: ignore[attr-defined]


def test_a_conversation_the_server_no_longer_knows_suggests_restart() -> None:
    chat = FakeChat({"hello": BotError("unknown conversation (HTTP 403)", status=403)})
    shown = converse(chat, ["hello"])
    assert "unknown conversation" in shown and "Type /restart" in shown


class NoConfigChat(FakeChat):
    def config(self) -> dict[str, Any]:
        raise BotError("not found (HTTP 404)", status=404)


def test_no_clinic_config_still_starts_the_conversation() -> None:
    shown = converse(NoConfigChat(), [])
    assert shown.lstrip().startswith("Hello. I'm an automated assistant") and "Sorry" not in shown


def test_a_link_option_is_shown_not_sent_and_start_again_restarts() -> None:
    chat = FakeChat({"talk to a person": [FOLLOW_UPS]})
    shown = converse(chat, ["talk to a person", "1", "3"])
    assert "Call the clinic: +15550100" in shown
    assert [message for _, message in chat.sent] == [OPENING_MESSAGE, "talk to a person", OPENING_MESSAGE]
    assert chat.sessions == 2


def test_the_options_are_those_of_the_last_answer() -> None:
    chat = FakeChat({"worried": [QUESTION], "hello": [{"text": "No buttons now."}]})
    converse(chat, ["worried", "4", "hello", "2"])
    assert [message for _, message in chat.sent][2:] == ['/inform{"age_group":"adult"}', "hello", "2"]


def test_an_emergency_answer_shows_the_banner_without_json() -> None:
    said = "my baby is 3 weeks old with a fever"
    shown = converse(FakeChat({said: EMERGENCY}), [said])
    assert "EMERGENCY" in shown and "triage_level" not in shown and "Custom json" not in shown


class WidgetServer(BaseHTTPRequestHandler):
    """Answers like the widget channel; ``replies`` maps a message to (status, body)."""

    replies: dict[str, tuple[int, Any]] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer(200, {"emergency_number": "999", "clinic_name": "Test"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path.endswith("/session"):
            return self._answer(200, {"sender": "server-issued-1"})
        if self.path.endswith("/forget"):
            return self._answer(200, {"deleted": body.get("sender") == "server-issued-1"})
        status, reply = self.replies.get(body.get("message"), (200, [{"text": f"echo {body.get('message')}"}]))
        return self._answer(status, reply)


@pytest.fixture
def widget_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WidgetServer)  # a free port chosen by the system
    WidgetServer.replies = {
        "busy": (503, {"error": "the assistant could not answer; please try again", "emergency_number": "999"}),
        "long": (413, {"error": "'message' must be at most 5000 characters"}),
        "odd": (200, b"<html>not json</html>"),
        "bare": (500, b""),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_client_speaks_the_widget_channel(widget_url: str) -> None:
    client = WidgetClient(widget_url + "/")
    sender = client.new_session()
    assert sender == "server-issued-1"
    assert client.send(sender, "hello") == [{"text": "echo hello"}]
    assert client.config()["emergency_number"] == "999"
    assert client.forget(sender) is True


@pytest.mark.parametrize(
    ("message", "status", "words", "number"),
    [
        ("busy", 503, "could not answer", "999"),
        ("long", 413, "at most 5000 characters", None),
        ("bare", 500, "could not answer", None),
        ("odd", None, "can't read", None),
    ],
)
def test_the_client_turns_failures_into_words(
    widget_url: str, message: str, status: Optional[int], words: str, number: Optional[str]
) -> None:
    with pytest.raises(BotError) as raised:
        WidgetClient(widget_url).send("server-issued-1", message)
    assert words in str(raised.value)
    assert raised.value.status == status
    assert raised.value.emergency_number == number


def test_the_client_says_when_the_bot_cannot_be_reached() -> None:
    with pytest.raises(BotError, match="can't be reached"):
        WidgetClient("http://127.0.0.1:9", timeout=2).new_session()


def test_make_shell_endpoints_keep_the_tracker_store_and_move_the_action_server() -> None:
    source = Path(__file__).resolve().parent.parent / "endpoints.yml"
    endpoints = yaml.safe_load(endpoints_for(20121, source))
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:20121/webhook"
    assert endpoints["tracker_store"] == yaml.safe_load(source.read_text())["tracker_store"]


def test_make_shell_says_what_to_do_when_the_bot_port_is_taken(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        servers = Servers(bot_port=port, action_port=port, log_dir=tmp_path)
        with pytest.raises(StartError, match=rf"port {port} .* already in use.*--url http://127.0.0.1:{port}"):
            servers.start()
    assert servers.processes == []  # nothing was started
