"""The running bot over REST: disclaimer first, bad input, persistence, action server down.

Uses the real trained model, `rasa run` and `rasa run actions`, started once per test
session (tests/conftest.py).
"""

from __future__ import annotations

from typing import Callable

import pytest

from bot.settings import load_settings
from tests.bot_texts import is_response, response_texts
from tests.conftest import post_json

pytestmark = pytest.mark.server
SETTINGS = load_settings()

FIRST_MESSAGES = {
    "greeting": "hello",
    "knowledge question": "what are milia?",
    "symptom description": "my baby has little white spots all over her nose",
    "red flag": "my 3 week old has a temperature of 38.6 and won't feed",
    "gibberish": "asdkjh qwpoeiru zxmcnv",
    "empty": "",
    "whitespace": "   \n\t ",
    "emoji only": "🤔🤔👶",
    "other language": "hola, mi bebé tiene granitos blancos en la cara",
    "html": "<b>hi</b><script>alert('x')</script>",
    "sql": "'; DROP TABLE events; --",
    "very long": ("my baby has white bumps on her nose " * 139)[:5000],
    "button payload": "/ask_treatment",
    "request for a person": "can i talk to a real person please",
}


@pytest.mark.parametrize("kind", FIRST_MESSAGES, ids=list(FIRST_MESSAGES))
def test_disclaimer_is_the_first_bot_message(kind: str, say, new_sender: Callable[[], str]) -> None:
    replies = say(new_sender(), FIRST_MESSAGES[kind])
    assert replies, "the bot must never stay silent"
    assert is_response(replies[0], "utter_disclaimer"), replies[0]
    assert SETTINGS.emergency_number in replies[0]["text"]
    # ... and the user's message is answered too, not only greeted with the disclaimer.
    assert len(replies) >= 2, replies


def test_disclaimer_only_once_per_session(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "hi")
    second = say(sender, "what are milia")
    assert second and not any(is_response(reply, "utter_disclaimer") for reply in second)


def test_disclaimer_on_request(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "hi")
    replies = say(sender, "show me the disclaimer again please")
    assert any(is_response(reply, "utter_disclaimer") for reply in replies), replies


def test_asking_for_the_disclaimer_first_shows_it_once(say, new_sender) -> None:
    replies = say(new_sender(), "can i read the disclaimer first")
    assert [is_response(reply, "utter_disclaimer") for reply in replies].count(True) == 1, replies


def test_start_over_shows_the_disclaimer_again(say, new_sender) -> None:
    """After /restart (the widget's "start over") the next message gets the disclaimer first."""
    sender = new_sender()
    say(sender, "hi")
    say(sender, "/restart")
    replies = say(sender, "hello again")
    assert replies and is_response(replies[0], "utter_disclaimer"), replies


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙂🙂🙂", "x" * 5000, "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --", "¿¡", "1234567"],
)
def test_bad_input_gets_a_polite_reply(text: str, say, new_sender) -> None:
    sender = new_sender()
    say(sender, "hi")
    replies = say(sender, text)
    assert replies and all(reply.get("text") or reply.get("custom") for reply in replies), replies


@pytest.mark.parametrize(
    "text",
    [
        "mon bébé a des petits boutons blancs sur le nez",
        "mein Baby hat weiße Pickel im Gesicht",
        "我的宝宝脸上有白色小点",
    ],
)
def test_other_languages_are_told_english_only(text: str, say, new_sender) -> None:
    sender = new_sender()
    say(sender, "hi")
    replies = say(sender, text)
    assert any(is_response(reply, "utter_non_english") for reply in replies), replies


def test_emergency_in_another_language_is_not_lost(say, new_sender) -> None:
    """A foreign-language message still gets emergency advice when an English sign is in it."""
    replies = say(new_sender(), "mi bebé de 3 semanas tiene fiebre 38.5 and is floppy")
    assert any((reply.get("custom") or {}).get("triage_level") == "emergency" for reply in replies), replies


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b'"just a string"', b'{"sender": "x"}', b'{"message": 5, "sender": "x"}'],
)
def test_malformed_requests_get_4xx(body: bytes, bot_stack) -> None:
    status, reply = post_json(f"{bot_stack.url}/webhooks/rest/webhook", body)
    assert 400 <= status < 500, status
    assert isinstance(reply, dict) and reply["error"], reply


