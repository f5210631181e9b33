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
    (variant,) = RESPONSES[f"utter_triage_{level}"]
    text = variant["text"]
    assert text.startswith(level.replace("_", "-").upper() + ":")
    assert text.rstrip().endswith("call {emergency_number}.")
    assert variant["custom"] == {"triage_level": level}
    if level == "urgent":
        assert "{medical_line}" in text


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
