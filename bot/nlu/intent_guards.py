"""Rasa 3.6 components that run after the intent classifier (thin adapters over bot.nlu.scope
and bot.nlu.boundaries).

- ``IntentBoundaryGuard``: the intent boundaries the contract draws by what the words are
  about (a "why" about the bumps is ``ask_causes``; a baby's bumps told with a present
  danger sign are ``describe_symptoms``), as records in bot/resources/intent_boundaries.yml.
- ``ScopeGuard``: a message about another skin problem (mole, lump, sore that won't heal,
  acne, warts, eczema ...) and not about milia gets the ``out_of_scope`` intent. Every
  out-of-scope message gets an ``other_condition`` entity (``serious_lesion``,
  ``skin_condition`` or ``none``), which sets the slot that chooses the variant of
  ``utter_out_of_scope`` (domain/out_of_scope.yml).
- ``SecondQuestionDetector``: every milia question gets an ``asked_two`` entity (``yes`` or
  ``no``); a message asking two milia questions keeps the first as its intent and gets an
  ``other_question`` entity with the second topic, so the rules answer the first and offer
  the second (data/rules/two_questions.yml).

Why slots and not entity names in the rules: a rule with ``entities:`` matches only the
exact set of entities of a message, and the red-flag detector adds others (body site,
audience ...). A slot in a rule is matched on its own.

Both keep every entity other components found (red flags included): the safety net still
answers a red flag first.
"""

from __future__ import annotations

from typing import Any, Iterator

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.boundaries import Boundary, load_boundaries, moved_intent
from bot.nlu.scope import OtherConditions, QuestionTopics, second_question

OUT_OF_SCOPE = "out_of_scope"
OTHER_CONDITION = "other_condition"
NO_OTHER_CONDITION = "none"
OTHER_QUESTION = "other_question"
ASKED_TWO = "asked_two"
# The milia topics, each with a curated answer (data/rules/knowledge.yml).
KNOWLEDGE_TOPICS = (
    "ask_what_is_milia", "ask_causes", "ask_appearance", "ask_who_gets", "ask_newborn_milia", "ask_baby_mouth",
    "ask_contagious", "ask_harmful", "ask_duration", "ask_treatment", "ask_home_removal", "ask_prevention",
    "ask_eye_area", "ask_lookalikes", "ask_see_doctor",
)


def _typed(messages: list[Message]) -> Iterator[tuple[Message, str]]:
    """Each message the person typed, with its text: a button payload ("/inform{...}") keeps its intent."""
    for message in messages:
        text = message.get(TEXT) or ""
        if not text.startswith("/"):
            yield message, text


def _add_entity(message: Message, entity: str, value: str, extractor: str) -> None:
    text = message.get(TEXT) or ""
    found = {"entity": entity, "value": value, "start": 0, "end": len(text), "confidence": 1.0,
             "extractor": extractor}
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), found], add_to_output=True)


def _choose(message: Message, intent: str) -> None:
    """Make ``intent`` the message's intent, first in its ranking."""
    chosen = {"name": intent, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentBoundaryGuard(GraphComponent):
    """Moves a message across an intent boundary its words decide (records in bot/resources/intent_boundaries.yml)."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentBoundaryGuard:
        """Reads the records once, when the model is loaded."""
        return cls(load_boundaries())

    def __init__(self, boundaries: list[Boundary]) -> None:
        self.boundaries = boundaries

    def process(self, messages: list[Message]) -> list[Message]:
        """Moves each typed message whose words cross a boundary; button payloads keep their intent."""
        for message, text in _typed(messages):
            intent = (message.get(INTENT) or {}).get("name")
            moved = moved_intent(text, intent, message.get(ENTITIES) or [], self.boundaries)
            if moved is not None:
                _choose(message, moved)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ScopeGuard(GraphComponent):
    """Out of scope for other skin problems (word lists in bot/resources/other_conditions.yml)."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ScopeGuard:
        return cls(OtherConditions.from_file())

    def __init__(self, conditions: OtherConditions) -> None:
        self.conditions = conditions

    def process(self, messages: list[Message]) -> list[Message]:
        for message, text in _typed(messages):
            finding = self.conditions.find(text)
            intent = (message.get(INTENT) or {}).get("name")
            if finding is not None and intent != OUT_OF_SCOPE and self.conditions.overrides(intent):
                _choose(message, OUT_OF_SCOPE)
                intent = OUT_OF_SCOPE
            if intent == OUT_OF_SCOPE:
                kind = finding.category if finding is not None else NO_OTHER_CONDITION
                _add_entity(message, OTHER_CONDITION, kind, type(self).__name__)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SecondQuestionDetector(GraphComponent):
    """Adds ``asked_two`` to milia questions, and ``other_question`` (the second topic) to those that ask two."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``min_confidence``: the runner-up's confidence needed to count as a second question."""
        return {"min_confidence": 0.2}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SecondQuestionDetector:
        return cls({**cls.get_default_config(), **config})

    def __init__(self, config: dict[str, Any]) -> None:
        self.min_confidence = float(config["min_confidence"])
        self.cues = QuestionTopics.from_file()

    def process(self, messages: list[Message]) -> list[Message]:
        for message, text in _typed(messages):
            if (message.get(INTENT) or {}).get("name") not in KNOWLEDGE_TOPICS:
                continue
            other = second_question(text, message.get(INTENT_RANKING_KEY) or [], KNOWLEDGE_TOPICS,
                                    self.min_confidence, self.cues)
            _add_entity(message, ASKED_TWO, "yes" if other else "no", type(self).__name__)
            if other:
                _add_entity(message, OTHER_QUESTION, other, type(self).__name__)
        return messages
