"""The deterministic red-flag detector (bot/language/) on its phrase table and more.

The table (tests/data/red_flag_phrases.yml) gives, per phrase, the exact set of red
flags and, where relevant, the age group, duration, body site, audience and whether a
baby is mentioned. Docs are made the way Rasa's SpacyNLP makes them (lowercased text,
our own pipeline); a second test checks the original casing gives the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from spacy.language import Language

from bot.language.detector import PATTERNS_PATH, RedFlagDetector, load_config, load_detector
from bot.language.entities import Entity
from bot.language.patterns import PatternFileError
from bot.language.thresholds import load_rules_file
from bot.triage import load_table

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "red_flag_phrases.yml").read_text(encoding="utf-8")
)["cases"]
OPTIONAL = {"age": "age_group", "duration": "duration", "site": "body_site", "audience": "audience"}

# The finding ids the detector must be able to emit (the brief's list; not the
# questionnaire's checklist_*/persistent_*/typical_milia).
DETECTED_FINDINGS = {
    "fever",
    "recent_crop",
    "non_blanching_rash",
    "breathing_difficulty",
    "face_swelling",
    "colour_change",
    "mottled_cold_skin",
    "floppy_unresponsive",
    "seizure",
    "eye_emergency",
    "sepsis_sign",
    "spreading_redness",
    "very_unwell",
    "infection_sign",
    "eyelid_swelling",
    "poor_feeding",
    "unusually_sleepy",
    "unusual_crying",
    "blisters",
    "weak_immune",
    "growing_changing",
    "bleeding",
    "crusting",
    "not_healing",
    "pearly_waxy",
    "central_dimple",
    "eye_irritation",
    "sudden_crop",
    "inflamed_patch",
    "after_skin_damage",
    "yellow_eyelid_patches",
    "redness_unclear",
    "meningitis_sign",
    "dehydration",
    "wants_to_be_seen",
    "many_milia",
}


def by_type(entities: list[Entity]) -> dict[str, list[str]]:
    """Values per entity type; a red flag with a context role is listed as ``value:role``."""
    found: dict[str, list[str]] = defaultdict(list)
    for entity in entities:
        found[entity.entity].append(f"{entity.value}:{entity.role}" if entity.role else entity.value)
    return found


def detect(detector: RedFlagDetector, nlp: Language, text: str) -> dict[str, list[str]]:
    """What the detector finds in a doc made as SpacyNLP (case_sensitive: false) makes it."""
    return by_type(detector.detect(nlp(text.lower())))


@pytest.mark.parametrize("case", CASES, ids=[case["text"][:60] for case in CASES])
def test_phrase(case: dict[str, Any], detector: RedFlagDetector, nlp: Language) -> None:
    found = detect(detector, nlp, case["text"])
    expected = [*case["flags"], *(f"{value}:{role}" for value, role in case.get("roles", {}).items())]
    assert sorted(found["red_flag"]) == sorted(expected), found
    for key, entity in OPTIONAL.items():
        if key in case:
            assert found[entity] == ([case[key]] if case[key] else []), (entity, found)
    if "baby" in case:
        assert ("mentions_baby" in found["finding"]) == case["baby"], found


def test_original_casing_gives_the_same_answer(detector: RedFlagDetector, nlp: Language) -> None:
    """A doc that is not lowercased (another pipeline, case_sensitive: true) is re-read."""

    def key(text: str) -> list[tuple[str, str, int, int]]:
        return [(e.entity, e.value, e.start, e.end) for e in detector.detect(nlp(text))]

    for case in CASES:
        assert key(case["text"]) == key(case["text"].lower()), case["text"]


def test_entity_offsets_point_at_the_users_words(detector: RedFlagDetector, nlp: Language) -> None:
    text = "My Baby is FLOPPY and has a Temp of 38.5°C, no Rash"
    entities = detector.detect(nlp(text))
    assert [(e.entity, e.value, e.text) for e in entities] == [
        ("audience", "parent", "My Baby"),
        ("finding", "mentions_baby", "My Baby"),
        ("red_flag", "floppy_unresponsive", "FLOPPY"),
        ("red_flag", "fever", "Temp of 38.5°C"),
    ]
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text


def test_spans_can_always_be_annotated(detector: RedFlagDetector, nlp: Language) -> None:
    """Rasa's annotation format cannot nest spans: two entities share a span or are apart."""
    for case in CASES:
        entities = detector.detect(nlp(case["text"]))
        for first in entities:
            for second in entities:
                same = (first.start, first.end) == (second.start, second.end)
                apart = first.end <= second.start or second.end <= first.start
                assert same or apart, (case["text"], first, second)


def test_rasa_entity_dict(detector: RedFlagDetector, nlp: Language) -> None:
    (entity,) = detector.detect(nlp("it is bleeding"))
    assert entity.as_dict("RedFlagDetector") == {
        "entity": "red_flag",
        "value": "bleeding",
        "start": 6,
        "end": 14,
        "text": "bleeding",
        "confidence_entity": 1.0,
        "extractor": "RedFlagDetector",
    }


def test_one_value_per_single_valued_entity(detector: RedFlagDetector, nlp: Language) -> None:
    """Slots keep one value: the youngest age, the most specific site, one audience."""
    found = detect(detector, nlp, "I'm a nurse, my 2 year old and my 3 week old have spots on the nose and eyelids")
    assert found["age_group"] == ["newborn"]
    assert found["body_site"] == ["eyes"]
    assert found["audience"] == ["professional"]


