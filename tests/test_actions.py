"""Custom actions with tracker fixtures: no network, no action server."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionRequestHuman, ActionTriageAdvice
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


COMPLETE = {"age_group": "newborn", "body_site": "face", "duration": "under_4_weeks",
            "danger_signs": "no", "warning_signs": "none"}


@pytest.mark.parametrize(
    ("slots", "events", "level"),
    [
        (COMPLETE, [], "self_care"),
        ({**COMPLETE, "age_group": "adult", "duration": "over_3_months"}, [], "routine"),
        ({**COMPLETE, "warning_signs": "change"}, [], "soon"),
        ({**COMPLETE, "warning_signs": "infection"}, [], "urgent"),
        ({**COMPLETE, "danger_signs": "yes"}, [], "emergency"),
        # A red flag said earlier in the session counts, even if the answers were "no".
        (COMPLETE, [user_event("she has a temp of 38.4", [red_flag("fever")])], "emergency"),
        ({**COMPLETE, "age_group": None},
         [user_event("my baby is hot", [red_flag("fever"), {"entity": "finding", "value": "mentions_baby"}])],
         "emergency"),
        # A session that already reached a level never goes below it.
        ({**COMPLETE, "triage_level": "urgent"}, [], "urgent"),
    ],
)
def test_triage_advice_levels(slots, events, level) -> None:
    messages, result = run(ActionTriageAdvice(), make_tracker(slots, events))
    assert result == [SlotSet("triage_level", level)]
    assert messages == []  # the rules say the level's response (data/rules/triage.yml)


def test_earlier_sessions_do_not_count() -> None:
    events = [user_event("fever", [red_flag("fever")]), {"event": "session_started"}]
    _, result = run(ActionTriageAdvice(), make_tracker(COMPLETE, events))
    assert result == [SlotSet("triage_level", "self_care")]


def test_request_human_gives_clinic_contact() -> None:
    messages, events = run(ActionRequestHuman(), make_tracker({}))
    assert messages == []
    assert SlotSet("clinic_phone", SETTINGS.phone) in events
    assert SlotSet("booking_url", SETTINGS.booking_url) in events
    assert SlotSet("clinic_name", SETTINGS.clinic_name) in events


def test_action_names_are_in_the_domain() -> None:
    from bot.domain_files import load_domain

    domain = load_domain()
    assert {ActionTriageAdvice().name(), ActionRequestHuman().name()} <= set(domain["actions"])


def test_every_level_has_a_rule_giving_its_advice() -> None:
    import yaml

    from bot.triage import load_table

    with open("data/rules/triage.yml", encoding="utf-8") as handle:
        rules = yaml.safe_load(handle)["rules"]
    given = {}
    for rule in rules:
        steps = rule["steps"]
        if steps[0].get("action") == "action_triage_advice":
            given[steps[1]["slot_was_set"][0]["triage_level"]] = steps[2]["action"]
    assert given == load_table().advice
