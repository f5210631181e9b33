"""The dialogue states a policy actually looks at, without featurizing the whole session.

Why: Rasa 3.6's ``RulePolicy`` and ``MemoizationPolicy`` ask the featurizer for
``tracker.past_states(domain)`` at every prediction, and that builds one state (slots,
intent, entities, previous action, loop) for every action of the session, then
deep-copies them all for a debug log line. In a long conversation this was most of the
growth of a turn's cost (profile in README "Scaling": at turn 100, 5 calls per turn over
215 actions, about 40 of a turn's 125 ms). Yet the policies only read the end of the
list: ``MemoizationPolicy`` slices it to ``max_history`` states, and ``RulePolicy``
compares it with rules that are at most a few states long (a state further back than
the longest rule never changes which rule applies).

So :class:`RecentStates` stands in for the tracker where the featurizer asks for the
past states, and :func:`recent_past_states` builds only the last ``keep`` of them. It
still replays the session's events in order (Rasa's own ``tracker.update``, so slots,
loops and the latest message are exactly what Rasa would compute; a replay costs about
0.5 microseconds per event), but calls ``domain.get_active_state`` only for the kept
turns, which is the expensive part.

This module leans on Rasa 3.6 internals, and is the only place that does:

* ``Domain.states_for_tracker_history`` is mirrored here (hidden rule-only turns, the
  previous ML action and user input carried over them);
* ``Domain._remove_rule_only_features``, ``Domain._substitute_rule_only_user_input``,
  ``Domain._clean_state`` and ``DialogueStateTracker.init_copy`` / ``applied_events``
  are called;
* the policies' featurizer reads the states through ``tracker.past_states(...)``
  (``TrackerFeaturizer._create_states``).

``tests/test_recent_states.py`` compares the result with Rasa's own ``past_states`` on
real conversations and fails if Rasa changes under any of these.
"""

from __future__ import annotations

import copy
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME, PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def _prior_trackers(
    tracker: DialogueStateTracker, applied: list[Event]
) -> Iterator[tuple[DialogueStateTracker, bool]]:
    """``tracker.generate_all_prior_trackers()`` over already computed applied events."""
    replay = tracker.init_copy()
    for event in applied:
        if isinstance(event, ActionExecuted):
            yield replay, event.hide_rule_turn
        replay.update(event)
    yield replay, False


def _chain_starts(tracker: DialogueStateTracker, applied: list[Event]) -> list[bool]:
    """One flag per state that ``past_states(ignore_rule_only_turns=True)`` builds before an
    action: True where its previous action is ``action_listen``, so that it never takes
    the user input of the state before it. Mirrors the hidden-turn logic of
    ``Domain.states_for_tracker_history``.
    """
    starts: list[bool] = []
    turn_was_hidden = False
    for prior, hide_rule_turn in _prior_trackers(tracker, applied):
        if not prior.followup_action and not prior.latest_action_name == prior.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if not turn_was_hidden:
            starts.append((prior.latest_action or {}).get("action_name") == ACTION_LISTEN_NAME)
    return starts[:-1] if not turn_was_hidden else starts  # the last one is after all events


@dataclass
class _Featurized:
    """A conversation replayed up to some event, with the last states built on the way.

    Enough to go on from there when the conversation has grown: the replayed tracker,
    the loop variables of ``Domain.states_for_tracker_history`` and the last states (one
    per visible turn before each action; the state after the last event is built per call).
    """

    options: tuple[Any, ...]
    applied: list[Event]
    raw_count: int
    last_raw: Optional[Event]
    loop_names: frozenset[str]
    replay: DialogueStateTracker
    states: deque[State]
    turn_was_hidden: bool = False
    last_ml_action_sub_state: Optional[dict[str, Any]] = None

    def _visible(self, hide_rule_turn: bool) -> bool:
        """Whether the prior tracker (``self.replay`` now) becomes a state; updates the loop variables."""
        if not self.options[2]:  # ignore_rule_only_turns
            return True
        prior = self.replay
        if not self.turn_was_hidden:
            self.last_ml_action_sub_state = prior.latest_action
        if not prior.followup_action and not prior.latest_action_name == prior.active_loop_name:
            self.turn_was_hidden = hide_rule_turn
        return not self.turn_was_hidden

    def _state(self, domain: Domain, rule_only_data: Optional[dict[str, Any]]) -> State:
        """The state of the prior tracker, as ``states_for_tracker_history`` builds it."""
        state = domain.get_active_state(self.replay, omit_unset_slots=self.options[1])
        if self.options[2]:
            domain._remove_rule_only_features(state, rule_only_data)
            if self.states:
                domain._substitute_rule_only_user_input(state, self.states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state  # type: ignore[assignment]
        return domain._clean_state(state)

    def extend(self, domain: Domain, events: list[Event], rule_only_data: Optional[dict[str, Any]],
               skip: int = 0) -> None:
        """Replay ``events`` (the applied events that follow), building the states of their
        turns except the first ``skip`` (they could never be kept)."""
        visible = 0
        for event in events:
            if isinstance(event, ActionExecuted) and self._visible(event.hide_rule_turn):
                if visible >= skip:
                    self.states.append(self._state(domain, rule_only_data))
                visible += 1
            self.replay.update(event)
        self.applied.extend(events)

    def current(self, domain: Domain, rule_only_data: Optional[dict[str, Any]]) -> list[State]:
        """Copies of the kept states and the state after the last event (built per call:
        it changes as events are added)."""
        saved = (self.turn_was_hidden, self.last_ml_action_sub_state)
        last = [self._state(domain, rule_only_data)] if self._visible(False) else []
        self.turn_was_hidden, self.last_ml_action_sub_state = saved
        return copy.deepcopy([*self.states, *last])


def _loop_names(tracker: DialogueStateTracker) -> frozenset[str]:
    """The loops ever activated in the conversation (as ``applied_events`` collects them)."""
    return frozenset(event.name for event in tracker.events if isinstance(event, ActiveLoop) and event.name)


# Events after which a conversation's applied events are not the old ones plus the new
# ones (``DialogueStateTracker.applied_events``): those are worked out again in full.
_REWRITING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)


