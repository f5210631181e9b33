"""Spelling and text-speak normaliser for the intent classifier's features (no Rasa import).

People write "wat r milia", "my babys eyelid", "dermatoligist". The classifier learns from
word and character counts, so an unseen spelling weakens or misleads it. This module maps
each word to the words the classifier knows: text speak from a list, misspellings to the
closest domain or training word (RapidFuzz edit distance). It is applied to features only
(see bot/nlu/feature_text.py): the message the person wrote is stored unchanged.

It also finds which part of a long message is the question, so that a story followed by
one question is classified by its question (``question_span``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

SETTINGS_PATH = Path(__file__).resolve().parent.parent / "resources" / "normalizer.yml"
_LETTERS = re.compile(r"^[a-z][a-z0-9']*$")
# Phones and copied web text write apostrophes as typographic quotes ("baby’s", "don’t"):
# the training data has straight ones, so the classifier would see other words.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'"})


class EnglishWords:
    """English word forms and lemmas from spaCy's lookup tables (spacy-lookups-data, no download).

    The table's keys are stored hashed, so membership is asked of the table itself.
    """

    def __init__(self) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS
        from spacy.lookups import load_lookups

        lookups = load_lookups("en", ["lemma_lookup", "lemma_index"])
        self._forms = lookups.get_table("lemma_lookup")
        base_words = {str(word) for words in lookups.get_table("lemma_index").values() for word in words}
        lemmas = {str(value) for value in self._forms.values()}
        self._lemmas = frozenset(word.lower() for word in base_words | lemmas | set(STOP_WORDS))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._lemmas or word in self._forms)

    def lemma(self, word: str) -> str:
        return str(self._forms.get(word, word))


@lru_cache(maxsize=1)
def english_words() -> EnglishWords:
    return EnglishWords()


def load_settings(path: Path = SETTINGS_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    for key in ("text_speak", "domain_words", "min_fuzzy_length", "max_distance_short", "long_word_length",
                "max_distance_long", "min_training_count"):
        if key not in settings:
            raise ValueError(f"{path}: missing '{key}'")
    return settings


def vocabulary_of(texts: Iterable[str]) -> dict[str, int]:
    """Word counts of the training texts (lower case, letters only): the normaliser's own dictionary."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word in re.findall(r"[a-z][a-z']*", text.lower()) if len(word) > 1)
    return dict(counts)


@dataclass
class SpellingNormalizer:
    """Maps one written word to the word(s) the classifier should see."""

    settings: dict[str, Any]
    training_counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.text_speak: dict[str, str] = {str(k).lower(): str(v or "") for k, v in self.settings["text_speak"].items()}
        domain = [str(word).lower() for word in self.settings["domain_words"]]
        min_count = int(self.settings["min_training_count"])
        frequent = sorted((w for w, n in self.training_counts.items() if n >= min_count and len(w) >= 3),
                          key=lambda w: -self.training_counts[w])
        # Domain words first so that a tie goes to them; then training words by frequency.
        self.targets: list[str] = list(dict.fromkeys(domain + frequent))
        self.english = english_words()
        self.known: frozenset[str] = frozenset(self.training_counts) | frozenset(domain)
        self._cache: dict[str, str] = {}

    @classmethod
    def from_file(cls, training_counts: Optional[dict[str, int]] = None,
                  path: Path = SETTINGS_PATH) -> SpellingNormalizer:
        return cls(load_settings(path), dict(training_counts or {}))

    def max_distance(self, word: str) -> int:
        if len(word) < int(self.settings["min_fuzzy_length"]):
            return 0
        if len(word) >= int(self.settings["long_word_length"]):
            return int(self.settings["max_distance_long"])
        return int(self.settings["max_distance_short"])

    def normalise_word(self, word: str) -> str:
        """The word(s) to use instead of ``word`` (lower case, straight apostrophes); else the word itself."""
        lower = word.lower().translate(_APOSTROPHES)
        if lower in self.text_speak:
            return self.text_speak[lower]
        if lower in self.known or lower in self.english or not _LETTERS.match(lower):
            return lower
        if lower not in self._cache:
            self._cache[lower] = self._closest(lower)
        return self._cache[lower]

    def _closest(self, word: str) -> str:
        limit = self.max_distance(word)
        if not limit:
            return word
        match = process.extractOne(word, self.targets, scorer=OSA.distance, score_cutoff=limit)
        if match is None:
            return word
        candidate, distance, _ = match
        # Never change the first letter and the length by much at the same time: "mole" is not "milk".
        if distance > 1 and candidate[0] != word[0]:
            return word
        return candidate

    def normalise(self, words: Iterable[str]) -> list[str]:
        return [self.normalise_word(word) for word in words]


