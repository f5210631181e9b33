"""The intent classifier component (bot/nlu/classifiers.py) on hand-built features.

Messages carry sentence features built here (no featurizer), so each test shows exactly
what the component does with them: featureless messages go to the fallback, scaling,
a model that loads back with the same scores, and weights stored for fast scoring.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from bot.nlu.classifiers import BlankSafeLogisticRegressionClassifier, column_major_weights, has_features

WIDTH = 6


def message(
    text: str, counts: list[float] | None, intent: str | None = None, kind: str = FEATURE_TYPE_SENTENCE
) -> Message:
    found = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    if counts is not None:
        found.add_features(Features(sp.csr_matrix([counts]), kind, TEXT, "hand"))
    return found


def training_data() -> TrainingData:
    rows = []
    for n in range(8):
        rows.append(message(f"greet {n}", [3 + n % 2, 1, 0, 0, 0, n % 3], "greet"))
        rows.append(message(f"bye {n}", [0, 0, 2 + n % 2, 1, 0, n % 2], "goodbye"))
        rows.append(message(f"ask {n}", [0, 1, 0, 0, 4 + n % 3, 1], "ask_what_is_milia"))
    return TrainingData(rows)


@pytest.fixture()
def trained(tmp_path: Path) -> tuple[BlankSafeLogisticRegressionClassifier, LocalModelStorage, Resource]:
    storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
    config = {**BlankSafeLogisticRegressionClassifier.get_default_config(), "scaling": "sqrt", "random_state": 1}
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = BlankSafeLogisticRegressionClassifier.create(config, storage, resource, context)
    classifier.train(training_data())
    return classifier, storage, resource


def test_has_features_reads_sentence_features_only() -> None:
    assert not has_features(message("", None))
    assert not has_features(message("hi", [1.0] * WIDTH, kind=FEATURE_TYPE_SEQUENCE))
    assert has_features(message("hi", [1.0] * WIDTH))


def test_a_featureless_message_goes_to_the_fallback(trained) -> None:
    classifier, _, _ = trained
    empty, greeting = message("   ", None), message("hello", [4, 1, 0, 0, 0, 0])
    classifier.process([empty, greeting])
    assert empty.get(INTENT)["name"] == "nlu_fallback"
    assert greeting.get(INTENT)["name"] == "greet"


def test_weights_are_column_major_after_training_and_loading(trained) -> None:
    classifier, storage, resource = trained
    assert classifier.clf.coef_.T.flags.c_contiguous
    config = {**BlankSafeLogisticRegressionClassifier.get_default_config(), "scaling": "sqrt"}
    context = ExecutionContext(GraphSchema({}), "t")
    loaded = BlankSafeLogisticRegressionClassifier.load(config, storage, resource, context)
    assert loaded.clf.coef_.T.flags.c_contiguous
    probe = [message("a", [0, 1, 0, 0, 5, 1]), message("b", [0, 0, 3, 1, 0, 0])]
    again = [message("a", [0, 1, 0, 0, 5, 1]), message("b", [0, 0, 3, 1, 0, 0])]
    classifier.process(probe)
    loaded.process(again)
    assert [m.get(INTENT) for m in probe] == [m.get(INTENT) for m in again]
    assert [m.get(INTENT)["name"] for m in probe] == ["ask_what_is_milia", "goodbye"]


def test_column_major_weights_keep_every_score() -> None:
    chooser = np.random.default_rng(3)
    features = sp.random(60, 500, density=0.05, format="csr", random_state=4)
    labels = chooser.integers(0, 5, 60)
    clf = LogisticRegression(max_iter=200).fit(features, labels)
    before = clf.predict_proba(features)
    assert not clf.coef_.T.flags.c_contiguous
    column_major_weights(clf)
    assert clf.coef_.T.flags.c_contiguous
    np.testing.assert_array_equal(clf.predict_proba(features), before)


def test_unknown_scaling_is_refused(tmp_path: Path) -> None:
    config = {**BlankSafeLogisticRegressionClassifier.get_default_config(), "scaling": "log"}
    with pytest.raises(ValueError, match="scaling"):
        BlankSafeLogisticRegressionClassifier(config, "c", LocalModelStorage(tmp_path), Resource("c"))


@pytest.fixture()
def featurized(tmp_path: Path) -> list[Message]:
    """Messages through Rasa's tokenizer and two count-vector featurizers (words, character n-grams)."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    storage, context = LocalModelStorage(tmp_path), ExecutionContext(GraphSchema({}), "test")
    texts = ["what are milia", "my baby has white spots on her nose", "can i squeeze them", "thanks bye", "hi"]
    messages = [Message(data={TEXT: text, INTENT: "x"}) for text in texts]
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process(messages)
    for n, extra in enumerate([{}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4}]):
        config = {**CountVectorsFeaturizer.get_default_config(), **extra}
        featurizer = CountVectorsFeaturizer.create(config, storage, Resource(f"cvf{n}"), context)
        featurizer.train(TrainingData(messages))
        featurizer.process(messages)
    return messages


def test_sentence_feature_rows_are_the_matrix_rasa_builds(featurized: list[Message]) -> None:
    """The fast feature matrix equals Rasa's ``_create_X`` on messages run through the real
    featurizers (two sparse featurizers, sequence features present); fails if Rasa changes how
    it joins features."""
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier as Rasa

    from bot.nlu.classifiers import sentence_feature_rows

    assert any(f.type == FEATURE_TYPE_SEQUENCE for f in featurized[0].features)
    ours = sentence_feature_rows(featurized)
    rasas = Rasa._create_X(None, featurized)  # type: ignore[arg-type]
    assert ours.shape == rasas.shape and ours.shape[1] > 50
    assert (ours != sp.csr_matrix(rasas)).nnz == 0
    assert ours.dtype == rasas.dtype
