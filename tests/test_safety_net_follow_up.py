"""The question that follows urgent advice, on hand-built events (no server, no model).

Urgent advice given at once is followed, in the same reply, by one yes/no question: is any
of the emergency signs listed happening now? (bot/resources/triage_rules.yml,
``follow_up_after_advice``). The levels expected here are written from the medical brief,
not read back from the rules file.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa.shared.core.events import ActionExecuted, Event

from bot.dialogue_state import answered_clarifications, build_episode, current_session
from bot.safety_net import SafetyAction, decide_next, follow_up_after
from bot.triage import load_table
from tests.test_safety_net import LISTEN, inserted, start, user

TABLE = load_table()
URGENT_ADVICE = "utter_triage_urgent"
FOLLOW_UP = "utter_check_danger_follow_up"


def _episode(events: list[Event], slots: Optional[dict[str, Any]] = None):
    return build_episode(current_session(events), slots or {}, TABLE)


def _urgent_told() -> list[Event]:
    """A swollen red eyelid told, urgent advice given at once (as the policy inserts it)."""
    return [*start(), user("her eyelid is swollen and red", ("eyelid_swelling", None)), inserted(URGENT_ADVICE)]


def _follow_up_asked() -> list[Event]:
    return [*_urgent_told(), inserted(FOLLOW_UP, clarify="danger_follow_up", findings=[]), ActionExecuted(LISTEN)]


def test_urgent_advice_is_followed_by_the_emergency_signs_question() -> None:
    action = follow_up_after(_episode(_urgent_told()), "urgent", TABLE)
    assert action is not None and (action.kind, action.clarify, action.response) == (
        "ask", "danger_follow_up", FOLLOW_UP)
    assert action.findings == frozenset()  # about no sign of the message: its answer is a new message


@pytest.mark.parametrize("advised", ["emergency", "soon", "routine", "self_care"])
def test_no_follow_up_after_other_levels(advised: str) -> None:
    assert follow_up_after(_episode(_urgent_told()), advised, TABLE) is None


def test_no_follow_up_once_emergency_advice_was_given_in_the_episode() -> None:
    events = [*start(), user("he had a fit", ("seizure", None)), inserted("utter_triage_emergency"),
              ActionExecuted(LISTEN), user("and his eyelid is swollen", ("eyelid_swelling", None)),
              inserted("utter_triage_emergency")]
    assert follow_up_after(_episode(events), "urgent", TABLE) is None


def test_no_follow_up_when_the_emergency_signs_were_already_asked_about() -> None:
    asked_as_clarify = [*start(), user("lips look a bit dusky?", ("colour_change", "suspected")),
                        inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
                        ActionExecuted(LISTEN), user("not sure", intent="inform"), inserted(URGENT_ADVICE)]
    assert follow_up_after(_episode(asked_as_clarify), "urgent", TABLE) is None
    # the questionnaire's own emergency-signs question, answered
    assert follow_up_after(_episode(_urgent_told(), {"danger_signs": "unsure"}), "urgent", TABLE) is None


def test_the_follow_up_is_asked_once_per_episode() -> None:
    events = [*_follow_up_asked(), user("no", intent="deny", answer="no"),
              inserted("utter_danger_follow_up_no"), ActionExecuted(LISTEN),
              user("and it is oozing now", ("infection_sign", None)), inserted(URGENT_ADVICE)]
    assert follow_up_after(_episode(events), "urgent", TABLE) is None


def _answer(text: str, *signs: tuple[str, Optional[str]], intent: str = "inform",
            answer: Optional[str] = None, entities: Optional[list[dict]] = None) -> Optional[SafetyAction]:
    message = user(text, *signs, intent=intent, answer=answer)
    message.entities.extend(entities or [])
    return decide_next(_episode([*_follow_up_asked(), message]), TABLE)


def test_yes_to_the_follow_up_gives_emergency_advice_at_once() -> None:
    action = _answer("yes", intent="affirm", answer="yes")
    assert action is not None and (action.kind, action.level) == ("advice", "emergency")


def test_no_to_the_follow_up_says_the_advice_stands() -> None:
    action = _answer("no", intent="deny", answer="no")
    assert action is not None and (action.kind, action.response) == ("say", "utter_danger_follow_up_no")


def test_not_sure_to_the_follow_up_says_not_to_wait() -> None:
    action = _answer("not sure", entities=[{"entity": "unsure", "value": "unsure"}])
    assert action is not None and (action.kind, action.response) == ("say", "utter_danger_follow_up_unsure")


def test_a_no_that_tells_an_emergency_sign_gives_emergency_advice() -> None:
    action = _answer("no but now she cant see properly", ("eye_emergency", None), intent="deny", answer="no")
    assert action is not None and (action.kind, action.level) == ("advice", "emergency")


def test_a_question_instead_of_an_answer_is_left_to_the_rules() -> None:
    assert _answer("how long do milia last", intent="ask_duration") is None


def test_the_rules_see_a_reply_to_the_follow_up_but_not_to_a_question_about_signs() -> None:
    """After the follow-up (about no sign) the reply is a new message for the rules; after
    a question about a sign of a message, the reply is hidden so that after "no" the rules
    answer the message that raised it."""
    follow_up = current_session([*_follow_up_asked(), user("how long do milia last", intent="ask_duration")])
    assert answered_clarifications(follow_up) == set()
    about_a_sign = current_session([
        *start(), user("eyes puffy", ("eyelid_swelling", "doubtful")),
        inserted("utter_check_sign_now", clarify="sign_now", findings=["eyelid_swelling"]),
        ActionExecuted(LISTEN), user("how long do milia last", intent="ask_duration")])
    assert answered_clarifications(about_a_sign) == {len(about_a_sign) - 1}
