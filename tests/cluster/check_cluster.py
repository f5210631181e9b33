"""The cluster: PostgreSQL + Redis + 2 Rasa servers + action server + nginx (``make cluster-test``).

Not collected by the plain ``pytest`` of ``make test`` (the file name does not start with
``test_``): it needs the Debian services and takes a few minutes; ``make cluster-test``
runs it by path. It starts its own cluster on ports from ``CLUSTER_TEST_PORT`` (state in
``.cluster/test``) and stops it at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.error
import urllib.request
from typing import Iterator

import pytest

from bot.lock_store import ConversationLockStore
from deploy.cluster import REPO, Cluster
from tests.cluster.load import run_load

TICKET_TTL_S = 5


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    stack = Cluster(servers=2, port=int(os.environ.get("CLUSTER_TEST_PORT", "22150")),
                    workdir=REPO / ".cluster" / "test", ticket_ttl_s=TICKET_TTL_S)
    if stack.pids_file.exists():
        stack.stop()
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def _post(url: str, sender: str, text: str, timeout: float = 60) -> tuple[int, object]:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": sender, "message": text}).encode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def test_one_conversation_across_servers_is_stored_in_order(cluster: Cluster) -> None:
    sender = f"across-{time.time_ns()}"
    texts = ["hello", "what are milia", "are they contagious", "my 3 week old has a fever of 38.5", "bye"]
    for turn, text in enumerate(texts):
        status, replies = _post(cluster.server_url(turn % 2), sender, text)
        assert status == 200 and replies, (text, status, replies)
    import psycopg2

    with psycopg2.connect(cluster.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", (sender,))
        stored = [json.loads(data)["text"] for (data,) in cursor]
    assert stored == texts


def test_tickets_are_atomic_and_in_order_across_two_servers(cluster: Cluster) -> None:
    """Two lock stores (as on two servers) hand one conversation's lock out one at a time, in ticket order."""

    async def scenario() -> tuple[list[int], int, list[int]]:
        stores = [ConversationLockStore(url=cluster.lock_store_url, ttl_s=TICKET_TTL_S) for _ in range(2)]
        inside = 0
        most_inside = 0
        served: list[int] = []
        lock_served: list[int] = []
        conversation = f"contended-{time.time_ns()}"

        async def message(number: int) -> None:
            """The steps of ``lock()``, keeping the ticket number to check the order."""
            nonlocal inside, most_inside
            store = stores[number % 2]
            ticket = await store._run("issue", conversation)
            await store._wait_for_turn(conversation, ticket)
            inside += 1
            most_inside = max(most_inside, inside)
            served.append(ticket)
            await asyncio.sleep(0.005)
            inside -= 1
            await store._run("release", conversation, ticket)

        async def through_lock(number: int) -> None:
            nonlocal inside, most_inside
            async with stores[number % 2].lock(conversation + "-lock"):
                inside += 1
                most_inside = max(most_inside, inside)
                lock_served.append(number)
                await asyncio.sleep(0.002)
                inside -= 1

        await asyncio.gather(*(message(number) for number in range(60)))
        await asyncio.gather(*(through_lock(number) for number in range(60)))
        return served, most_inside, lock_served

    served, most_inside, lock_served = asyncio.run(scenario())
    assert most_inside == 1
    assert served == sorted(served) and len(served) == 60
    assert sorted(lock_served) == list(range(60))


def test_a_dead_holders_ticket_lapses_in_seconds(cluster: Cluster) -> None:
    """A server killed while it held a conversation delays it by the ticket lifetime, not a minute."""

    async def scenario() -> float:
        dead = ConversationLockStore(url=cluster.lock_store_url, ttl_s=TICKET_TTL_S)
        alive = ConversationLockStore(url=cluster.lock_store_url, ttl_s=TICKET_TTL_S)
        # The holder takes its ticket and then falls silent (no heartbeat, no release).
        ticket = await dead._run("issue", "killed-holder")
        assert await dead._run("try", "killed-holder", ticket) == 1
        started = time.monotonic()
        async with alive.lock("killed-holder"):
            return time.monotonic() - started

    waited = asyncio.run(scenario())
    assert TICKET_TTL_S - 1 <= waited <= TICKET_TTL_S + 2


def test_load_with_a_server_killed_loses_nothing(cluster: Cluster) -> None:
    result = run_load(cluster, users=20, run_time_s=45, conversations_per_user=50, kill_server=1, kill_after_s=15,
                      name="cluster-test-load")
    print(json.dumps(result, indent=1))
    (REPO / "test-output" / "cluster-test-result.json").write_text(json.dumps(result, indent=1))
    integrity = result["integrity"]
    assert integrity["clean"], integrity["problems"]
    assert integrity["answered"] >= 150
    assert result["answered_after_kill"] >= 100  # the other server carried on
    # Only the requests the killed server held fail; the rest are answered within seconds.
    assert integrity["failed_in_flight"] <= 20
    assert result["max_s"] < 3 * TICKET_TTL_S + 10


def test_no_lock_store_means_503_not_200_empty(cluster: Cluster) -> None:
    """With Redis unreachable a message is refused with a clear 503 and not processed."""
    redis_pid = json.loads(cluster.pids_file.read_text())["redis"]
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        status, body = _post(cluster.server_url(0), f"no-redis-{time.time_ns()}", "hello", timeout=30)
    finally:
        os.kill(redis_pid, signal.SIGCONT)
    assert status == 503
    assert isinstance(body, dict) and body["error"]
