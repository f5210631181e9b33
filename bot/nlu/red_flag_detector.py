"""Rasa 3.6 component that adds the deterministic red-flag entities to every message.

A thin wrapper: all logic lives in ``bot.language``, all patterns and context rules
in ``bot/resources/red_flags.yml`` and ``context_rules.yml``. It runs after
``SpacyNLP``/``SpacyTokenizer`` and reads the spaCy doc SpacyNLP left on the message,
so an emergency sign never depends on the intent classifier. It needs no training and
keeps entities other extractors added.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language.detector import PATTERNS_PATH, load_detector
from bot.language.detector import RedFlagDetector as Detector

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RedFlagDetector(GraphComponent, EntityExtractorMixin):
    """Adds ``red_flag``, ``finding``, ``age_group``, ``duration``, ``body_site`` and
    ``audience`` entities found by the pattern-based detector.

    A red flag told in a hypothetical question, as past and resolved, about someone
    else, or only suspected carries the Rasa entity ``role`` (hypothetical,
    historical, other_person, suspected); a present sign has no role, so a
    ``from_entity`` slot mapping without a role only fills present signs.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``patterns``: the pattern file (default: bot/resources/red_flags.yml)."""
        return {"patterns": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        """Build the detector once per process (cached by pattern file)."""
        return cls(config)

    def __init__(self, config: Optional[dict[str, Any]] = None) -> None:
        patterns = (config or {}).get("patterns")
        self._detector: Detector = load_detector(Path(patterns) if patterns else PATTERNS_PATH)

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the detector's entities to each message.

        Uses SpacyNLP's doc when present; otherwise (a pipeline without SpacyNLP) the
        detector reads the text with its own copy of our spaCy pipeline, so the red
        flags never silently disappear.
        """
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT])
            try:
                found = self._detector.detect(doc) if doc is not None else self._detector.detect_text(text)
            except Exception:  # noqa: BLE001 - any defect: ask about danger signs, loudly
                logger.exception("Red-flag detector failed on a message of %d characters", len(text))
                found = self._detector.unreadable(text)
            entities = [entity.as_dict(self.name) for entity in found]
            for entity in entities:
                entity["text"] = text[entity["start"] : entity["end"]]
            message.set(ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True)
        return messages
