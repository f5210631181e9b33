"""The curated answers and triage responses keep the promises made in the contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain_files import load_domain
from bot.triage import load_table

REPO = Path(__file__).resolve().parent.parent
DOMAIN = load_domain()
RESPONSES = DOMAIN["responses"]
KNOWLEDGE_INTENTS = [intent for intent in DOMAIN["intents"] if intent.startswith("ask_") and intent not in (
    "ask_capabilities", "ask_privacy", "ask_disclaimer", "ask_more", "ask_why")]
ANSWERS = [f"utter_answer_{intent.removeprefix('ask_')}" for intent in KNOWLEDGE_INTENTS]


def test_fifteen_knowledge_topics_have_answers() -> None:
    assert len(KNOWLEDGE_INTENTS) == 15
    assert set(ANSWERS) <= set(RESPONSES)


@pytest.mark.parametrize("name", ANSWERS + [name for name in RESPONSES if name.startswith("utter_more_")])
def test_medical_answers_name_their_source(name: str) -> None:
    for variant in RESPONSES[name]:
        assert re.search(r"\nSource: \S", variant["text"]), (name, variant["text"][-80:])


@pytest.mark.parametrize("name", ANSWERS)
def test_answers_have_a_professional_variant_and_follow_ups(name: str) -> None:
    variants = RESPONSES[name]
    conditions = [variant.get("condition") for variant in variants]
    assert [{"type": "slot", "name": "audience", "value": "professional"}] in conditions
    assert conditions[-1] is None, "the plain variant is the default and comes last"
    for variant in variants:
        assert 2 <= len(variant.get("buttons", [])) <= 3


@pytest.mark.parametrize("level", load_table().levels)
def test_triage_responses_name_the_level_and_end_with_the_reminder(level: str) -> None:
    for variant in RESPONSES[f"utter_triage_{level}"]:
        text = variant["text"]
        assert text.startswith(level.replace("_", "-").upper() + ":")
        assert text.rstrip().endswith("call {emergency_number}.")
        assert variant["custom"] == {"triage_level": level}
        if level == "urgent":
            assert "{medical_line}" in text


def test_the_still_present_question_counts_the_last_24_hours() -> None:
    """Round 7's review: "no, it stopped" after a first fit, or a young baby's fever from
    last night, must not set the sign aside; the question asks about the last 24 hours."""
    for variant in RESPONSES["utter_check_still_present"]:
        assert "last 24 hours" in variant["text"]
        titles = [button["title"] for button in variant["buttons"]]
        assert any("24 hours" in title for title in titles) and any("longer ago" in title for title in titles)


def test_emergency_advice_opens_with_calling_the_number_now() -> None:
    """The first sentence says what to do: call the configured number now."""
    for variant in RESPONSES["utter_triage_emergency"]:
        first_sentence = re.split(r"(?<=[.!])\s|\n", variant["text"], maxsplit=1)[0]
        assert "call {emergency_number} now" in first_sentence, first_sentence


# Every emergency sign of the medical brief (section 5 and 5a), as words a list must contain.
EMERGENCY_SIGN_WORDS = [
    "breathing", "grunting", "ribs", "blue", "grey", "pale", "marbled", "floppy", "hard to wake", "fit",
    "seizure", "glass", "stiff neck", "soft spot", "bright light", "lips", "tongue", "face", "throat", "eye",
    "bulges", "double", "moving the eye", "spreading", "fever", "racing heart", "confusion", "very unwell",
    "under 3 months", "38 C", "100.4 F",
]


@pytest.mark.parametrize("response", ["utter_triage_urgent", "utter_ask_danger_signs", "utter_check_danger_signs",
                                      "utter_if_emergency_signs"])
def test_emergency_sign_lists_name_every_emergency_sign(response: str) -> None:
    for variant in RESPONSES[response]:
        missing = [word for word in EMERGENCY_SIGN_WORDS if word.lower() not in variant["text"].lower()]
        assert not missing, (response, missing)


@pytest.mark.parametrize("level", ["soon", "routine", "self_care"])
def test_calmer_advice_gives_the_baby_fever_rule_whenever_it_may_be_a_baby(level: str) -> None:
    """Age unknown, newborn or infant: the default variant; it must say 38 C is an emergency."""
    variants = RESPONSES[f"utter_triage_{level}"]
    default = [v for v in variants if not v.get("condition")]
    assert len(default) == 1
    assert "38 C (100.4 F) or more: call {emergency_number} now" in default[0]["text"]
    conditioned = {c["value"] for v in variants for c in v.get("condition") or [] if c["name"] == "age_group"}
    assert conditioned == {"adult", "child"}, "only older people get the variant without the baby rule"


def test_responses_only_fill_slots_the_domain_has() -> None:
    slots = set(DOMAIN["slots"])
    for name, variants in RESPONSES.items():
        for variant in variants:
            used = set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", variant.get("text", "")))
            assert used <= slots, (name, used - slots)


def test_no_answer_diagnoses() -> None:
    """Inform, never diagnose: no "you have milia"."""
    for name, variants in RESPONSES.items():
        for variant in variants:
            assert not re.search(r"\byou (?:have|'ve got) (?:milia|molluscum|cancer|an infection)\b",
                                 variant.get("text", ""), re.IGNORECASE), name
