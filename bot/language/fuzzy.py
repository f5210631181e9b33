"""Tolerant spelling: misspelt sign words corrected by edit distance (``rapidfuzz``).

Why: parents type fast on phones ("brething", "unresponive", "sezuire"); a list of
hand-written misspellings is never complete. spaCy's FUZZY operator needs spaCy 3.5,
Rasa 3.6 pins 3.4, so the correction happens before matching: a token that is no
English word (not in the lemma lookup table of ``spacy-lookups-data``, not in our own
pattern files) and is close to a sign word is read as that word. Every correction
carries its score; the detector marks a sign found only through a weak or ambiguous
correction as ``suspected`` rather than certain.

Guards against false alarms: only unknown words are corrected (not in spaCy's lemma
lookup table nor WordNet's word index, both from ``spacy-lookups-data``; so "feeling"
never becomes "feeding", "breed" never "bleed", "forever" never "fever"), words shorter than ``min_length`` are left
alone, and the ``never_correct`` list in ``red_flags.yml`` holds words people type that
look like sign words but are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Container, Iterable, Mapping

import spacy_lookups_data
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from spacy.util import load_language_data

PARTS_OF_SPEECH = ("adj", "adv", "noun", "verb")


def english_words() -> frozenset[str]:
    """Base forms of English words: WordNet's index as ``spacy-lookups-data`` ships it.

    The lemma lookup table knows inflected forms ("reads", "feeling"); this index adds
    base words that have none ("forever", "infectious"), so neither is "corrected".
    """
    index = load_language_data(spacy_lookups_data.en["lemma_index"])
    return frozenset(word for pos in PARTS_OF_SPEECH for word in index.get(pos, []) if word.isalpha())


@dataclass(frozen=True)
class Correction:
    """A token read as ``word``; ``certain`` when it is a typo or two away and no other word comes close."""

    index: int
    original: str
    word: str
    score: float
    certain: bool


class SpellingCorrector:
    """Corrects unknown tokens towards a vocabulary of sign words."""

    def __init__(
        self,
        config: Mapping[str, Any],
        sign_words: Iterable[str],
        known_words: Iterable[str],
        dictionary: Container[str] = frozenset(),
    ):
        self.min_length = int(config["min_length"])
        self.cutoff = float(config["cutoff"])
        # (minimum word length, edits): a correction within that many edits (a
        # transposition is one) of a word at least that long is certain
        self.certain_edits = sorted((int(length), int(edits)) for length, edits in config["certain_edits"])
        self.margin = float(config["margin"])
        self._never = {str(word) for word in config.get("never_correct", [])}
        self.sign_words = sorted({w for w in sign_words if len(w) >= self.min_length and w.isalpha()})
        self._known = {str(w) for w in known_words} | set(self.sign_words) | self._never
        self._known |= {str(word) for word in config.get("known_words", [])}
        self._dictionary = dictionary  # e.g. spaCy's lemma lookup table: any English word form

    def is_candidate(self, word: str) -> bool:
        """Only unknown alphabetic words long enough to be a misspelt sign word."""
        return (
            len(word) >= self.min_length and word.isalpha() and word not in self._known and word not in self._dictionary
        )

    def correct_word(self, word: str) -> tuple[str, float, bool] | None:
        """The closest sign word, its score (0-100) and whether it is certain; None when nothing is close.

        Candidates are ranked by rapidfuzz's ratio; certainty counts edits (optimal
        string alignment: "purpel" is one transposition from "purple").
        """
        if not self.is_candidate(word):
            return None
        best = process.extract(word, self.sign_words, scorer=fuzz.ratio, limit=3, score_cutoff=self.cutoff)
        if not best:
            return None
        top_word, top_score, _ = best[0]
        # a rival is a different word, not another spelling of the same one ("brething", "breathng")
        rivals = [
            score for other, score, _ in best[1:] if other[:3] != top_word[:3] or OSA.distance(other, top_word) > 2
        ]
        edits = OSA.distance(word, top_word)
        allowed = max((n for length, n in self.certain_edits if len(top_word) >= length), default=0)
        certain = edits <= allowed and (not rivals or top_score - rivals[0] >= self.margin)
        return top_word, float(top_score), certain

    def corrections(self, words: Iterable[str]) -> list[Correction]:
        """Corrections for a message's lowercase tokens."""
        found = []
        for index, word in enumerate(words):
            best = self.correct_word(word)
            if best is not None:
                found.append(Correction(index, word, *best))
        return found
