"""The policies see the same last states as Rasa's own featurizing would give them, and a
turn of a long conversation builds no more states than a turn of a short one.

``bot/recent_states.py`` mirrors ``Domain.states_for_tracker_history`` and keeps a
conversation's replay from one prediction to the next. These tests compare it with
Rasa's ``tracker.past_states`` on hand-built conversations covering what changes the
states (slots, hidden rule turns, follow-up actions, the questionnaire's loop, undo,
restart, a new session) and on the real bot's conversations, so they fail if Rasa
changes under the module.
"""

from __future__ import annotations

import random
from typing import Any, Iterator, Optional

import pytest
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.recent_states import RecentStatesCache, recent_past_states
from tests.conftest import talk
from tests.dialogue_events import said

LISTEN = "action_listen"
RULE_ONLY = {"rule_only_slots": ["asked_two"], "rule_only_loops": []}


def turn(intent: str, action: str, hidden: bool = False, **entities: str) -> list[Event]:
    return [said(intent, **entities), ActionExecuted(action, hide_rule_turn=hidden), BotUttered("reply"),
            ActionExecuted(LISTEN, hide_rule_turn=hidden)]


def start() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)]


def questionnaire() -> list[Event]:
    """A loop run twice on the happy path (Rasa's applied events drop the first run's turn)."""
    return [said("describe_symptoms", body_site="face"), ActionExecuted("utter_start_questionnaire"),
            ActionExecuted("triage_form"), ActiveLoop("triage_form"), SlotSet("requested_slot", "age_group"),
            ActionExecuted(LISTEN), said("inform", age_group="newborn"), ActionExecuted("triage_form"),
            SlotSet("age_group", "newborn"), SlotSet("requested_slot", "duration"), ActionExecuted(LISTEN),
            said("ask_contagious"), ActionExecutionRejected("triage_form"), ActionExecuted("utter_answer_contagious"),
            ActionExecuted("triage_form"), SlotSet("requested_slot", "duration"), ActionExecuted(LISTEN),
            said("inform", duration="under_4_weeks"), ActionExecuted("triage_form"), ActiveLoop(None),
            SlotSet("requested_slot", None), ActionExecuted("utter_advice_self_care", hide_rule_turn=True),
            ActionExecuted(LISTEN, hide_rule_turn=True)]


def conversation(seed: int) -> list[Event]:
    """A long conversation with every kind of event that changes the states, in random order."""
    rng = random.Random(seed)
    events = start()
    pieces: list[Any] = [
        lambda: turn("ask_contagious", "utter_answer_contagious", hidden=rng.random() < 0.7),
        lambda: turn("ask_duration", "utter_answer_duration", hidden=rng.random() < 0.7, duration="since_birth"),
        lambda: [SlotSet("asked_two", rng.choice(["yes", "no", None]))] + turn("greet", "utter_greet"),
        lambda: [said("affirm"), FollowupAction("utter_greet"), ActionExecuted("utter_greet"),
                 ActionExecuted(LISTEN)],
        lambda: [said("ask_causes"), ActionExecuted("utter_answer_causes"), ActionReverted(),
                 ActionExecuted("utter_answer_duration"), ActionExecuted(LISTEN)],
        lambda: [said("ask_causes"), UserUtteranceReverted(), ActionExecuted(LISTEN)],
        lambda: [SlotSet("triage_level", rng.choice(["self_care", "urgent", "emergency"]))],
        questionnaire,
    ]
    for _ in range(60):
        events += rng.choice(pieces)()
        if rng.random() < 0.03:
            events += [Restarted(), ActionExecuted(LISTEN)] if rng.random() < 0.5 else start()
    return events


def growing(events: list[Event], domain: Domain) -> Iterator[DialogueStateTracker]:
    """The conversation as the policies see it after each event (the same event objects)."""
    for end in range(1, len(events) + 1):
        yield DialogueStateTracker.from_events("someone", events[:end], domain.slots)


