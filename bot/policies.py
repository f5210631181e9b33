"""The safety net: a RulePolicy that puts the disclaimer first and red flags before all else.

Why a policy and not custom actions: both behaviours must keep working when the action
server is down. When a custom ``action_session_start`` can't reach the action server,
Rasa 3.6 drops the session start and the first message gets no reply at all; a policy
runs inside the Rasa server and only predicts domain responses, which need no action
server. Why a ``RulePolicy`` subclass: once the disclaimer is inserted before the
answer, ordinary rules ("intent greet -> utter_greet") would no longer match, because
the previous action is now ``utter_disclaimer``. The policy therefore shows the rules a
view of the conversation without the turns it inserted itself, so the rules in
``data/`` stay ordinary Rasa rules.

Order of precedence for each prediction:
1. The session has no disclaimer yet: ``utter_disclaimer`` (and the clinic settings
   into slots, so every response can show the emergency number).
2. The latest message holds a red flag, or a questionnaire answer ("yes" to the
   emergency signs), at a safety-net level (see ``bot/resources/triage_rules.yml``)
   and it has not been answered yet: the level's advice response, ``triage_level``
   set, any questionnaire stopped.
3. Everything else: the ordinary rules; and if the questionnaire could not use a
   message, it asks its question again rather than leaving the person without it.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    ACTION_DEFAULT_FALLBACK_NAME,
    ACTION_LISTEN_NAME,
    ACTION_RESTART_NAME,
    ACTION_SESSION_START_NAME,
    REQUESTED_SLOT,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.safety_net import DISCLAIMER, conversation_findings
from bot.settings import load_settings
from bot.triage import (
    decide,
    decide_conversation,
    decision_slots,
    load_table,
    needs_immediate_advice,
    questionnaire_findings,
)

INSERTED_KEY = "safety_net"
NOT_UNDERSTOOD = "utter_answer_not_understood"
FALLBACK_RESPONSE = "utter_default"
# A new session or a "start over" shows the disclaimer before the user types anything.
SESSION_OPENERS = (ACTION_SESSION_START_NAME, ACTION_RESTART_NAME)


def is_inserted(event: Event) -> bool:
    """True for an action this policy inserted (marked in the action's metadata)."""
    return isinstance(event, ActionExecuted) and bool((event.metadata or {}).get(INSERTED_KEY))


def events_since_last_user_message(events: list[Event]) -> Optional[list[Event]]:
    """The events after the latest user message, or None if there is no user message."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index + 1 :]
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class SafetyNetRulePolicy(RulePolicy):
    """RulePolicy + disclaimer first + red-flag advice first (no action server needed)."""

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        # Validate at start: a broken settings or rules file must stop the bot, not a user.
        self._settings = load_settings()
        self._table = load_table()

    # ------------------------------------------------------------------ prediction
    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        inserted = self._safety_net(tracker, domain)
        if inserted is not None:
            return inserted
        prediction = super().predict_action_probabilities(
            self._view_without_inserted(tracker, domain), domain, rule_only_data, **kwargs
        )
        if tracker.latest_action_name == DISCLAIMER and self._predicts(prediction, DISCLAIMER, domain):
            # Someone whose first message asks for the disclaimer has just been shown it.
            return self._insert(ACTION_LISTEN_NAME, domain)
        return self._back_to_questionnaire(tracker, domain, prediction) or prediction

    def _back_to_questionnaire(
        self, tracker: DialogueStateTracker, domain: Domain, prediction: PolicyPrediction
    ) -> Optional[PolicyPrediction]:
        """Never leave the questionnaire stuck on an answer it could not read.

        When the form could not use a message (it rejected it) the rules either answer
        something else (a side question) and would then wait, or find nothing and fall
        back; in both cases the person would be left without the question. Here the
        questionnaire asks its question again: after a side question's answer, or after
        "I didn't catch that" when nothing else applied.
        """
        loop = tracker.active_loop_name
        if not loop or not tracker.is_active_loop_rejected:
            return None
        if tracker.latest_action_name == NOT_UNDERSTOOD:
            return self._loop_prediction(loop, domain)
        nothing_applies = prediction.max_confidence <= self._core_fallback_threshold() or any(
            self._predicts(prediction, name, domain) for name in (ACTION_DEFAULT_FALLBACK_NAME, FALLBACK_RESPONSE)
        )
        if nothing_applies:
            return self._insert(NOT_UNDERSTOOD, domain)
        answered_aside = tracker.latest_action_name not in (loop, ACTION_LISTEN_NAME)
        if answered_aside and self._predicts(prediction, ACTION_LISTEN_NAME, domain):
            return self._loop_prediction(loop, domain)
        return None

    def _loop_prediction(self, loop: str, domain: Domain) -> PolicyPrediction:
        """Run the form again (not marked as inserted: the rules must see the loop run)."""
        return self._prediction(self._certain(loop, domain))

    def _certain(self, action_name: str, domain: Domain) -> list[float]:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action_name)] = 1.0
        return probabilities

    def _core_fallback_threshold(self) -> float:
        return float(self.config.get("core_fallback_threshold", 0.3))

    @staticmethod
    def _predicts(prediction: PolicyPrediction, action_name: str, domain: Domain) -> bool:
        index = domain.index_for_action(action_name)
        return prediction.max_confidence > 0 and prediction.max_confidence_index == index

    def _safety_net(self, tracker: DialogueStateTracker, domain: Domain) -> Optional[PolicyPrediction]:
        events = tracker.applied_events()
        since_user = events_since_last_user_message(events)
        latest_action = tracker.latest_action_name
        disclaimer_shown = any(
            isinstance(event, ActionExecuted) and event.action_name == DISCLAIMER for event in events
        )

        if not disclaimer_shown and (since_user is not None or latest_action in SESSION_OPENERS):
            clinic = [SlotSet(name, value) for name, value in self._settings.as_slots().items()]
            return self._insert(DISCLAIMER, domain, clinic)

        last_action = next((event for event in reversed(events) if isinstance(event, ActionExecuted)), None)
        if since_user is None:
            # The disclaimer after a session start with no message yet: wait for the user.
            return self._insert(ACTION_LISTEN_NAME, domain) if last_action and is_inserted(last_action) else None

        actions_since_user = [event for event in since_user if isinstance(event, ActionExecuted)]
        advice = set(self._table.advice.values())
        if any(is_inserted(event) and event.action_name in advice for event in actions_since_user):
            # Our advice was the reply to this message; the turn ends here.
            return self._insert(ACTION_LISTEN_NAME, domain) if last_action and is_inserted(last_action) else None
        if any(not is_inserted(event) or event.action_name != DISCLAIMER for event in actions_since_user):
            return None  # the conversation already answered this message

        latest_flags, session_flags, mentions_baby = conversation_findings(
            event.entities for event in events if isinstance(event, UserUttered)
        )
        # A questionnaire answer ("yes" to the emergency signs) counts like a red flag.
        answered_now = {event.key: event.value for event in since_user if isinstance(event, SlotSet)}
        latest_findings = latest_flags | questionnaire_findings(answered_now, self._table, session_flags)
        if not latest_findings:
            return None
        slots = {slot: tracker.get_slot(slot) for slot in decision_slots(self._table)}
        decision = decide_conversation(session_flags, slots, mentions_baby, self._table)
        latest_decision = decide(latest_findings, tracker.get_slot("age_group"), mentions_baby, table=self._table)
        if not (decision.advice and needs_immediate_advice(latest_decision, self._table)):
            return None
        triage_events: list[Event] = [SlotSet("triage_level", decision.level)]
        if tracker.active_loop_name:
            triage_events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        return self._insert(decision.advice, domain, triage_events)

    def _insert(self, action_name: str, domain: Domain, events: Optional[list[Event]] = None) -> PolicyPrediction:
        prediction = self._prediction(
            self._certain(action_name, domain), events=events, action_metadata={INSERTED_KEY: True}
        )
        prediction.hide_rule_turn = True  # memoization ignores these turns as well
        return prediction

    @staticmethod
    def _view_without_inserted(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
        """The tracker as the rules should see it: without the actions this policy inserted."""
        if not any(is_inserted(event) for event in tracker.events):
            return tracker
        return DialogueStateTracker.from_events(
            tracker.sender_id,
            [event for event in tracker.events if not is_inserted(event) or event.action_name == ACTION_LISTEN_NAME],
            domain.slots,
            sender_source=tracker.sender_source,
        )
