"""The safety net as a Rasa policy: a thin adapter around ``bot.safety_net.decide_next``.

Why a policy and not custom actions: the disclaimer, red-flag advice, clarifying
questions and the advice at the end of the questionnaire must keep working when the
action server is down. When a custom ``action_session_start`` can't reach the action
server, Rasa 3.6 drops the session start and the first message gets no reply at all; a
policy runs inside the Rasa server and only predicts domain responses, which need no
action server. Why a ``RulePolicy`` subclass: once the safety net inserts a turn
(the disclaimer, a clarifying question), ordinary rules ("intent greet -> utter_greet")
would no longer match, so the rules are shown a view of the session without the turns
the safety net inserted (``bot/session_view.py``), and the rules in ``data/`` stay
ordinary Rasa rules.

Order of precedence for each prediction:
1. The session has no disclaimer yet: ``utter_disclaimer`` (and the clinic settings
   into slots, so every response can show the emergency number).
2. The safety net (``bot/safety_net.py``), after the latest message's typed answers are
   read again (``bot/answer_reading.py``): advice at once, a clarifying question, the
   conditional rule for a hypothetical sign, or the advice when the questionnaire ends.
3. Everything else: the ordinary rules; and if the questionnaire could not use a
   message, it asks its question again rather than leaving the person without it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from rasa.core.constants import POLICY_MAX_HISTORY
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
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
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.answer_reading import (
    QUESTIONNAIRE,
    TypedAnswers,
    events_since_last_user_message,
    mentions_a_baby,
    slot_before_last_user_message,
)
from bot.dialogue_state import (
    CLARIFY_KEY,
    FINDINGS_KEY,
    INSERTED_KEY,
    START_QUESTIONNAIRE,
    age_changed_now,
    build_episode,
    is_inserted,
)
from bot.language.thresholds import load_rules_file
from bot.questionnaire import (
    age_answer,
    age_bands,
    age_of_fragment,
    age_said_in_years,
    button_answer,
)
from bot.recent_states import RecentStatesMixin
from bot.rule_matching import RememberedRuleMatchesMixin
from bot.safety_net import DISCLAIMER, SafetyAction, decide_next, follow_up_after
from bot.session_view import SessionViews
from bot.settings import load_settings
from bot.triage import load_table

NOT_UNDERSTOOD = "utter_answer_not_understood"
FALLBACK_RESPONSE = "utter_default"
# A new session or a "start over" shows the disclaimer before the user types anything.
SESSION_OPENERS = (ACTION_SESSION_START_NAME, ACTION_RESTART_NAME)


def with_events(prediction: PolicyPrediction, events: list[SlotSet]) -> PolicyPrediction:
    """The prediction with these slot events applied first (a corrected age)."""
    if events:
        prediction.events = [*events, *prediction.events]
    return prediction


def _duration_told_before(tracker: DialogueStateTracker) -> SlotSet:
    """Undo a duration read from an age answer ("6 weeks" to "who has the bumps?"), keeping the
    one told before it ("there since birth"; round 15's blind set Y)."""
    return SlotSet("duration", slot_before_last_user_message(tracker.events, "duration"))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class SafetyNetRulePolicy(RecentStatesMixin, RememberedRuleMatchesMixin, RulePolicy):
    """RulePolicy + disclaimer first + the safety net (no action server needed).

    The rules are matched against the last states of the conversation only, one more
    than the longest rule has (``bot/recent_states.py``): a state further back never
    changes which rule applies, and featurizing the whole session made every turn of a
    long conversation slower. Which rules match those states is remembered by state
    (``bot/rule_matching.py``).
    """

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
        self._advice = set(self._table.advice.values())
        self._age_bands = age_bands(load_rules_file()["thresholds"])
        self._clarify = {spec["ask"] for spec in self._table.clarify.values()}
        # Everything the safety net says itself: after one of these the turn is its own.
        self._said_by_safety_net = self._advice | self._clarify | self._table.clarify_replies
        # The slots the questionnaire fills: who, where, and the answers the rules read.
        self._answer_slots = frozenset({"age_group", "body_site", *self._table.questionnaire})
        self._answers = TypedAnswers(self._table, self._age_bands, self._answer_slots)
        self._longest_rule: Optional[tuple[int, int]] = None  # (number of rules, longest rule's states)
        # Each conversation's session and the rules' view of it, extended turn by turn.
        self._sessions = SessionViews()

    def states_needed(self) -> Optional[int]:
        """One more state than the longest rule: ``RulePolicy._get_possible_keys`` accepts a
        rule once it has matched all of the rule's states, and a conversation-start rule
        needs the state before its first one to be seen as not a start."""
        keys = [*self.lookup.get(RULES, {}), *self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        if self._longest_rule is None or self._longest_rule[0] != len(keys):
            self._longest_rule = (len(keys), max((len(self._rule_key_to_state(key)) for key in keys), default=0))
        return self._longest_rule[1] + 1

    # ------------------------------------------------------------------ prediction
    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        session = self._sessions.session(tracker)
        return with_events(
            self._predict_turn(tracker, session, domain, rule_only_data, **kwargs),
            self._answers.questionnaire_answer_from_clarify(tracker, session),
        )

    def _predict_turn(
        self,
        tracker: DialogueStateTracker,
        session: list[Event],
        domain: Domain,
        rule_only_data: Optional[dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        # Answers read again before the safety net decides: an age corrected in words, and a
        # "not sure" that was about another question than the one asked.
        corrected = [
            *self._answers.corrected_age_events(tracker),
            *self._answers.unsure_about_another_question(tracker),
            *self._answers.age_answering_the_young_baby_question(tracker, session),
        ]
        inserted = self._safety_net(tracker, session, domain, corrected)
        if inserted is not None:
            return with_events(inserted, corrected)
        if corrected and tracker.active_loop_name == QUESTIONNAIRE and tracker.latest_action_name == ACTION_LISTEN_NAME:
            return self._prediction(self._certain(QUESTIONNAIRE, domain), events=corrected)
        answered = self._answer_in_context(tracker, session, domain)
        if answered is not None:
            return answered
        prediction = super().predict_action_probabilities(
            self._sessions.rules_view(tracker, session, domain), domain, rule_only_data, **kwargs
        )
        if tracker.latest_action_name == DISCLAIMER and self._predicts(prediction, DISCLAIMER, domain):
            # Someone whose first message asks for the disclaimer has just been shown it.
            return self._insert(ACTION_LISTEN_NAME, domain)
        if self._predicts(prediction, START_QUESTIONNAIRE, domain):
            return self._with_bare_age(tracker, session, self._new_questionnaire(session, prediction, domain))
        return self._back_to_questionnaire(tracker, domain, prediction) or prediction

    def _safety_net(
        self, tracker: DialogueStateTracker, session: list[Event], domain: Domain, corrected: list[SlotSet]
    ) -> Optional[PolicyPrediction]:
        since_user = events_since_last_user_message(session)
        disclaimer_shown = any(isinstance(e, ActionExecuted) and e.action_name == DISCLAIMER for e in session)
        if not disclaimer_shown and (since_user is not None or tracker.latest_action_name in SESSION_OPENERS):
            clinic = [SlotSet(name, value) for name, value in self._settings.as_slots().items()]
            return self._insert(DISCLAIMER, domain, clinic)

        last_action = next((e for e in reversed(session) if isinstance(e, ActionExecuted)), None)
        if since_user is None:
            # The disclaimer after a session start with no message yet: wait for the user.
            return self._insert(ACTION_LISTEN_NAME, domain) if last_action and is_inserted(last_action) else None

        actions = [e for e in since_user if isinstance(e, ActionExecuted)]
        if any(is_inserted(e) and e.action_name in self._said_by_safety_net for e in actions):
            # Our advice or question was the reply to this message; the turn ends here, after
            # the question that follows advice given at once (bot/safety_net.py, follow_up_after).
            if not (last_action and is_inserted(last_action)):
                return None
            follow_up = self._follow_up(tracker, session, last_action)
            return self._act(follow_up, tracker, domain) if follow_up else self._insert(ACTION_LISTEN_NAME, domain)
        questionnaire_done = (
            tracker.latest_action_name == QUESTIONNAIRE and tracker.active_loop_name is None
        )
        if not questionnaire_done and any(not is_inserted(e) for e in actions):
            return None  # the conversation already answered this message
        if any(is_inserted(e) and e.action_name != DISCLAIMER for e in actions):
            return None  # a conditional rule was said; now the rules answer the message

        slots = self._decision_slots(tracker)
        slots.update({event.key: event.value for event in corrected})
        episode = build_episode(session, slots, self._table, questionnaire_done)
        if corrected:
            # the answers this message gave, as read again (a corrected age, a withdrawn "not sure")
            now = {**episode.answers_now, **{event.key: event.value for event in corrected}}
            episode = replace(episode, answers_now={key: value for key, value in now.items() if value is not None})
        action = decide_next(episode, self._table)
        return self._act(action, tracker, domain) if action else None

    def _decision_slots(self, tracker: DialogueStateTracker) -> dict[str, Any]:
        return {name: tracker.get_slot(name) for name in (*self._table.questionnaire, "age_group", "triage_level")}

    def _follow_up(
        self, tracker: DialogueStateTracker, session: list[Event], last_action: ActionExecuted
    ) -> Optional[SafetyAction]:
        """The question that follows the advice this turn ended with, if any."""
        advised = self._table.advice_levels.get(last_action.action_name or "")
        if advised is None:
            return None
        episode = build_episode(session, self._decision_slots(tracker), self._table)
        return follow_up_after(episode, advised, self._table)

    def _act(self, action: SafetyAction, tracker: DialogueStateTracker, domain: Domain) -> Optional[PolicyPrediction]:
        if action.kind == "advice":
            level = self._table.most_urgent(action.level, tracker.get_slot("triage_level"))
            events: list[Event] = [SlotSet("triage_level", level)]
            if tracker.active_loop_name:
                events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
            return self._insert(str(action.response), domain, events)
        if action.kind == "ask":
            metadata = {CLARIFY_KEY: action.clarify, FINDINGS_KEY: sorted(action.findings)}
            # A clarifying question asked while the questionnaire waits for an answer: the
            # reply answers the clarifying question only. Without this, the "no" to "is the
            # skin hot or swollen?" also filled "no" to the emergency-signs question the
            # person never answered; the questionnaire asks its question again afterwards.
            events: list[Event] = [SlotSet(REQUESTED_SLOT, None)] if tracker.get_slot(REQUESTED_SLOT) else []
            return self._insert(str(action.response), domain, events, metadata=metadata)
        if action.kind in ("conditional", "say"):
            return self._insert(str(action.response), domain)
        return None  # "resume": the rules answer the message that raised the question

    def _answer_in_context(
        self, tracker: DialogueStateTracker, session: list[Event], domain: Domain
    ) -> Optional[PolicyPrediction]:
        """The questionnaire's question answered in words the NLU could not place.

        A typed button title ("a baby under 3 months", "not sure") or a bare age ("6 weeks",
        "me 45") answers the question being asked; the form runs with that slot filled
        (prediction events are applied before the form validates).
        """
        slot = tracker.get_slot(REQUESTED_SLOT)
        if tracker.active_loop_name != QUESTIONNAIRE or not slot or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        since_user = events_since_last_user_message(tracker.events) or []
        answered = {e.key for e in since_user if isinstance(e, SlotSet) and e.value is not None}
        if slot in answered:
            return None
        text = (tracker.latest_message.text or "") if tracker.latest_message else ""
        if not text or text.startswith("/"):
            return None
        buttons = (domain.responses.get(f"utter_ask_{slot}") or [{}])[0].get("buttons") or []
        value = button_answer(text, buttons, slot, first_clause=False)
        events: list[Event] = []
        other_answers = answered & self._answer_slots
        if slot == "age_group" and other_answers == {"duration"} and not self._answers.about_themselves(session):
            # "6 weeks" asked who has the bumps is an age the NLU read as a duration (but not
            # from someone asking about their own bumps: "for me" then "8 months" is how long);
            # how long, told before ("there since birth"), stays (round 15's blind set Y).
            other_answers = set()
            events = [_duration_told_before(tracker)]
        if value is None and not other_answers:
            # A first clause ("not sure, ...") counts only when the message answered no
            # other question ("not sure, maybe since birth" answers how long).
            value = button_answer(text, buttons, slot)
        if value is None and slot == "age_group" and "duration" not in other_answers:
            # A bare age counts beside another answer ("me, 29, cheeks and under eyes"),
            # but not beside a time, which may be the same number ("8 months").
            value = age_answer(text, self._age_bands)
        if value is None and slot == "age_group":
            # An age in years said before the question ("is for me, 27 years"): never ask forever.
            value = self._answers.age_said_earlier(session)
        if value is None and slot in self._table.denial_in_words and self._answers.only_denies(tracker):
            value = self._table.denial_answers[slot]
        if value is None:
            return None
        return self._prediction(self._certain(QUESTIONNAIRE, domain), events=[*events, SlotSet(slot, value)])

    def _new_questionnaire(
        self, session: list[Event], prediction: PolicyPrediction, domain: Domain
    ) -> PolicyPrediction:
        """A questionnaire started again after advice, about someone of another age group
        ("what about mine, I'm 34" after a baby): its answers are asked again, except those
        the latest message gave. About the same person, nothing is reset."""
        advised = any(isinstance(e, ActionExecuted) and e.action_name in self._advice for e in session)
        if not advised or not age_changed_now(session):
            return prediction
        given_now = {e.key for e in events_since_last_user_message(session) or [] if isinstance(e, SlotSet)}
        resets = [SlotSet(slot, None) for slot in sorted(self._answer_slots)
                  if slot not in given_now]
        return self._prediction(self._certain(START_QUESTIONNAIRE, domain), events=resets)

    def _with_bare_age(
        self, tracker: DialogueStateTracker, session: list[Event], prediction: PolicyPrediction
    ) -> PolicyPrediction:
        """The message that starts the questionnaire is a bare age ("34", "she's 8"):
        keep it as the answer to "who has the bumps?" rather than ask it again.

        About a baby of unknown age ("white bumps on my baby's gums" then "6 weeks"), a
        time alone is the baby's age."""
        since_user = events_since_last_user_message(tracker.events) or []
        given = {e.key for e in [*since_user, *prediction.events] if isinstance(e, SlotSet) and e.value is not None}
        text = (tracker.latest_message.text or "") if tracker.latest_message else ""
        typed = bool(text) and not text.startswith("/")
        age_unknown = tracker.get_slot("age_group") is None
        about_a_baby = mentions_a_baby(session)
        in_years = age_said_in_years(text, self._age_bands) if typed and age_unknown and not about_a_baby else None
        if in_years is not None and given & self._answer_slots <= {"duration"}:
            # "is for me, 27 years": an age said as such, which the detector read as a time too
            prediction.events = [*prediction.events, SlotSet("age_group", in_years)]
            if "duration" in given:
                prediction.events.append(_duration_told_before(tracker))
            return prediction
        about_a_baby = age_unknown and about_a_baby
        if given & self._answer_slots and not (about_a_baby and given & self._answer_slots == {"duration"}):
            return prediction
        age = age_of_fragment(text, self._age_bands, about_a_baby) if typed else None
        if age is not None:
            # (the NLU's reading of "6 weeks" as how long stays: the form reads the message
            # again when it starts; for a baby it is at most the baby's age, as the rules need)
            prediction.events = [*prediction.events, SlotSet("age_group", age)]
        return prediction

    def _back_to_questionnaire(
        self, tracker: DialogueStateTracker, domain: Domain, prediction: PolicyPrediction
    ) -> Optional[PolicyPrediction]:
        """Never leave the questionnaire stuck on an answer it could not read.

        When the form could not use a message (it rejected it) the rules either answer
        something else (a side question) and would then wait, or find nothing and fall
        back; in both cases the person would be left without the question. Here the
        questionnaire asks its question again: after a side question's answer, or after
        "I didn't catch that" when nothing else applied. A message that answered another
        of its questions (an age given when asked where) is simply taken, no apology.
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
            since_user = events_since_last_user_message(tracker.events) or []
            answered_other = any(
                isinstance(e, SlotSet) and e.key in self._answer_slots
                and e.value is not None for e in since_user
            )
            return self._loop_prediction(loop, domain) if answered_other else self._insert(NOT_UNDERSTOOD, domain)
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

    def _insert(
        self,
        action_name: str,
        domain: Domain,
        events: Optional[list[Event]] = None,
        metadata: Optional[dict[str, Any]] = None,
    ) -> PolicyPrediction:
        prediction = self._prediction(
            self._certain(action_name, domain), events=events,
            action_metadata={INSERTED_KEY: True, **(metadata or {})},
        )
        prediction.hide_rule_turn = True  # memoization ignores these turns as well
        return prediction


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RecentMemoizationPolicy(RecentStatesMixin, MemoizationPolicy):
    """Rasa's MemoizationPolicy, featurizing only the ``max_history`` states it compares.

    Rasa's featurizer builds a state for every action of the session and then keeps the
    last ``max_history``; here only those are built (``bot/recent_states.py``), so a
    turn of a long conversation costs what a turn of a short one does.
    """

    def states_needed(self) -> Optional[int]:
        max_history = self.config.get(POLICY_MAX_HISTORY)
        return int(max_history) if max_history else None
