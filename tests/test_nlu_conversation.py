"""Issue 11 through the running bot: the answers people get for what they really write."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.bot_texts import is_response, response_texts

MILIA_REASSURANCE = ("utter_answer_harmful", "utter_answer_what_is_milia", "utter_answer_lookalikes")


def _names(replies: list[dict], names: tuple[str, ...]) -> list[str]:
    return [name for reply in replies for name in names if is_response(reply, name)]


# The variants of utter_out_of_scope, in domain/out_of_scope.yml's order.
VARIANT = {"lesion": 0, "skin": 1, "general": 2}


def _has_variant(replies: list[dict], kind: str) -> bool:
    return any(reply.get("text") == response_texts("utter_out_of_scope")[VARIANT[kind]] for reply in replies)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Has my mole turned into cancer? It has got darker and bigger", None),  # red flag: the net answers
        ("is my mole anything to worry about", "lesion"),
        ("there's a lump on my neck, is that serious", "lesion"),
        ("I have a sore on my nose that won't heal, could it be dangerous?", None),
        ("how do I get rid of my son's acne", "skin"),
        ("is it safe to cut warts off", "skin"),
        ("is psoriasis catching", "skin"),
    ],
)
def test_other_lesions_never_get_the_milia_reassurance(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str], text: str, answer: str
) -> None:
    replies = say(new_sender(), text)
    assert not _names(replies, MILIA_REASSURANCE), replies
    if answer:
        assert _has_variant(replies, answer), replies


@pytest.mark.parametrize(
    "text",
    ["can I use retinol while I'm breastfeeding", "im pregnant can i still put retinol on my milia",
     "is adapalene ok when nursing"],
)
def test_products_in_pregnancy_or_breastfeeding_reach_the_treatment_answer(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str], text: str
) -> None:
    assert _names(say(new_sender(), text), ("utter_answer_treatment",))


def test_an_unrelated_question_gets_the_general_answer_and_what_the_bot_can_do(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str]
) -> None:
    replies = say(new_sender(), "who won the football on saturday")
    assert _has_variant(replies, "general") and _names(replies, ("utter_capabilities",)), replies


@pytest.mark.parametrize("text", ["wat r milia", "r u human", "thanks hun x", "hw do u get rid of milia pls"])
def test_english_text_speak_is_not_taken_for_another_language(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str], text: str
) -> None:
    assert not _names(say(new_sender(), text), ("utter_non_english",))


def test_a_two_question_message_gets_one_answer_and_the_offer_of_the_other(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str]
) -> None:
    """Which of the two is answered first is the classifier's choice; the other one is offered."""
    replies = say(new_sender(), "Are milia contagious, and how long do they last?")
    topics = {"contagious": "ask_contagious", "duration": "ask_duration"}
    answered = [topic for topic in topics if _names(replies, (f"utter_answer_{topic}",))]
    assert len(answered) == 1 and _names(replies, ("utter_also_asked",)), replies
    other = next(intent for topic, intent in topics.items() if topic != answered[0])
    offer = next(reply for reply in replies if _names([reply], ("utter_also_asked",)))
    assert [button["payload"] for button in offer["buttons"]] == [f'/{other}{{"asked_two":"no"}}']


def test_a_story_then_a_question_gets_the_question_answered(
    say: Callable[[str, str], list[dict]], new_sender: Callable[[], str]
) -> None:
    text = ("I noticed a small white bump under my eye about four months ago. It doesn't hurt and it hasn't "
            "changed, my make-up just doesn't cover it. Will it go away by itself?")
    assert _names(say(new_sender(), text), ("utter_answer_duration", "utter_answer_eye_area"))