class RecentStatesCache:
    """The last states of recent conversations, carried on from turn to turn.

    Rasa featurizes every action of the session at each prediction; the states of the
    turns already taken never change, so here a conversation's replay is kept and each
    prediction only replays and featurizes the events added since. Whenever the
    conversation is not the one replayed plus new events (another server answered, a
    restart, an undo, the questionnaire's loop), the session is replayed again in full,
    featurizing only its last turns. A cache: a miss costs time, never a different state.
    """

    def __init__(self, conversations: int = 2000) -> None:
        self._conversations = conversations
        self._entries: OrderedDict[tuple[Any, ...], _Featurized] = OrderedDict()

    def past_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        keep: int,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[dict[str, Any]] = None,
    ) -> list[State]:
        """At least the last ``keep`` states of ``tracker.past_states(...)`` (all if fewer), equal to them."""
        options = (id(domain), omit_unset_slots, ignore_rule_only_turns, keep, rule_only_data)
        key = (tracker.sender_id, *options[:4])
        entry = self._entries.get(key)
        events = tracker.events
        raw_count = len(events)
        new: Optional[list[Event]] = None
        if (entry is not None and entry.options == options and 0 < entry.raw_count <= raw_count
                and events[entry.raw_count - 1] is entry.last_raw):
            new = [events[index] for index in range(entry.raw_count, raw_count)]
            if any(isinstance(event, _REWRITING) or (isinstance(event, ActionExecuted)
                   and event.action_name in entry.loop_names) for event in new):
                new = None
        if new is None:
            applied = tracker.applied_events()
            done = len(entry.applied) if entry is not None and entry.options == options else -1
            if entry is not None and 0 < done <= len(applied) and all(
                    a is b for a, b in zip(entry.applied, applied[:done], strict=True)):
                new = applied[done:]
                entry.loop_names = _loop_names(tracker)
            else:
                entry = self._fresh(tracker, domain, applied, options, keep, rule_only_data)
                new = []
        assert entry is not None
        entry.extend(domain, new, rule_only_data)
        entry.raw_count, entry.last_raw = raw_count, events[-1] if raw_count else None
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._conversations:
            self._entries.popitem(last=False)
        return entry.current(domain, rule_only_data)

    @staticmethod
    def _fresh(tracker: DialogueStateTracker, domain: Domain, applied: list[Event], options: tuple[Any, ...],
               keep: int, rule_only_data: Optional[dict[str, Any]]) -> _Featurized:
        """The whole session replayed, featurizing only the turns that can still be kept."""
        if options[2]:
            starts = _chain_starts(tracker, applied)
            first = max(len(starts) - keep, 0)
            while first > 0 and not starts[first]:
                first -= 1
        else:
            first = max(sum(isinstance(event, ActionExecuted) for event in applied) - keep, 0)
        entry = _Featurized(options, [], 0, None, _loop_names(tracker), tracker.init_copy(), deque(maxlen=keep))
        entry.extend(domain, applied, rule_only_data, skip=first)
        return entry


def recent_past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    keep: int,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[dict[str, Any]] = None,
) -> list[State]:
    """At least the last ``keep`` states of ``tracker.past_states(...)``, without a cache."""
    return RecentStatesCache(1).past_states(
        tracker, domain, keep, omit_unset_slots, ignore_rule_only_turns, rule_only_data
    )


class RecentStates:
    """A tracker as a policy's featurizer sees it: only its last ``keep`` states.

    Everything but ``past_states`` is the tracker's own (attribute access is passed on),
    so the policy's other checks (latest action, active loop, slots) are unchanged.
    """

    def __init__(self, tracker: DialogueStateTracker, keep: int, cache: RecentStatesCache) -> None:
        self._tracker = tracker
        self._keep = keep
        self._cache = cache

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[dict[str, Any]] = None,
    ) -> list[State]:
        return self._cache.past_states(
            self._tracker, domain, self._keep, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)


class RecentStatesMixin:
    """For a ``Policy`` subclass: its featurizer sees only the states the policy can use.

    A subclass says how many with :meth:`states_needed` (None: all of them, as Rasa does).
    Overrides ``Policy._prediction_states``, the one method through which Rasa 3.6's
    ``RulePolicy`` and ``MemoizationPolicy`` featurize a tracker for a prediction.
    """

    _recent_states: Optional[RecentStatesCache] = None

    def states_needed(self) -> Optional[int]:
        raise NotImplementedError

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[dict[str, Any]] = None,
    ) -> list[State]:
        keep = self.states_needed()
        view: Any = tracker
        # Training trackers keep their states cached (Rasa's TrackerWithCachedStates): left as they are.
        if keep is not None and not isinstance(tracker, TrackerWithCachedStates):
            if self._recent_states is None:
                self._recent_states = RecentStatesCache()
            view = RecentStates(tracker, keep, self._recent_states)
        return super()._prediction_states(  # type: ignore[misc]
            view, domain, use_text_for_last_user_input=use_text_for_last_user_input, rule_only_data=rule_only_data
        )