OPTIONS = [  # (omit_unset_slots, ignore_rule_only_turns, rule_only_data): RulePolicy's and MemoizationPolicy's
    (False, False, None),
    (False, True, RULE_ONLY),
    (False, True, None),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("keep", [1, 5, 9])
@pytest.mark.parametrize("options", OPTIONS)
def test_carried_on_states_equal_rasas_at_every_step(
        domain: Domain, seed: int, keep: int, options: tuple[bool, bool, Optional[dict[str, Any]]]) -> None:
    cache = RecentStatesCache()
    for tracker in growing(conversation(seed), domain):
        expected = tracker.past_states(domain, *options)
        got = cache.past_states(tracker, domain, keep, *options)
        assert len(got) >= min(keep, len(expected))
        assert got[-keep:] == expected[-keep:], (len(tracker.events), keep, options)


@pytest.mark.parametrize("options", OPTIONS)
def test_states_without_a_cache_equal_rasas(domain: Domain, options: tuple[bool, bool, Any]) -> None:
    for seed in range(4, 10):
        events = conversation(seed)
        for end in range(5, len(events), 7):
            tracker = DialogueStateTracker.from_events("someone", events[:end], domain.slots)
            assert recent_past_states(tracker, domain, 5, *options)[-5:] == tracker.past_states(domain, *options)[-5:]


def test_a_changed_conversation_is_featurized_again(domain: Domain) -> None:
    # Another server answered (events loaded anew) or an earlier message was dropped:
    # nothing of the old replay may be reused.
    cache = RecentStatesCache()
    events = start() + turn("greet", "utter_greet") + turn("ask_contagious", "utter_answer_contagious")
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
    cache.past_states(tracker, domain, 3)
    other = start() + turn("affirm", "utter_greet") + turn("ask_duration", "utter_answer_duration")
    tracker = DialogueStateTracker.from_events("someone", other, domain.slots)
    assert cache.past_states(tracker, domain, 3)[-3:] == tracker.past_states(domain)[-3:]


def test_returned_states_can_be_changed_without_changing_the_cache(domain: Domain) -> None:
    # Rasa's featurizer edits the last state in place (text or intent of the last message).
    cache = RecentStatesCache()
    events = start() + turn("greet", "utter_greet") + [said("ask_contagious")]
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
    for state in cache.past_states(tracker, domain, 3, False, True, None):
        state.clear()
    assert cache.past_states(tracker, domain, 3, False, True, None)[-3:] == \
        tracker.past_states(domain, False, True, None)[-3:]


def _count_states(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built = [0]
    original = Domain.get_active_state

    def counting(self: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool = False) -> State:
        built[0] += 1
        return original(self, tracker, omit_unset_slots=omit_unset_slots)

    monkeypatch.setattr(Domain, "get_active_state", counting)
    return built


def test_a_prediction_at_turn_100_builds_no_more_states_than_at_turn_5(
        domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_states(domain, monkeypatch)
    cache = RecentStatesCache()
    events = start()
    per_turn = []
    for number in range(100):
        message, *reply = turn("ask_contagious", "utter_answer_contagious", hidden=number % 3 > 0)
        built[0] = 0
        for now in (events + [message], events + [message, *reply]):  # after the message, after the reply
            tracker = DialogueStateTracker.from_events("someone", now, domain.slots)
            cache.past_states(tracker, domain, 5, False, True, RULE_ONLY)
            cache.past_states(tracker, domain, 6)
        events = now
        per_turn.append(built[0])
    # (turns differ a little: one in three is not a hidden rule turn, then memoization sees it)
    assert max(per_turn[90:]) <= max(per_turn[1:10]) <= 8, per_turn
    # Rasa's own featurizing builds a state for each of the session's 200 actions:
    built[0] = 0
    tracker.past_states(domain)
    assert built[0] > 200


# ------------------------------------------------------------------ the real bot

LONG = ["what are milia", "are they contagious", "how long do they last", "who gets milia",
        "can i prevent them", "what causes them", "are they dangerous", "what do they look like"]
RED_FLAGS = ["hello", "my baby has white spots on her nose", "she is 3 weeks old and has a fever of 38.5",
             "what should i do", "thank you", "are they contagious", "no", "bye"]


def test_the_bots_policies_see_rasas_states_in_real_conversations(
        agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    compared = [0]
    original = RecentStatesCache.past_states

    def checked(self: RecentStatesCache, tracker: DialogueStateTracker, domain: Domain, keep: int,
                *options: Any) -> list[State]:
        got = original(self, tracker, domain, keep, *options)
        assert got[-keep:] == tracker.past_states(domain, *options)[-keep:]
        compared[0] += 1
        return got

    monkeypatch.setattr(RecentStatesCache, "past_states", checked)
    replies = talk(agent, "real-long", [LONG[number % len(LONG)] for number in range(30)])
    replies += talk(agent, "real-red-flags", RED_FLAGS)
    assert all(replies) and compared[0] > 100


def test_the_bots_turn_100_builds_no_more_states_than_its_turn_5(
        agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_states(agent.domain, monkeypatch)
    per_turn = []
    for number in range(100):
        built[0] = 0
        assert talk(agent, "real-hundred", [LONG[number % len(LONG)]])[0]
        per_turn.append(built[0])
    assert max(per_turn[90:]) <= max(per_turn[1:10]), per_turn