def test_oversized_message_gets_4xx(bot_stack, new_sender) -> None:
    status, reply = post_json(f"{bot_stack.url}/webhooks/rest/webhook", {"sender": new_sender(), "message": "x" * 5001})
    assert status == 400 and "5000" in reply["error"], (status, reply)


def test_emergency_then_normal_answer(say, new_sender) -> None:
    sender = new_sender()
    first = say(sender, "my newborn is 2 weeks old, she has a fever of 38.4 and is really floppy")
    texts = [reply.get("text") for reply in first]
    assert is_response(first[0], "utter_disclaimer")
    assert texts[1] in response_texts("utter_triage_emergency")
    assert {"triage_level": "emergency"} == first[2]["custom"]
    assert SETTINGS.emergency_number in texts[1]
    # The level never goes down: a calmer follow-up keeps the emergency level.
    later = say(sender, "she also has a tiny bump that's been bleeding a little")
    assert any((reply.get("custom") or {}).get("triage_level") == "emergency" for reply in later), later


def test_questionnaire_by_buttons_to_self_care(say, new_sender, tracker_of) -> None:
    sender = new_sender()
    say(sender, "my son has some tiny white bumps on his face, should i be worried?")
    for payload in ('/inform{"age_group":"newborn"}', '/inform{"body_site":"face"}',
                    '/inform{"duration":"under_4_weeks"}', '/inform{"danger_signs":"no"}'):
        assert say(sender, payload)
    replies = say(sender, '/inform{"warning_signs":"none"}')
    assert any(is_response(reply, "utter_triage_self_care") for reply in replies), replies
    tracker = tracker_of(sender)
    assert tracker["slots"]["triage_level"] == "self_care"


def test_red_flag_mid_questionnaire_interrupts_it(say, new_sender, tracker_of) -> None:
    sender = new_sender()
    say(sender, "i found white bumps on my daughter's face, should i worry")
    replies = say(sender, "oh and now her lips have gone blue")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies
    tracker = tracker_of(sender)
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    assert tracker["slots"]["triage_level"] == "emergency"


def test_stopping_the_questionnaire(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "there are small white lumps on my cheeks, is that bad?")
    replies = say(sender, "stop")
    assert any(is_response(reply, "utter_questionnaire_stopped") for reply in replies), replies


def test_request_human_gives_clinic_contact(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "hi")
    replies = say(sender, "i want to book an appointment with the clinic")
    assert any(SETTINGS.phone in (reply.get("text") or "") for reply in replies), replies


def test_yes_to_emergency_signs_gives_emergency_advice_at_once(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "my 7 year old has white bumps on his cheeks, should i be worried")
    for payload in ('{"age_group":"child"}', '{"body_site":"face"}', '{"duration":"under_4_weeks"}'):
        say(sender, "/inform" + payload)
    replies = say(sender, "yes")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


def test_unreadable_answer_is_asked_again(say, new_sender) -> None:
    """The questionnaire never gets stuck: an answer it can't use brings the question back."""
    sender = new_sender()
    say(sender, "there are little white bumps on my arm, should i worry")
    say(sender, '/inform{"age_group":"adult"}')
    say(sender, '/inform{"body_site":"body"}')
    replies = say(sender, "hmm well it depends really")
    assert any(is_response(reply, "utter_ask_duration") for reply in replies), replies
    replies = say(sender, "what causes milia?")  # a side question, then the question again
    assert any(is_response(reply, "utter_ask_duration") for reply in replies), replies
    assert any("Source:" in (reply.get("text") or "") for reply in replies), replies


# The questionnaire's first three answers as button taps: a newborn, on the face, since birth.
NEWBORN_FACE_SINCE_BIRTH = ('/inform{"age_group":"newborn"}', '/inform{"body_site":"face"}',
                            '/inform{"duration":"since_birth"}')


def tap(say, sender: str, *payloads: str) -> list:
    """Send button payloads or messages in turn; the replies to the last one."""
    replies: list = []
    for payload in payloads:
        replies = say(sender, payload)
    return replies


