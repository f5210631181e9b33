"""The session and the rules' view kept between predictions (bot/session_view.py) are the
ones worked out from all the events each time, and a long conversation's turn looks only
at its new events."""

from __future__ import annotations

import random
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

import bot.session_view
from bot.dialogue_state import answered_clarifications, current_session, is_inserted
from bot.session_view import SessionViews
from tests.dialogue_events import said

LISTEN = "action_listen"


def inserted(name: str, **metadata: Any) -> ActionExecuted:
    return ActionExecuted(name, metadata={"safety_net": True, **metadata})


def reference_view(session: list[Event]) -> list[Event]:
    """The rules' view as it was worked out from the whole session at each prediction."""
    hidden = answered_clarifications(session)
    view: list[Event] = []
    for index, event in enumerate(session):
        if index in hidden or (is_inserted(event) and event.action_name != LISTEN):
            continue
        if (isinstance(event, ActionExecuted) and event.action_name == LISTEN and view
                and isinstance(view[-1], ActionExecuted) and view[-1].action_name == LISTEN):
            continue
        view.append(event)
    return view


def conversation(seed: int) -> list[Event]:
    rng = random.Random(seed)
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted(), inserted("utter_disclaimer"),
                           ActionExecuted(LISTEN)]
    pieces: list[Any] = [
        lambda: [said("ask_contagious"), ActionExecuted("utter_answer_contagious"), BotUttered("x"),
                 ActionExecuted(LISTEN)],
        lambda: [said("describe_symptoms"), inserted("utter_ask_emergency_signs", clarify="suspected",
                                                     findings=["fever"]), inserted(LISTEN)],
        lambda: [said("deny"), SlotSet("triage_level", "urgent"), inserted("utter_advice_urgent"), inserted(LISTEN)],
        lambda: [said("greet"), inserted("utter_if_fever"), ActionExecuted("utter_greet"), ActionExecuted(LISTEN)],
        lambda: [said("ask_causes"), ActionExecuted("utter_answer_causes"), ActionReverted(), ActionExecuted(LISTEN)],
        lambda: [said("ask_causes"), UserUtteranceReverted(), ActionExecuted(LISTEN)],
    ]
    for _ in range(50):
        events += rng.choice(pieces)()
        if rng.random() < 0.04:
            events += ([Restarted(), ActionExecuted(LISTEN)] if rng.random() < 0.5 else
                       [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)])
    return events


def _state(tracker: DialogueStateTracker) -> tuple[Any, ...]:
    return (tracker.current_slot_values(), tracker.latest_action_name, tracker.active_loop_name,
            tracker.latest_message.text if tracker.latest_message else None)


@pytest.mark.parametrize("seed", range(6))
def test_kept_session_and_view_equal_the_ones_worked_out_from_all_events(domain: Domain, seed: int) -> None:
    views = SessionViews()
    events = conversation(seed)
    for end in range(1, len(events) + 1):
        tracker = DialogueStateTracker.from_events("someone", events[:end], domain.slots)
        session = views.session(tracker)
        assert session == current_session(list(tracker.events))
        view = views.rules_view(tracker, session, domain)
        expected = reference_view(session)
        assert list(view.events) == expected
        assert _state(view) == _state(DialogueStateTracker.from_events("someone", expected, domain.slots))


def test_events_loaded_anew_are_worked_out_again(domain: Domain) -> None:
    # Another server answered: same conversation, new event objects, one message more.
    views = SessionViews()
    events = conversation(7)
    first = DialogueStateTracker.from_events("someone", events[:40], domain.slots)
    views.rules_view(first, views.session(first), domain)
    loaded = DialogueStateTracker.from_events("someone", [], domain.slots)
    for event in events[:45]:
        loaded.update(Event.from_parameters(event.as_dict()))
    session = views.session(loaded)
    assert session == current_session(list(loaded.events))
    assert list(views.rules_view(loaded, session, domain).events) == reference_view(session)


def test_a_turn_of_a_long_conversation_looks_only_at_its_new_events(
        domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    looked_at = [0]
    worked_out = [0]
    original_extend = bot.session_view._RulesView.extend
    original_session = bot.session_view.current_session

    def counting_extend(self: Any, events: list[Event]) -> None:
        looked_at[0] += len(events)
        original_extend(self, events)

    def counting_session(events: list[Event]) -> list[Event]:
        worked_out[0] += len(events)
        return original_session(events)

    monkeypatch.setattr(bot.session_view._RulesView, "extend", counting_extend)
    monkeypatch.setattr(bot.session_view, "current_session", counting_session)
    views = SessionViews()
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted(), inserted("utter_disclaimer"),
                           ActionExecuted(LISTEN)]
    per_turn = []
    for _ in range(100):
        looked_at[0] = worked_out[0] = 0
        for new in ([said("ask_contagious")], [ActionExecuted("utter_answer_contagious"), BotUttered("x")],
                    [ActionExecuted(LISTEN)]):
            events = events + new
            tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
            views.rules_view(tracker, views.session(tracker), domain)
        per_turn.append(looked_at[0] + worked_out[0])
    assert per_turn[99] == per_turn[4] == 4
