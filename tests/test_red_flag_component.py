"""The Rasa component (bot/nlu/red_flag_detector.py) on real Message objects.

The messages go through Rasa's own SpacyNLP with our pipeline (built into a temporary
directory, no network) and then through the component, as in config.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.red_flag_detector import RedFlagDetector
from bot.spacy_pipeline import build_pipeline

CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


@pytest.fixture(scope="module")
def spacy_nlp(tmp_path_factory: pytest.TempPathFactory) -> tuple[SpacyNLP, SpacyModel]:
    path = tmp_path_factory.mktemp("spacy") / "spacy-en"
    build_pipeline().to_disk(path)
    model = SpacyNLP.load_model(str(path))
    return SpacyNLP(model, SpacyNLP.get_default_config()), model


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> RedFlagDetector:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    return RedFlagDetector.create(RedFlagDetector.get_default_config(), storage, Resource("red_flags"), context)


def run(component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel], text: str) -> list[dict[str, Any]]:
    nlp, model = spacy_nlp
    message = Message(data={TEXT: text})
    nlp.process([message], model)
    assert message.get(SPACY_DOCS[TEXT]) is not None
    (message,) = component.process([message])
    return message.get(ENTITIES, [])


def test_registered_as_an_untrained_entity_extractor() -> None:
    registered = DefaultV1Recipe._from_registry("bot.nlu.red_flag_detector.RedFlagDetector")
    assert registered.clazz is RedFlagDetector
    assert registered.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert registered.is_trainable is False


def test_config_runs_it_after_spacy() -> None:
    names = [step["name"] for step in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]]
    position = names.index("bot.nlu.red_flag_detector.RedFlagDetector")
    assert names.index("SpacyNLP") < position and names.index("SpacyTokenizer") < position


def test_entities_from_a_message(component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel]) -> None:
    text = "My Baby is FLOPPY and won't feed"
    entities = run(component, spacy_nlp, text)
    assert {(e["entity"], e["value"]) for e in entities} == {
        ("audience", "parent"),
        ("finding", "mentions_baby"),
        ("red_flag", "floppy_unresponsive"),
        ("red_flag", "poor_feeding"),
    }
    floppy = next(e for e in entities if e["value"] == "floppy_unresponsive")
    assert floppy["text"] == "FLOPPY" == text[floppy["start"] : floppy["end"]]
    assert all(e["extractor"] == "RedFlagDetector" and e["confidence_entity"] == 1.0 for e in entities)


def test_temperature_age_and_negation(component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel]) -> None:
    found = {(e["entity"], e["value"]) for e in run(component, spacy_nlp, "my 6 week old has a temp of 100.4F")}
    assert {("red_flag", "fever"), ("age_group", "newborn")} <= found
    negated = run(component, spacy_nlp, "No fever, she's feeding well and it doesn't hurt")
    assert [e for e in negated if e["entity"] == "red_flag"] == []


def test_keeps_other_extractors_entities(component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel]) -> None:
    nlp, model = spacy_nlp
    other = {"entity": "warning_signs", "value": "none", "start": 0, "end": 2, "extractor": "Other"}
    message = Message(data={TEXT: "it keeps bleeding", ENTITIES: [other]})
    nlp.process([message], model)
    (message,) = component.process([message])
    assert message.get(ENTITIES)[0] == other
    assert [e["value"] for e in message.get(ENTITIES)[1:]] == ["bleeding"]
    assert message.as_dict(only_output_properties=True)[ENTITIES] == message.get(ENTITIES)


def test_works_without_a_spacy_doc(component: RedFlagDetector) -> None:
    """A pipeline without SpacyNLP must not silently lose the red flags."""
    (message,) = component.process([Message(data={TEXT: "She can't breathe"})])
    assert [e["value"] for e in message.get(ENTITIES)] == ["breathing_difficulty"]


def test_empty_message(component: RedFlagDetector) -> None:
    (message,) = component.process([Message(data={TEXT: ""})])
    assert message.get(ENTITIES, []) == []


def test_context_roles_reach_the_message(component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel]) -> None:
    """Past, hypothetical, someone else's and suspected signs carry Rasa's entity ``role``."""
    cases = {
        "she had a fever last week, the GP checked her and she's fine now": ("fever", "historical"),
        "what should I do if my baby gets a fever?": ("fever", "hypothetical"),
        "my sister's baby had a seizure": ("seizure", "other_person"),
        "my 5 week old is 38": ("fever", "suspected"),
        "my baby has a fever": ("fever", None),
    }
    for text, (value, role) in cases.items():
        flags = [e for e in run(component, spacy_nlp, text) if e["entity"] == "red_flag"]
        assert [(e["value"], e.get("role")) for e in flags] == [(value, role)], text
        assert ("role" in flags[0]) == (role is not None), "a present sign has no role key at all"


def test_rasa_slot_lookup_without_a_role_takes_only_present_signs(
    component: RedFlagDetector, spacy_nlp: tuple[SpacyNLP, SpacyModel]
) -> None:
    """The contract the dialogue side builds on: Rasa's entity lookup without a role (as a
    ``from_entity`` slot mapping without ``role`` uses it) ignores signs with a role.
    Fails if Rasa changes how it matches roles."""
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    entities = run(component, spacy_nlp, "she is floppy. she had a fever last week, she's fine now")
    tracker = DialogueStateTracker.from_events("t", [UserUttered("...", entities=entities)])
    assert list(tracker.get_latest_entity_values("red_flag")) == ["floppy_unresponsive"]
    assert list(tracker.get_latest_entity_values("red_flag", entity_role="historical")) == ["fever"]


def test_a_detector_failure_is_read_as_a_suspected_danger_sign(
    spacy_nlp: tuple[SpacyNLP, SpacyModel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Any defect in the detector makes the dialogue ask about danger signs, loudly (HAZ-13)."""
    storage = LocalModelStorage(tmp_path)
    fresh = RedFlagDetector.create(
        RedFlagDetector.get_default_config(), storage, Resource("red_flags"), ExecutionContext(GraphSchema({}), "t")
    )

    def broken(doc: Any) -> list:
        raise ValueError("a defect")

    monkeypatch.setattr(fresh._detector, "detect", broken)
    with caplog.at_level("ERROR"):
        entities = run(fresh, spacy_nlp, "my baby is red and hot")
    assert [(e["entity"], e["value"], e.get("role")) for e in entities] == [
        ("red_flag", "unreadable_message", "suspected")
    ]
    assert "Red-flag detector failed" in caplog.text
    assert "my baby" not in caplog.text, "the message text is not logged"
