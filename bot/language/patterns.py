"""Pattern compiling: the YAML token-spec mini-language -> spaCy Matcher patterns.

Why a mini-language: a clinician reviews ``red_flags.yml`` and ``context_rules.yml``;
"=after|since $gap{0,3} burn" reads better than nested token dicts. Words are
lemmatised once with the same pipeline that reads messages, so "swollen" also
matches "swelling". The syntax is documented at the top of ``red_flags.yml``.
"""

from __future__ import annotations

import re
from itertools import product
from typing import Any, Iterable, Mapping, Optional, Sequence

from spacy.language import Language

_QUANTIFIER = re.compile(r"^(?P<body>.+?)(?P<op>[?*+]|\{\d+(?:,\d+)?\})$")
_RANGE = re.compile(r"^\{(\d+)(?:,(\d+))?\}$")


class PatternFileError(ValueError):
    """A pattern or rule file is invalid; raised at load so a bad edit never reaches users."""


class PatternCompiler:
    """Turns the YAML token-spec mini-language into spaCy Matcher patterns."""

    def __init__(self, nlp: Language, classes: Mapping[str, Any], units: Mapping[str, Any], numbers: Mapping[str, Any]):
        self._nlp = nlp
        self._units = units
        self._numbers = numbers
        self.words: set[str] = set()  # every plain word the patterns name (known to the spelling checker)
        self.last_words: set[str] = set()  # the words of the last compiled pattern, classes included
        self._classes: dict[str, list[dict[str, Any]]] = {}
        self._class_words: dict[str, set[str]] = {}
        for name, spec in classes.items():
            self.last_words = set()
            self._classes[name] = self._class_alternatives(spec)
            self._class_words[name] = self.last_words

    def _class_alternatives(self, spec: Any) -> list[dict[str, Any]]:
        """A class is a token spec string, a spaCy token dict, or a list of either."""
        if isinstance(spec, list):
            return [alt for item in spec for alt in self._class_alternatives(item)]
        if isinstance(spec, str) and not spec.startswith("$"):
            return self._token(spec)
        if isinstance(spec, dict) and "from_units" in spec:
            return [{"LOWER": {"IN": unit_spellings(self._units, spec["from_units"], spec.get("age", False))}}]
        if isinstance(spec, dict) and "numbers" in spec:
            return [{"LOWER": {"REGEX": number_regex(self._numbers, spec["numbers"])}}]
        if isinstance(spec, dict):
            return [dict(spec)]
        raise PatternFileError(f"class must be a token spec, a token dict or a list of them: {spec!r}")

    def add_classes(self, classes: Mapping[str, Any]) -> None:
        """More token classes (another rule file's own); a name may be defined once."""
        for name, spec in classes.items():
            if name in self._classes:
                raise PatternFileError(f"token class {name!r} defined twice")
            self.last_words = set()
            self._classes[name] = self._class_alternatives(spec)
            self._class_words[name] = self.last_words

    def lemma(self, word: str) -> str:
        """Lemma of one word with our pipeline (the same one that reads messages)."""
        doc = self._nlp(word.lower())
        if len(doc) != 1:
            raise PatternFileError(f"{word!r} is {len(doc)} tokens; use one token per spec")
        return doc[0].lemma_

    def _token(self, spec: str) -> list[dict[str, Any]]:
        """Alternatives (token dicts without OP) for one spec body."""
        if spec == "*":
            return [{}]
        if spec.startswith("~"):
            return [{"LOWER": {"REGEX": spec[1:]}}]
        if spec.startswith("="):
            words = spec[1:].split("|")
            if "" in words:
                # "=?" read as an optional empty word matched nothing it meant to: round 18
                # found "look like =?" (a question) reading "her lips are swollen, they look
                # like sausages" as hypothetical. A literal "?" is "~^\?$".
                raise PatternFileError(f"empty word in {spec!r} (a literal ? is ~^\\?$)")
            self._seen(words)
            return [{"LOWER": {"IN": words}}]
        alternatives: list[dict[str, Any]] = []
        words = []
        for part in spec.split("|"):
            if part.startswith("$"):
                if part[1:] not in self._classes:
                    raise PatternFileError(f"unknown token class {part!r}")
                alternatives += [dict(alt) for alt in self._classes[part[1:]]]
                self._seen(self._class_words.get(part[1:], set()))
            else:
                words.append(part)
        if words:
            self._seen(words)
            lemmas = sorted({self.lemma(word) for word in words} | {w.lower() for w in words})
            alternatives.append({"LEMMA": {"IN": lemmas}})
        return alternatives

    def _seen(self, words: Iterable[str]) -> None:
        self.words.update(words)
        self.last_words.update(words)

    def compile(self, pattern: Any) -> list[list[dict[str, Any]]]:
        """One YAML pattern -> one or more spaCy patterns (class alternatives expand).

        ``last_words`` then holds the plain words it names (for the spelling checker).
        """
        self.last_words = set()
        if isinstance(pattern, list):
            return [[dict(token) for token in pattern]]
        positions: list[list[dict[str, Any]]] = []
        for spec in str(pattern).split():
            body, op = spec, None
            found = _QUANTIFIER.match(spec)
            if found and not spec.startswith("~"):
                body, op = found.group("body"), found.group("op")
            alternatives = self._token(body)
            for token_op in _expand_op(op):
                positions.append([{**alt, "OP": token_op} if token_op else alt for alt in alternatives])
        return [list(combo) for combo in product(*positions)]