# ----------------------------------------------------------------------------- questions

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_QUESTION_START = re.compile(
    r"^(?:\W*)(what|whats|what's|wat|why|how|when|where|who|which|can|could|should|shall|is|are|am|"
    r"do|does|did|will|would|has|have|may|might|any|anyone|anybody)\b",
    re.IGNORECASE,
)
# A story is at least this long before its question is given extra weight.
MIN_STORY_WORDS = 12


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str

    @property
    def is_question(self) -> bool:
        stripped = self.text.strip()
        return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))


def sentences(text: str) -> list[Sentence]:
    """Sentences with their character offsets (split at . ? ! followed by space, and at new lines)."""
    found, position = [], 0
    for piece in _SENTENCE_END.split(text):
        start = text.find(piece, position)
        if piece.strip():
            found.append(Sentence(start, start + len(piece), piece))
        position = start + len(piece)
    return found


# Where a run-on sentence's clauses meet: a comma, semicolon, colon or dash, or the space
# before "and/but/so" followed by a question word.
_CLAUSE_BREAK = re.compile(
    r"[,;:]\s+|\s+-+\s+|\s+(?=(?:and|but|so)\s+(?:what|why|how|when|where|which|can|could|should|"
    r"is|are|do|does|did|will|would)\b)",
    re.IGNORECASE,
)
_LEADING_CONJUNCTION = re.compile(r"^(?:and|but|so|or)\s+", re.IGNORECASE)


def _trailing_question_clause(sentence: Sentence) -> Optional[tuple[int, int]]:
    """Offsets of the question clause a run-on story sentence ends with ("..., could the cream have done that")."""
    for start in reversed([match.end() for match in _CLAUSE_BREAK.finditer(sentence.text)]):
        clause = _LEADING_CONJUNCTION.sub("", sentence.text[start:])
        if _QUESTION_START.match(clause) and len(clause.split()) >= 3:
            return sentence.start + start, sentence.end
    return None


def question_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the questions a long message asks after (or around) its story, or [].

    A message of at least ``MIN_STORY_WORDS`` words that tells something (a sentence that
    is not a question, or a run-on sentence before its question clause) and asks: every
    question sentence, or, when no sentence is a question, the question clause the last
    sentence ends with. [] for short messages and for stories with no question.
    """
    parts = sentences(text)
    if len(text.split()) < MIN_STORY_WORDS:
        return []
    questions = [part for part in parts if part.is_question]
    if questions and len(questions) < len(parts):
        return [(part.start, part.end) for part in questions]
    if parts:
        clause = _trailing_question_clause(parts[-1])
        if clause is not None:
            return [clause]
    return []


def question_span(text: str) -> Optional[tuple[int, int]]:
    """Offsets of the last question of a long message that tells a story (``question_spans``), or None."""
    spans = question_spans(text)
    return spans[-1] if spans else None


def question_count(text: str) -> int:
    """How many questions a message asks: question sentences, and "... and how/what ..." inside one."""
    count = 0
    for part in sentences(text):
        if not part.is_question:
            continue
        count += 1 + len(re.findall(r"\b(?:and|or|also|plus)\s+(?:what|why|how|when|where|which|can|could|should|"
                                    r"is|are|do|does|will)\b", part.text, re.IGNORECASE))
    return count
