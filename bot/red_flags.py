"""Deterministic, negation-aware red-flag detector (pure logic: no Rasa imports).

Why this exists: an emergency must never depend on a classifier's guess. Every sign
the triage rules know is found here with spaCy ``Matcher``/``PhraseMatcher`` patterns
over lemmas and lowercase text, loaded from ``resources/red_flags.yml``. This module
is deliberately generic: it compiles the patterns, reads numbers (temperatures, ages,
durations) with units and thresholds from the same file, and applies one negation
algorithm. Which words mean what is data, reviewable by a clinician, not code.

Safety properties (tested in tests/test_red_flags.py):
* A sign is only dropped for an explicit negation in its own clause ("no fever"),
  never for uncertainty ("not sure if she has a fever"): unclear means urgent.
* A negation word inside a sign's own span ("won't wake") is part of the sign.
* A stated temperature below the threshold is not a fever; at or above it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

PATTERNS_PATH = Path(__file__).parent / "resources" / "red_flags.yml"

_QUANTIFIER = re.compile(r"^(?P<body>.+?)(?P<op>[?*+]|\{\d+(?:,\d+)?\})$")
_RANGE = re.compile(r"^\{(\d+)(?:,(\d+))?\}$")

# Matcher labels for the special match kinds (rule matches use "rule<N>").
CUE, PSEUDO, UNCERTAIN, HARMLESS = "neg_cue", "neg_pseudo", "neg_uncertain", "harmless"


class PatternFileError(ValueError):
    """The pattern file is invalid; raised at load so a bad edit never reaches users."""


@dataclass(frozen=True)
class Entity:
    """One detected entity; offsets are character offsets into the message text."""

    entity: str
    value: str
    start: int
    end: int
    text: str

    def as_dict(self, extractor: str) -> dict[str, Any]:
        """The Rasa entity dict (deterministic, so confidence is 1.0)."""
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "confidence_entity": 1.0,
            "extractor": extractor,
        }


@dataclass(frozen=True)
class Rule:
    """One entry of ``rules``: emits ``entity``/``value`` or reads a ``quantity``."""

    label: str
    order: int = 0
    entity: Optional[str] = None
    value: Optional[str] = None
    quantity: Optional[str] = None
    default_unit: Optional[str] = None
    infer: str = "plausible"
    overrides: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hit:
    """A candidate entity on token positions [start, end)."""

    entity: str
    value: str
    start: int
    end: int
    overrides: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NumberRead:
    """A number read from tokens: value, the token index after it, glued suffix."""

    value: float
    after: int
    suffix: str
    has_decimal: bool
    index: int


# ----------------------------------------------------------------------- compiling
class PatternCompiler:
    """Turns the YAML token-spec mini-language into spaCy Matcher patterns."""

    def __init__(self, nlp: Language, classes: Mapping[str, Any], units: Mapping[str, Any], numbers: Mapping[str, Any]):
        self._nlp = nlp
        self._units = units
        self._numbers = numbers
        self._classes: dict[str, list[dict[str, Any]]] = {}
        for name, spec in classes.items():
            self._classes[name] = self._class_alternatives(spec)

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
            return [{"LOWER": {"IN": spec[1:].split("|")}}]
        alternatives: list[dict[str, Any]] = []
        words = []
        for part in spec.split("|"):
            if part.startswith("$"):
                if part[1:] not in self._classes:
                    raise PatternFileError(f"unknown token class {part!r}")
                alternatives += [dict(alt) for alt in self._classes[part[1:]]]
            else:
                words.append(part)
        if words:
            lemmas = sorted({self.lemma(word) for word in words} | {w.lower() for w in words})
            alternatives.append({"LEMMA": {"IN": lemmas}})
        return alternatives

    def compile(self, pattern: Any) -> list[list[dict[str, Any]]]:
        """One YAML pattern -> one or more spaCy patterns (class alternatives expand)."""
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


# ------------------------------------------------------------------------ detector
class RedFlagDetector:
    """Finds red flags, baby mentions, ages, durations, body sites and audience in a Doc.

    Build once (``load_detector``) and call ``detect(doc)`` per message: the patterns
    are compiled at construction, detection is a few matcher passes and a scan.
    """

    def __init__(self, config: Mapping[str, Any], nlp: Language, known_findings: Iterable[str] = ()):
        self._nlp = nlp
        self._config = config
        self._char_map = {str(k): str(v) for k, v in config.get("char_map", {}).items()}
        if any(len(k) != 1 or len(v) != 1 for k, v in self._char_map.items()):
            raise PatternFileError("char_map must map single characters to single characters")
        self._read_units(config)
        negation = config["negation"]
        self._window = int(negation["window"])
        self._post_cues = set(negation.get("post_cues", []))
        self._hard_stops = set(negation["hard_stops"])
        self._soft_stops = set(negation["soft_stops"])
        self._separators = set(negation["list_separators"])
        self._subjects = set(negation["clause_subjects"])
        self._clause_verbs = set(negation["clause_verbs"])
        self._interjections = set(negation["interjections"])
        self._clause_breaks = self._separators | self._soft_stops | self._hard_stops
        self._negatable = set(config["negatable"])
        self._single_value = {k: list(v) for k, v in config["single_value"].items()}
        self._baby = config["baby"]
        self._harmless_hides = set(config.get("harmless", {}).get("hides", []))
        self._longest_span = {entity for entity, choice in config.get("spans", {}).items() if choice == "longest"}
        self._compiler = PatternCompiler(nlp, config["classes"], config["units"], config["numbers"])
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._lemma_phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lower_phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._rules: dict[str, Rule] = {}
        self._labels: dict[int, str] = {}
        self._add_phrases(CUE, negation["cues"])
        self._add_phrases(PSEUDO, negation.get("pseudo", []))
        self._add_phrases(UNCERTAIN, negation.get("uncertainty", []))
        self._add_phrases(HARMLESS, config.get("harmless", {}).get("phrases", []))
        self._add_patterns(HARMLESS, config.get("harmless", {}).get("patterns", []))
        for index, raw in enumerate(config["rules"]):
            self._add_rule(f"rule{index}", raw)
        self._validate(known_findings)

    # --- loading ------------------------------------------------------------------
    def _read_units(self, config: Mapping[str, Any]) -> None:
        units = config["units"]
        self._day_of: dict[str, float] = {}
        self._time_units: dict[str, str] = {}
        for name, unit in units["time"].items():
            self._day_of[name] = float(unit["days"])
            for word in [*unit.get("spellings", []), *unit.get("age_spellings", [])]:
                self._time_units[str(word)] = name
        self._temp_units = {str(w): name for name, words in units["temperature"].items() for w in words}
        self._degree_words = set(units["degree_words"])
        self._other_units = set(units["other_units"])
        numbers = config["numbers"]
        self._number_re = re.compile(numbers["regex"])
        self._number_words = number_words(numbers)
        self._articles = set(numbers["article_words"])
        self._points = set(numbers["decimal_point_words"])
        self._joiners = set(numbers["joiner_words"])
        temperature = config["temperature"]
        self._fever_at = {k: float(v) for k, v in temperature["fever_at_or_above"].items()}
        self._plausible = {k: tuple(v) for k, v in temperature["plausible_ranges"].items()}
        self._bare = {k: tuple(v) for k, v in temperature["bare_decimal_ranges"].items()}
        self._below_cues = [str(cue) for cue in temperature["below_cues"]]
        self._fever_emit = dict(temperature["emits"])
        self._fever_word = dict(temperature["suppresses"])
        self._age_rows = [(row["value"], self._days(row.get("below"))) for row in config["age_groups"]]
        self._duration_rows = [(row["value"], self._days(row.get("below"))) for row in config["duration_buckets"]]

    def _days(self, amount: Optional[Mapping[str, float]]) -> Optional[float]:
        if amount is None:
            return None
        ((unit, count),) = amount.items()
        return float(count) * self._day_of[unit]

    def _key(self, label: str) -> str:
        """Remember the match id of a label (matches are read back by id, not by vocab)."""
        self._labels[self._nlp.vocab.strings.add(label)] = label
        return label

    def _add_phrases(self, label: str, phrases: Iterable[str], exact: bool = False) -> None:
        if any(not isinstance(phrase, str) for phrase in phrases):
            raise PatternFileError(f"{label}: phrases must be strings (quote yes/no/on/off)")
        texts = [phrase.lower() for phrase in phrases]
        if not texts:
            return
        if exact:
            self._lower_phrases.add(self._key(label), [self._nlp.make_doc(text) for text in texts])
        else:
            self._lemma_phrases.add(self._key(label), list(self._nlp.pipe(texts)))

    def _add_patterns(self, label: str, patterns: Iterable[Any]) -> None:
        compiled = [spacy_pattern for pattern in patterns for spacy_pattern in self._compiler.compile(pattern)]
        if compiled:
            try:
                self._matcher.add(self._key(label), compiled)
            except ValueError as error:
                raise PatternFileError(f"{label}: {error}") from error

    def _add_rule(self, label: str, raw: Mapping[str, Any]) -> None:
        rule = Rule(
            label=label,
            order=len(self._rules),
            entity=raw.get("entity"),
            value=raw.get("value"),
            quantity=raw.get("quantity"),
            default_unit=raw.get("default_unit"),
            infer=raw.get("infer", "plausible"),
            overrides=frozenset(raw.get("overrides", [])),
        )
        if (rule.entity is None) == (rule.quantity is None):
            raise PatternFileError(f"{label}: give exactly one of entity or quantity")
        if rule.entity and not rule.value:
            raise PatternFileError(f"{label}: entity {rule.entity!r} needs a value")
        self._rules[label] = rule
        self._add_phrases(label, raw.get("phrases", []))
        self._add_phrases(label, raw.get("exact_phrases", []), exact=True)
        self._add_patterns(label, raw.get("patterns", []))

    def _validate(self, known_findings: Iterable[str]) -> None:
        known = set(known_findings)
        if known:
            unknown = {r.value for r in self._rules.values() if r.entity == "red_flag"} - known
            unknown |= {v for r in self._rules.values() for v in r.overrides} - known
            if unknown:
                raise PatternFileError(f"red flags not in triage_rules.yml: {sorted(unknown)}")
        for rule in self._rules.values():
            if rule.quantity not in (None, "age", "duration", "temperature"):
                raise PatternFileError(f"{rule.label}: unknown quantity {rule.quantity!r}")
            if rule.default_unit and rule.default_unit not in self._day_of:
                raise PatternFileError(f"{rule.label}: unknown unit {rule.default_unit!r}")

    @property
    def red_flag_values(self) -> frozenset[str]:
        """Every red-flag id some rule can emit (for coverage tests)."""
        values = {r.value for r in self._rules.values() if r.entity == "red_flag" and r.value}
        if self._fever_emit.get("entity") == "red_flag":
            values.add(self._fever_emit["value"])
        return frozenset(values)

    # --- detection ----------------------------------------------------------------
    def prepare(self, doc: Doc) -> Doc:
        """A lowercase, lemmatised doc with the same character offsets as ``doc``.

        Rasa's SpacyNLP (case_sensitive: false) already gives one; anything else
        (capitals, curly apostrophes, no lemmas) is re-read with our own pipeline.
        """
        text = doc.text
        norm = "".join(self._char_map.get(c, c.lower() if len(c.lower()) == 1 else c) for c in text)
        if norm == text and doc.has_annotation("LEMMA"):
            return doc
        return self._nlp(norm)

    def detect_text(self, text: str) -> list[Entity]:
        """Convenience for callers without a doc (tests, scripts)."""
        return self.detect(self._nlp.make_doc(text))

    def detect(self, doc: Doc) -> list[Entity]:
        """All entities in ``doc``, sorted by position (texts as the user typed them)."""
        original = doc.text
        doc = self.prepare(doc)
        spans: dict[str, list[tuple[int, int]]] = {CUE: [], PSEUDO: [], UNCERTAIN: [], HARMLESS: []}
        hits: list[Hit] = []
        quantities: list[tuple[Rule, int, int]] = []
        matches = [*self._matcher(doc), *self._lemma_phrases(doc), *self._lower_phrases(doc)]
        for match_id, start, end in matches:
            label = self._labels.get(match_id, "")
            if label in spans:
                spans[label].append((start, end))
            elif label in self._rules:
                rule = self._rules[label]
                if rule.quantity:
                    quantities.append((rule, start, end))
                else:
                    hits.append(Hit(rule.entity or "", rule.value or "", start, end, rule.overrides))
        readings, suppressing = self._read_quantities(doc, quantities)
        hits = [h for h in hits if not self._suppressed_by_reading(h, suppressing)]
        hits += readings
        hits = self._drop_contained(hits, spans[HARMLESS])
        cues, uncertain = self._negation_context(hits, spans)
        hits = [h for h in hits if h.entity not in self._negatable or not self._negated(doc, h, cues, uncertain)]
        hits, baby = self._apply_baby_rule(hits)
        entities = self._to_entities(doc, original, self._single_values(hits))
        return _share_overlapping_spans(self._add_baby_mention(entities) if baby else entities, original)

    def _suppressed_by_reading(self, hit: Hit, readings: Sequence[tuple[int, int]]) -> bool:
        if (hit.entity, hit.value) != (self._fever_word["entity"], self._fever_word["value"]):
            return False
        return any(hit.start < end and start < hit.end for start, end in readings)

    def _drop_contained(self, hits: list[Hit], harmless: Sequence[tuple[int, int]]) -> list[Hit]:
        """Drop hits inside a harmless span (of the types it hides), and findings a containing hit overrides."""
        kept = []
        for hit in hits:
            if hit.entity in self._harmless_hides and any(s <= hit.start and hit.end <= e for s, e in harmless):
                continue
            if any(
                other is not hit and hit.value in other.overrides and other.start <= hit.start and hit.end <= other.end
                for other in hits
            ):
                continue
            kept.append(hit)
        return kept

    # --- negation -----------------------------------------------------------------
    def _negation_context(
        self, hits: Sequence[Hit], spans: Mapping[str, list[tuple[int, int]]]
    ) -> tuple[set[int], set[int]]:
        """Token positions of real negation cues and of uncertainty phrases.

        A cue word inside a sign ("won't wake"), a pseudo-negation ("no longer") or a
        harmless phrase is no cue.
        """
        blocked = _positions(spans[PSEUDO]) | _positions(spans[HARMLESS])
        blocked |= _positions((h.start, h.end) for h in hits if h.entity in self._negatable)
        return _positions(spans[CUE]) - blocked, _positions(spans[UNCERTAIN])

    def _negated(self, doc: Doc, hit: Hit, cues: set[int], uncertain: set[int]) -> bool:
        """True when a negation word governs the hit: NegEx-style with clause scope.

        Walk back from the hit up to ``window`` tokens. Uncertainty or a clause end
        stops the walk (sign kept); a negation cue ends it (sign negated), unless an
        "and" came between without a comma list ("no fever and floppy" keeps floppy).
        A clause ends at a stop word, or at a subject that follows a separator or is
        followed by a verb ("no fever she's floppy"), so "no" right before a subject
        ("no she's floppy") negates nothing. A post cue ("fever-free") right after the
        hit negates it.
        """
        pending_and = False
        i = hit.start - 1
        while i >= 0 and hit.start - i <= self._window:
            word = doc[i].lower_
            if i in uncertain:
                return False
            if i in cues:
                return not pending_and
            if word in self._hard_stops or "\n" in doc[i].text:
                return False
            if word in self._subjects and (
                _word_at(doc, i - 1) in self._clause_breaks
                or _word_at(doc, i - 1) in self._interjections
                or _word_at(doc, i + 1) in self._clause_verbs
            ):
                return False
            if word in self._soft_stops:
                pending_and = True
            elif word in self._separators:
                pending_and = False
            i -= 1
        after = hit.end
        while after < len(doc) and doc[after].lower_ == "-":
            after += 1
        return after < len(doc) and doc[after].lower_ in self._post_cues

    # --- quantities ---------------------------------------------------------------
    def _read_quantities(
        self, doc: Doc, candidates: Sequence[tuple[Rule, int, int]]
    ) -> tuple[list[Hit], list[tuple[int, int]]]:
        """Parse candidate spans; keep the longest readable, non-overlapping ones.

        Kinds are taken in order age, temperature, duration, so "3 weeks old" is an
        age and never also a duration. Of overlapping readings the rule listed first
        in the file wins, then the longer ("3 weeks old" before "she is 3 weeks"). Returns the hits and
        every temperature reading's span (those suppress fever words inside them).
        """
        taken: set[int] = set()
        hits: list[Hit] = []
        temperature_spans: list[tuple[int, int]] = []
        for kind in ("age", "temperature", "duration"):
            parsed = []
            for rule, start, end in candidates:
                if rule.quantity == kind:
                    value = self._read(rule, doc[start:end])
                    if value is not None:
                        parsed.append((rule.order, start - end, start, end, value))
            for _, _, start, end, value in sorted(parsed):
                if taken & set(range(start, end)):
                    continue
                taken |= set(range(start, end))
                if kind == "temperature":
                    temperature_spans.append((start, end))
                    if value == "fever":
                        hits.append(Hit(self._fever_emit["entity"], self._fever_emit["value"], start, end))
                else:
                    hits.append(Hit("age_group" if kind == "age" else "duration", value, start, end))
        return hits, temperature_spans

    def _read(self, rule: Rule, span: Span) -> Optional[str]:
        """The value of one quantity span, or None when it does not read as one."""
        if rule.quantity == "duration" and rule.value:
            return rule.value
        number = self.read_number(list(span))
        if number is None:
            return None
        unit, degree = self._unit_after(span, number)
        next_word = _word_at(span.doc, span.start + number.after)
        if next_word in self._other_units or _word_at(span.doc, span.end) in self._other_units:
            return None
        if rule.quantity == "temperature":
            return self._read_temperature(rule, span, number, unit, degree)
        if unit not in self._day_of:
            if unit is not None or rule.default_unit is None:
                return None
            if next_word in self._time_units or next_word in self._temp_units:
                return None
            unit = rule.default_unit
        days = number.value * self._day_of[unit]
        rows = self._age_rows if rule.quantity == "age" else self._duration_rows
        return next(value for value, below in rows if below is None or days < below)

    def _read_temperature(
        self, rule: Rule, span: Span, number: NumberRead, unit: Optional[str], degree: bool
    ) -> Optional[str]:
        """ "fever" or "normal" for a readable temperature, else None."""
        if unit is not None and unit not in self._temp_units.values():
            return None
        if unit is None:
            bare = rule.infer == "bare" and not degree
            if bare and not number.has_decimal:
                return None
            ranges = self._bare if bare else self._plausible
            unit = next((u for u, (low, high) in ranges.items() if low <= number.value <= high), None)
            if unit is None:
                return None
        elif not self._plausible[unit][0] <= number.value <= self._plausible[unit][1]:
            return None
        before = " ".join(t.lower_ for t in span.doc[max(0, span.start + number.index - 3) : span.start + number.index])
        below = any(before == cue or before.endswith(" " + cue) for cue in self._below_cues)
        threshold = self._fever_at[unit]
        is_fever = number.value > threshold if below else number.value >= threshold
        return "fever" if is_fever else "normal"

    def _unit_after(self, span: Span, number: NumberRead) -> tuple[Optional[str], bool]:
        """The unit (time unit name or "c"/"f") after the number, and whether a degree word was seen."""
        words = [number.suffix.strip("°")] if number.suffix.strip("°") else []
        degree = "°" in number.suffix
        words += [t.lower_ for t in list(span)[number.after :]]
        for word in words:
            if word in self._degree_words or word.rstrip("s") in {"degree", "deg"}:
                degree = True
                continue
            if word in self._time_units:
                return self._time_units[word], degree
            if word in self._temp_units:
                return self._temp_units[word], degree
            if word in self._joiners or word in ("of", "/"):
                continue
            if word in self._other_units:
                return word, degree
        return None, degree

    def read_number(self, tokens: Sequence[Token]) -> Optional[NumberRead]:
        """The first number in ``tokens``: digits ("38.5", "38,5", "38 point 5") or words."""
        words = [t.lower_ for t in tokens]
        for i, word in enumerate(words):
            found = self._number_re.search(word)
            if found:
                text = found.group(0)
                value, has_decimal, after = float(text.replace(",", ".")), "." in text or "," in text, i + 1
                if after + 1 < len(words) and words[after] in self._points and words[after + 1].isdigit():
                    value = float(f"{int(value)}.{words[after + 1]}")
                    has_decimal, after = True, after + 2
                return NumberRead(value, after, word[found.end() :], has_decimal, i)
            if word in self._number_words:
                return self._read_number_words(words, i)
        return None

    def _read_number_words(self, words: Sequence[str], start: int) -> Optional[NumberRead]:
        total, decimals, in_decimal, seen, j = 0.0, "", False, False, start
        while j < len(words):
            word = words[j]
            following = words[j + 1] if j + 1 < len(words) else ""
            if word in self._articles and following in self._number_words and following not in self._articles:
                j += 1
                continue
            if (
                seen
                and (word in self._points or word in self._joiners)
                and (following in self._number_words or following.isdigit())
            ):
                in_decimal = in_decimal or word in self._points
                j += 1
                continue
            if word in self._number_words or (in_decimal and word.isdigit()):
                value = float(word) if word.isdigit() else self._number_words[word]
                if in_decimal:
                    decimals += str(int(value))
                elif value == 100:
                    total = (total or 1) * 100
                else:
                    total += value
                seen, j = True, j + 1
                continue
            break
        if not seen:
            return None
        value = float(f"{int(total)}.{decimals}") if decimals else total
        return NumberRead(value, j, "", bool(decimals), start)

    # --- output -------------------------------------------------------------------
    def _apply_baby_rule(self, hits: list[Hit]) -> tuple[list[Hit], bool]:
        """Whether a baby is mentioned (a baby word or a young age); if so, older age
        groups are dropped: the baby is then of unknown age, which is fail safe."""
        finding = self._baby["finding"]
        baby = any(
            (h.entity, h.value) == (finding["entity"], finding["value"])
            or (h.entity == "age_group" and h.value in self._baby["age_groups"])
            for h in hits
        )
        if baby:
            hits = [h for h in hits if not (h.entity == "age_group" and h.value in self._baby["drops_age_groups"])]
        return hits, baby

    def _add_baby_mention(self, entities: list[Entity]) -> list[Entity]:
        """A young age alone ("my 2 week old") also mentions a baby, on the age's span."""
        finding = self._baby["finding"]
        if any((e.entity, e.value) == (finding["entity"], finding["value"]) for e in entities):
            return entities
        age = next(e for e in entities if e.entity == "age_group")
        mention = Entity(finding["entity"], finding["value"], age.start, age.end, age.text)
        return sorted([*entities, mention], key=lambda e: (e.start, e.entity, e.value))

    def _single_values(self, hits: list[Hit]) -> list[Hit]:
        """One value per single-valued entity type: the first in the configured order."""
        chosen = {}
        for entity, order in self._single_value.items():
            found = {h.value for h in hits if h.entity == entity}
            chosen[entity] = next((value for value in order if value in found), None)
        return [h for h in hits if h.entity not in chosen or h.value == chosen[h.entity]]

    def _to_entities(self, doc: Doc, original: str, hits: Iterable[Hit]) -> list[Entity]:
        """One entity per distinct (entity, value), sorted by position.

        Of the hits for one value, the first group of overlapping ones counts, and its
        shortest or longest span (``spans`` in the file) is reported: for signs, the
        words that carry the value, as an annotator would mark them.
        """
        groups: dict[tuple[str, str], list[Hit]] = {}
        for hit in sorted(hits, key=lambda h: (h.start, h.end)):
            group = groups.setdefault((hit.entity, hit.value), [])
            if not group or hit.start < max(h.end for h in group):
                group.append(hit)
        entities = []
        for (entity, value), group in groups.items():
            sign = -1 if entity in self._longest_span else 1
            best = min(group, key=lambda h: (sign * (h.end - h.start), h.start))
            span = doc[best.start : best.end]
            start, end = span.start_char, span.end_char
            entities.append(Entity(entity, value, start, end, original[start:end]))
        return sorted(entities, key=lambda e: (e.start, e.entity, e.value))


