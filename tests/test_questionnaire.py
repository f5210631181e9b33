"""Answers read in the context of the question asked (bot/questionnaire.py), as a table."""

from __future__ import annotations

import time

import pytest

from bot.domain_files import load_domain
from bot.questionnaire import (
    age_answer,
    age_answering_young_baby_question,
    age_of_fragment,
    age_said_with_yes,
    button_answer,
    corrected_age,
    payload_entities,
    says_she_is,
)

DAY = 1.0
BANDS = [("newborn", 91.3), ("infant", 365.25), ("child", 18 * 365.25), ("adult", None)]
RESPONSES = load_domain()["responses"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 weeks", "newborn"), ("shes 10 days", "newborn"), ("5 wks", "newborn"),
        ("5 months", "infant"), ("he is 8 mths", "infant"), ("under 3 months", "newborn"),
        ("less than 12 months", "infant"),
        ("me 45", "adult"), ("im 34", "adult"), ("34 years old", "adult"), ("3 yo", "child"),
        ("sorry shes actually 5 weeks not 5 months", "newborn"),
        ("5 months, not 5 weeks", "infant"),
        ("she's 4 and a half", "child"), ("2 and half months", "newborn"), ("2 & a half months", "newborn"),
        ("11 and a half months", "infant"),
        # an age not reached yet is under it (round 9's review: "nearly 3 months" with a fever got urgent)
        ("nearly 3 months", "newborn"), ("almost 3 months", "newborn"), ("not quite 3 months", "newborn"),
        ("3 months old till friday", "newborn"),
        ("she turns 3 months on friday", "newborn"), ("3 months on friday", "infant"),
        ("3 months till sunday", "newborn"), ("3 months, had them almost since birth", "infant"),
        # a correction takes back every number before it (round 15's blind set Y)
        ("4 months - sorry no, 4 weeks! sleep deprived", "newborn"), ("3 weeks, i mean 3 months", "infant"),
        ("6 weeks sorry", "newborn"), ("5 months oops typo 5 weeks", "newborn"),
    ],
)
def test_a_number_answers_the_age_question(text: str, expected: str) -> None:
    assert age_answer(text, BANDS) == expected


@pytest.mark.parametrize("text", ["on her nose", "3 spots", "2 cm wide", "i dont know", "6 weeks or 6 months",
                                  # a temperature is no age (round 14's third review: "temp 37.9" made a
                                  # 3-week-old an adult)
                                  "temp 37.9", "37.9", "38,2 now", "38.2", "fever 39", "100.4", "she's 38 degrees"])
def test_no_age_is_read_where_there_is_none(text: str) -> None:
    assert age_answer(text, BANDS) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("34", "adult"), ("16", "child"), ("me 45", "adult"), ("she's 8", "child"), ("34 years old", "adult"),
     ("6 weeks", None), ("about 2 months", None), ("3 spots", None), ("a few on her nose and chin", None),
     ("I've had them for 2 years now", None), ("like 3 or 4", None)],
)
def test_a_bare_age_before_the_question(text: str, expected: str | None) -> None:
    """Unasked, only a short reply with one age in years counts ("6 weeks" may be a duration)."""
    assert age_of_fragment(text, BANDS) == expected


@pytest.mark.parametrize(("text", "expected"), [("6 weeks", "newborn"), ("3 wks", "newborn"), ("5 months", "infant"),
                                                 ("2", "child"), ("a few on her nose and chin", None)])
def test_about_a_baby_a_bare_time_is_the_age(text: str, expected: str | None) -> None:
    assert age_of_fragment(text, BANDS, about_a_baby=True) == expected


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("age_group", "a baby under 3 months", "newborn"),
        ("age_group", "A baby 3 to 12 months", "infant"),
        ("age_group", "an adult", "adult"),
        ("duration", "not sure", "unknown"),
        ("duration", "less than 4 weeks", "under_4_weeks"),
        ("duration", "since birth", "since_birth"),
        ("danger_signs", "no, none of these", "no"),
        ("danger_signs", "not sure", "unsure"),
        ("warning_signs", "No, none of these", "none"),
        ("duration", "not sure, since we got home from hospital", "unknown"),
        # the slot value's own name, as the contract writes it
        ("age_group", "Infant (3 to 12 months)", "infant"),
        ("age_group", "newborn (under 3 months)", "newborn"),
        ("age_group", "child", "child"),
        ("age_group", "adult", "adult"),
    ],
)
def test_a_typed_button_title_is_the_button(slot: str, text: str, expected: str) -> None:
    buttons = RESPONSES[f"utter_ask_{slot}"][0]["buttons"]
    assert button_answer(text, buttons, slot) == expected


@pytest.mark.parametrize("text", ["what are milia", "my baby", "no idea what you mean by that"])
def test_other_text_is_not_a_button(text: str) -> None:
    buttons = RESPONSES["utter_ask_age_group"][0]["buttons"]
    assert button_answer(text, buttons, "age_group") is None