def test_a_bare_age_that_starts_the_questionnaire_answers_who(say, new_sender) -> None:
    """"16" typed after an answer, before anyone asked, is the age: "who?" is not asked."""
    sender = new_sender()
    say(sender, "yo got tiny white dots near my nose")
    replies = say(sender, "16")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    assert any(is_response(reply, "utter_ask_duration") for reply in replies), replies


def test_wanting_them_removed_is_routine(say, new_sender) -> None:
    """The brief's routine list: the person wants the bumps removed (no other sign)."""
    sender = new_sender()
    say(sender, "I've had little white bumps under both eyes for about a year")
    say(sender, '/inform{"age_group":"adult"}')
    say(sender, "they really bug me, I want them removed")
    replies = tap(say, sender, '/inform{"danger_signs":"no"}', '/inform{"warning_signs":"none"}')
    assert any(is_response(reply, "utter_triage_routine") for reply in replies), replies


def test_a_reply_that_only_denies_signs_answers_the_question(say, new_sender) -> None:
    """"not red, not spreading" to "is any of these true?" is a no; a named sign never is."""
    sender = new_sender()
    say(sender, "my 3 week old has tiny white spots on her nose since birth, should I worry")
    tap(say, sender, *NEWBORN_FACE_SINCE_BIRTH)
    replies = say(sender, "no fever, feeding fine, very alert")
    assert any(is_response(reply, "utter_ask_warning_signs") for reply in replies), replies
    replies = say(sender, "not red, not spreading")
    assert any(is_response(reply, "utter_triage_self_care") for reply in replies), replies


def test_denying_one_emergency_sign_does_not_answer_the_whole_list(say, new_sender) -> None:
    """Round 7's third review: "she isn't floppy" denies one sign of ten; the emergency-signs
    question needs a "no" or "none" and is asked again."""
    sender = new_sender()
    say(sender, "my 3 week old has tiny white spots on her nose since birth, should I worry")
    tap(say, sender, *NEWBORN_FACE_SINCE_BIRTH)
    replies = say(sender, "she isnt floppy")
    assert not any(is_response(reply, "utter_ask_warning_signs") for reply in replies), replies
    assert not any(is_response(reply, "utter_triage_self_care") for reply in replies), replies
    replies = say(sender, "no, none of those")
    assert any(is_response(reply, "utter_ask_warning_signs") for reply in replies), replies


def test_a_denial_with_a_sign_is_not_a_no(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "my 3 week old has tiny white spots on her nose since birth, should I worry")
    tap(say, sender, *NEWBORN_FACE_SINCE_BIRTH)
    replies = say(sender, "no fever but she is floppy")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


def test_an_age_corrected_in_words_read_as_a_time_counts(say, new_sender, tracker_of) -> None:
    """"sorry I mean 4 months not 3 weeks" mid-questionnaire corrects the age, and how long
    the bumps have been there stays as answered (the detector reads "4 months" as a time)."""
    sender = new_sender()
    say(sender, "white spots on my son's cheeks, should I worry")
    tap(say, sender, *NEWBORN_FACE_SINCE_BIRTH)
    say(sender, "sorry i mean 4 months not 3 weeks")
    slots = tracker_of(sender)["slots"]
    assert (slots["age_group"], slots["duration"]) == ("infant", "since_birth")


def test_a_corrected_age_can_raise_the_level(say, new_sender) -> None:
    replies = tap(say, new_sender(), "my daughter has milk spots and a temp of 38.3", '/inform{"age_group":"infant"}',
                  "sorry I mean 6 weeks not 6 months")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


@pytest.mark.parametrize("turns", [
    ("my 3 week old has milia", "temp 37.9", "38.2 now"),
    ("my baby is 3 weeks and has milia", "she is 37.9", "temp 38.5"),
    ("my 3 week old has milia", "37.9", "ok hubby just took it, 38.2"),
])
def test_a_normal_reading_is_no_age_and_a_later_fever_is_the_babys(turns, say, new_sender) -> None:
    """Round 14's third review: "temp 37.9" read as 37.9 years made a 3-week-old an adult, and
    her 38.2 then got the older child's spreading-rash question instead of emergency advice."""
    replies = tap(say, new_sender(), *turns)
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


