"""Rasa 3.6 component: what the featurizers read, made robust to spelling and long stories.

A thin adapter over ``bot.nlu.normalizer``. It runs after the tokenizer and before the
featurizers, and changes only the tokens' lemmas, which is what ``CountVectorsFeaturizer``
counts (``use_lemma``, on by default): "wat r milia" is counted as "what be milia". The
message text, the tokens' own text and their offsets stay what the person wrote, so the
stored conversation, entities and the red-flag detector are untouched.

Long messages: when a message tells a story and asks, the tokens of its questions (or of
the question clause a run-on sentence ends with) are counted ``question_weight`` more
times, so the question decides the intent.

Trainable only to build its dictionary: the words of the training data (with counts) are
saved with the model, so the same model always corrects the same way. The settings file
is part of the fingerprint: editing it retrains the model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalizer import SETTINGS_PATH, SpellingNormalizer, english_words, question_spans, vocabulary_of

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class FeatureTextNormalizer(GraphComponent):
    """Rewrites token lemmas (spelling, text speak) and weighs a long message's question."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``question_weight``: extra times the question of a long message is counted."""
        return {"question_weight": 1}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        return hashlib.sha256(SETTINGS_PATH.read_bytes()).hexdigest()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FeatureTextNormalizer:
        return cls(config, model_storage, resource, {})

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: dict[str, int]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary
        self._normalizer = SpellingNormalizer.from_file(vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [example.get(TEXT) for example in training_data.training_examples if example.get(TEXT)]
        self._vocabulary = vocabulary_of(texts)
        self._normalizer = SpellingNormalizer.from_file(self._vocabulary)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(self._vocabulary, sort_keys=True), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FeatureTextNormalizer:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except ValueError:
            vocabulary = {}
        return cls(config, model_storage, resource, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            tokens: list[Token] = message.get(TOKENS_NAMES[TEXT]) or []
            text = message.get(TEXT) or ""
            if not tokens or text.startswith("/"):
                continue
            for token in tokens:
                self._normalise(token)
            spans = question_spans(text)
            if spans and self._config["question_weight"]:
                focus = [token for token in tokens if any(start <= token.start and token.end <= end
                                                          for start, end in spans)]
                extra = [Token(t.text, t.start, t.end, dict(t.data), t.lemma) for t in focus]
                message.set(TOKENS_NAMES[TEXT], tokens + extra * int(self._config["question_weight"]))
        return messages

    def _normalise(self, token: Token) -> None:
        written = token.text.lower()
        replacement = self._normalizer.normalise_word(written)
        if replacement != written:
            token.lemma = " ".join(english_words().lemma(word) for word in replacement.split())
