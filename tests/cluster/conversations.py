"""Realistic conversations for the load test: curated questions, a full questionnaire,
red flags in the middle of a conversation.

Each message says whether the reply to it must be triage advice (``advice=True``): the
last answer of a questionnaire, and every message that states a red flag. The integrity
check (``tests/cluster/integrity.py``) verifies that in the stored conversation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    text: str
    advice: bool = False  # the reply must be triage advice (utter_triage_*)


def _m(text: str, advice: bool = False) -> Message:
    return Message(text, advice)


CONVERSATIONS: dict[str, list[Message]] = {
    "curated_questions": [
        _m("hello"), _m("what are milia"), _m("are they contagious"), _m("how long do they last"),
        _m("can i pop them with a needle"), _m("how do i get rid of them"), _m("thanks"), _m("bye"),
    ],
    "questionnaire_to_advice": [
        _m("my son has some tiny white bumps on his face, should i be worried?"),
        _m('/inform{"age_group":"newborn"}'), _m('/inform{"body_site":"face"}'),
        _m('/inform{"duration":"under_4_weeks"}'), _m('/inform{"danger_signs":"no"}'),
        _m('/inform{"warning_signs":"none"}', advice=True), _m("thank you"),
    ],
    "red_flag_mid_questionnaire": [
        _m("hi"), _m("i found white bumps on my daughter's face, should i worry"),
        _m("oh and now her lips have gone blue", advice=True), _m("ok"),
    ],
    "red_flag_mid_questions": [
        _m("hi"), _m("what causes milia"), _m("are they dangerous"),
        _m("my 3 week old has a fever of 38.5", advice=True), _m("what should i do"), _m("thank you"),
    ],
    "questionnaire_yes_to_emergency_signs": [
        _m("my 7 year old has white bumps on his cheeks, should i be worried"),
        _m('/inform{"age_group":"child"}'), _m('/inform{"body_site":"face"}'),
        _m('/inform{"duration":"under_4_weeks"}'), _m("yes", advice=True), _m("bye"),
    ],
    "questions_then_baby": [
        _m("are you a bot"), _m("what can you do"), _m("who gets milia"), _m("can i prevent them"),
        _m("my baby has white spots in her mouth"), _m("is it cancer"), _m("bye"),
    ],
}