@pytest.mark.parametrize(("answer", "response"), [
    ("5 weeks", "utter_triage_emergency"),
    ("no 8 weeks", "utter_triage_emergency"),
    ("under 3 months", "utter_triage_emergency"),
    ("/affirm", "utter_triage_emergency"),
    ("5 weeks, won't feed", "utter_triage_emergency"),
    ("day 5", "utter_triage_emergency"),
    ("no she's younger", "utter_triage_emergency"),
    ("yes, 38.5", "utter_triage_emergency"),
    ("38.5", "utter_triage_urgent"),
    ("yes im his dad", "utter_triage_emergency"),
    ("yes, born at 36 weeks", "utter_triage_emergency"),
    ("yes hes 4", "utter_check_fever_rash"),
    ("me", "utter_check_fever_rash"),
    ("he is 4", "utter_check_fever_rash"),
    ("/deny", "utter_check_fever_rash"),
    ("not sure", "utter_triage_urgent"),
])
def test_a_fever_with_no_age_asks_whether_it_is_a_young_baby(answer: str, response: str, say, new_sender) -> None:
    """Set W / round 13: a fever told with no age or person ("5 wks. ... temp 38.9") asks first;
    an age typed in answer is the age (round 13's review: "5 weeks" was no usable answer)."""
    sender = new_sender()
    replies = say(sender, "temp 38.5 and white bumps on the face")
    assert any(is_response(reply, "utter_check_young_baby") for reply in replies), replies
    replies = say(sender, answer)
    assert any(is_response(reply, response) for reply in replies), replies


def test_an_age_typed_one_turn_after_the_young_baby_question_still_counts(say, new_sender) -> None:
    """Round 13's third review: "not sure" then "5 weeks" stayed urgent."""
    replies = tap(say, new_sender(), "temp 38.5 and white bumps on the face", "not sure", "5 weeks")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


def test_about_a_baby_a_bare_time_is_the_age(say, new_sender) -> None:
    """After "white bumps on my baby's gums", "6 weeks" is the baby's age: "who?" is not asked."""
    sender = new_sender()
    say(sender, "white bumps on my baby's gums, thought it was a tooth")
    replies = say(sender, "6 weeks")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies


def test_not_sure_about_another_question_asks_the_sign_question_again(say, new_sender) -> None:
    """"not sure, only noticed them yesterday" to the danger-signs question answers how long;
    the danger signs are asked again rather than read as "not sure" (urgent)."""
    sender = new_sender()
    say(sender, "white bumps on my baby's gums, should I worry")
    replies = tap(say, sender, '/inform{"age_group":"newborn"}', '/inform{"body_site":"mouth"}',
                  '/inform{"duration":"unknown"}')
    assert any(is_response(reply, "utter_ask_danger_signs") for reply in replies), replies
    replies = say(sender, "not sure, only noticed them yesterday")
    assert any(is_response(reply, "utter_ask_danger_signs") for reply in replies), replies
    assert not any(is_response(reply, "utter_triage_urgent") for reply in replies), replies
    say(sender, "not sure")  # a doubt about the signs themselves keeps its fail-safe reading
    replies = say(sender, '/inform{"warning_signs":"none"}')
    assert any(is_response(reply, "utter_triage_urgent") for reply in replies), replies


def test_the_message_that_crashed_the_detector_gets_urgent_advice(say, new_sender) -> None:
    """Blind set D: this message made the red-flag detector raise (a 500 and no reply);
    a red, swollen, painful bump by the eye is urgent (HAZ-13)."""
    replies = say(new_sender(), "a white bump next to my eye has gone red and swollen and it hurts")
    assert any(is_response(reply, "utter_triage_urgent") for reply in replies), replies


def test_a_sign_the_patterns_miss_gets_the_danger_question_from_the_classifier(say, new_sender) -> None:
    """Layer 2: no pattern reads this breathing sign (tests/test_sign_suspicion.py checks);
    the sign classifier makes the bot ask, and "yes" gives emergency advice (HAZ-01)."""
    sender = new_sender()
    replies = say(sender, "her tummy sucks in really deep with each breath and she looks tired")
    assert any((reply.get("custom") or {}).get("clarify") == "danger_signs" for reply in replies), replies
    assert not any(is_response(reply, "utter_triage_emergency") for reply in replies), "it asks, it does not advise"
    replies = say(sender, "yes")
    assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies


