"""Custom actions: thin adapters from the Rasa SDK to the pure logic in ``bot/``.

Clinical decisions live in ``bot/resources/triage_rules.yml`` (``bot.triage``) and the
clinic's details in ``clinic.yml`` (``bot.settings``); these classes only read the
tracker, call those functions and say the chosen response.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.safety_net import conversation_findings, sdk_message_entities
from bot.settings import load_settings
from bot.triage import decide_after_questionnaire, decision_slots, load_table

# Fail at start, not in a conversation, when a clinic's settings or the rules are broken.
SETTINGS = load_settings()
TABLE = load_table()


class ActionTriageAdvice(Action):
    """After the questionnaire: decide the level from the rules table and set ``triage_level``.

    The advice itself is the level's domain response, chosen by the rules in
    data/rules/triage.yml from the slot, so the wording lives in one place (domain.yml)
    for both this action and the safety net.
    """

    def name(self) -> str:
        return "action_triage_advice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        _, session_flags, mentions_baby = conversation_findings(sdk_message_entities(tracker.events))
        slots = {slot: tracker.get_slot(slot) for slot in decision_slots(TABLE)}
        decision = decide_after_questionnaire(session_flags, slots, mentions_baby, TABLE)
        return [SlotSet("triage_level", decision.level)]


class ActionRequestHuman(Action):
    """The clinic's contact and booking details, fresh from the clinic settings, into slots.

    The rule for ``request_human`` then says ``utter_request_human``, which shows them.
    """

    def name(self) -> str:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet(name, value) for name, value in SETTINGS.as_slots().items()]


