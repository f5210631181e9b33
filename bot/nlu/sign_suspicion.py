"""Rasa 3.6 component for layer 2 of the safety net (``bot.language.suspicion``).

Runs right after the red-flag detector. When the patterns found no danger sign and the
sign classifier suspects one, it adds a ``red_flag`` entity with role ``suspected``:
the safety net then asks the emergency-signs question before anything else. A thin
adapter: the decision and its settings live in ``bot/language/suspicion.py`` and
``bot/resources/sign_suspicion.yml``; the classifier is fitted by ``rasa train`` and
stored in the model (``bot/nlu/stored_reader.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.pipeline import Pipeline

from bot.language.suspicion import SUSPICION_PATH, SignSuspicion, load_suspicion, read_settings
from bot.nlu.stored_reader import StoredReaderComponent

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class SignSuspicionDetector(StoredReaderComponent[SignSuspicion]):
    """Adds a suspected danger sign the patterns did not read (never advice, never removal)."""

    @classmethod
    def input_files(cls, settings: Optional[Path]) -> list[Path]:
        path = settings or SUSPICION_PATH
        read = read_settings(path)
        nlu = sorted(read.nlu_folder.glob("*.yml")) if read.nlu_folder else []
        return [path, *read.phrasing_files, *nlu]

    @classmethod
    def fit_reader(cls, settings: Optional[Path]) -> SignSuspicion:
        return load_suspicion(settings)

    @classmethod
    def stored_reader(cls, settings: Optional[Path], model: Pipeline) -> SignSuspicion:
        return SignSuspicion.fitted(read_settings(settings or SUSPICION_PATH), model)

    @staticmethod
    def model_of(reader: SignSuspicion) -> Pipeline:
        return reader.model

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = message.get(ENTITIES, [])
            try:
                found = self.reader.suspected_signs(text, entities)
            except Exception:  # noqa: BLE001 - the patterns already ran; say so loudly and carry on
                logger.exception("Sign suspicion failed on a message of %d characters", len(text))
                continue
            if found:
                message.set(ENTITIES, [*entities, *(entity.as_dict(self.name) for entity in found)],
                            add_to_output=True)
        return messages
