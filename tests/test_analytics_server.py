"""The running bot feeds the analytics store through its event broker, with nothing personal in it."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable

import pytest

from bot.analytics import store
from bot.analytics.summary import Summary, summarise
from tests.servers import BotStack

pytestmark = pytest.mark.server


def _summary_once_written(bot_stack: BotStack, since: float, messages: int, timeout: float = 20.0) -> Summary:
    """The summary of the analytics store from ``since``, once the background writer has stored the messages."""
    deadline = time.monotonic() + timeout
    while True:
        summary = Summary(since=since, until=since)
        if bot_stack.analytics_database.exists():
            engine = store.connect(f"sqlite:///{bot_stack.analytics_database}")
            summary = summarise(engine, since, time.time() + 5)
            engine.dispose()
        if summary.user_messages >= messages or time.monotonic() > deadline:
            return summary
        time.sleep(0.5)


def test_live_conversation_is_counted_without_text_or_sender_id(
    bot_stack: BotStack, say: Callable[[str, str], list[dict]], new_sender: Callable[[], str]
) -> None:
    sender = new_sender()
    before = time.time()
    say(sender, "what are milia?")
    say(sender, "I want to talk to a person, my neighbour Zebulon Quarkington says hi")
    say(sender, "qwzx vbnm plokij Zebulon")
    # from this conversation's first message on: a second's margin counted the conversations
    # of the test file that ran just before (round 18, after the widget's HTTP tests)
    summary = _summary_once_written(bot_stack, before, 3)
    assert summary.conversations == 1 and summary.user_messages == 3, "the broker did not write this conversation"
    assert summary.handoffs == 1
    assert summary.latency_p50_ms is not None and summary.latency_p50_ms > 0
    with sqlite3.connect(bot_stack.analytics_database) as db:
        rows = db.execute("SELECT conversation, kind, name FROM analytics_events WHERE ts >= ?",
                          (before,)).fetchall()
    assert {row[0] for row in rows} != {sender} and len({row[0] for row in rows}) == 1
    assert ("intent", "ask_what_is_milia") in {(row[1], row[2]) for row in rows}
    for path in bot_stack.workdir.glob("analytics.db*"):
        data = path.read_bytes()
        assert sender.encode() not in data, path.name
        assert b"neighbour" not in data and b"Quarkington" not in data and b"what are milia" not in data
