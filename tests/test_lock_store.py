"""The conversation lock store: one message of a conversation at a time, in arrival order; failures are loud.

The Redis side (atomic tickets across two servers, a dead holder's ticket lapsing) needs a
Redis server and runs in ``make cluster-test`` (tests/cluster/check_cluster.py); here the
in-memory lock of a single server, the processing limit, and what a lock failure does.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_failures import take_lock_failure
from bot.lock_store import ConversationLockStore, LockUnavailable

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_messages_of_one_conversation_are_served_one_at_a_time_in_arrival_order() -> None:
    async def scenario() -> tuple[list[int], int]:
        store = ConversationLockStore(url=None)
        inside, most, served = 0, 0, []

        async def message(number: int) -> None:
            nonlocal inside, most
            async with store.lock("one-conversation"):
                inside += 1
                most = max(most, inside)
                served.append(number)
                await asyncio.sleep(0.001)
                inside -= 1

        tasks = []
        for number in range(30):
            tasks.append(asyncio.create_task(message(number)))
            await asyncio.sleep(0)  # message `number` arrives before `number + 1`
        await asyncio.gather(*tasks)
        return served, most

    served, most = asyncio.run(scenario())
    assert most == 1
    assert served == list(range(30))


def test_other_conversations_are_not_held_up() -> None:
    async def scenario() -> bool:
        store = ConversationLockStore(url=None)
        release = asyncio.Event()

        async def slow() -> None:
            async with store.lock("slow-conversation"):
                await release.wait()

        holder = asyncio.create_task(slow())
        await asyncio.sleep(0.01)
        async with store.lock("another-conversation"):
            got_in = True
        release.set()
        await holder
        return got_in

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5))


def test_at_most_the_configured_number_of_messages_is_processed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_CONCURRENT_MESSAGES", "2")

    async def scenario() -> int:
        store = ConversationLockStore(url=None)
        inside, most = 0, 0

        async def message(number: int) -> None:
            nonlocal inside, most
            async with store.lock(f"conversation-{number}"):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.005)
                inside -= 1

        await asyncio.gather(*(message(number) for number in range(10)))
        return most

    assert asyncio.run(scenario()) == 2


def test_unreachable_redis_refuses_the_message_and_marks_the_request() -> None:
    async def scenario() -> tuple[bool, str | None]:
        store = ConversationLockStore(url=UNREACHABLE_REDIS)
        processed = False
        with pytest.raises(LockUnavailable):
            async with store.lock("someone"):
                processed = True
        return processed, take_lock_failure()

    processed, reason = asyncio.run(scenario())
    assert not processed
    assert reason and "unreachable" in reason


def test_endpoint_config_and_environment_choose_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    store = LockStore.create(EndpointConfig(type="bot.lock_store.ConversationLockStore"))
    assert isinstance(store, ConversationLockStore) and store.url is None
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("LOCK_TICKET_TTL", "7")
    store = LockStore.create(EndpointConfig(type="bot.lock_store.ConversationLockStore"))
    assert store.url == "redis://127.0.0.1:6379/1" and store.ttl_s == 7.0