# ------------------------------------------------------------------ table coverage
def test_table_is_large_and_has_many_harmless_phrases() -> None:
    assert len(CASES) >= 180
    assert sum(1 for case in CASES if not case["flags"]) >= 50
    assert len({case["text"] for case in CASES}) == len(CASES), "duplicate phrases"


def test_every_detected_finding_has_phrases() -> None:
    expected = {flag for case in CASES for flag in [*case["flags"], *case.get("roles", {})]}
    assert expected == DETECTED_FINDINGS


def test_detector_emits_exactly_the_detected_findings(detector: RedFlagDetector) -> None:
    assert detector.red_flag_values == DETECTED_FINDINGS


def test_detected_findings_all_have_triage_rules() -> None:
    """Every finding has a rules row, except redness_unclear, which asks a question instead."""
    assert DETECTED_FINDINGS - {"redness_unclear"} <= load_table().findings
    assert all(rule.finding != "redness_unclear" for rule in load_table().rules), "it asks, it has no level"
    assert "redness_unclear" in load_rules_file()["clarify_findings"]


# -------------------------------------------------------------- pattern file checks
def _broken(**changes: Any) -> dict[str, Any]:
    config = load_config()
    config["rules"] = [*config["rules"], {"entity": "red_flag", "value": "fever", **changes}]
    return config


@pytest.mark.parametrize(
    "config, message",
    [
        (_broken(value="fevre"), "not in triage_rules.yml"),
        (_broken(patterns=["$nonexistent fever"]), "unknown token class"),
        (_broken(phrases=[False]), "quote yes/no"),
        (_broken(patterns=["can't breathe"]), "one token per spec"),
        (_broken(patterns=[[{"LEMMA": {"BAD_OP": ["x"]}}]]), "rule"),
        (_broken(quantity="age"), "exactly one of entity or quantity"),
    ],
)
def test_invalid_pattern_files_fail_at_load(config: dict[str, Any], message: str, nlp: Language) -> None:
    with pytest.raises(PatternFileError, match=message):
        RedFlagDetector(config, nlp, known_findings=load_table().findings)


def test_pattern_file_is_the_default() -> None:
    assert PATTERNS_PATH.name == "red_flags.yml" and PATTERNS_PATH.is_file()


# ------------------------------------------------------------------- loading
def test_detector_is_built_once() -> None:
    assert load_detector() is load_detector()


def test_someone_elses_baby_is_not_the_baby_asked_about(detector: RedFlagDetector, nlp: Language) -> None:
    """A baby or an age inside someone else's past story mentions no baby of the asker."""
    found = detect(detector, nlp, "my friend's 2 week old had sepsis and my son is 5")
    assert found["finding"] == [] and found["age_group"] == ["child"]
    assert found["red_flag"] == ["sepsis_sign:other_person"]
    assert detect(detector, nlp, "my daughter's baby has a fever")["finding"] == ["mentions_baby"]


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("no fever, feeding fine, very alert", True),
        ("not red, not spreading", True),
        ("no fever but she is floppy", True),  # the denial is kept; floppy is a red flag too
        ("she doesn't seem right", False),  # no sign denied: a worry, not a "no"
        ("not sure", False),
        ("red cheeks from the cold wind", False),  # harmless context is no denial
    ],
)
def test_a_denied_sign_is_a_finding(text: str, denied: bool, detector: RedFlagDetector, nlp: Language) -> None:
    """A negated sign leaves `finding: denied_sign`, never a red flag (it can answer "any of these?" with no)."""
    found = detect(detector, nlp, text)
    assert ("denied_sign" in found["finding"]) is denied, found


# -------------------------------------------------------------- overrides and context
def _with_long_overrider() -> dict[str, Any]:
    """The real patterns plus round 8's withdrawn red-ring pattern, whose span held a bump's growth."""
    config = load_config()
    overrider = {
        "entity": "red_flag",
        "value": "spreading_redness",
        "overrides": ["infection_sign", "growing_changing"],
        "patterns": ["=red =ring =around|round =the =bite|bump $gap{0,2} =getting|got =bigger"],
    }
    config["rules"] = [*config["rules"], overrider]
    return config


@pytest.mark.parametrize(
    ("text", "red_flags"),
    [
        # the denial reaches the red ring only (its scope ends at "it's"): the growth is judged on its own
        ("no red ring around the bite it's getting bigger", ["growing_changing"]),
        ("the red ring around the bite is getting bigger", ["spreading_redness"]),  # the override itself holds
        ("no red ring around the bite and it isn't getting bigger", []),  # a denial of both still drops both
        ("she had a red ring around the bite getting bigger last year", ["spreading_redness:historical"]),
    ],
)
def test_a_finding_comes_back_when_a_negation_drops_what_overrode_it(
    text: str, red_flags: list[str], nlp: Language
) -> None:
    """Overrides run before context; a denied overrider must not take the finding it hid with it.

    Round 8's second review: "no redness around the bump it keeps getting bigger" lost
    the growth (SOON before, no level after) when one pattern's span held both.
    """
    detector = RedFlagDetector(_with_long_overrider(), nlp, known_findings=load_table().findings)
    assert detect(detector, nlp, text)["red_flag"] == red_flags


def test_a_harmless_overrider_keeps_its_findings_hidden(detector: RedFlagDetector, nlp: Language) -> None:
    """Only a negation brings a hidden finding back: "swollen from crying" explains the swelling too.

    The eyelid sign holds the infection cue "swollen", which the crying record does not
    reach: brought back, it would ask about redness (``redness_unclear``).
    """
    assert detect(detector, nlp, "my eyes are swollen from crying at a film last night")["red_flag"] == []
