"""Rasa's logistic-regression intent classifier, safe for messages with no words.

Rasa 3.6's ``LogisticRegressionClassifier`` raises on a message that has no features
(an empty or whitespace-only message): the request then ends with no reply at all.
This subclass classifies such messages as ``nlu_fallback`` so the bot answers them
politely like any other message it did not understand.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


def has_features(message: Message) -> bool:
    sparse, dense = message.get_sparse_features(TEXT)[1], message.get_dense_features(TEXT)[1]
    return bool((sparse is not None and sparse.features.shape[-1]) or (dense is not None and dense.features.shape[-1]))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class BlankSafeLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` that sends featureless messages to the fallback."""

    def process(self, messages: list[Message]) -> list[Message]:
        classifiable = [message for message in messages if has_features(message)]
        if classifiable:
            super().process(classifiable)
        for message in messages:
            if not has_features(message):
                intent = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
