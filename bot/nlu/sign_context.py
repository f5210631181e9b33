"""Rasa 3.6 component for the context reader of the safety net (``bot.language.sign_context``).

Runs after the red-flag detector and the sign suspicion. When a message's present signs
(red flags with no role) that would interrupt with advice are told in a context the
reader judges harmless ("my sister's boy went blue once, anyway..."), their role becomes
``doubtful``: the safety net then asks before advising. A thin adapter: the decision and
its settings live in ``bot/language/sign_context.py`` and ``bot/resources/sign_context.yml``.
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

from bot.language.sign_context import DOUBTFUL, SignContextReader, load_sign_context
from bot.triage import load_table

logger = logging.getLogger(__name__)


def interrupting_findings() -> frozenset[str]:
    """Findings that interrupt with urgent or soon advice and never with emergency advice.

    A sign that can mean an emergency at any age is never doubted: a present emergency
    sign is answered at once, whatever the words around it (the safety review of round 6
    found "my cousin's baby was fine, but my baby had a seizure" doubted at 0.93).
    """
    table = load_table()
    emergency = {rule.finding for rule in table.rules if rule.level == table.levels[0]}
    return frozenset(
        rule.finding for rule in table.rules if rule.level in table.safety_net_levels and rule.finding not in emergency
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SignContextCheck(GraphComponent, EntityExtractorMixin):
    """Marks present signs told in a harmless-looking context as doubtful (asked about, never dropped)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``settings``: the settings file (default: bot/resources/sign_context.yml)."""
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
    ) -> SignContextCheck:
        return cls(config)

    def __init__(self, config: Optional[dict[str, Any]] = None) -> None:
        settings = (config or {}).get("settings")
        self._reader: SignContextReader = load_sign_context(Path(settings) if settings else None)
        self._doubtable = interrupting_findings()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            entities = message.get(ENTITIES, [])
            if not text or not entities:
                continue
            try:
                doubted = set(self._reader.doubted(text, entities, self._doubtable))
            except Exception:  # noqa: BLE001 - the signs stay present (advice at once): say so loudly
                logger.exception("Sign context reader failed on a message of %d characters", len(text))
                continue
            if doubted:
                marked = [{**e, "role": DOUBTFUL} if i in doubted else e for i, e in enumerate(entities)]
                message.set(ENTITIES, marked, add_to_output=True)
        return messages
