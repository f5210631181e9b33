"""Other skin problems and two-question messages, on plain strings (no Rasa)."""

from __future__ import annotations

import pytest

from bot.nlu.intent_guards import KNOWLEDGE_TOPICS
from bot.nlu.scope import SERIOUS_LESION, SKIN_CONDITION, OtherConditions, QuestionTopics, second_question

CONDITIONS = OtherConditions.from_file()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Should I be concerned about my mole? It has changed shape and colour.", SERIOUS_LESION),
        ("has my mole turned into cancer", SERIOUS_LESION),
        ("there's a lump in my neck, do I need to worry", SERIOUS_LESION),
        ("How do you heal sores in your nose that won’t heal?", SERIOUS_LESION),
        ("I have a sore on my lip that hasn't healed in 6 weeks", SERIOUS_LESION),
        ("can you help with my teenage son's acne", SKIN_CONDITION),
        ("How to get rid of cystic acne on the chin?", SKIN_CONDITION),
        ("is it safe to cut warts off?", SKIN_CONDITION),
        ("I've got eczema on my hands that keeps cracking", SKIN_CONDITION),
        ("is psoriasis contagious?", SKIN_CONDITION),
    ],
)
def test_other_skin_problems_are_found(text: str, category: str) -> None:
    finding = CONDITIONS.find(text)
    assert finding is not None and finding.category == category


@pytest.mark.parametrize(
    "text",
    [
        "is it milia or a wart?",
        "are milk spots the same as baby acne?",
        "I have small white lumps on my cheeks",
        "what's the difference between whiteheads and milia",
        "can milia turn into skin cancer",
        "what are milia",
        "my baby has white spots on his nose",
        "how do I get rid of them",
    ],
)
def test_milia_questions_and_descriptions_are_left_alone(text: str) -> None:
    assert CONDITIONS.find(text) is None


def test_only_milia_topics_are_overridden() -> None:
    assert CONDITIONS.overrides("ask_harmful") and CONDITIONS.overrides("describe_symptoms")
    assert not CONDITIONS.overrides("greet") and not CONDITIONS.overrides("ask_privacy")


def ranking(*pairs: tuple[str, float]) -> list[dict]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_a_second_question_is_the_confident_runner_up() -> None:
    text = "What are milia and how do you get rid of them?"
    assert second_question(text, ranking(("ask_what_is_milia", 0.5), ("ask_treatment", 0.3)),
                           KNOWLEDGE_TOPICS, 0.2) == "ask_treatment"


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("what are milia?", (("ask_what_is_milia", 0.5), ("ask_treatment", 0.3))),  # one question only
        ("What are milia and how do you get rid of them?", (("ask_what_is_milia", 0.8), ("ask_treatment", 0.1))),
        ("What are milia and how do you get rid of them?", (("ask_what_is_milia", 0.5), ("greet", 0.3))),
        ("hi and how are you?", (("greet", 0.5), ("ask_treatment", 0.3))),
    ],
)
def test_no_second_question_otherwise(text: str, pairs: tuple) -> None:
    assert second_question(text, ranking(*pairs), KNOWLEDGE_TOPICS, 0.2) is None


CUES = QuestionTopics.from_file()


@pytest.mark.parametrize(
    ("text", "chosen", "second"),
    [
        ("What are milia and how do you get rid of them?", "ask_treatment", "ask_what_is_milia"),
        ("What are milia and how do you get rid of them?", "ask_what_is_milia", "ask_treatment"),
        ("Are they contagious? Will they go away on their own?", "ask_contagious", "ask_duration"),
        ("Can I squeeze them, and should I see a doctor?", "ask_home_removal", "ask_see_doctor"),
    ],
)
def test_the_second_question_is_found_from_its_own_words(text: str, chosen: str, second: str) -> None:
    # The classifier is sure of one topic (runner-up near 0): the other question's words find the second.
    assert second_question(text, ranking((chosen, 0.99), ("greet", 0.001)), KNOWLEDGE_TOPICS, 0.2, CUES) == second


def test_one_question_in_two_sentences_of_the_same_topic_has_no_second() -> None:
    text = "How do I get rid of milia? What cream can I use?"
    assert second_question(text, ranking(("ask_treatment", 0.9), ("greet", 0.01)), KNOWLEDGE_TOPICS, 0.2, CUES) is None
