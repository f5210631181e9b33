"""The running bot feeds the analytics store through its event broker, with nothing personal in it."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable

import pytest

from bot.analytics import store
from bot.analytics.summary import summarise
from tests.servers import BotStack

pytestmark = pytest.mark.server


def _rows(bot_stack: BotStack, conversation_count: int, timeout: float = 20.0) -> list[tuple]:
    """Analytics rows, once the background writer has stored at least ``conversation_count`` conversations."""
    deadline = time.monotonic() + timeout
    rows: list[tuple] = []
    while time.monotonic() < deadline:
        if bot_stack.analytics_database.exists():
            with sqlite3.connect(bot_stack.analytics_database) as db:
                rows = db.execute("SELECT conversation, kind, name, value FROM analytics_events").fetchall()
            if sum(1 for row in rows if row[1] == "conversation") >= conversation_count:
                return rows
        time.sleep(0.5)
    return rows


def test_live_conversation_is_counted_without_text_or_sender_id(
    bot_stack: BotStack, say: Callable[[str, str], list[dict]], new_sender: Callable[[], str]
) -> None:
    sender = new_sender()
    before = time.time()
    say(sender, "what are milia?")
    say(sender, "my neighbour Zebulon Quarkington wants to talk to a person")
    say(sender, "qwzx vbnm plokij Zebulon")
    rows = _rows(bot_stack, 1)
    assert rows, "no analytics rows were written by the broker"
    assert sender not in {row[0] for row in rows}
    kinds = [row[1] for row in rows]
    assert "conversation" in kinds and "intent" in kinds and "latency" in kinds
    assert ("ask_what_is_milia" in {row[2] for row in rows if row[1] == "intent"})
    for path in bot_stack.workdir.glob("analytics.db*"):
        data = path.read_bytes()
        assert sender.encode() not in data, path.name
        assert b"neighbour" not in data and b"Quarkington" not in data and b"what are milia" not in data
    engine = store.connect(f"sqlite:///{bot_stack.analytics_database}")
    summary = summarise(engine, before - 5, time.time() + 5)
    engine.dispose()
    assert summary.conversations >= 1 and summary.user_messages >= 3
    assert summary.latency_p50_ms is not None and summary.latency_p50_ms > 0