def test_the_age_groups_name_typed_answers_who(say, new_sender) -> None:
    """"Infant (3 to 12 months)", the contract's name for the age group, answers "who?"."""
    sender = new_sender()
    replies = say(sender, "white bumps on my little one's cheeks, should I worry")
    assert any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    replies = say(sender, "Infant (3 to 12 months)")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    assert any(is_response(reply, "utter_ask_duration") for reply in replies), replies  # cheeks: already said


def test_a_no_to_a_clarifying_question_mid_questionnaire_does_not_answer_the_emergency_question(
    say, new_sender, tracker_of
) -> None:
    """Blind set G: asked about emergency signs, "the skin round it is a bit red" got the
    infection question, and its "no" was also stored as "no" to the emergency signs,
    a question the person never answered. The questionnaire must ask it again."""
    sender = new_sender()
    for text in ("my daughter has a white bump near her eye", "she is 7", "since last week"):
        say(sender, text)
    assert (tracker_of(sender).get("slots") or {}).get("requested_slot") == "danger_signs"
    replies = say(sender, "the skin round it is a bit red")
    assert any((reply.get("custom") or {}).get("clarify") == "infection_check" for reply in replies), replies
    replies = say(sender, "no")
    assert (tracker_of(sender).get("slots") or {}).get("danger_signs") is None
    assert any(is_response(reply, "utter_ask_danger_signs") for reply in replies), replies


def test_a_yes_to_a_clarifying_question_mid_questionnaire_is_not_an_emergency_yes(say, new_sender) -> None:
    """The same slip the other way: "yes" to "is the skin hot or swollen?" was also a yes to
    the emergency signs (emergency advice for a swollen eyelid; urgent is right). Asked while
    the questionnaire waits on its emergency-signs question, the infection question's "yes"
    gives urgent advice; the emergency signs are then asked about on their own (round 18)."""
    sender = new_sender()
    for text in ("my daughter has a white bump near her eye", "she is 7", "since last week"):
        say(sender, text)
    replies = say(sender, "this morning one of them has gone red")
    assert (replies[-1].get("custom") or {}).get("clarify") == "infection_check", replies
    replies = say(sender, "yes")
    assert any(is_response(reply, "utter_triage_urgent") for reply in replies), replies
    assert not any(is_response(reply, "utter_triage_emergency") for reply in replies), replies
    assert (replies[-1].get("custom") or {}).get("clarify") == "danger_follow_up", replies


def test_an_age_beside_another_answer_answers_who(say, new_sender, tracker_of) -> None:
    """"me, 29, cheeks and under eyes" to "who has the bumps?" gives the age and the place."""
    sender = new_sender()
    replies = say(sender, "i want these white bumps gone before my holiday")
    assert any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    replies = say(sender, "me, 31, on my cheeks and under my eyes")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    slots = tracker_of(sender)["slots"]
    assert (slots["age_group"], slots["body_site"]) == ("adult", "eyes")


def test_after_a_babys_milk_spots_a_bare_time_is_the_age(say, new_sender, tracker_of) -> None:
    """"14 weeks" after asking about a little boy's milk spots is his age: "who?" is not asked forever."""
    sender = new_sender()
    say(sender, "hiya, my little lad's milk spots still haven't gone")
    replies = say(sender, "15 weeks")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    assert tracker_of(sender)["slots"]["age_group"] == "infant"


def test_an_age_answer_is_not_a_suspected_sign(say, new_sender) -> None:
    """"she's 4 and a half" answers who has the bumps; it never raises the emergency-signs question."""
    sender = new_sender()
    say(sender, "one of the kids I look after has white bumps on her cheeks")
    replies = say(sender, "she's 3 and a half")
    assert not any((reply.get("custom") or {}).get("clarify") for reply in replies), replies
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies


