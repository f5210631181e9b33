"""Typed answers read again before the safety net decides: what a message says that the NLU
could not place where the conversation needs it.

Why a module of its own: these readings (an age corrected in words, an answer to the
young-baby question, a "not sure" about another question, a reply that only denies signs)
decide which slots the safety net sees, so they must be readable apart from the Rasa
policy that applies them (``bot/policies.py``). The text readers themselves are pure
functions in ``bot/questionnaire.py`` and ``bot/dialogue_state.py``; this module finds the
message and the question they answer in a Rasa session.
"""

from __future__ import annotations

from typing import Any, Optional, Reversible

from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue_state import answer_of, clarify_answered_now, clarify_denied_now
from bot.questionnaire import (
    age_answering_young_baby_question,
    age_said_in_years,
    age_said_with_yes,
    corrected_age,
    says_she_is,
    younger_than_asked,
)
from bot.safety_net import YES, mentions_baby
from bot.triage import TriageTable

# The clarifying question whose typed answer may be an age (bot/resources/triage_rules.yml).
YOUNG_BABY_QUESTION = "young_baby_check"
# The detector's finding for a sign the person denied (bot/resources/red_flags.yml `denied`).
DENIED_SIGN = "denied_sign"
# The questionnaire's "not sure" answer (the `unsure` entity filled into a slot).
UNSURE = "unsure"
QUESTIONNAIRE = "triage_form"
BABY_INTENTS = frozenset({"ask_newborn_milia", "ask_baby_mouth"})


def events_since_last_user_message(events: Reversible[Event]) -> Optional[list[Event]]:
    """The events after the latest user message, or None if there is no user message.

    Read from the end, so a tracker's events (a deque) are passed as they are: the cost is
    that of the latest turn, not of the whole conversation.
    """
    after: list[Event] = []
    for event in reversed(events):
        if isinstance(event, UserUttered):
            after.reverse()
            return after
        after.append(event)
    return None


def slot_before_last_user_message(events: Reversible[Event], slot: str) -> Any:
    """The value ``slot`` had before the latest user message (the last SlotSet before it)."""
    passed_user = False
    for event in reversed(events):
        if isinstance(event, UserUttered):
            passed_user = True
        elif passed_user and isinstance(event, SlotSet) and event.key == slot:
            return event.value
    return None


def user_text_before(session: list[Event]) -> str:
    """The text of the user message before the latest one ("" if none)."""
    texts = [e.text or "" for e in session if isinstance(e, UserUttered)]
    return texts[-2] if len(texts) > 1 else ""


def mentions_a_baby(session: list[Event]) -> bool:
    """Some message of the session mentions a baby (the detector's ``mentions_baby`` finding),
    or asks about a baby's spots ("my little boy's milk spots still haven't cleared")."""
    return any(
        isinstance(event, UserUttered)
        and (mentions_baby(event.entities or []) or (event.intent or {}).get("name") in BABY_INTENTS)
        for event in session
    )