def _expand_op(op: Optional[str]) -> list[Optional[str]]:
    """``{m,n}`` becomes m required and n-m optional copies; other ops pass through."""
    if op is None:
        return [None]
    found = _RANGE.match(op)
    if not found:
        return [op]
    low = int(found.group(1))
    high = int(found.group(2)) if found.group(2) is not None else low
    if high < low:
        raise PatternFileError(f"bad repeat {op}")
    return [None] * low + ["?"] * (high - low)


def number_words(numbers: Mapping[str, Any]) -> dict[str, float]:
    """Every word the number reader knows, with its value ("a" and "an" are 1)."""
    words = {str(w): float(v) for key in ("words", "vague_words", "decade_words") for w, v in numbers[key].items()}
    return {**words, **{str(article): 1.0 for article in numbers["article_words"]}}


def number_regex(numbers: Mapping[str, Any], parts: Sequence[str]) -> str:
    """One anchored regex for a number token, built from parts of the ``numbers`` section.

    One REGEX token instead of LIKE_NUM-or-word alternatives keeps the Matcher small.
    """
    sources = {
        "digits": [numbers["regex"]],
        "glued": [numbers["glued_regex"]],
        "words": [re.escape(str(w)) for w in numbers["words"]],
        "vague": [re.escape(str(w)) for w in numbers["vague_words"]],
        "decades": [re.escape(str(w)) for w in numbers["decade_words"]],
        "articles": [re.escape(str(w)) for w in numbers["article_words"]],
        "joiners": [re.escape(str(w)) for w in numbers["joiner_words"]],
        "points": [re.escape(str(w)) for w in numbers["decimal_point_words"]],
    }
    unknown = set(parts) - set(sources)
    if unknown:
        raise PatternFileError(f"unknown number parts {sorted(unknown)}")
    return "^(?:" + "|".join(alternative for part in parts for alternative in sources[part]) + ")$"


def unit_spellings(units: Mapping[str, Any], group: str, age: bool = False) -> list[str]:
    """All spellings of a unit group from the ``units`` section."""
    section = units[group]
    if isinstance(section, list):
        return [str(word) for word in section]
    words: list[str] = []
    for unit in section.values():
        if isinstance(unit, list):
            words += [str(word) for word in unit]
        else:
            words += unit.get("age_spellings", []) if age else unit.get("spellings", [])
    return words
