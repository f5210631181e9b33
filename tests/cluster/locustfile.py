"""Locust load test for the cluster: realistic conversations sent to random servers.

Run headless by ``tests/cluster/load.py`` (``make cluster-test``); configured by
environment variables:

    LOAD_TARGETS                  comma-separated base URLs (the proxy and each Rasa server)
    LOAD_RECORD                   where to write what was sent and answered (JSON lines)
    LOAD_CONVERSATIONS_PER_USER   bound on each user's work (default 3)
    LOAD_IMPATIENT_SHARE          share of users who send their next message before the
                                  reply to the previous one has arrived (default 0.3)

Each message goes to a randomly chosen target. A request refused before it reached a
server (connection refused: the server is down) is sent to another one, as a proxy
would. A 503 (the conversation's lock could not be taken: not processed) is sent again
after Retry-After by a patient user. Any other failure (a server killed while it held
the request) ends that conversation: the message may or may not have been stored, and
the integrity check allows both, but nothing else.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from typing import Any

import gevent
from locust import HttpUser, events, task
from locust.exception import StopUser

from tests.cluster.conversations import CONVERSATIONS, Message

TARGETS = [url.rstrip("/") for url in os.environ.get("LOAD_TARGETS", "http://127.0.0.1:22100").split(",") if url]
RECORD = os.environ.get("LOAD_RECORD", "test-output/load-record.jsonl")
CONVERSATIONS_PER_USER = int(os.environ.get("LOAD_CONVERSATIONS_PER_USER", "3"))
IMPATIENT_SHARE = float(os.environ.get("LOAD_IMPATIENT_SHARE", "0.3"))
IMPATIENT_GAP_S = 1.0
WEBHOOK = "/webhooks/rest/webhook"

_records: list[dict[str, Any]] = []
_records_lock = threading.Lock()


def _record(entry: dict[str, Any]) -> None:
    with _records_lock:
        _records.append(entry)


@events.test_stop.add_listener
def _write_records(**_: Any) -> None:
    os.makedirs(os.path.dirname(RECORD) or ".", exist_ok=True)
    with open(RECORD, "w") as out:
        for entry in _records:
            out.write(json.dumps(entry) + "\n")


def _not_sent(error: Any) -> bool:
    """True when the connection was refused: the request never reached a server."""
    text = repr(error)
    return "NewConnectionError" in text or "Connection refused" in text or "Failed to establish" in text


class Parent(HttpUser):
    """Someone asking about white bumps: a few conversations, then leaves."""

    host = TARGETS[0]
    wait_time = staticmethod(lambda: random.uniform(0.0, 0.3))

    def on_start(self) -> None:
        self.impatient = random.random() < IMPATIENT_SHARE
        self.done = 0

    @task
    def converse(self) -> None:
        if self.done >= CONVERSATIONS_PER_USER:
            raise StopUser()
        self.done += 1
        name = random.choice(sorted(CONVERSATIONS))
        sender = f"load-{name}-{uuid.uuid4().hex[:10]}"
        state = {"abandoned": False}
        in_flight: list[gevent.Greenlet] = []
        for index, message in enumerate(CONVERSATIONS[name]):
            if state["abandoned"]:
                break
            if self.impatient:
                # Send the next message after a second even if no reply has come yet.
                greenlet = gevent.spawn(self._send, sender, name, index, message, state)
                in_flight.append(greenlet)
                greenlet.join(timeout=IMPATIENT_GAP_S)
            else:
                self._send(sender, name, index, message, state)
        gevent.joinall(in_flight)

    def _send(self, sender: str, conversation: str, index: int, message: Message, state: dict[str, bool]) -> None:
        entry: dict[str, Any] = {"sender": sender, "conversation": conversation, "index": index,
                                 "text": message.text, "advice": message.advice, "impatient": self.impatient}
        targets = random.sample(TARGETS, len(TARGETS))
        attempts_503 = 0
        refused = 0
        started = time.time()
        while True:
            target = targets[0]
            entry["target"] = target
            with self.client.post(f"{target}{WEBHOOK}", json={"sender": sender, "message": message.text},
                                  name=WEBHOOK, timeout=60, catch_response=True) as response:
                status = response.status_code
                if status == 200:
                    try:
                        replies = response.json()
                    except ValueError:
                        replies = None
                    entry.update(outcome="ok", replies=len(replies or []), status=200)
                    if not replies:
                        response.failure("200 with no reply")
                    else:
                        response.success()
                    break
                if status == 0 and _not_sent(response.error) and refused < len(TARGETS) - 1:
                    response.success()  # a proxy would have passed it on: so do we
                    refused += 1
                    targets = targets[1:] + targets[:1]
                    continue
                if status == 503 and not self.impatient and attempts_503 < 3:
                    attempts_503 += 1
                    response.failure("503 (retried)")
                    gevent.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                response.failure(f"status {status}")
                entry.update(outcome="refused" if status == 503 else "failed", status=status,
                             error=repr(response.error)[:200] if response.error else None)
                state["abandoned"] = True
                break
        entry["latency_s"] = round(time.time() - started, 3)
        entry["sent_at"] = started
        _record(entry)
