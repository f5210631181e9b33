"""What the answers say: the safety wording of issue 7 and plain language (reading grade <= 8).

The expected words are written here, not read back from the records under test.
"""

from __future__ import annotations

import re

import pytest
import textstat
import yaml

from bot.content.records import load_records
from bot.domain_files import domain_files
from bot.settings import load_settings

RECORDS = {record.topic: record for record in load_records()}
MAX_GRADE = 8.0
# Plain texts still over grade 8 (measured 2026-11-29 with textstat 0.7.8, Flesch-Kincaid
# grade). Strict: each entry fails as soon as its text is fixed, so the list can only shrink.
KNOWN_ABOVE_GRADE = {"utter_privacy"}


def _plain_texts() -> list[tuple[str, int, str]]:
    """Every non-professional response text of every domain file, as a person reads it."""
    slots = load_settings().as_slots()
    texts = []
    for path in domain_files():
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        for name, variants in responses.items():
            for index, variant in enumerate(variants):
                if any(condition.get("value") == "professional" for condition in variant.get("condition") or []):
                    continue
                text = re.sub(r"\nSource: .*", "", variant.get("text", ""))
                for slot, value in slots.items():
                    text = text.replace("{" + slot + "}", value)
                if text.strip():
                    texts.append((name, index, text))
    return texts


PLAIN = _plain_texts()


@pytest.mark.parametrize(("name", "index", "text"), [
    pytest.param(name, index, text, id=f"{name}[{index}]",
                 marks=[pytest.mark.xfail(strict=True, reason="known above grade 8, not owned here")]
                 if name in KNOWN_ABOVE_GRADE else [])
    for name, index, text in PLAIN
])
def test_plain_text_reads_at_grade_8_or_below(name: str, index: int, text: str) -> None:
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, text


def test_the_readability_measure_tells_plain_from_dense_text() -> None:
    """The measure itself works offline (no data download) and separates easy from hard."""
    assert textstat.flesch_kincaid_grade("The spots are small. They do not hurt. They go away.") < 4
    assert textstat.flesch_kincaid_grade(
        "Keratin-filled epidermal inclusion cysts demonstrate spontaneous resolution, "
        "necessitating therapeutic intervention exclusively for cosmetic considerations.") > 12


def test_every_plain_text_is_measured() -> None:
    names = {name for name, _, _ in PLAIN}
    assert {f"utter_answer_{topic}" for topic in RECORDS} <= names
    assert {"utter_default", "utter_out_of_scope", "utter_triage_emergency"} <= names


def _plain(topic: str) -> str:
    return RECORDS[topic].answer["plain"].text


def test_newborn_answer_carries_the_three_baby_warning_signs() -> None:
    text = _plain("newborn_milia")
    assert re.search(r"under 3 months has a temperature of 38 C \(100\.4 F\) or more, call \{emergency_number\} now",
                     text)
    assert "feeding poorly" in text and "unusually sleepy" in text


def test_see_doctor_answer_has_the_emergency_tier() -> None:
    text = _plain("see_doctor")
    assert "Call {emergency_number} now" in text
    for sign in ("breathing", "glass", "bulging eye", "38 C (100.4 F)"):
        assert sign in text, sign
    assert "{emergency_number}" in RECORDS["see_doctor"].answer["professional"].text


def test_treatment_answer_limits_self_care_products_to_adults_and_warns_about_retinoids() -> None:
    text = _plain("treatment")
    assert "older children" not in text
    assert re.search(r"Adults can try .*glycolic or salicylic acid", text)
    assert re.search(r"Leave a baby's or child's milia alone", text)
    assert re.search(r"Don't use retinoids if you are pregnant or trying to get pregnant", text)
    assert "never put them on the eyelids" in text


def test_fallback_replies_give_the_emergency_number() -> None:
    responses = {}
    for path in domain_files():
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    for name in ("utter_default", "utter_fallback_contact", "utter_out_of_scope"):
        for variant in responses[name]:
            assert "call {emergency_number} now" in variant["text"], name


# A claim in a "tell me more" text and the source that must be cited for it.
CLAIM_SOURCES = {
    r"xanthelasma|yellow patches": "dermnet_xanthelasma",
    r"skin cancer": "nhs_bcc",
    r"[Ss]yringoma": "dermnet_syringoma",
    r"molluscum": "nhs_molluscum",
    r"38 C": "nhs_fever_children|healthier_together|nice_ng143",
}


@pytest.mark.parametrize("topic", [topic for topic, record in RECORDS.items() if record.more])
def test_tell_me_more_names_the_source_for_its_claims(topic: str) -> None:
    more = RECORDS[topic].more
    assert more.sources
    for claim, source in CLAIM_SOURCES.items():
        if re.search(claim, more.text):
            assert set(source.split("|")) & set(more.sources), (topic, claim, more.sources)
