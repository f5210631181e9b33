"""Attacks on the running bot, as an outsider would try them: all refused.

The session's bot (tests/servers.py) is started the way `make run MILIA_API=1` starts
it: ``python -m bot.serve --api`` on loopback, the API token in a 0600 file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import socketio

from bot.serve import main as serve_main
from tests.conftest import post_json
from tests.servers import BotStack

pytestmark = pytest.mark.server

EVIL_ORIGIN = "https://evil.example"


def send(
    url: str, method: str = "GET", data: Optional[bytes] = None, headers: Optional[dict[str, str]] = None
) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return status, raw


# ------------------------------------------------------------------ the model cannot be changed


@pytest.mark.parametrize("with_token", [False, True])
def test_model_training_replacement_and_deletion_are_refused(bot_stack: BotStack, with_token: bool) -> None:
    url = bot_stack.api_url if with_token else (lambda path: bot_stack.url + path)
    attempts = [
        ("POST", "/model/train", b"version: '3.1'\nnlu: []\n", "text/plain"),
        ("POST", "/model/train", b"version: '3.1'\n", "application/yaml"),
        ("POST", "/model/train", json.dumps({"domain": "", "nlu": ""}).encode(), "application/json"),
        ("PUT", "/model", json.dumps({"model_file": "/tmp/attacker.tar.gz"}).encode(), "application/json"),
        ("PUT", "/model", json.dumps({"model_server": {"url": "http://169.254.169.254/"}}).encode(),
         "application/json"),
        ("DELETE", "/model", None, "application/json"),
    ]
    for method, path, data, content_type in attempts:
        status, _ = send(url(path), method, data, {"Content-Type": content_type})
        assert status in (401, 403), (method, path, status)
    # Still the same bot, answering emergencies.
    status, body = post_json(f"{bot_stack.url}/webhooks/rest/webhook",
                             {"sender": "after-attack", "message": "my 3 week old has a fever of 38.5"})
    assert status == 200 and any("EMERGENCY" in message.get("text", "") for message in body)


def test_restart_loads_only_the_built_model_and_purges_expired_conversations(bot_stack: BotStack) -> None:
    # An attacker drops a newer file next to the model; an expired conversation waits in the store.
    dropped = Path(bot_stack.model).parent / "zzz-attacker-newest.tar.gz"
    dropped.write_bytes(b"not a model")
    with sqlite3.connect(bot_stack.database) as connection:
        connection.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            ("expired-conversation", "user", time.time() - 400 * 86400, '{"event": "user", "text": "old"}'),
        )
    try:
        bot_stack.stop_bot()
        bot_stack.start_bot()
    finally:
        dropped.unlink()
    status, body = post_json(f"{bot_stack.url}/webhooks/rest/webhook", {"sender": "after-restart", "message": "hi"})
    assert status == 200 and body, body
    with sqlite3.connect(bot_stack.database) as connection:
        left = connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'expired-conversation'").fetchone()
    assert left[0] == 0


# ------------------------------------------------------------------ conversations need the token


def test_tracker_read_and_write_without_the_token_are_refused(bot_stack: BotStack, say: Callable) -> None:
    say("victim-1", "my name is Ann and my baby has a fever of 38.5")
    status, _ = send(f"{bot_stack.url}/conversations/victim-1/tracker")
    assert status == 401
    status, _ = send(f"{bot_stack.url}/conversations/victim-1/tracker?token=guess")
    assert status == 401
    slot = json.dumps({"event": "slot", "name": "emergency_number", "value": "1 900 555 0123"}).encode()
    for content_type in ("application/json", "text/plain"):
        status, _ = send(f"{bot_stack.url}/conversations/victim-1/tracker/events", "POST", slot,
                         {"Content-Type": content_type})
        assert status in (401, 415), content_type
    status, _ = send(f"{bot_stack.url}/conversations/victim-1/tracker/events", "PUT", b"[]",
                     {"Content-Type": "application/json"})
    assert status == 401
    tracker = send(bot_stack.api_url("/conversations/victim-1/tracker"))[1]
    assert tracker["slots"]["emergency_number"] != "1 900 555 0123"


def test_the_token_never_appears_on_a_command_line(bot_stack: BotStack) -> None:
    token = bot_stack.api_token
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert token.encode() not in cmdline


def test_the_api_cannot_be_served_beyond_loopback() -> None:
    with pytest.raises(SystemExit, match="loopback"):
        serve_main(["--api", "--host", "0.0.0.0"])


# ------------------------------------------------------------------ cross-site requests


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/widget/webhook", "/webhooks/widget/session",
                                  "/webhooks/widget/forget"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_cross_site_simple_requests_are_refused(bot_stack: BotStack, path: str, content_type: str) -> None:
    # What any web page can send without a CORS preflight.
    data = json.dumps({"sender": "someone", "message": "hi"}).encode()
    status, _ = send(bot_stack.url + path, "POST", data, {"Content-Type": content_type, "Origin": EVIL_ORIGIN})
    assert status in (403, 415)
    status, _ = send(bot_stack.url + path, "POST", data, {"Content-Type": content_type})
    assert status in (403, 415)


# ------------------------------------------------------------------ widget ids are capabilities


def test_widget_refuses_ids_it_did_not_issue_and_forgets_on_request(
    bot_stack: BotStack, issued_sender: Callable[[], str]
) -> None:
    webhook = f"{bot_stack.url}/webhooks/widget/webhook"
    for guess in ["demo-1", "test-1", "a" * 22 + "." + "b" * 22]:
        status, body = post_json(webhook, {"sender": guess, "message": "hi"})
        assert status == 403 and "session" in body["error"]
    sender = issued_sender()
    status, body = post_json(webhook, {"sender": sender, "message": "my name is Ann, what are milia"})
    assert status == 200 and body
    with sqlite3.connect(bot_stack.database) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert rows and not any("Ann" in row[0] for row in rows)  # redacted before storage
    status, body = post_json(f"{bot_stack.url}/webhooks/widget/forget", {"sender": "demo-1"})
    assert status == 403
    status, body = post_json(f"{bot_stack.url}/webhooks/widget/forget", {"sender": sender})
    assert status == 200 and body == {"deleted": True}
    with sqlite3.connect(bot_stack.database) as connection:
        count = connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
    assert count == 0


def test_session_route_issues_distinct_ids(bot_stack: BotStack) -> None:
    ids = {post_json(f"{bot_stack.url}/webhooks/widget/session", {})[1]["sender"] for _ in range(5)}
    assert len(ids) == 5
    status, _ = send(f"{bot_stack.url}/webhooks/widget/session", "POST", b"")
    assert status == 200


# ------------------------------------------------------------------ socket.io


class Client:
    def __init__(self, url: str, session_id: Optional[str]) -> None:
        self.replies: list[Any] = []
        self.confirmed = threading.Event()
        self.session_id = ""
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", self._confirm)
        self.sio.on("bot_uttered", self.replies.append)
        self.sio.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self.sio.emit("session_request", {"session_id": session_id})
        assert self.confirmed.wait(30)

    def _confirm(self, session_id: Any) -> None:
        self.session_id = str(session_id)
        self.confirmed.set()

    def wait_for_replies(self, seconds: float) -> list[Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.replies:
            time.sleep(0.2)
        time.sleep(1.5)
        return list(self.replies)

    def close(self) -> None:
        self.sio.eio.disconnect(abort=True)


def test_socketio_session_takeover_gets_nothing(bot_stack: BotStack) -> None:
    victim = Client(bot_stack.url, None)
    guesser = Client(bot_stack.url, "test-0-guessed")
    joiner = Client(bot_stack.url, victim.session_id)  # even someone who learnt the exact id
    try:
        assert guesser.session_id != "test-0-guessed"
        victim.sio.emit("user_uttered", {"message": "my baby has a fever of 38.5", "session_id": victim.session_id})
        assert victim.wait_for_replies(30)
        assert joiner.replies == [] and guesser.replies == []
        # A message naming another conversation than the one confirmed is refused.
        guesser.sio.emit("user_uttered", {"message": "hi", "session_id": victim.session_id})
        refused = guesser.wait_for_replies(10)
        assert refused and "session_request" in refused[0]["text"]
    finally:
        for client in (victim, guesser, joiner):
            client.close()


@pytest.mark.parametrize("data", [{"message": 42}, {"message": "a" * 6000}, "just a string", {"message": ["x"]}])
def test_socketio_bad_messages_get_an_answer_not_silence(bot_stack: BotStack, data: Any) -> None:
    client = Client(bot_stack.url, None)
    try:
        if isinstance(data, dict):
            data = {**data, "session_id": client.session_id}
        client.sio.emit("user_uttered", data)
        replies = client.wait_for_replies(15)
        assert replies and "could not read" in replies[0]["text"]
    finally:
        client.close()


def test_socketio_polling_post_bodies_are_bounded(bot_stack: BotStack) -> None:
    with urllib.request.urlopen(f"{bot_stack.url}/socket.io/?EIO=4&transport=polling", timeout=30) as response:
        handshake = response.read().decode()
    sid = json.loads(handshake[handshake.index("{"):])["sid"]
    start = time.monotonic()
    status, _ = send(f"{bot_stack.url}/socket.io/?EIO=4&transport=polling&sid={sid}", "POST",
                     b"4" + b"x" * (1024 * 1024), {"Content-Type": "text/plain;charset=UTF-8"})
    assert status in (400, 413)
    assert time.monotonic() - start < 5


# ------------------------------------------------------------------ validation over the wire


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/widget/webhook"])
@pytest.mark.parametrize(
    "raw",
    [b'{"sender": "s", "message": ' + b"[" * 30000 + b"]" * 30000 + b"}",  # under 64 KB: parsed, refused
     b'{"sender": "s", "message": "\\ud800"}',
     b'{"sender": "s", "message": "hi", "metadata": {"a": {"b": {"c": {"d": {}}}}}}',
     b"\xff\xfe"],
    ids=["nested", "lone surrogate", "nested metadata", "not utf-8"],
)
def test_malformed_bodies_get_a_4xx_on_every_chat_route(bot_stack: BotStack, path: str, raw: bytes) -> None:
    status, body = send(bot_stack.url + path, "POST", raw, {"Content-Type": "application/json"})
    assert 400 <= status < 500 and "error" in body


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/widget/webhook", "/webhooks/widget/forget"])
def test_oversize_bodies_are_refused_before_they_are_read(bot_stack: BotStack, path: str) -> None:
    status, _ = send(bot_stack.url + path, "POST", b"[" * (200 * 1024), {"Content-Type": "application/json"})
    assert status == 413


# ------------------------------------------------------------------ a slow-input attacker


ATTACKS = ["😀" * 5000, "".join(chr(0x1F600 + i % 80) for i in range(5000)), "(" * 5000, "a(" * 2500,
           "/inform" + "{" * 2400 + "}" * 2400, "!?.,;" * 1000]


def test_a_slow_input_attacker_does_not_delay_a_normal_user_beyond_1s(bot_stack: BotStack, show_figure) -> None:
    webhook = f"{bot_stack.url}/webhooks/rest/webhook"
    stop = threading.Event()

    def attack(worker: int) -> None:
        sent = 0
        while not stop.is_set():
            post_json(webhook, {"sender": f"attacker-{worker}", "message": ATTACKS[sent % len(ATTACKS)]})
            sent += 1

    attackers = [threading.Thread(target=attack, args=(worker,), daemon=True) for worker in range(2)]
    for thread in attackers:
        thread.start()
    try:
        time.sleep(1.0)
        latencies = []
        for _ in range(8):
            start = time.monotonic()
            status, body = post_json(webhook, {"sender": "normal-user", "message": "what are milia"})
            latencies.append(time.monotonic() - start)
            assert status == 200 and body
    finally:
        stop.set()
        for thread in attackers:
            thread.join(timeout=30)
    show_figure(f"normal user's reply under attack: max {max(latencies) * 1000:.0f} ms")
    assert max(latencies) < 1.0, latencies
