"""Bounded NLU work per message: a cheap guard in front of the tokenizer.

spaCy's tokenizer strips prefixes and suffixes one at a time from each
whitespace-delimited chunk, so a long chunk of emoji, brackets or punctuation costs
time growing with the square of its length: a 5,000-character emoji message took
about 5 s, during which no other user got an answer. And ``/intent{...}`` text from a
user skipped NLU's judgement and set entities directly. This component runs first in
the pipeline and, in linear time:

* keeps a message starting with ``/`` only when it is exactly a known button payload
  or ``/<intent>`` (collected from the domain and training data when the model is
  trained); otherwise the slash is dropped and the words are read as words;
* shortens runs of symbols, punctuation, emoji and combining marks to 3 characters,
  and runs of one repeated character to 3;
* cuts chunks without spaces longer than 40 characters into 40-character pieces;
* keeps at most 300 tokens (words or symbols): the first 240 and the last 60, so a red
  flag in a closing sentence is still read. NLU costs about 0.2 to 0.3 ms per token here
  (character n-grams, red-flag patterns) on top of about 20 ms per message, so this
  bounds a message's work (``make bench`` measures the worst case). Until round 19 the
  bound was 90 tokens (60 and 30); a parent's story of about 90 words then lost the sign
  told in its middle ("the skin on his chest looks patchy purple and pale, like marbled",
  round 19's blind set AC): a missed emergency is worth more than 50 ms.

Only what NLU reads changes; the message stored and shown is the one the person sent
(after redaction). ``bound_text`` is the pure function, unit-tested without Rasa.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MAX_RUN = 3
MAX_CHUNK = 40
HEAD_TOKENS = 240
TAIL_TOKENS = 60

_SYMBOL_RUN = re.compile(rf"[^\w\s]{{{MAX_RUN + 1},}}")
_REPEATED = re.compile(rf"(.)\1{{{MAX_RUN},}}", re.DOTALL)
_LONG_CHUNK = re.compile(rf"\S{{{MAX_CHUNK + 1},}}")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_PAYLOADS_FILE = "known_payloads.json"


@dataclass(frozen=True)
class GuardedText:
    """What NLU reads, and whether it differs from what was sent."""

    text: str
    changed: bool


def _split_chunk(match: re.Match[str]) -> str:
    chunk = match.group(0)
    return " ".join(chunk[start : start + MAX_CHUNK] for start in range(0, len(chunk), MAX_CHUNK))


def bound_text(text: str, known_payloads: Iterable[str] = ()) -> GuardedText:
    """The text NLU may read: linear-time rewrite, bounded in tokens and chunk length."""
    stripped = text.strip()
    if stripped.startswith("/"):
        if stripped in known_payloads:
            return GuardedText(stripped, stripped != text)
        text = stripped.lstrip("/")
    bounded = _SYMBOL_RUN.sub(lambda match: match.group(0)[:MAX_RUN], text)
    bounded = _REPEATED.sub(lambda match: match.group(1) * MAX_RUN, bounded)
    bounded = _LONG_CHUNK.sub(_split_chunk, bounded)
    spans = [match.span() for match in _TOKEN.finditer(bounded)]
    if len(spans) > HEAD_TOKENS + TAIL_TOKENS:
        head_end = spans[HEAD_TOKENS - 1][1]
        tail_start = spans[-TAIL_TOKENS][0]
        bounded = f"{bounded[:head_end]} ... {bounded[tail_start:]}"
    return GuardedText(bounded, bounded != text)


def known_payloads_of(domain: dict[str, Any], intents: Iterable[str]) -> list[str]:
    """Every button payload in the domain's responses, plus ``/<intent>`` for each intent."""
    payloads = {f"/{intent}" for intent in intents}
    payloads |= {f"/{intent}" for intent in domain.get("intents", []) if isinstance(intent, str)}
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            for button in (variation or {}).get("buttons", []) or []:
                payload = str(button.get("payload", "")).strip()
                if payload.startswith("/"):
                    payloads.add(payload)
    return sorted(payloads)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class InputGuard(GraphComponent):
    """First pipeline step: bounds what the tokenizer and the rest of NLU read."""

    def __init__(self, model_storage: ModelStorage, resource: Resource, payloads: Optional[list[str]] = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.payloads = frozenset(payloads or ())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> InputGuard:
        try:
            with model_storage.read_from(resource) as directory:
                payloads = json.loads((directory / _PAYLOADS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            payloads = []
        return cls(model_storage, resource, payloads)

    def train(self, training_data: TrainingData) -> Resource:
        """Remember the payloads buttons send (read from ``domain/``) and the intents."""
        from bot.domain_files import load_domain

        self.payloads = frozenset(known_payloads_of(load_domain(), training_data.intents))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _PAYLOADS_FILE).write_text(json.dumps(sorted(self.payloads)), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training examples are ours: read them as written

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            guarded = bound_text(text, self.payloads)
            if guarded.changed:
                message.set(TEXT, guarded.text)
        return messages
