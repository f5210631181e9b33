"""Storage faults are loud: the person is told (with the emergency number), the health
route fails, a red flag is still answered, and a handler that raises gives each channel
its clear error (never ``200 []`` or silence).

A second bot runs here with a tracker store and a lock store whose faults tests switch
on with files: ``fault-store`` (every save raises), ``fault-lock`` (handling a message
raises). The read-only database is the real thing: the SQLite file is made immutable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import socketio
from rasa.core.lock_store import InMemoryLockStore

from bot.tracker_store import UrlSQLTrackerStore
from tests.conftest import post_json
from tests.servers import BotStack, server_port

pytestmark = pytest.mark.server

FAULTS_ENV = "MILIA_TEST_FAULTS_DIR"
RED_FLAG = "my 3 week old baby has a fever of 38.5 and is floppy"


def _fault(name: str) -> bool:
    folder = os.environ.get(FAULTS_ENV)
    return bool(folder) and (Path(folder) / f"fault-{name}").exists()


class FaultyTrackerStore(UrlSQLTrackerStore):
    """The project's store; every save raises while ``fault-store`` exists."""

    async def save(self, tracker: Any) -> None:
        if _fault("store"):
            raise RuntimeError("injected tracker store fault")
        await super().save(tracker)


class FaultyLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store; handling a message raises while ``fault-lock`` exists."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        super().__init__()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        if _fault("lock"):
            raise RuntimeError("injected handler fault")
        return super().issue_ticket(conversation_id, lock_lifetime)


@pytest.fixture(scope="module")
def faulty_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    workdir = tmp_path_factory.mktemp("faulty")
    base_bot = server_port("MILIA_TEST_BOT_PORT", 15005)
    base_actions = server_port("MILIA_TEST_ACTION_PORT", 15055)
    stack = BotStack(
        workdir=workdir,
        bot_port=base_bot + 100,
        action_port=base_actions + 100,
        tracker_store_yaml=(
            "tracker_store:\n  type: tests.test_storage_failure.FaultyTrackerStore\n"
            f"  url: sqlite:///{workdir / 'tracker.db'}\n"
            "lock_store:\n  type: tests.test_storage_failure.FaultyLockStore\n"
        ),
        extra_env={FAULTS_ENV: str(workdir)},
    )
    stack.start()
    yield stack
    stack.stop_all()


class Fault:
    def __init__(self, stack: BotStack, name: str) -> None:
        self.path = stack.workdir / f"fault-{name}"

    def __enter__(self) -> Fault:
        self.path.touch()
        return self

    def __exit__(self, *exc: object) -> None:
        self.path.unlink()


class ReadOnlyDatabase:
    """The SQLite files made immutable (even root cannot write them), as on a read-only disk.

    The store runs SQLite in WAL mode, where a write goes to the ``-wal`` file first: the
    database and its write-ahead log are made immutable (the shared-memory index is not a
    store of data; an immutable mapping would only crash SQLite).
    """

    def __init__(self, stack: BotStack) -> None:
        base = stack.workdir / "tracker.db"
        self.paths = [path for path in (base, base.with_name("tracker.db-wal"))
                      if path.exists()]

    def __enter__(self) -> ReadOnlyDatabase:
        chattr = shutil.which("chattr")
        assert chattr, "chattr (e2fsprogs) is needed to make the database read-only"
        subprocess.run([chattr, "+i", *map(str, self.paths)], check=True)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["chattr", "-i", *map(str, self.paths)], check=True)


def health(stack: BotStack, path: str = "/health") -> tuple[int, Any]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(stack.url + path, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def rest(stack: BotStack, sender: str, text: str) -> tuple[int, Any]:
    return post_json(f"{stack.url}/webhooks/rest/webhook", {"sender": sender, "message": text})


def widget(stack: BotStack, text: str, sender: Optional[str] = None) -> tuple[int, Any]:
    sender = sender or post_json(f"{stack.url}/webhooks/widget/session", {})[1]["sender"]
    return post_json(f"{stack.url}/webhooks/widget/webhook", {"sender": sender, "message": text})


def socket_texts(stack: BotStack, text: str) -> list[str]:
    import threading
    import time

    replies: list[Any] = []
    confirmed = threading.Event()
    client = socketio.Client(reconnection=False)
    session: dict[str, str] = {}
    client.on("session_confirm", lambda sid: (session.update(id=str(sid)), confirmed.set()))
    client.on("bot_uttered", replies.append)
    client.connect(stack.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": None})
        assert confirmed.wait(30)
        client.emit("user_uttered", {"message": text, "session_id": session["id"]})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("wrong on our side" in str(r) for r in replies):
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        client.eio.disconnect(abort=True)
    return [reply.get("text", "") for reply in replies if isinstance(reply, dict)]


def assert_clear_error(status: int, body: Any) -> None:
    assert status == 503, (status, body)
    assert "wrong on our side" in body["error"] and "911" in body["error"]
    assert body["emergency_number"] == "911"


# ------------------------------------------------------------------ a store that raises


def test_a_store_that_raises_is_reported_on_every_channel_and_a_red_flag_is_still_answered(
    faulty_stack: BotStack,
) -> None:
    assert health(faulty_stack)[0] == 200
    with Fault(faulty_stack, "store"):
        status, body = rest(faulty_stack, "raising-1", RED_FLAG)
        assert_clear_error(status, body)
        assert any(message.get("text", "").startswith("EMERGENCY") for message in body["messages"])
        status, body = widget(faulty_stack, "what are milia")
        assert_clear_error(status, body)
        assert any("wrong on our side" in text for text in socket_texts(faulty_stack, "what are milia"))
        for path in ("/health", "/webhooks/widget/health"):
            status, report = health(faulty_stack, path)
            assert status == 503 and report["store"]["status"] == "failing", report
    # Loud while it lasts, fine again once the store writes.
    assert rest(faulty_stack, "raising-2", "hello")[0] == 200
    assert health(faulty_stack)[0] == 200


# ------------------------------------------------------------------ a read-only database


def test_a_read_only_database_is_reported_and_a_red_flag_is_still_answered(faulty_stack: BotStack) -> None:
    assert rest(faulty_stack, "read-only-0", "hello")[0] == 200  # the database file exists
    with ReadOnlyDatabase(faulty_stack):
        status, body = rest(faulty_stack, "read-only-1", RED_FLAG)
        assert_clear_error(status, body)
        assert any(message.get("text", "").startswith("EMERGENCY") for message in body["messages"])
        assert_clear_error(*widget(faulty_stack, "how long do they last"))
        status, report = health(faulty_stack)
        assert status == 503 and report["store"]["status"] == "failing", report
    assert rest(faulty_stack, "read-only-2", "hello")[0] == 200
    assert health(faulty_stack)[0] == 200


# ------------------------------------------------------------------ a handler that raises


def test_a_handler_that_raises_gives_each_channel_its_clear_error(faulty_stack: BotStack) -> None:
    with Fault(faulty_stack, "lock"):
        status, body = rest(faulty_stack, "handler-1", "what are milia")
        assert_clear_error(status, body)  # Rasa's REST channel answered 200 []
        status, body = widget(faulty_stack, "what are milia")
        assert_clear_error(status, body)  # a 503 with the message, never an empty 200
        assert body["messages"] == []
        assert any("wrong on our side" in text for text in socket_texts(faulty_stack, "what are milia"))
    assert rest(faulty_stack, "handler-2", "hello")[0] == 200
