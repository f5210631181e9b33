"""A turn is loaded and saved at a cost independent of the conversation's length, and nothing is lost.

The store keeps the tracker it saved and checks the database's highest event id before
reusing it; these tests drive it as Rasa does (retrieve, append, save) and read the
database back, including a second store on the same database standing in for a second
server.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import UrlSQLTrackerStore


def _store(path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch) -> UrlSQLTrackerStore:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    return UrlSQLTrackerStore(domain=domain, url=f"sqlite:///{path}")


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(f"reply to {text}"))
    tracker.update(ActionExecuted("action_listen"))


async def _say(store: UrlSQLTrackerStore, sender: str, text: str, domain: Domain) -> DialogueStateTracker:
    tracker = await store.retrieve(sender)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                                            ActionExecuted("action_listen")], domain.slots)
    _turn(tracker, text)
    await store.save(tracker)
    return tracker


def _stored_texts(path: Path, sender: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                                  (sender,)).fetchall()
    import json

    return [json.loads(data)["text"] for (data,) in rows]


def _count_calls(monkeypatch: pytest.MonkeyPatch, method: str) -> list:
    """Records every call of one of the store's methods (the arguments after ``self``)."""
    calls: list = []
    original = getattr(UrlSQLTrackerStore, method)

    if inspect.iscoroutinefunction(original):
        async def counting(self: UrlSQLTrackerStore, *args: object, **kwargs: object) -> object:
            calls.append(args)
            return await original(self, *args, **kwargs)
    else:
        def counting(self: UrlSQLTrackerStore, *args: object, **kwargs: object) -> object:  # type: ignore[misc]
            calls.append(args)
            return original(self, *args, **kwargs)

    monkeypatch.setattr(UrlSQLTrackerStore, method, counting)
    return calls


def _count_full_loads(monkeypatch: pytest.MonkeyPatch) -> list:
    """Records every full load of a conversation from the database (Rasa's ``_retrieve``)."""
    return _count_calls(monkeypatch, "_retrieve")


