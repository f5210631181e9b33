"""What a message is about, beyond its intent: another skin problem, or a second question (no Rasa import).

- ``OtherConditions``: a question about a mole, a lump, a sore that won't heal, acne,
  warts, eczema ... with no word about milia or white bumps is out of scope, even when
  the classifier put it next to a milia topic. Otherwise "has my mole turned into cancer?"
  could get the milia answer that says "harmless, not cancer". The word lists are data
  (bot/resources/other_conditions.yml).
- ``second_question``: a message that asks two things ("what are milia and how do you get
  rid of them?") is answered on its first topic and offered the second. The second topic
  is the classifier's runner-up, used only when the message really holds two questions and
  the runner-up is confident enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from bot.nlu.normalizer import question_count

CONDITIONS_PATH = Path(__file__).resolve().parent.parent / "resources" / "other_conditions.yml"
TOPICS_PATH = Path(__file__).resolve().parent.parent / "resources" / "question_topics.yml"
_QUESTION_SPLIT = re.compile(
    r"(?<=[?.!])\s+|\s*,?\s+(?:and|also|plus)\s+"
    r"(?=(?:what|why|how|when|where|which|can|could|should|is|are|do|does|will)\b)",
    re.IGNORECASE,
)
SERIOUS_LESION = "serious_lesion"
SKIN_CONDITION = "skin_condition"


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word match of any phrase, with an optional plural; straight or curly apostrophes."""
    alternatives = sorted({re.escape(str(p).lower()).replace("'", "['’]?") for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")(?:s|es)?\b")


@dataclass(frozen=True)
class Finding:
    category: str  # SERIOUS_LESION or SKIN_CONDITION
    phrase: str


class OtherConditions:
    """Finds another skin problem named in a message that does not mention milia."""

    def __init__(self, settings: dict[str, Any]) -> None:
        for key in (SERIOUS_LESION, SKIN_CONDITION, "about_milia", "overridable_intents"):
            if not settings.get(key):
                raise ValueError(f"other conditions: '{key}' is missing or empty")
        self.serious = _phrase_pattern(settings[SERIOUS_LESION])
        self.skin = _phrase_pattern(settings[SKIN_CONDITION])
        self.milia = _phrase_pattern(settings["about_milia"])
        self.overridable = frozenset(settings["overridable_intents"])

    @classmethod
    def from_file(cls, path: Path = CONDITIONS_PATH) -> OtherConditions:
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def find(self, text: str) -> Optional[Finding]:
        """The other condition the message is about (a serious lesion first), or None.

        None when the message also speaks of milia or white bumps: then it is a
        look-alike question or a description of bumps, which the milia answers cover.
        """
        lower = text.lower()
        if self.milia.search(lower):
            return None
        for category, pattern in ((SERIOUS_LESION, self.serious), (SKIN_CONDITION, self.skin)):
            match = pattern.search(lower)
            if match:
                return Finding(category, match.group(0))
        return None

    def overrides(self, intent: Optional[str]) -> bool:
        return intent in self.overridable


class QuestionTopics:
    """Cue words for the topic of one question (bot/resources/question_topics.yml)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.patterns = [(str(topic), [re.compile(p) for p in patterns])
                         for topic, patterns in (settings.get("topics") or {}).items()]
        if not self.patterns:
            raise ValueError("question topics: 'topics' is missing or empty")

    @classmethod
    def from_file(cls, path: Path = TOPICS_PATH) -> QuestionTopics:
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def topic_of(self, question: str) -> Optional[str]:
        lower = question.lower()
        return next((topic for topic, patterns in self.patterns if any(p.search(lower) for p in patterns)), None)


def split_questions(text: str) -> list[str]:
    """The message cut into sentences and "..., and how/what ..." parts."""
    return [part.strip() for part in _QUESTION_SPLIT.split(text) if part and part.strip()]


def second_question(text: str, ranking: list[dict[str, Any]], topics: Iterable[str], min_confidence: float,
                    cues: Optional[QuestionTopics] = None) -> Optional[str]:
    """The second topic a two-question message asks about, or None.

    Only for a message with at least two questions whose chosen intent (``ranking[0]``)
    is a milia topic. First, each question's own topic from its cue words (``cues``): a
    topic other than the chosen one is the second question. Otherwise the classifier's
    runner-up counts when it is a milia topic with a confidence of ``min_confidence``.
    """
    allowed = set(topics)
    if not ranking or ranking[0].get("name") not in allowed or question_count(text) < 2:
        return None
    chosen = ranking[0]["name"]
    if cues is not None:
        for part in split_questions(text):
            topic = cues.topic_of(part)
            if topic in allowed and topic != chosen:
                return topic
    if len(ranking) < 2:
        return None
    second = ranking[1]
    if second.get("name") not in allowed or float(second.get("confidence") or 0.0) < min_confidence:
        return None
    return str(second["name"])
