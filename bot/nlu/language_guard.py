"""English-only guard: messages in another language get the ``non_english`` intent.

The classifier is trained on English; a Spanish question about "granitos blancos"
would otherwise be forced into whichever English intent is nearest. This component
runs after the classifier and overrides the intent when the words or the script say
the message is not English, so the bot can say politely that it answers in English
only. Red-flag entities found by the detector are left untouched.
"""

from __future__ import annotations

import importlib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalizer import english_words, load_settings

NON_ENGLISH_INTENT = "non_english"
SETTINGS_PATH = Path(__file__).resolve().parent.parent / "resources" / "language_guard.yml"


@lru_cache(maxsize=1)
def _stop_words(languages: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """English stop words and the other languages' stop words, from spaCy's data."""
    english = importlib.import_module("spacy.lang.en.stop_words").STOP_WORDS
    foreign: set[str] = set()
    for code in languages:
        foreign |= importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
    return frozenset(english), frozenset(foreign)


def _words(text: str) -> list[str]:
    cleaned = "".join(char.lower() if char.isalpha() or char == "'" else " " for char in text)
    return [word.strip("'") for word in cleaned.split() if word.strip("'")]


def non_latin_share(text: str) -> float:
    """Share of letters that are not Latin script (0.0 when there are no letters)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for char in letters if unicodedata.name(char, "").startswith("LATIN"))
    return 1.0 - latin / len(letters)


class EnglishOnlyRule:
    """The decision, separated from Rasa so it can be tested on plain strings."""

    def __init__(self, settings: dict[str, Any]) -> None:
        english, foreign = _stop_words(tuple(settings["languages"]))
        # English text speak ("r u human", "thanks hun x") is English, not Dutch or Danish.
        normalizer = load_settings()
        text_speak = frozenset(str(word).lower() for word in normalizer["text_speak"])
        self.english = english | text_speak
        self._domain = frozenset(str(word).lower() for word in normalizer["domain_words"])
        self.foreign_only = foreign - self.english - frozenset(settings.get("english_also", []))
        self.min_foreign_words = int(settings["min_foreign_words"])
        self.max_non_latin = float(settings["max_non_latin_letter_share"])

    def is_non_english(self, text: str) -> bool:
        if non_latin_share(text) > self.max_non_latin:
            return True
        words = _words(text)
        # Distinct words: "hi hi" or "si si si" is not a sentence in another language.
        foreign = len({word for word in words if word in self.foreign_only})
        english = len({word for word in words if word in self.english})
        return foreign >= self.min_foreign_words and foreign > english

    def reads_as_english(self, text: str) -> bool:
        """Every word is an English word form, text speak or a word of our domain ("harmful?", "human??").

        Why: the classifier also learns ``non_english`` (a backup for languages the
        stop words miss) and put one-word English questions there (round 16's outside NLU
        set Y); such a message keeps the classifier's next intent.
        """
        words = _words(text)
        known = english_words()
        return bool(words) and all(word in self.english or word in self._domain or word in known for word in words)

    @classmethod
    def from_file(cls, path: Path = SETTINGS_PATH) -> EnglishOnlyRule:
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EnglishOnlyGuard(GraphComponent):
    """Sets intent ``non_english`` (confidence 1) on messages in another language."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EnglishOnlyGuard:
        return cls(EnglishOnlyRule.from_file())

    def __init__(self, rule: EnglishOnlyRule) -> None:
        self.rule = rule

    def process(self, messages: Iterable[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            if not self.rule.is_non_english(text):
                self._keep_english(message, text)
                continue
            intent = {"name": NON_ENGLISH_INTENT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return list(messages)

    def _keep_english(self, message: Message, text: str) -> None:
        """An English message the classifier called ``non_english`` takes its next intent."""
        if (message.get(INTENT) or {}).get("name") != NON_ENGLISH_INTENT or not self.rule.reads_as_english(text):
            return
        ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != NON_ENGLISH_INTENT]
        if ranking:
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