class TypedAnswers:
    """Reads a session's latest message again for the answers the NLU could not place."""

    def __init__(self, table: TriageTable, age_bands: Any, answer_slots: frozenset[str]) -> None:
        self._table = table
        self._advice = set(table.advice.values())
        self._age_bands = age_bands
        self._answer_slots = answer_slots

    @staticmethod
    def about_themselves(session: list[Event]) -> bool:
        """The person said the bumps are their own ("for me", "I have ..."), and no baby is mentioned."""
        said_self = any(
            isinstance(e, UserUttered)
            and any(x.get("entity") == "audience" and x.get("value") == "patient" for x in e.entities or [])
            for e in session
        )
        return said_self and not mentions_a_baby(session)

    def age_said_earlier(self, session: list[Event]) -> Optional[str]:
        """The latest age in years said in this person's messages (since the last advice), if any.

        Never about a baby: an age in years then is a parent's or a sibling's."""
        if mentions_a_baby(session):
            return None
        advised = [i for i, e in enumerate(session) if isinstance(e, ActionExecuted) and e.action_name in self._advice]
        start = advised[-1] if advised else -1
        for event in reversed(session[start + 1:]):
            if isinstance(event, UserUttered) and event.text and not event.text.startswith("/"):
                age = age_said_in_years(event.text, self._age_bands)
                if age is not None:
                    return age
        return None

    def questionnaire_answer_from_clarify(self, tracker: DialogueStateTracker, session: list[Event]) -> list[SlotSet]:
        """A "no" to the safety net's emergency-signs question also answers the questionnaire's
        (the same question and list), so the questionnaire does not ask it again."""
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return []
        kind = clarify_denied_now(session)
        if kind not in self._table.denial_answers or tracker.get_slot(kind) is not None:
            return []
        return [SlotSet(kind, self._table.denial_answers[kind])]

    def corrected_age_events(self, tracker: DialogueStateTracker) -> list[SlotSet]:
        """An age corrected in words the detector read as a time ("sorry, I mean 4 months not
        3 weeks"): the new age group, and how long the bumps have been there as it was.

        Only a message that reads as a correction, about a known age, with no age of its own
        found by the detector; the decision then runs on the corrected age (a level can rise).
        """
        message = tracker.latest_message
        current = tracker.get_slot("age_group")
        text = (message.text or "") if message else ""
        if not current or not text or text.startswith("/"):
            return []
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return []
        if any(e.get("entity") == "age_group" for e in message.entities or []):
            return []
        age = corrected_age(text, self._age_bands)
        if age is None or age == current:
            return []
        events = [SlotSet("age_group", age)]
        since_user = events_since_last_user_message(tracker.events) or []
        if any(isinstance(e, SlotSet) and e.key == "duration" for e in since_user):
            events.append(SlotSet("duration", slot_before_last_user_message(tracker.events, "duration")))
        return events

    def age_answering_the_young_baby_question(
        self, tracker: DialogueStateTracker, session: list[Event]
    ) -> list[SlotSet]:
        """The age an answer to "is the person with the fever a baby under 3 months?" gives, so
        the decision runs on it (how it is read: ``bot.questionnaire.age_answering_young_baby_question``).

        "Yes" (or "she is") is a baby under 3 months, unless it comes with an age said as one
        ("yes hes 4"); the writer's own role is no age ("yes im his dad"). A typed age counts in
        the answer and in the message after it ("not sure" then "5 weeks"; "no" then "wait,
        she's 6 weeks"), except when the questionnaire is asking how long the bumps have been
        there. An answer with no age looks for "under 3 months" in the message asked about
        (round 13's three reviews).
        """
        message = tracker.latest_message
        if message is None or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return []
        text = message.text or ""
        newborn = self._age_bands[0][0]
        answered_now = clarify_answered_now(session) == YOUNG_BABY_QUESTION
        durations = frozenset(str(e.get("value")) for e in message.entities or [] if e.get("entity") == "duration")
        typed = bool(text) and not text.startswith("/")
        if answered_now and (answer_of(message) == YES or says_she_is(text)):
            # "yes" with an age of its own ("yes hes 4") is that age; otherwise a baby under 3
            # months, whoever is typing ("yes im his dad")
            age = (age_said_with_yes(text, self._age_bands) if typed else None) or newborn
            return [] if tracker.get_slot("age_group") == age else [SlotSet("age_group", age)]
        if not typed or tracker.get_slot("age_group") is not None:
            return []
        answered_before = clarify_answered_now(session, turns_back=1) == YOUNG_BABY_QUESTION
        if not (answered_now or (answered_before and tracker.get_slot(REQUESTED_SLOT) != "duration")):
            return []
        age = age_answering_young_baby_question(text, durations, self._age_bands)
        if age is None and answered_now and younger_than_asked(user_text_before(session)):
            age = newborn  # "temp 38.5, under 3 months" then "I already told you"
        return [SlotSet("age_group", age)] if age else []

    def unsure_about_another_question(self, tracker: DialogueStateTracker) -> list[SlotSet]:
        """"Not sure, only noticed them yesterday" asked about danger signs: the doubt is about
        how long (the message answered that), so the question about signs is asked again.

        A "not sure" that answers only the question asked keeps its fail-safe reading.
        """
        slot = tracker.get_slot(REQUESTED_SLOT)
        if tracker.active_loop_name != QUESTIONNAIRE or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return []
        if slot not in self._table.denial_answers or tracker.get_slot(slot) != UNSURE:
            return []
        since_user = events_since_last_user_message(tracker.events) or []
        set_now = {e.key for e in since_user if isinstance(e, SlotSet) and e.value is not None}
        if slot not in set_now or not set_now & (self._answer_slots - {slot}):
            return []
        return [SlotSet(slot, None)]

    def only_denies(self, tracker: DialogueStateTracker) -> bool:
        """The latest message denies signs ("not red, not spreading") and names none.

        Any red flag in any role (a sign told now, suspected, past or hypothetical) other
        than those below the safety net ("there are just a lot of them"), any doubt
        ("not sure") and any yes keep the message from counting as a "no".
        """
        message = tracker.latest_message
        if message is None or (message.intent or {}).get("name") == "affirm":
            return False
        entities = message.entities or []
        if any(e.get("entity") == "unsure" for e in entities):
            return False
        for entity in entities:
            if entity.get("entity") == "red_flag":
                level = self._table.level_of(str(entity.get("value")))
                if entity.get("role") or level is None or level in self._table.safety_net_levels:
                    return False
        return any(e.get("entity") == "finding" and e.get("value") == DENIED_SIGN for e in entities)
