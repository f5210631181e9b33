"""Tolerant spelling (bot/language/fuzzy.py): misspelt sign words, harmless words untouched.

The corrector only touches words that are no English word (spaCy's lemma lookup
table) and not in the pattern files; a weak or ambiguous correction makes the sign
`suspected` rather than certain (tested end to end through the detector).
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.language.detector import RedFlagDetector
from bot.language.fuzzy import SpellingCorrector

CORRECTED = [  # misspelling -> sign word, certain?
    ("convusling", "convulsing", True),
    ("meningitus", "meningitis", True),
    ("unconcious", "unconscious", True),
    ("mottld", "mottled", True),
    ("wheezng", "wheezing", True),
    ("temperatre", "temperature", True),
    ("infektion", "infection", True),
    ("sepsus", "sepsis", True),  # one edit
    ("purpel", "purple", True),  # one transposition
    ("purpul", "purple", False),  # two edits in a short word
    ("brethng", "breathng", True),  # the closest spelling of breathing; its rivals are spellings of it too
]
UNTOUCHED = [  # real words (or too short) that look like sign words
    "feeling", "breed", "blessed", "reading", "reads", "running", "nervous", "sweaty",
    "teething", "sleeping", "dribbling", "peeling", "bubbling", "eczema", "footie", "bluw",
    "limb", "fitted", "bleach", "seized", "forever", "infectious", "contagious",
]
END_TO_END = [  # message -> (present red flags, suspected red flags)
    ("she is convusling", (["seizure"], [])),
    ("he's unconcious", (["floppy_unresponsive"], [])),
    ("purpul spots that dont fade", ([], ["non_blanching_rash"])),
    ("she is brethng fast", (["sepsis_sign"], [])),
    ("there are purpel spots that dont fade", (["non_blanching_rash"], [])),
    ("she's feeling fine and breeding rabbits", ([], [])),
    ("my baby is teething and dribbling", ([], [])),
]


@pytest.mark.parametrize("typed, word, certain", CORRECTED, ids=[row[0] for row in CORRECTED])
def test_misspellings_are_corrected(typed: str, word: str, certain: bool, detector: RedFlagDetector) -> None:
    found = detector.speller.correct_word(typed)
    assert found is not None and (found[0], found[2]) == (word, certain)


@pytest.mark.parametrize("word", UNTOUCHED)
def test_harmless_words_are_untouched(word: str, detector: RedFlagDetector) -> None:
    assert detector.speller.correct_word(word) is None


@pytest.mark.parametrize("text, expected", END_TO_END, ids=[row[0] for row in END_TO_END])
def test_detector_roles_follow_the_correction(
    text: str, expected: tuple[list[str], list[str]], detector: RedFlagDetector, nlp: Language
) -> None:
    found = [e for e in detector.detect(nlp(text)) if e.entity == "red_flag"]
    present = sorted(e.value for e in found if e.role is None)
    suspected = sorted(e.value for e in found if e.role == "suspected")
    assert (present, suspected) == expected


def test_offsets_stay_on_the_users_words(detector: RedFlagDetector, nlp: Language) -> None:
    text = "she is convusling now"
    (entity,) = [e for e in detector.detect(nlp(text)) if e.entity == "red_flag"]
    assert entity.text == "convusling" == text[entity.start : entity.end]


def test_a_close_rival_makes_a_correction_uncertain() -> None:
    speller = SpellingCorrector(
        {"min_length": 4, "cutoff": 70, "certain_edits": [[4, 1]], "margin": 5}, ["bleeds", "breeds"], known_words=[]
    )
    word, _, certain = speller.correct_word("bxeeds")
    assert word in {"bleeds", "breeds"} and certain is False


def test_known_and_short_words_are_never_candidates() -> None:
    speller = SpellingCorrector(
        {"min_length": 5, "cutoff": 70, "certain_edits": [[5, 1]], "margin": 5, "never_correct": ["fitted"]},
        ["fitting"],
        known_words=["feeling"],
    )
    assert not speller.is_candidate("feeling")
    assert not speller.is_candidate("fitted")
    assert not speller.is_candidate("fitn")
    assert speller.is_candidate("fittinng")


def test_only_emergency_signs_become_suspected_on_a_weak_correction(detector: RedFlagDetector) -> None:
    """A weak correction of an emergency sign asks first; a less urgent sign keeps it (fail safe)."""
    from bot.language.entities import Hit
    from bot.language.fuzzy import Correction

    weak = [Correction(1, "sepsus", "sepsis", 83.0, certain=False)]
    hits = [Hit("red_flag", "sepsis_sign", 1, 2), Hit("red_flag", "bleeding", 1, 2)]
    marked = detector._mark_weak_spellings(hits, weak)
    assert [(h.value, h.role) for h in marked] == [("sepsis_sign", "suspected"), ("bleeding", None)]
