"""Intent boundaries as records: when a message's own words move it to another intent (no Rasa import).

Why: the classifier counts words, so "why do they show up?" lands on the questionnaire's
"why do you ask?" (both are "why do ..."), and a parent's report of a baby's spots with a
danger sign lands on the newborn-milia answer. The contract draws these boundaries by who
or what the words are about, which a short record can say and a test can check. Records
live in ``bot/resources/intent_boundaries.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

BOUNDARIES_PATH = Path(__file__).resolve().parent.parent / "resources" / "intent_boundaries.yml"
_WORD = re.compile(r"[a-z']+")
# A question: a question mark, or a first word that opens one.
_QUESTION = re.compile(
    r"\?|^\s*(?:what|why|how|when|where|who|which|is|are|can|could|do|does|should|will|would|shall)\b"
)


@dataclass(frozen=True)
class Boundary:
    """One record: ``from`` becomes ``to`` when the conditions hold."""

    name: str
    source: str
    target: str
    when_any_word: frozenset[str] = frozenset()
    # a second group, of which one word must also be there ("pregnant" and "retinol")
    and_any_word: frozenset[str] = frozenset()
    unless_any_word: frozenset[str] = frozenset()
    when_present_sign: bool = False
    unless_question: bool = False

    def moves(self, text: str, intent: Optional[str], present_signs: bool) -> bool:
        """Whether this record moves a message of ``intent`` with these words (and signs, if any)."""
        if intent != self.source:
            return False
        words = set(_WORD.findall(text.lower()))
        if self.when_any_word and not words & self.when_any_word:
            return False
        if self.and_any_word and not words & self.and_any_word:
            return False
        if words & self.unless_any_word:
            return False
        if self.when_present_sign and not present_signs:
            return False
        return not (self.unless_question and _QUESTION.search(text.lower()))


def parse_boundaries(raw: Mapping[str, Any]) -> list[Boundary]:
    """Records from the file's mapping; a record that could never fire is an error."""
    found = []
    for record in raw.get("boundaries") or []:
        boundary = Boundary(
            name=str(record["name"]),
            source=str(record["from"]),
            target=str(record["to"]),
            when_any_word=frozenset(str(w) for w in record.get("when_any_word") or []),
            and_any_word=frozenset(str(w) for w in record.get("and_any_word") or []),
            unless_any_word=frozenset(str(w) for w in record.get("unless_any_word") or []),
            when_present_sign=bool(record.get("when_present_sign", False)),
            unless_question=bool(record.get("unless_question", False)),
        )
        if boundary.source == boundary.target:
            raise ValueError(f"intent boundary {boundary.name!r}: from and to are the same intent")
        if not (boundary.when_any_word or boundary.when_present_sign):
            raise ValueError(f"intent boundary {boundary.name!r}: needs when_any_word or when_present_sign")
        found.append(boundary)
    return found


def load_boundaries(path: Path = BOUNDARIES_PATH) -> list[Boundary]:
    """The records of the boundaries file, checked."""
    return parse_boundaries(yaml.safe_load(path.read_text(encoding="utf-8")))


def has_present_sign(entities: Iterable[Mapping[str, Any]]) -> bool:
    """A red flag the detector read as present (no role: not past, someone else's, asked about ...)."""
    return any(e.get("entity") == "red_flag" and not e.get("role") for e in entities)


def moved_intent(
    text: str, intent: Optional[str], entities: Iterable[Mapping[str, Any]], boundaries: Iterable[Boundary]
) -> Optional[str]:
    """The intent the first matching record moves the message to, else None."""
    present = has_present_sign(entities)
    return next((b.target for b in boundaries if b.moves(text, intent, present)), None)
