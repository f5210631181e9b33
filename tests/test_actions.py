"""Custom actions with tracker fixtures: no network, no action server."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionRequestHuman
from bot.settings import load_settings

SETTINGS = load_settings()


def user_event(text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}, "entities": entities or []}}


def red_flag(value: str) -> dict[str, Any]:
    return {"entity": "red_flag", "value": value}


def make_tracker(slots: dict[str, Any], events: list[dict[str, Any]] | None = None) -> Tracker:
    return Tracker(
        sender_id="unit-test",
        slots=slots,
        latest_message={},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="triage_form",
    )


def run(action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def test_request_human_gives_clinic_contact() -> None:
    messages, events = run(ActionRequestHuman(), make_tracker({}))
    assert messages == []
    assert SlotSet("clinic_phone", SETTINGS.phone) in events
    assert SlotSet("booking_url", SETTINGS.booking_url) in events
    assert SlotSet("clinic_name", SETTINGS.clinic_name) in events


def test_action_names_are_in_the_domain() -> None:
    from bot.domain_files import load_domain

    domain = load_domain()
    assert ActionRequestHuman().name() in domain["actions"]
