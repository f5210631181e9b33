"""Expected bot texts, rendered from domain.yml the way Rasa fills slots from clinic.yml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.domain_files import load_domain
from bot.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _responses() -> dict:
    return load_domain()["responses"]


def response_texts(name: str) -> list[str]:
    """Every variant's text of a domain response, with the clinic's values filled in."""
    texts = []
    for variant in _responses()[name]:
        text = variant.get("text", "")
        for slot, value in load_settings().as_slots().items():
            text = text.replace("{" + slot + "}", value)
        texts.append(text)
    return texts


def is_response(message: dict, name: str) -> bool:
    return message.get("text") in response_texts(name)
