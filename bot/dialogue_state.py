"""From a Rasa tracker's events to the safety net's :class:`~bot.safety_net.Episode`.

This is the only place that reads Rasa events for the safety net. It looks at the
current session only (from the last session start or restart), so the cost of a turn
grows with the session, not with the whole history of the conversation.

The policy marks the actions it inserts with metadata (``safety_net``; for a clarifying
question also ``clarify`` and ``findings``), so the episode can be rebuilt from the
events alone: no hidden state, and a restarted server continues exactly where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)

from bot.questionnaire import is_correction
from bot.safety_net import NO, YES, Episode, Pending, UserTurn, entity_signs, entity_values, mentions_baby, settle
from bot.triage import TriageTable, decision_slots

INSERTED_KEY = "safety_net"
CLARIFY_KEY = "clarify"
FINDINGS_KEY = "findings"
START_QUESTIONNAIRE = "utter_start_questionnaire"
ANSWER_ENTITY = "answer"
UNSURE_ENTITY = "unsure"  # "not sure", "no idea", "dunno" (data/nlu regexes)
AGE_SLOT = "age_group"
QUESTIONNAIRE = "triage_form"
# A message describes someone's bumps when it is classified so or gives where / how long.
DESCRIBING_INTENTS = frozenset({"describe_symptoms"})
DESCRIBING_ENTITIES = ("body_site", "duration")
YES_INTENTS = frozenset({"affirm"})
NO_INTENTS = frozenset({"deny"})


def is_inserted(event: Event) -> bool:
    """True for an action the safety-net policy inserted (marked in the action's metadata)."""
    return isinstance(event, ActionExecuted) and bool((event.metadata or {}).get(INSERTED_KEY))


def clarify_of(event: Event) -> Optional[Pending]:
    """The clarifying question an inserted action asked, if it was one."""
    if not is_inserted(event):
        return None
    metadata = event.metadata or {}
    kind = metadata.get(CLARIFY_KEY)
    return Pending(str(kind), frozenset(metadata.get(FINDINGS_KEY) or ())) if kind else None


def current_session(events: Sequence[Event]) -> list[Event]:
    """The events of the current session, with reverted turns removed.

    Scans back only to the last session start or restart, then applies the two revert
    events Rasa uses (undo the last action / the last user message).
    """
    start = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], (SessionStarted, Restarted)):
            start = index
            break
    applied: list[Event] = []
    for event in list(events)[start:]:
        if isinstance(event, ActionReverted):
            _drop_back_to(applied, ActionExecuted, keep=lambda e: e.action_name == ACTION_LISTEN_NAME)
        elif isinstance(event, UserUtteranceReverted):
            _drop_back_to(applied, UserUttered)
        else:
            applied.append(event)
    return applied


def _drop_back_to(events: list[Event], kind: type, keep: Any = lambda _: False) -> None:
    while events:
        event = events.pop()
        if isinstance(event, kind) and not keep(event):
            return


def says_unsure(message: UserUttered) -> bool:
    """True when the message says the person cannot tell ("not sure", "no idea") and is
    not classified as a plain yes or no."""
    intent = (message.intent or {}).get("name")
    return bool(entity_values(message.entities, UNSURE_ENTITY)) and intent not in YES_INTENTS | NO_INTENTS


def answer_of(message: UserUttered) -> Optional[str]:
    """"yes" / "no" when a message answers a yes/no question, else None."""
    intent = (message.intent or {}).get("name")
    answers = entity_values(message.entities, ANSWER_ENTITY)
    if says_unsure(message):
        # "no idea", "not sure": doubt is no usable answer, the more urgent reading (round 13's
        # second review: the "no" in "no idea" set the young-baby question's finding aside)
        return None
    if intent in YES_INTENTS or answers == {YES}:
        return YES
    if intent in NO_INTENTS or answers == {NO}:
        return NO
    # A denial in words without "no" ("they don't hurt", "she isn't floppy") is no usable
    # answer: the more urgent reading (round 7's third review: counting it as "no" let
    # "she isn't floppy" answer the whole emergency-signs list).
    return None


def user_turn(message: UserUttered) -> UserTurn:
    entities = message.entities or []
    intent = (message.intent or {}).get("name")
    describes = intent in DESCRIBING_INTENTS or any(entity_values(entities, e) for e in DESCRIBING_ENTITIES)
    return UserTurn(
        entity_signs(entities), mentions_baby(entities), answer_of(message), describes, says_unsure(message)
    )


@dataclass(frozen=True)
class SessionView:
    """The session's events and the indices the safety net needs."""

    events: list[Event]
    advice_levels: dict[str, str]  # advice response -> level

    def user_indices(self) -> list[int]:
        return [i for i, event in enumerate(self.events) if isinstance(event, UserUttered)]

    def episode_start(self) -> int:
        """Index where the current episode starts (see bot/safety_net.py).

        A new episode is a questionnaire started after advice whose first message names a
        different age group from the one known before ("what about mine, I'm 34" after a
        baby): someone else's bumps. Otherwise it is the same person and nothing resets.
        """
        starts = self.new_person_starts()
        return starts[-1][0] if starts else 0

    def new_person_starts(self) -> list[tuple[int, str]]:
        """(index of the user message, its age group) for each questionnaire about someone new."""
        starts: list[tuple[int, str]] = []
        advised = False
        age: Optional[str] = None
        age_before: Optional[str] = None
        last_user = 0
        correcting = False
        for index, event in enumerate(self.events):
            if isinstance(event, UserUttered):
                last_user, age_before, correcting = index, age, is_correction(event.text or "")
            elif isinstance(event, SlotSet) and event.key == AGE_SLOT and event.value is not None:
                age = str(event.value)
            elif isinstance(event, ActionExecuted):
                if event.action_name in self.advice_levels:
                    advised = True
                elif event.action_name == START_QUESTIONNAIRE and advised:
                    if age_before is not None and age is not None and age != age_before and not correcting:
                        starts.append((last_user, age))
                    advised = False
        return starts

    def advice_given(self, events: Iterable[Event]) -> list[str]:
        return [self.advice_levels[e.action_name] for e in events
                if isinstance(e, ActionExecuted) and e.action_name in self.advice_levels]