def test_payload_entities_read_domain_payloads() -> None:
    assert payload_entities('/inform{{"age_group":"newborn"}}') == {"age_group": "newborn"}
    assert payload_entities("/affirm") == {}
    assert payload_entities("/inform{not json}") == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("sorry shes actually 5 months not 5 weeks", True), ("I meant 3 weeks", True), ("im 34", False),
    ("what about mine, im 34", False),
])
def test_a_correction_is_told_from_news(text: str, expected: bool) -> None:
    from bot.questionnaire import is_correction

    assert is_correction(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sorry i mean 4 months not 3 weeks", "infant"), ("sorry I mean 6 weeks not 6 months", "newborn"),
     ("actually she's 2 years old", "child"),
     ("actually i just took his temperature and its 38.3", None),  # a temperature, never an age
     ("sorry it was 38 not 37", None), ("actually 5 months", "infant"), ("4 months", None)],
)
def test_a_correction_names_an_age_with_its_unit(text: str, expected: str | None) -> None:
    assert corrected_age(text, BANDS) == expected


@pytest.mark.parametrize(
    ("text", "durations", "expected"),
    [
        # a time with its unit (as the detector read it), a day of life, "younger": the baby's age
        ("5 weeks, won't feed", {"1_to_3_months"}, "newborn"), ("six weeks", {"1_to_3_months"}, "newborn"),
        ("3 weeks, the spots look watery now", {"under_4_weeks"}, "newborn"),
        ("day 5", set(), "newborn"), ("no she's younger", set(), "newborn"), ("no, less than that", set(), "newborn"),
        ("under 3 months", {"over_3_months"}, "newborn"), ("4 months", {"over_3_months"}, "infant"),
        ("he is 4", set(), "child"), ("im 45", set(), "adult"),
        # a number with no unit is no age here: the temperature, or anything (round 13's second review)
        ("yes, 38.5", set(), None), ("yes 6", set(), None), ("38.5", set(), None), ("6", set(), None),
        ("older", set(), None), ("not sure", set(), None),
        # round 13's third review: younger than asked in other words, and time spans that are no age
        ("not 3 months old yet", {"over_3_months"}, "newborn"), ("hasnt hit 3 months", {"over_3_months"}, "newborn"),
        ("3 months next week", {"over_3_months"}, "newborn"), ("2-3 months", set(), "newborn"),
        ("<3 months", set(), "newborn"), ("48 hours old", set(), "newborn"),
        ("a fortnight", {"under_4_weeks"}, "newborn"),
        ("no, fever for 2 days", {"under_4_weeks"}, None), ("older, since yesterday", set(), None),
        ("No, older. day 2 of flu", set(), None),
        ("no its me, I gave birth 2 weeks ago", {"under_4_weeks"}, "adult"),
        ("no, my younger brother, he's 20", set(), "adult"), ("no he's under 3 years", {"over_3_months"}, "child"),
        ("not sure, about 6 weeks", {"1_to_3_months"}, "newborn"), ("she's under 3", set(), "newborn"),
        ("me", set(), "adult"), ("its me", set(), "adult"), ("yes hes 4", set(), "child"),
        ("yes im his dad", set(), None), ("nope younger", set(), "newborn"), ("no, she's not yet 3", set(), "newborn"),
    ],
)
def test_the_answer_to_the_young_baby_question(text: str, durations: set[str], expected: str | None) -> None:
    assert age_answering_young_baby_question(text, frozenset(durations), BANDS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("yes im his dad", None), ("yes hes 4", "child"), ("yes, 3 years old", "child"), ("yes its me", "adult"),
    ("yes. the white bumps have been there 6 months", None), ("yes, born at 36 weeks", None),
])
def test_the_age_a_yes_to_the_young_baby_question_comes_with(text: str, expected: str | None) -> None:
    assert age_said_with_yes(text, BANDS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("she is", True), ("he is", True), ("yes she is", True), ("she's", True),
    ("she isnt floppy", False), ("she is 5", False), ("he is older", False),
])
def test_she_is_answers_yes(text: str, expected: bool) -> None:
    assert says_she_is(text) is expected


@pytest.mark.parametrize("text", [
    "!" * 5000, " " * 5000 + "x", "yes" + " " * 5000 + "x", "she" + " " * 5000 + "x", "2" + " " * 5000 + "x",
    "for" + " " * 5000 + "x", "im" + "3 " * 2500, "3 weeks " * 625, "no" + "! " * 2500,
])
def test_reading_an_answer_is_bounded_on_long_hostile_input(text: str) -> None:
    """An answer to the young-baby question is read on the per-message path: no pattern may
    backtrack quadratically on a 5,000-character message (two optional runs of spaces side
    by side took 0.5 s; a number per reading re-searched the whole text, 1.7 s)."""
    started = time.perf_counter()
    age_answering_young_baby_question(text, frozenset(), BANDS)
    says_she_is(text)
    age_said_with_yes(text, BANDS)
    age_answer(text, BANDS)
    assert time.perf_counter() - started < 0.05
