"""Issue 7's kinds of misses and false alarms, one batch per kind (tests/data/context_cases.yml).

Each case gives the exact present red flags and the red flags with a context role;
the detector runs on a doc made the way Rasa's SpacyNLP makes it (lowercased text).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from spacy.language import Language

from bot.language.detector import RedFlagDetector

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "context_cases.yml").read_text(encoding="utf-8")
)["cases"]
KINDS = {
    "lookalike", "past", "hypothetical", "tolerant", "brief", "proportion", "harmless", "quantity",
    "idiom",  # figures of speech with a sign word ("nearly had a fit")
    "other_person",  # someone else's story, another person at home
}


def red_flags(detector: RedFlagDetector, nlp: Language, text: str) -> tuple[list[str], dict[str, str]]:
    found = [e for e in detector.detect(nlp(text.lower())) if e.entity == "red_flag"]
    return sorted(e.value for e in found if e.role is None), {e.value: e.role for e in found if e.role}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}: {c['text'][:60]}" for c in CASES])
def test_case(case: dict[str, Any], detector: RedFlagDetector, nlp: Language) -> None:
    present, roles = red_flags(detector, nlp, case["text"])
    assert (present, roles) == (sorted(case["flags"]), case.get("roles", {}))


def test_every_kind_has_a_batch() -> None:
    counts = Counter(case["kind"] for case in CASES)
    assert set(counts) == KINDS
    assert all(count >= 5 for count in counts.values()), counts
    assert len({case["text"] for case in CASES}) == len(CASES), "duplicate cases"
