"""The feature-text component on hand-built messages, and the Rasa internal it leans on.

FeatureTextNormalizer changes what the featurizers read by rewriting token lemmas. That
works only while Rasa's CountVectorsFeaturizer counts ``token.lemma`` (``use_lemma``, on by
default): ``test_count_vectors_featurizer_reads_lemmas`` fails if Rasa changes that.
"""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.feature_text import FeatureTextNormalizer


def _message(text: str) -> Message:
    tokens, position = [], 0
    for word in text.split():
        start = text.index(word, position)
        tokens.append(Token(word, start, lemma=word.lower()))
        position = start + len(word)
    message = Message(data={TEXT: text})
    message.set(TOKENS_NAMES[TEXT], tokens)
    return message


def _component(tmp_path: Path) -> FeatureTextNormalizer:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    component = FeatureTextNormalizer.create({}, storage, Resource("normalizer"), context)
    training = TrainingData([Message(data={TEXT: "what are milia"}), Message(data={TEXT: "milia under my eyelid"})])
    component.train(training)
    return component


def test_text_speak_changes_lemmas_only(tmp_path: Path) -> None:
    message = _message("wat r milia")
    _component(tmp_path).process([message])
    assert message.get(TEXT) == "wat r milia"
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in tokens] == ["wat", "r", "milia"]
    assert [t.lemma for t in tokens] == ["what", "be", "milia"]


def test_a_long_message_counts_its_question_again(tmp_path: Path) -> None:
    text = "I have had one under my eye for at least three months now. Can these go away?"
    message = _message(text)
    _component(tmp_path).process([message])
    words = [t.text for t in message.get(TOKENS_NAMES[TEXT])]
    assert len(words) == len(text.split()) + 4 and words[-4:] == ["Can", "these", "go", "away?"]


def test_the_dictionary_is_saved_with_the_model(tmp_path: Path) -> None:
    component = _component(tmp_path)
    loaded = FeatureTextNormalizer.load({}, component._model_storage, component._resource,
                                        ExecutionContext(GraphSchema({}), "test"))
    assert loaded._vocabulary == {"what": 1, "are": 1, "milia": 2, "under": 1, "my": 1, "eyelid": 1}


def test_count_vectors_featurizer_reads_lemmas() -> None:
    assert CountVectorsFeaturizer.get_default_config()["use_lemma"] is True
    message = _message("babys eyelid")
    message.get(TOKENS_NAMES[TEXT])[0].lemma = "baby"
    featurizer = CountVectorsFeaturizer(CountVectorsFeaturizer.get_default_config(), LocalModelStorage(Path(".")),
                                        Resource("cvf"), ExecutionContext(GraphSchema({}), "test"))
    assert featurizer._get_message_tokens_by_attribute(message, TEXT) == ["baby", "eyelid"]