def build_episode(
    events: Sequence[Event],
    slots: dict[str, Any],
    table: TriageTable,
    questionnaire_done: bool = False,
) -> Episode:
    """The safety net's view of the session's current episode (``events`` = the session)."""
    view = SessionView(list(events), table.advice_levels)
    episode_events = view.events[view.episode_start():]
    turns: list[UserTurn] = []
    exchanges: list[tuple[Pending, Optional[str], int]] = []  # question, answer, the answer's turn
    asked: Optional[Pending] = None
    for event in episode_events:
        if isinstance(event, UserUttered):
            turn = user_turn(event)
            turns.append(turn)
            if asked is not None:
                exchanges.append((asked, turn.answer, len(turns) - 1))
            asked = None
        elif isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            asked = (clarify_of(event) or asked) if is_inserted(event) else None
    # every clarifying question of the episode: answered, or the bot's last action
    asked_kinds = frozenset(question.kind for question, _, _ in exchanges) | (
        frozenset({asked.kind}) if asked is not None else frozenset()
    )
    pending = None
    if exchanges and clarify_answered_now(episode_events) is not None:
        pending, _, _ = exchanges.pop()
    confirmed, dismissed_at = settle(exchanges, table)
    levels = view.advice_given(episode_events)
    decision_slot_names = set(decision_slots(table))
    return Episode(
        turns=tuple(turns),
        slots={name: slots.get(name) for name in decision_slots(table)},
        level=table.most_urgent(*levels),
        pending=pending,
        confirmed=confirmed,
        dismissed_at=dismissed_at,
        questionnaire_done=questionnaire_done,
        answers_now=_answers_since_last_user_message(episode_events, decision_slot_names - {"triage_level"}),
        questionnaire_advised=_questionnaire_advised(episode_events, view.advice_levels),
        asked_kinds=asked_kinds,
    )


def _questionnaire_advised(events: Sequence[Event], advice: dict[str, str]) -> bool:
    """True when advice followed the questionnaire's last run in these events."""
    last_action = None
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            if event.action_name in advice and last_action == QUESTIONNAIRE:
                return True
            last_action = event.action_name
    return False


def clarify_answered_now(events: Sequence[Event], turns_back: int = 0) -> Optional[str]:
    """The kind of clarifying question the latest user message answers, if it answers one
    (``turns_back=1``: the user message before it)."""
    users_seen = 0
    for event in reversed(events):
        if isinstance(event, UserUttered):
            users_seen += 1
            if users_seen > turns_back + 1:
                return None  # two user messages in a row: the later one answers nothing
        elif users_seen == turns_back + 1 and isinstance(event, ActionExecuted):
            if event.action_name != ACTION_LISTEN_NAME:
                asked = clarify_of(event)  # the bot's last action before that message
                return asked.kind if asked else None
    return None


def clarify_denied_now(events: Sequence[Event]) -> Optional[str]:
    """The kind of clarifying question the latest user message answered "no" to, naming no sign.

    Why: the emergency-signs question the safety net asks is the questionnaire's own
    question, word for word; a "no" to it must not be asked for again two turns later.
    """
    kind = clarify_answered_now(events)
    latest = next((event for event in reversed(events) if isinstance(event, UserUttered)), None)
    if kind is None or latest is None:
        return None
    turn = user_turn(latest)
    return kind if turn.answer == NO and not turn.findings() else None


def _answers_since_last_user_message(events: Sequence[Event], names: set[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.key in names and event.value is not None:
            answers.setdefault(event.key, event.value)
    return answers


def hides_its_answer(event: Event) -> bool:
    """True for a clarifying question about signs of a message: its answer is hidden from
    the rules, so that after "no" they answer the message that raised the question.

    The question that follows advice is about no sign: a reply to it that is not yes or no
    ("how long do they last?") is a new message for the rules.
    """
    question = clarify_of(event)
    return question is not None and bool(question.findings)


def answered_clarifications(events: Sequence[Event]) -> set[int]:
    """Indices of user messages that answered a clarifying question about signs (hidden from the rules)."""
    hidden: set[int] = set()
    asked = False
    for index, event in enumerate(events):
        if isinstance(event, UserUttered):
            if asked:
                hidden.add(index)
            asked = False
        elif isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            asked = hides_its_answer(event) or (asked and is_inserted(event))
    return hidden


def age_changed_now(events: Sequence[Event]) -> bool:
    """True when the latest user message gave an age group different from the one known before
    (and is not a correction of it: "sorry, she's actually 5 months")."""
    age_before: Optional[str] = None
    age_now: Optional[str] = None
    seen_user = False
    correcting = False
    for event in events:
        if isinstance(event, UserUttered):
            age_before = age_now if age_now is not None else age_before
            age_now, seen_user, correcting = None, True, is_correction(event.text or "")
        elif isinstance(event, SlotSet) and event.key == AGE_SLOT and event.value is not None:
            if seen_user:
                age_now = str(event.value)
            else:
                age_before = str(event.value)
    return seen_user and not correcting and age_before is not None and age_now is not None and age_now != age_before
