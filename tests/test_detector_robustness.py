"""The red-flag detector never fails on a message, and a failure is read as a possible danger.

Why: a message from blind set D ("a white bump next to my eye has gone red and swollen
and it hurts") made the detector raise, so /model/parse answered 500 and the chat got
no answer at all. Two defences: the detector is swept over every text the project
holds plus seeded random mixtures of sign words, cue words and context words; and the
Rasa component turns any failure into a suspected danger sign (hazard HAZ-13).
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from spacy.language import Language

from bot.language.detector import RedFlagDetector
from bot.language.suspicion import example_text

REPO = Path(__file__).resolve().parent.parent

# Words the detector's patterns, cues and context rules turn on, mixed at random below.
SIGN_WORDS = (
    "red swollen hot sore hurts painful pus oozing spreading fever temp 38.5 100.4 37 blue grey pale floppy "
    "breathing grunting fit seizure rash glass fade purple blisters bleeding crusty growing pearly dimple "
    "eye eyelid lips tongue throat vision double bulging moving sleepy feeding crying unwell"
).split()
CONTEXT_WORDS = (
    "not no never had last week ago if what would my friend's her his she he baby newborn 3 weeks months old "
    "years and but , . ? ! it is was has gone when since usually normal after running maybe think not sure"
).split()


def _texts_in(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("text", "turns", "examples") or isinstance(inner, (dict, list)):
                yield from _texts_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts_in(inner)
    elif isinstance(value, str):
        for line in value.splitlines() or [value]:
            text = example_text(line)
            if text:
                yield text


@lru_cache(maxsize=1)
def project_texts() -> tuple[str, ...]:
    """Every message text in the training data, the test sets and the vignettes (read once: two tests sweep it)."""
    files = [*sorted((REPO / "data").rglob("*.yml")), *sorted((REPO / "tests").rglob("*.yml"))]
    texts = {text for path in files for text in _texts_in(yaml.safe_load(path.read_text(encoding="utf-8")))}
    return tuple(sorted(texts))


def random_mixtures(count: int = 3000, seed: int = 7) -> list[str]:
    """Seeded random messages of 3 to 16 words from sign and context words."""
    chooser = random.Random(seed)
    words = SIGN_WORDS + CONTEXT_WORDS
    return [" ".join(chooser.choice(words) for _ in range(chooser.randint(3, 16))) for _ in range(count)]


def test_the_sweep_reads_thousands_of_texts() -> None:
    assert len(project_texts()) > 3000


@pytest.mark.parametrize("source", ["project", "random"])
def test_detector_never_fails(source: str, detector: RedFlagDetector, nlp: Language) -> None:
    texts = project_texts() if source == "project" else random_mixtures()
    failures = []
    # nlp.pipe parses in batches (the sweep holds over 20,000 texts since round 11); the
    # detector still reads each message on its own, as the Rasa component does.
    for text, doc in zip(texts, nlp.pipe(text.lower() for text in texts), strict=True):
        try:
            detector.detect(doc)
        except Exception as error:  # noqa: BLE001 - collect them all for the report
            failures.append(f"{type(error).__name__}: {text}")
    assert not failures, "\n".join(failures[:20])


def test_unreadable_is_a_suspected_danger_sign(detector: RedFlagDetector) -> None:
    (entity,) = detector.unreadable("anything at all")
    assert (entity.entity, entity.role, entity.start, entity.end) == ("red_flag", "suspected", 0, 15)
