"""Closed-loop load on a REST webhook: N users, each sending its next message when the reply arrives.

Used by ``bench/bench.py`` for the concurrency figures (turns/s and p50/p95/p99 latency
at 1, 10, 30 and 100 users) and for first vs 100th turn of one conversation. The client
is asyncio + aiohttp in one process, light next to the servers it measures.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from typing import Any, Optional

import aiohttp

# Conversations a user cycles through (same texts for every bot measured).
SCRIPT: list[list[str]] = [
    ["hello", "what are milia", "are they contagious", "how long do they last", "thanks", "bye"],
    ["my baby has white spots on her nose", '/inform{"age_group":"newborn"}', '/inform{"body_site":"face"}',
     '/inform{"duration":"under_4_weeks"}', '/inform{"danger_signs":"no"}', '/inform{"warning_signs":"none"}'],
    ["hi", "can i pop them with a needle", "how do i get rid of them", "is it cancer", "no", "goodbye"],
    ["my 3 week old has a fever of 38.5", "what should i do", "thank you"],
    ["are you a bot", "what can you do", "who gets milia", "can i prevent them", "bye"],
]
# The turns of a long conversation (cycled to 100 turns): questions that neither end nor restart it.
LONG_CONVERSATION = ["what are milia", "are they contagious", "how long do they last", "who gets milia",
                     "can i prevent them", "what causes them", "are they dangerous", "what do they look like"]


def quantiles(latencies: list[float]) -> dict[str, Optional[float]]:
    """p50/p95/p99 in milliseconds."""
    if len(latencies) < 2:
        value = round(latencies[0] * 1000, 1) if latencies else None
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1)}


async def _post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Optional[bool]:
    """None if the request failed; otherwise whether the bot said something.

    The template bot has no fallback, so it answers messages outside its domain with
    ``200 []``: that is an answered turn (counted under ``empty``), not a failure.
    """
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        body = await response.json(content_type=None)
        return bool(body) if response.status == 200 else None


async def _user(session: aiohttp.ClientSession, url: str, offset: int, stop_at: float, measure_from: float,
                latencies: list[float], failures: list[int], empty: list[int]) -> None:
    for number in itertools.count():
        conversation = SCRIPT[(offset + number) % len(SCRIPT)]
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in conversation:
            if time.monotonic() >= stop_at:
                return
            began = time.monotonic()
            try:
                said = await _post(session, url, sender, text)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                said = None
            if began >= measure_from:
                if said is None:
                    failures.append(1)
                else:
                    latencies.append(time.monotonic() - began)
                    if not said:
                        empty.append(1)


async def _run_users(url: str, users: int, seconds: float, warm_up: float) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[int] = []
    empty: list[int] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        start = time.monotonic()
        measure_from, stop_at = start + warm_up, start + warm_up + seconds
        await asyncio.gather(*(_user(session, url, offset, stop_at, measure_from, latencies, failures, empty)
                               for offset in range(users)))
        # Turns still in flight at stop_at finish (and count) after it: divide by the real span.
        span = max(time.monotonic() - measure_from, seconds)
    return {"users": users, "turns": len(latencies), "failed": len(failures), "empty": len(empty),
            "turns_per_s": round(len(latencies) / span, 1), **quantiles(latencies)}


def concurrency(url: str, users: int, seconds: float = 20.0, warm_up: float = 3.0) -> dict[str, Any]:
    """Turns/s and latency quantiles with ``users`` concurrent users for ``seconds`` (after a warm-up)."""
    return asyncio.run(_run_users(url, users, seconds, warm_up))


async def _long_conversation(url: str, turns: int) -> list[float]:
    sender = f"bench-long-{uuid.uuid4().hex[:12]}"
    latencies = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for number in range(turns):
            text = LONG_CONVERSATION[number % len(LONG_CONVERSATION)]
            began = time.monotonic()
            if await _post(session, url, sender, text) is None:
                raise RuntimeError(f"no answer at turn {number + 1} ({text!r})")
            latencies.append(time.monotonic() - began)
    return latencies


def first_and_last_turns(url: str, turns: int = 100, window: int = 5) -> dict[str, Any]:
    """Latency of the first turns of one conversation against its last turns (medians of ``window``).

    Turn 1 also starts the session (disclaimer), so it is shown on its own; the comparison
    is turns 2..window+1 against the last ``window`` turns.
    """
    latencies = asyncio.run(_long_conversation(url, turns))
    first = statistics.median(latencies[1:window + 1])
    last = statistics.median(latencies[-window:])
    return {"turns": turns, "turn_1_ms": round(latencies[0] * 1000, 1),
            "first_ms": round(first * 1000, 1), "last_ms": round(last * 1000, 1),
            "last_over_first": round(last / first, 2)}
