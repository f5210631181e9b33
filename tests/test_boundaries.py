"""Intent boundaries as records (bot/nlu/boundaries.py, bot/resources/intent_boundaries.yml)."""

from __future__ import annotations

from typing import Any, Optional

import pytest
import yaml

from bot.nlu.boundaries import load_boundaries, moved_intent, parse_boundaries

BOUNDARIES = load_boundaries()
FEVER = {"entity": "red_flag", "value": "fever"}
PAST_FEVER = {"entity": "red_flag", "value": "fever", "role": "historical"}


@pytest.mark.parametrize(
    ("text", "intent", "entities", "expected"),
    [
        # a why about the bumps is a question about causes
        ("Why Do They Show Up?", "ask_why", [], "ask_causes"),
        ("i never had these before, why now?", "ask_why", [], "ask_causes"),  # "these": the bumps
        ("why do milia come back", "ask_why", [], "ask_causes"),
        # ... a why about the questions stays the questionnaire's "why do you ask?"
        ("why?", "ask_why", [], None),
        ("why do you need to know", "ask_why", [], None),
        ("why does it matter how long they've been there", "ask_why", [], None),
        ("why is that important", "ask_why", [], None),
        ("why this?", "ask_why", [], None),
        ("why now", "ask_why", [], None),
        ("why would it change anything", "ask_why", [], None),
        ("why do u ask about them", "ask_why", [], None),
        # a baby's bumps told with a sign read as present are a description
        ("baby has white spots on her nose, lips look bluish", "ask_newborn_milia", [FEVER], "describe_symptoms"),
        ("my newborns face is covered in little white dots, is this ok?", "ask_newborn_milia", [FEVER], None),
        ("what are the white spots on my newborn's nose", "ask_newborn_milia", [FEVER], None),
        ("my newborn had a fever last week and has white spots", "ask_newborn_milia", [PAST_FEVER], None),
        ("my newborn has white spots on her nose", "ask_newborn_milia", [], None),
        # a skin product asked about in pregnancy or breastfeeding gets the treatment answer
        ("im breastfeeding my 3 month old, can i use differin", "out_of_scope", [], "ask_treatment"),
        ("is glycolic acid ok when pregnant", "out_of_scope", [], "ask_treatment"),
        # ... both word groups are needed
        ("can i dye my hair while pregnant", "out_of_scope", [], None),
        ("is retinol good for wrinkles", "out_of_scope", [], None),
        # ... and a pregnancy symptom beside it keeps the out-of-scope answer (ask a doctor; 911)
        ("pregnant and my waters might have broken, can i use a bha on my face", "out_of_scope", [], None),
        ("pregnant and havent felt the baby move since yesterday, can i use adapalene", "out_of_scope", [], None),
        # other intents are never moved
        ("why do they show up", "ask_causes", [], None),
        ("baby has white spots and a fever", "describe_symptoms", [FEVER], None),
    ],
)
def test_a_boundary_moves_only_what_its_words_decide(
    text: str, intent: str, entities: list[dict[str, Any]], expected: Optional[str]
) -> None:
    assert moved_intent(text, intent, entities, BOUNDARIES) == expected


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"name": "x", "from": "ask_why", "to": "ask_why", "when_any_word": ["they"]}, "same intent"),
        ({"name": "x", "from": "ask_why", "to": "ask_causes"}, "needs when_any_word"),
    ],
)
def test_a_record_that_cannot_work_fails_at_load(record: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_boundaries({"boundaries": [record]})


def test_the_guard_runs_after_the_classifier_and_before_the_scope_guard() -> None:
    """The scope guard decides on the moved intent; the classifier must have run first."""
    from pathlib import Path

    names = [c["name"] for c in yaml.safe_load((Path(__file__).parent.parent / "config.yml").read_text())["pipeline"]]
    guard = names.index("bot.nlu.intent_guards.IntentBoundaryGuard")
    assert names.index("bot.nlu.classifiers.BlankSafeLogisticRegressionClassifier") < guard
    assert guard < names.index("bot.nlu.intent_guards.ScopeGuard")
