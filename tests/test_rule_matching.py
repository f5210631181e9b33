"""The rules found for a conversation's states are Rasa's own, remembered by state (bot/rule_matching.py).

Runs the trained bot in this process and checks every remembered answer against
``RulePolicy._get_possible_keys`` worked out afresh; fails if Rasa renames or changes
that method.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from bot.policies import SafetyNetRulePolicy
from bot.rule_matching import REMEMBERED_MATCHES, RememberedRuleMatchesMixin, frozen
from tests.conftest import talk

CONVERSATIONS = {
    "questions": ["hi", "what are milia", "are they contagious", "how long do they last", "thanks", "bye"],
    "questionnaire": ["my baby has white spots on her nose", "she is 5 weeks old", "on her nose", "about a week",
                      "no", "no", "thank you"],
    "red flag": ["hello", "my 3 week old has white spots and a fever of 38.5", "what should i do", "bye"],
}


def test_rasas_method_is_still_there_with_the_same_signature() -> None:
    assert list(inspect.signature(RulePolicy._get_possible_keys).parameters) == ["self", "lookup", "states"]
    assert SafetyNetRulePolicy._get_possible_keys is RememberedRuleMatchesMixin._get_possible_keys


def test_frozen_states_are_equal_exactly_when_the_states_are() -> None:
    state = {"user": {"intent": "greet", "entities": ("age",)}, "slots": {"age_group": (1.0,)}}
    same = {"slots": {"age_group": (1.0,)}, "user": {"entities": ("age",), "intent": "greet"}}
    other = {"user": {"intent": "greet", "entities": ("age",)}, "slots": {"age_group": (0.0,)}}
    assert frozen([state]) == frozen([same]) and hash(frozen([state])) == hash(frozen([same]))
    assert frozen([state]) != frozen([other])


def _policy(agent: Any) -> SafetyNetRulePolicy:
    policies = [node for node in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(node, "_component", None), SafetyNetRulePolicy)]
    assert len(policies) == 1
    return policies[0]._component


def test_remembered_matches_equal_rasas_in_real_conversations(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    answers: list[tuple[set[str], set[str]]] = []
    remembered = RememberedRuleMatchesMixin._get_possible_keys

    def checked(self: Any, lookup: dict[str, str], states: list[Any]) -> set[str]:
        got = remembered(self, lookup, states)
        answers.append((got, RulePolicy._get_possible_keys(self, lookup, states)))
        return got

    monkeypatch.setattr(SafetyNetRulePolicy, "_get_possible_keys", checked)
    for round_ in range(2):  # the second time round, the same states are answered from memory
        for name, texts in CONVERSATIONS.items():
            assert all(talk(agent, f"{name}-{round_}", texts))
    assert len(answers) > 30
    assert all(got == expected for got, expected in answers)
    assert any(got for got, _ in answers), "some rule matched"
    policy = _policy(agent)
    assert 0 < len(policy._remembered_matches) < len(answers), "states seen again were answered from memory"


def test_what_is_remembered_is_bounded() -> None:
    class Rasas:
        worked_out = 0

        def _get_possible_keys(self, lookup: dict[str, str], states: list[Any]) -> set[str]:
            self.worked_out += 1
            return {key for key in lookup if key == str(states[-1]["n"])}

    class Policy(RememberedRuleMatchesMixin, Rasas):
        pass

    policy, lookup = Policy(), {"1": "a", "2": "b"}
    assert policy._get_possible_keys(lookup, [{"n": 1}]) == {"1"}
    assert policy._get_possible_keys(lookup, [{"n": 1}]) == {"1"} and policy.worked_out == 1
    assert policy._get_possible_keys(lookup, [{"n": 2}]) == {"2"} and policy.worked_out == 2
    for n in range(REMEMBERED_MATCHES + 10):
        policy._get_possible_keys(lookup, [{"n": n}])
    assert len(policy._remembered_matches) == REMEMBERED_MATCHES


def test_nothing_is_remembered_while_training_changes_the_rule_table() -> None:
    """Rasa removes contradicting rules from the table in place during training."""

    class Rasas:
        def train(self, lookup: dict[str, str], domain: Any) -> None:
            assert self._get_possible_keys(lookup, [{"n": 1}]) == {"1"}
            lookup.pop("1")
            lookup["3"] = "c"  # same size, other rules
            assert self._get_possible_keys(lookup, [{"n": 1}]) == set()

        def _get_possible_keys(self, lookup: dict[str, str], states: list[Any]) -> set[str]:
            return {key for key in lookup if key == str(states[-1]["n"])}

    class Policy(RememberedRuleMatchesMixin, Rasas):
        pass

    policy, lookup = Policy(), {"1": "a", "2": "b"}
    policy.train(lookup, None)
    assert "_remembered_matches" not in policy.__dict__
    assert policy._get_possible_keys(lookup, [{"n": 3}]) == {"3"}


def test_a_state_that_cannot_be_a_key_is_worked_out_as_rasa_would() -> None:
    class Rasas:
        def _get_possible_keys(self, lookup: dict[str, str], states: list[Any]) -> set[str]:
            return set(lookup)

    class Policy(RememberedRuleMatchesMixin, Rasas):
        pass

    assert Policy()._get_possible_keys({"1": "a"}, [{"slots": {"x": {1, 2}}}]) == {"1"}
