"""Layer 2 of the safety net: the sign classifier (bot/language/suspicion.py).

The phrasings it learns from were written by helper sessions that had not seen the
patterns or any test set. The figures here are cross-validated on those phrasings (not
blind: they say the classifier learned its data); the blind figures come from the
vignette sets, through the running bot (tests/test_vignettes.py, README).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.language.patterns import PatternFileError
from bot.language.suspicion import (
    SUSPICION_PATH,
    SignSuspicion,
    build_model,
    chat_negatives,
    load_phrasings,
    load_suspicion,
    normal,
    parse_settings,
    read_settings,
    training_pairs,
    unread_part,
)
from bot.triage import load_table

SETTINGS = read_settings()
PHRASINGS = load_phrasings(SETTINGS.phrasing_files)
# Messages the red-flag patterns do not read (checked below), written for these tests.
UNREAD_DANGER = [
    "his chest caves in under the ribs when he breathes, 5 weeks old",
    "her tummy sucks in really deep with each breath and she looks tired",
]


@pytest.fixture(scope="module")
def suspicion() -> SignSuspicion:
    return load_suspicion()


def test_every_danger_category_stands_for_an_emergency_finding() -> None:
    table = load_table()
    for category, finding in SETTINGS.danger_categories.items():
        assert table.level_of(finding) == "emergency", (category, finding)


def test_phrasings_cover_every_category_many_times_without_repeats() -> None:
    counts = Counter(category for _, category in PHRASINGS)
    assert set(counts) == set(SETTINGS.danger_categories) | SETTINGS.other_categories
    assert all(counts[category] >= 45 for category in SETTINGS.danger_categories), counts
    assert counts["none"] >= 400
    texts = [normal(text) for text, _ in PHRASINGS]
    assert len(texts) == len(set(texts))


def test_cross_validated_recall_and_question_rate(show_figure) -> None:
    """5 folds over the phrasings and chat negatives: danger phrasings asked >= 95%,
    harmless phrasings <= 6%, everyday chat messages <= 2%."""
    pairs = training_pairs(SETTINGS)
    texts = [normal(text) for text, _ in pairs]
    labels = np.array([category for _, category in pairs])
    chat = np.arange(len(pairs)) >= len(PHRASINGS)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probabilities = cross_val_predict(build_model(SETTINGS.model), texts, labels, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    danger = probabilities[:, [classes.index(c) for c in SETTINGS.danger_categories]].sum(axis=1)
    asked = danger >= SETTINGS.ask_at_or_above
    recall = asked[np.isin(labels, list(SETTINGS.danger_categories))].mean()
    harmless_asked = asked[(labels == "none") & ~chat].mean()
    chat_asked = asked[chat].mean()
    show_figure(f"sign classifier, 5-fold: danger recall {recall:.3f}, harmless phrasings asked {harmless_asked:.3f}, "
                f"chat messages asked {chat_asked:.3f} (n={chat.sum()})")
    assert recall >= 0.95
    assert harmless_asked <= 0.06
    assert chat_asked <= 0.02


def test_chat_negatives_leave_out_messages_with_signs() -> None:
    negatives = chat_negatives(SETTINGS, lambda text: "fever" in text)
    assert len(negatives) > 2000
    assert all(category == "none" and "fever" not in text for text, category in negatives)
    assert not any(text.startswith("- ") or "](" in text for text, _ in negatives)


def test_patterns_miss_these_and_the_classifier_suspects_them(suspicion: SignSuspicion) -> None:
    from bot.language.detector import load_detector

    detector = load_detector()
    for text in UNREAD_DANGER:
        assert not [e for e in detector.detect_text(text) if e.entity == "red_flag"], text
        (entity,) = suspicion.suspected_signs(text, [])
        assert (entity.entity, entity.role) == ("red_flag", "suspected")
        assert entity.value in SETTINGS.danger_categories.values()


@pytest.mark.parametrize("text", [
    "what are these little white bumps on my newborns nose",
    "how do i get rid of milia under my eyes",
    "she had a temperature last month but the doctor said it was a virus and shes fine now",
])
def test_harmless_messages_ask_nothing(text: str, suspicion: SignSuspicion) -> None:
    assert suspicion.suspected_signs(text, []) == []


def test_a_sign_the_patterns_found_is_left_to_them(suspicion: SignSuspicion) -> None:
    text = UNREAD_DANGER[0]
    found = [{"entity": "red_flag", "value": "breathing_difficulty", "start": 0, "end": 5}]
    assert suspicion.suspected_signs(text, found) == []
    suspected = [{**found[0], "role": "suspected"}]
    assert suspicion.suspected_signs(text, suspected) == []
    # a sign told as past does not stop the classifier from asking
    past = [{**found[0], "role": "historical"}]
    assert suspicion.suspected_signs(text, past) != []


def test_short_replies_ask_nothing(suspicion: SignSuspicion) -> None:
    assert suspicion.suspected_signs("ribs sucking in", []) == []


def test_training_is_deterministic() -> None:
    first, second = SignSuspicion(SETTINGS, PHRASINGS), SignSuspicion(SETTINGS, PHRASINGS)
    for text in [*UNREAD_DANGER, "white spots on his nose"]:
        assert first.suspicion(text) == second.suspicion(text)


@pytest.mark.parametrize("change, message", [
    ({"ask_at_or_above": 1.5}, "between 0 and 1"),
    ({"other_categories": ["fever", "none"]}, "both"),
    ({"min_words": None}, "NoneType"),
])
def test_bad_settings_fail_at_load(change: dict, message: str) -> None:
    raw = {**yaml.safe_load(SUSPICION_PATH.read_text(encoding="utf-8")), **change}
    with pytest.raises(PatternFileError, match=message):
        parse_settings(raw)


def test_phrasings_must_match_the_settings(tmp_path: Path) -> None:
    with pytest.raises(PatternFileError, match="categories"):
        SignSuspicion(SETTINGS, [*PHRASINGS, ("a new kind of thing", "unknown_category")])


@pytest.mark.parametrize("text", ["not red, not spreading", "no blue lips no fits", "not red not hot not spreading"])
def test_denials_the_patterns_read_ask_nothing(text: str, suspicion: SignSuspicion) -> None:
    """A bag of words cannot read negation; the classifier reads only what the patterns did not."""
    from bot.language.detector import load_detector

    entities = [entity.as_dict("RedFlagDetector") for entity in load_detector().detect_text(text)]
    assert suspicion.suspicion(text).probability >= SETTINGS.ask_at_or_above, "the whole text looks like a sign"
    assert suspicion.suspected_signs(text, entities) == []


def test_the_unread_part_drops_read_signs_and_denials() -> None:
    text = "no fever but his chest caves in"
    entities = [
        {"entity": "finding", "value": "denied_sign", "start": 3, "end": 8},
        {"entity": "finding", "value": "mentions_baby", "start": 13, "end": 16},
        {"entity": "red_flag", "value": "fever", "role": "historical", "start": 0, "end": 2},
    ]
    assert unread_part(text, entities, SETTINGS.read_by_patterns) == "but his chest caves in"
