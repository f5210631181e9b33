"""Quantities (bot/language/quantities.py) and the clinical thresholds they read against.

Numbers are read from tokens however they are typed (digits, decimal commas, words,
Fahrenheit); the fever threshold, age bands and duration buckets come from the
`thresholds` section of triage_rules.yml, and changing them there changes the reading.
"""

from __future__ import annotations

import copy
from typing import Optional

import pytest
from spacy.language import Language

from bot.language.detector import load_config
from bot.language.patterns import PatternFileError
from bot.language.quantities import QuantityReader, QuantityRule
from bot.language.thresholds import RULES_PATH, Thresholds, load_rules_file, parse_thresholds

DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}

NUMBERS = [
    ("38.5", 38.5),
    ("38,5", 38.5),
    ("38 point 5", 38.5),
    ("thirty eight point five", 38.5),
    ("thirty-eight", 38.0),
    ("a hundred and one", 101.0),
    ("one hundred and two point four", 102.4),
    ("ninety nine point five", 99.5),
    ("a couple", 2.0),
    ("no number here", None),
]

TEMPERATURES = [  # text read by a temperature rule (as after "temp"), expected reading
    ("38", "fever"),
    ("37.9", "normal"),
    ("38,1 c", "fever"),
    ("100.4 f", "fever"),
    ("100.3 f", "normal"),
    ("a hundred and one", "fever"),
    ("thirty seven point two", "normal"),
    ("thirty eight point five degrees", "fever"),
    ("under 38", "normal"),
    ("12", None),  # no plausible temperature
    # every number of a reading counts (round 8): the first alone made "37.5-38.5" normal
    ("temp 37.5-38.5", "fever"),
    ("temp 37.8 and 38.2", "fever"),
    ("temp 36.8 and 37.1", "normal"),
    # ... a later number only in a reading named as one, and not one a unit or place takes
    ("bath 37-38 degrees", "normal"),
    ("temp 37.1 and 38 weeks", None),  # the unit after the span takes the reading
    ("temp 36.9 and 38 degrees outside", "normal"),
]

AGES = [  # (number, unit) -> age group, by the thresholds' age bands
    ("11 weeks", "newborn"),
    ("12 weeks", "newborn"),
    ("3 months", "infant"),
    ("14 weeks", "infant"),
    ("11 months", "infant"),
    ("12 months", "child"),
    ("17 years", "child"),
    ("18 years", "adult"),
]

DURATIONS = [("3 days", "under_4_weeks"), ("4 weeks", "1_to_3_months"), ("3 months", "over_3_months")]


@pytest.fixture(scope="module")
def reader() -> QuantityReader:
    return QuantityReader(load_config(), parse_thresholds(load_rules_file(RULES_PATH), DAYS))


def read(reader: QuantityReader, nlp: Language, kind: str, text: str, **rule: str) -> Optional[str]:
    doc = nlp(text.lower())
    return reader.read(QuantityRule(kind, 0, **rule), doc[0 : len(doc)])


@pytest.mark.parametrize("text, value", NUMBERS, ids=[row[0] for row in NUMBERS])
def test_numbers(text: str, value: Optional[float], reader: QuantityReader, nlp: Language) -> None:
    number = reader.read_number(list(nlp(text)))
    assert (number.value if number else None) == value


@pytest.mark.parametrize("text, reading", TEMPERATURES, ids=[row[0] for row in TEMPERATURES])
def test_temperatures(text: str, reading: Optional[str], reader: QuantityReader, nlp: Language) -> None:
    assert read(reader, nlp, "temperature", text) == reading


@pytest.mark.parametrize("text, group", AGES, ids=[row[0] for row in AGES])
def test_age_bands(text: str, group: str, reader: QuantityReader, nlp: Language) -> None:
    assert read(reader, nlp, "age", text) == group


@pytest.mark.parametrize("text, bucket", DURATIONS, ids=[row[0] for row in DURATIONS])
def test_duration_buckets(text: str, bucket: str, reader: QuantityReader, nlp: Language) -> None:
    assert read(reader, nlp, "duration", text) == bucket


def test_the_clinical_thresholds_are_the_briefs() -> None:
    """Written here, not read back from the file under test: 38 C / 100.4 F, 3 and 12 months."""
    thresholds = parse_thresholds(load_rules_file(RULES_PATH), DAYS)
    assert thresholds.fever_at_or_above == {"c": 38.0, "f": 100.4}
    assert [band.value for band in thresholds.age_bands] == ["newborn", "infant", "child", "adult"]
    assert Thresholds.band(thresholds.age_bands, 89) == "newborn"
    assert Thresholds.band(thresholds.age_bands, 92) == "infant"
    assert Thresholds.band(thresholds.age_bands, 366) == "child"
    assert Thresholds.band(thresholds.duration_bands, 27) == "under_4_weeks"
    assert thresholds.clarify_findings == {"redness_unclear"}
    assert {"fever", "meningitis_sign", "eye_emergency", "non_blanching_rash"} <= thresholds.emergency_findings


def test_the_threshold_is_read_from_the_rules_file(nlp: Language) -> None:
    """A different threshold in triage_rules.yml gives a different reading: no copy in code."""
    raw = copy.deepcopy(load_rules_file(RULES_PATH))
    raw["thresholds"]["fever_at_or_above"] = {"c": 38.5, "f": 101.3}
    stricter = QuantityReader(load_config(), parse_thresholds(raw, DAYS))
    assert read(stricter, nlp, "temperature", "38.2") == "normal"


@pytest.mark.parametrize("section", ["fever_at_or_above", "age_groups", "duration_buckets"])
def test_missing_thresholds_fail_at_load(section: str) -> None:
    raw = copy.deepcopy(load_rules_file(RULES_PATH))
    del raw["thresholds"][section]
    with pytest.raises(PatternFileError, match="thresholds"):
        parse_thresholds(raw, DAYS)


def test_a_band_table_needs_an_open_last_row() -> None:
    raw = copy.deepcopy(load_rules_file(RULES_PATH))
    raw["thresholds"]["age_groups"] = raw["thresholds"]["age_groups"][:-1]
    with pytest.raises(PatternFileError, match="last row"):
        parse_thresholds(raw, DAYS)
