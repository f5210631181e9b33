"""Rasa's logistic-regression intent classifier, with two Rasa 3.6 bugs mended.

1. ``LogisticRegressionClassifier`` raises on a message that has no features (an empty
   or whitespace-only message): the request then ends with no reply at all. This
   subclass classifies such messages as ``nlu_fallback`` so the bot answers them
   politely like any other message it did not understand.
2. It names its saved file after the graph node (``train_...Classifier4.skops``). When
   Rasa's training cache restores the component into a node with another index (the
   same classifier in a pipeline with one component more or less), the model can no
   longer be loaded. This subclass saves under a fixed file name.

Two settings Rasa's class does not offer: ``C`` (scikit-learn's inverse regularisation
strength) and ``scaling``. Rasa hands the classifier a message's summed word and
character-n-gram counts, so a long story has features many times larger than a short
question and its probabilities are near 1 whatever it asks. ``scaling: sqrt`` counts
each feature by the square root of its count (sublinear term frequency: a word said four
times weighs twice, not four times); ``l2`` divides each message's features by their
Euclidean length; ``none`` keeps Rasa's raw counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.nlu.skops_files import load_trusted

MODEL_FILE = "classifier.skops"


def has_features(message: Message) -> bool:
    """Whether any featurizer gave the message's text sentence features.

    Looks at the feature objects directly: ``Message.get_sparse_features`` stacks all
    featurizers' matrices, which cost a tenth of a turn's time when done twice per message.
    """
    return any(
        feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE and feature.features.shape[-1]
        for feature in message.features
    )


def sentence_feature_rows(messages: list[Message]) -> csr_matrix:
    """Each message's sentence features side by side (sparse first, then dense), one row per message.

    The matrix Rasa's ``LogisticRegressionClassifier._create_X`` builds, without its cost:
    Rasa asks ``Message.get_sparse_features``, which also deep-copies and joins the
    per-token (sequence) features the classifier then throws away (6% of a loaded
    server's time in the profile). ``tests/test_classifier.py`` compares the two.
    """
    rows = []
    for message in messages:
        sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        parts = [csr_matrix(f.features) for f in sentence if f.is_sparse()]
        parts += [csr_matrix(f.features) for f in sentence if f.is_dense()]
        rows.append(hstack(parts, format="csr") if parts else csr_matrix((1, 0)))
    return vstack(rows, format="csr").astype(np.float64)  # as Rasa's: it joins a float matrix


def column_major_weights(clf: LogisticRegression) -> None:
    """Store the fitted weights column by column (same values, other memory order).

    scikit-learn scores a message as ``X @ coef_.T``; with row-major weights scipy copies
    the whole transposed matrix (intents x tens of thousands of n-grams) for every
    message: 1.5 ms of a 15 ms turn, against 0.01 ms with column-major weights.
    """
    if hasattr(clf, "coef_"):
        clf.coef_ = np.asfortranarray(clf.coef_)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class BlankSafeLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` that sends featureless messages to the fallback."""

    SCALINGS = ("none", "l2", "sqrt")

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's settings, plus ``C`` (1.0, scikit-learn's default) and ``scaling`` (``none``: as Rasa)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "scaling": "none"}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        if self.config["scaling"] not in self.SCALINGS:
            raise ValueError(f"scaling must be one of {self.SCALINGS}, not {self.config['scaling']!r}")
        self.clf.C = float(self.config["C"])

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        features = sentence_feature_rows(messages)
        if self.config["scaling"] == "l2":
            return normalize(features, norm="l2", copy=False)
        if self.config["scaling"] == "sqrt":
            return features.sqrt()
        return features

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        column_major_weights(self.clf)
        return resource

    def process(self, messages: list[Message]) -> list[Message]:
        featured = [has_features(message) for message in messages]
        classifiable = [message for message, has in zip(messages, featured, strict=True) if has]
        if classifiable:
            super().process(classifiable)
        for message, has in zip(messages, featured, strict=True):
            if not has:
                intent = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BlankSafeLogisticRegressionClassifier:
        with model_storage.read_from(resource) as model_dir:
            component = cls(config, execution_context.node_name, model_storage, resource)
            # Only scikit-learn's own types are trusted; anything else fails loudly.
            component.clf = load_trusted(model_dir / MODEL_FILE)
            column_major_weights(component.clf)
            return component