def _share_overlapping_spans(entities: list[Entity], text: str) -> list[Entity]:
    """Entities whose spans overlap all get the union of their spans.

    Rasa's annotation format (test stories, training data) can put several entities on
    one span but cannot nest spans; sharing one span keeps every output annotatable,
    e.g. ``[my 2 week old][{"entity": "audience", ...}, {"entity": "age_group", ...}]``.
    """
    clusters: list[list[Entity]] = []
    for entity in sorted(entities, key=lambda e: (e.start, e.end)):
        if clusters and entity.start < max(e.end for e in clusters[-1]):
            clusters[-1].append(entity)
        else:
            clusters.append([entity])
    shared = []
    for cluster in clusters:
        start, end = min(e.start for e in cluster), max(e.end for e in cluster)
        shared += [Entity(e.entity, e.value, start, end, text[start:end]) for e in cluster]
    return sorted(shared, key=lambda e: (e.start, e.entity, e.value))


def _word_at(doc: Doc, index: int) -> str:
    return doc[index].lower_ if 0 <= index < len(doc) else ""


def _positions(spans: Iterable[tuple[int, int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def load_config(path: Path = PATTERNS_PATH) -> dict[str, Any]:
    """Read the pattern file."""
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    if not isinstance(config, dict) or "rules" not in config:
        raise PatternFileError(f"{path}: not a red-flag pattern file")
    return config


@lru_cache(maxsize=4)
def load_detector(path: Path = PATTERNS_PATH) -> RedFlagDetector:
    """Build the detector once per process (patterns compile in well under a second).

    Uses our own pipeline (bot.spacy_pipeline) to lemmatise patterns and to re-read any
    doc that is not already lowercase; red-flag ids are checked against triage_rules.yml.
    """
    from bot.spacy_pipeline import build_pipeline
    from bot.triage import load_table

    return RedFlagDetector(load_config(path), build_pipeline(), known_findings=load_table().findings)