def test_turns_are_stored_once_in_order(tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    texts = [f"message {n}" for n in range(30)]
    for text in texts:
        asyncio.run(_say(store, "alice", text, domain))
    assert _stored_texts(tmp_path / "t.db", "alice") == texts
    reloaded = asyncio.run(_store(tmp_path / "t.db", domain, monkeypatch).retrieve("alice"))
    assert [event.text for event in reloaded.events if isinstance(event, UserUttered)] == texts


def test_a_saved_tracker_is_reused_without_reloading(tmp_path: Path, domain: Domain,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    asyncio.run(_say(store, "bob", "first", domain))
    full_loads = _count_full_loads(monkeypatch)
    for n in range(10):
        asyncio.run(_say(store, "bob", f"again {n}", domain))
    assert full_loads == []
    assert len(_stored_texts(tmp_path / "t.db", "bob")) == 11


def test_turns_saved_by_another_server_are_picked_up(tmp_path: Path, domain: Domain,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _store(tmp_path / "t.db", domain, monkeypatch), _store(tmp_path / "t.db", domain, monkeypatch)
    asyncio.run(_say(first, "carol", "on server one", domain))
    asyncio.run(_say(second, "carol", "on server two", domain))
    asyncio.run(_say(second, "carol", "still on two", domain))
    tracker = asyncio.run(_say(first, "carol", "back on one", domain))
    expected = ["on server one", "on server two", "still on two", "back on one"]
    assert [event.text for event in tracker.events if isinstance(event, UserUttered)] == expected
    assert _stored_texts(tmp_path / "t.db", "carol") == expected


def test_an_unsaved_turn_is_not_served_again(tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn that failed half-way (events appended, never saved) must not leak into the next one."""
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    asyncio.run(_say(store, "dan", "saved", domain))
    tracker = asyncio.run(store.retrieve("dan"))
    _turn(tracker, "crashed before saving")
    fresh = asyncio.run(store.retrieve("dan"))
    assert [event.text for event in fresh.events if isinstance(event, UserUttered)] == ["saved"]


def test_deleted_conversation_is_not_served_from_memory(tmp_path: Path, domain: Domain,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    asyncio.run(_say(store, "erin", "forget me", domain))
    with sqlite3.connect(tmp_path / "t.db") as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'erin'")
    assert asyncio.run(store.retrieve("erin")) is None


class RecordingBroker(EventBroker):
    """An event broker that keeps what it was given."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def test_with_a_broker_each_new_event_is_published_once_without_reloading(
    tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa's stream_events reloaded the whole tracker on every save (a sixth of a loaded
    server's time) to find the new events; the events written are now the events published."""
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    store.event_broker = RecordingBroker()
    asyncio.run(_say(store, "dora", "first", domain))
    full_loads = _count_full_loads(monkeypatch)
    for n in range(5):
        asyncio.run(_say(store, "dora", f"again {n}", domain))
    assert full_loads == []
    published = store.event_broker.published
    assert [e["text"] for e in published if e["event"] == "user"] == ["first", *(f"again {n}" for n in range(5))]
    assert {e["sender_id"] for e in published} == {"dora"}
    with sqlite3.connect(tmp_path / "t.db") as connection:
        stored = connection.execute("SELECT count(*) FROM events WHERE sender_id = 'dora'").fetchone()[0]
    assert len(published) == stored, "every stored event published once, nothing else"


def test_a_turn_the_database_refused_is_not_published(tmp_path: Path, domain: Domain,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    store.event_broker = RecordingBroker()
    asyncio.run(_say(store, "erin", "stored", domain))
    before = len(store.event_broker.published)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_row", refuse)
    with pytest.raises(OSError):
        asyncio.run(_say(store, "erin", "refused", domain))
    assert len(store.event_broker.published) == before


def test_a_turn_with_more_events_than_one_insert_holds_is_stored_whole(
    tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replayed conversation saved at once (hundreds of events) is kept whole and in order, and the id
    remembered is the last row's, so the next turn is served from memory without applying anything twice.
    (SQLite inserts all rows in one statement; PostgreSQL's chunked INSERTs run in make cluster-test.)"""
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    tracker = DialogueStateTracker.from_events("fay", [ActionExecuted("action_session_start"), SessionStarted(),
                                                       ActionExecuted("action_listen")], domain.slots)
    texts = [f"replayed {n}" for n in range(120)]  # 4 events each: 483 events
    for text in texts:
        _turn(tracker, text)
    asyncio.run(store.save(tracker))
    full_loads = _count_full_loads(monkeypatch)
    served = asyncio.run(_say(store, "fay", "next", domain))
    assert full_loads == []
    assert [event.text for event in served.events if isinstance(event, UserUttered)] == [*texts, "next"]
    reloaded = asyncio.run(_store(tmp_path / "t.db", domain, monkeypatch).retrieve("fay"))
    def since_session_start(events: object) -> list[dict]:
        dicts = [event.as_dict() for event in events]
        return dicts[next(n for n, event in enumerate(dicts) if event["event"] == "session_started"):]

    assert since_session_start(served.events) == since_session_start(reloaded.events), "nothing applied twice"
    assert _stored_texts(tmp_path / "t.db", "fay") == [*texts, "next"]


def test_a_first_turn_is_stored_without_counting_what_is_stored(
    tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation this server found nothing stored for is saved whole; Rasa's way of finding
    the new events (counting the stored ones) is kept for conversations that exist."""
    store = _store(tmp_path / "t.db", domain, monkeypatch)
    counted = _count_calls(monkeypatch, "_additional_events")
    asyncio.run(_say(store, "gil", "hello", domain))
    assert counted == [] and _stored_texts(tmp_path / "t.db", "gil") == ["hello"]
    other = _store(tmp_path / "t.db", domain, monkeypatch)  # knows nothing of gil: must count
    asyncio.run(_say(other, "gil", "again", domain))
    assert [tracker.sender_id for _, tracker in counted] == ["gil"]
    assert _stored_texts(tmp_path / "t.db", "gil") == ["hello", "again"]
