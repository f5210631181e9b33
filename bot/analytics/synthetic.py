"""Generated conversations (as Rasa tracker events) to measure and demonstrate the report.

``python -m bot.analytics.synthetic --conversations 100000 --db sqlite:///test-output/analytics-100k.db``
feeds the events through the same Recorder as the live broker, so the figures of a
generated store are what the bot would have written. Seeded: the same call gives the
same store. The texts are invented and contain fake names and numbers, so that tests
can check none of them reaches the database unredacted.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from bot.analytics import store
from bot.analytics.recorder import LEVELS, QUESTIONS, Recorder
from bot.analytics.redaction import redact

KNOWLEDGE = ("ask_what_is_milia", "ask_causes", "ask_appearance", "ask_who_gets", "ask_newborn_milia",
             "ask_baby_mouth", "ask_contagious", "ask_harmful", "ask_duration", "ask_treatment",
             "ask_home_removal", "ask_prevention", "ask_eye_area", "ask_lookalikes", "ask_see_doctor")
INTENTS = frozenset(KNOWLEDGE + ("greet", "goodbye", "describe_symptoms", "inform", "request_human", "affirm"))
UNCLEAR = ("my name is Alice Smith, what is this thing on 12 Elm Street",
           "call me on 07700 900123 about the lump", "email jo@example.com the answer",
           "is it because of the new washing powder", "can my cat have them")


@dataclass
class Script:
    """Builds one conversation's events the way Rasa publishes them."""

    sender: str
    ts: float
    events: list[dict[str, Any]] = field(default_factory=list)

    def _add(self, event: dict[str, Any], step: float = 0.0) -> None:
        self.ts += step
        self.events.append({"sender_id": self.sender, "timestamp": self.ts, **event})

    def start(self) -> Script:
        self._add({"event": "action", "name": "action_session_start"})
        self._add({"event": "session_started"})
        self._add({"event": "action", "name": "action_listen"})
        return self

    def user(self, intent: str, text: Optional[str] = None, think: float = 20.0) -> Script:
        self._add({"event": "user", "text": text or f"/{intent}", "input_channel": "rest",
                   "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [],
                                  "text": text or f"/{intent}"}}, think)
        return self

    def say(self, action: str, latency: float = 0.2) -> Script:
        self._add({"event": "action", "name": action}, latency)
        self._add({"event": "bot", "text": f"text of {action}", "data": {}})
        return self

    def slot(self, name: str, value: Any) -> Script:
        self._add({"event": "slot", "name": name, "value": value})
        return self

    def form(self, name: Optional[str]) -> Script:
        self._add({"event": "active_loop", "name": name})
        return self

    def ask(self, question: str, latency: float = 0.2) -> Script:
        self._add({"event": "action", "name": "triage_form"}, latency)
        self.slot("requested_slot", question)
        self._add({"event": "bot", "text": f"question {question}", "data": {}})
        return self

    def advice(self, level: str, latency: float = 0.2) -> Script:
        self.slot("triage_level", level)
        return self.say(f"utter_triage_{level}", latency)


def conversation(rng: random.Random, sender: str, start: float) -> list[dict[str, Any]]:
    """One plausible conversation: questions, sometimes not understood, a questionnaire, a hand-off."""
    script = Script(sender, start).start()
    latency = lambda: rng.lognormvariate(-1.5, 0.6)  # noqa: E731 - seconds, median about 0.22
    if rng.random() < 0.5:
        script.user("greet").say("utter_greet", latency())
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        topic = rng.choice(KNOWLEDGE)
        script.user(topic, f"question about {topic} from Bob Jones").say(f"utter_answer_{topic}", latency())
    if rng.random() < 0.12:
        script.user("nlu_fallback", rng.choice(UNCLEAR)).say("utter_default", latency())
    roll = rng.random()
    if roll < 0.03:
        script.user("describe_symptoms", "my baby is 3 weeks old with a fever of 38.5").advice("emergency", latency())
    elif roll < 0.45:
        script.user("describe_symptoms", "white bumps on my nose").say("utter_start_questionnaire", latency())
        script.form("triage_form")
        asked = QUESTIONS[: rng.randint(1, len(QUESTIONS))]
        for index, question in enumerate(asked):
            if index:
                script.user("inform", f"answer about {question}")
            script.ask(question, latency())
        if len(asked) == len(QUESTIONS) and rng.random() < 0.8:
            script.user("inform", "no")
            script.slot("requested_slot", None).form(None)
            script.advice(rng.choice(LEVELS[1:]), latency())
    if rng.random() < 0.05:
        script.user("request_human", "can I talk to a nurse please").say("utter_request_human", latency())
    return script.events


def events(count: int, now: float, days: float = 7.0, seed: int = 12) -> Iterator[dict[str, Any]]:
    """Events of ``count`` conversations spread over the ``days`` before ``now``."""
    rng = random.Random(seed)
    for index in range(count):
        start = now - rng.random() * days * 86400 - 3600
        yield from conversation(rng, f"user-{index:06d}-sender", start)


def generate(url: str, count: int, now: Optional[float] = None, seed: int = 12) -> int:
    """Fill the analytics store at ``url`` with ``count`` generated conversations; returns rows written."""
    engine = store.connect(url)
    recorder = Recorder(intents=INTENTS, redact=redact)
    written, batch = 0, []
    for event in events(count, now or time.time(), seed=seed):
        batch.extend(recorder.rows(event))
        if len(batch) >= 50_000:
            written += store.write(engine, batch)
            batch = []
    written += store.write(engine, batch)
    engine.dispose()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--db", required=True, help="analytics database URL (never the live one)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = generate(args.db, args.conversations)
    print(f"generated {args.conversations} conversations ({rows} rows) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
