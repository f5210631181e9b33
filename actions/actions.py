"""Custom actions: thin adapters from the Rasa SDK to the pure logic in ``bot/``.

No triage outcome needs the action server: the safety net and the advice at the end
of the questionnaire are decided inside the Rasa server (bot/policies.py). What is left
here reads the clinic's details from ``clinic.yml`` (``bot.settings``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import load_settings

# Fail at start, not in a conversation, when a clinic's settings are broken.
SETTINGS = load_settings()


class ActionRequestHuman(Action):
    """The clinic's contact and booking details, fresh from the clinic settings, into slots.

    The rule for ``request_human`` then says ``utter_request_human``, which shows them.
    """

    def name(self) -> str:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet(name, value) for name, value in SETTINGS.as_slots().items()]