def test_a_no_to_the_danger_question_is_not_asked_again_by_the_questionnaire(say, new_sender) -> None:
    """The safety net's emergency-signs question is the questionnaire's own: one "no" answers both."""
    sender = new_sender()
    say(sender, "my 5 week old has white spots on her nose, should I worry")
    # a description the patterns do not read, which the sign classifier suspects
    replies = say(sender, "her tummy sucks in really deep with each breath and she looks tired")
    assert any((reply.get("custom") or {}).get("clarify") == "danger_signs" for reply in replies), replies
    say(sender, "no")
    replies = tap(say, sender, '/inform{"body_site":"face"}', '/inform{"duration":"since_birth"}')
    assert not any(is_response(reply, "utter_ask_danger_signs") for reply in replies), replies
    assert any(is_response(reply, "utter_ask_warning_signs") for reply in replies), replies


def test_since_she_was_a_newborn_is_how_long_not_her_age(say, new_sender, tracker_of) -> None:
    sender = new_sender()
    say(sender, "white spots on my daughter's nose")
    tap(say, sender, '/inform{"age_group":"infant"}', '/inform{"body_site":"face"}')
    say(sender, "since she was a newborn, they never cleared")
    slots = tracker_of(sender)["slots"]
    assert (slots["age_group"], slots["duration"]) == ("infant", "since_birth")


def test_an_age_in_years_said_before_the_questions_is_kept(say, new_sender, tracker_of) -> None:
    """"is for me, 29 years" then "on cheek small white": "who has the bumps?" is not asked."""
    sender = new_sender()
    say(sender, "is for me, 29 years")
    replies = say(sender, "on cheek small white bumps")
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
    assert tracker_of(sender)["slots"]["age_group"] == "adult"


def test_an_unread_answer_to_who_says_an_age_is_wanted(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "i want these white bumps gone before my holiday")
    replies = say(sender, "whatever")
    texts = " ".join(str(reply.get("text", "")) for reply in replies)
    assert "type the age" in texts, replies


@pytest.mark.parametrize("turns", [
    # how long, told with the bumps, stays when the age question is answered "6 weeks"
    ("tiny white dots on my baby's chin and nose, they've been there since birth", "6 weeks"),
    # an age corrected in the same answer
    ("my son has white spots on his cheeks", "4 months - sorry no, 4 weeks! sleep deprived", "since birth"),
])
def test_round_15_questionnaire_answers_are_kept(turns, say, new_sender) -> None:
    """Round 15's blind set Y: "since birth" was dropped when "6 weeks" answered who has the
    bumps, and "4 months - sorry no, 4 weeks!" was no age, so the same question came back."""
    replies = tap(say, new_sender(), *turns)
    assert not any(is_response(reply, "utter_ask_duration") or is_response(reply, "utter_ask_age_group")
                   for reply in replies), replies
    assert any(is_response(reply, "utter_ask_danger_signs") for reply in replies), replies


def _level(replies: list) -> list:
    return [(reply.get("custom") or {}).get("triage_level") for reply in replies if (reply.get("custom") or {})
            .get("triage_level")]


def test_urgent_advice_is_followed_by_the_emergency_signs_question_in_the_same_reply(say, new_sender) -> None:
    """An orbital emergency told in words no pattern reads still reaches emergency advice:
    after the urgent advice the bot asks whether any emergency sign listed is happening now."""
    sender = new_sender()
    replies = say(sender, "my 2 year olds eyelid is swollen and red")
    assert _level(replies) == ["urgent"], replies
    advice = next(i for i, reply in enumerate(replies) if _level([reply]))
    assert (replies[-1].get("custom") or {}).get("clarify") == "danger_follow_up" and advice < len(replies) - 1
    assert _level(say(sender, "yes")) == ["emergency"]


def test_no_or_a_question_after_the_follow_up_keeps_the_advice_and_is_answered(say, new_sender) -> None:
    sender = new_sender()
    say(sender, "my 2 year olds eyelid is swollen and red")
    replies = say(sender, "no")
    assert any(is_response(reply, "utter_danger_follow_up_no") for reply in replies), replies
    assert not _level(replies) and not any(is_response(reply, "utter_default") for reply in replies)
    other = new_sender()
    say(other, "my 2 year olds eyelid is swollen and red")
    replies = say(other, "how long do milia last")
    assert any(is_response(reply, "utter_answer_duration") for reply in replies), replies
    assert not any(is_response(reply, "utter_ask_age_group") for reply in replies), replies
