"""Rasa 3.6 component for the context reader of the safety net (``bot.language.sign_context``).

Runs after the red-flag detector and the sign suspicion. When a message's present signs
(red flags with no role) that would interrupt with advice are told in a context the
reader judges harmless ("my sister's boy went blue once, anyway..."), their role becomes
``doubtful``: the safety net then asks before advising. A thin adapter: the decision and
its settings live in ``bot/language/sign_context.py`` and ``bot/resources/sign_context.yml``;
the reader is fitted by ``rasa train`` and stored in the model (``bot/nlu/stored_reader.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.pipeline import Pipeline

from bot.language.sign_context import DOUBTFUL, SETTINGS_PATH, SignContextReader, load_sign_context, read_settings
from bot.nlu.stored_reader import StoredReaderComponent
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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class SignContextCheck(StoredReaderComponent[SignContextReader]):
    """Marks present signs told in a harmless-looking context as doubtful (asked about, never dropped)."""

    def __init__(self, config: Optional[dict[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self._doubtable = interrupting_findings()

    @classmethod
    def input_files(cls, settings: Optional[Path]) -> list[Path]:
        path = settings or SETTINGS_PATH
        return [path, *read_settings(path).example_files]

    @classmethod
    def fit_reader(cls, settings: Optional[Path]) -> SignContextReader:
        return load_sign_context(settings)

    @classmethod
    def stored_reader(cls, settings: Optional[Path], model: Pipeline) -> SignContextReader:
        from bot.language.detector import load_detector

        return SignContextReader.fitted(read_settings(settings or SETTINGS_PATH), model, load_detector().sign_masked)

    @staticmethod
    def model_of(reader: SignContextReader) -> Pipeline:
        return reader.model

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            entities = message.get(ENTITIES, [])
            if not text or not entities:
                continue
            try:
                doubted = set(self.reader.doubted(text, entities, self._doubtable))
            except Exception:  # noqa: BLE001 - the signs stay present (advice at once): say so loudly
                logger.exception("Sign context reader failed on a message of %d characters", len(text))
                continue
            if doubted:
                marked = [{**e, "role": DOUBTFUL} if i in doubted else e for i, e in enumerate(entities)]
                message.set(ENTITIES, marked, add_to_output=True)
        return messages
