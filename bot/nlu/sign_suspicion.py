"""Rasa 3.6 component for layer 2 of the safety net (``bot.language.suspicion``).

Runs right after the red-flag detector. When the patterns found no danger sign and the
sign classifier suspects one, it adds a ``red_flag`` entity with role ``suspected``:
the safety net then asks the emergency-signs question before anything else. A thin
adapter: the decision and its settings live in ``bot/language/suspicion.py`` and
``bot/resources/sign_suspicion.yml``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language.suspicion import SignSuspicion, load_suspicion

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SignSuspicionDetector(GraphComponent, EntityExtractorMixin):
    """Adds a suspected danger sign the patterns did not read (never advice, never removal)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``settings``: the settings file (default: bot/resources/sign_suspicion.yml)."""
        return {"settings": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SignSuspicionDetector:
        return cls(config)

    def __init__(self, config: Optional[dict[str, Any]] = None) -> None:
        settings = (config or {}).get("settings")
        self._suspicion: SignSuspicion = load_suspicion(Path(settings) if settings else None)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = message.get(ENTITIES, [])
            try:
                found = self._suspicion.suspected_signs(text, entities)
            except Exception:  # noqa: BLE001 - the patterns already ran; say so loudly and carry on
                logger.exception("Sign suspicion failed on a message of %d characters", len(text))
                continue
            if found:
                message.set(ENTITIES, [*entities, *(entity.as_dict(self.name) for entity in found)],
                            add_to_output=True)
        return messages
