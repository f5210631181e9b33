"""Which rules match the conversation's last states, remembered instead of worked out again.

Why: at every prediction Rasa 3.6's ``RulePolicy._get_possible_keys`` tests every rule
it learned against each of the last states, and ``_is_rule_applicable`` decodes the
rule's JSON key for each test: 6% of a loaded server's time in the profile (README
"Scaling"). The answer depends only on the rule table (fixed once the model is loaded)
and on the states, and conversations go through the same few states again and again
(the same questions, the same questionnaire), so it is remembered by state.

This module leans on one Rasa 3.6 internal, and is the only place that does:
``RulePolicy._get_possible_keys(lookup, states)``. ``tests/test_rule_matching.py``
compares the remembered answers with Rasa's own on the real bot's conversations and
fails if that method's name or signature changes.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable

from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.generator import TrackerWithCachedStates

# How many distinct (rule table, states) answers a server keeps; least recently used go first.
REMEMBERED_MATCHES = 5_000


def frozen(value: Any) -> Hashable:
    """A hashable copy of a state (dicts with sorted keys, lists and tuples as tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    return value


class RememberedRuleMatchesMixin:
    """Put before ``RulePolicy`` in the bases: remembers ``_get_possible_keys`` by state."""

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Training changes the rule table in place (Rasa removes rules that contradict the
        data): nothing is remembered while it runs, nor from before it. (The signature is
        Rasa's own: its graph validation reads the annotations.)"""
        self.__dict__["_training"] = True
        try:
            return super().train(training_trackers, domain, **kwargs)  # type: ignore[misc]
        finally:
            self.__dict__["_training"] = False
            self.__dict__.pop("_remembered_matches", None)

    def _get_possible_keys(self, lookup: dict[str, str], states: list[State]) -> set[str]:
        if self.__dict__.get("_training"):
            return super()._get_possible_keys(lookup, states)  # type: ignore[misc]
        remembered: OrderedDict[Hashable, frozenset[str]] = self.__dict__.setdefault("_remembered_matches",
                                                                                     OrderedDict())
        # Once loaded the rule table is the policy's own and never changes, so its identity
        # with its size names it. A state with a value that cannot be a key (none in Rasa
        # 3.6's states) is worked out as Rasa would.
        try:
            key = (id(lookup), len(lookup), frozen(states))
            found = remembered.get(key)
        except TypeError:
            return super()._get_possible_keys(lookup, states)  # type: ignore[misc]
        if found is None:
            found = frozenset(super()._get_possible_keys(lookup, states))  # type: ignore[misc]
            remembered[key] = found
            while len(remembered) > REMEMBERED_MATCHES:
                remembered.popitem(last=False)
        else:
            remembered.move_to_end(key)
        return set(found)
