"""Sign matching: the ``rules`` of ``red_flags.yml`` compiled into one spaCy Matcher pass.

Why one module: every sign, baby mention, age, duration, body site and audience is a
record (phrases and token patterns) in the pattern file; this module compiles them
once and turns one message into raw hits, quantity candidates and harmless spans.
What the hits *mean* in context (negated, past, hypothetical...) is decided later by
``bot.language.context``; numbers are read by ``bot.language.quantities``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from bot.language.entities import ROLES, Hit
from bot.language.patterns import PatternCompiler, PatternFileError
from bot.language.quantities import KINDS, QuantityRule

HARMLESS = "harmless"


@dataclass(frozen=True)
class SignRule:
    """One entity rule: emits ``entity``/``value`` (with an optional fixed ``role``).

    ``kind`` (``context_kind`` in the file) names a narrower class that context rules
    may select, e.g. breathlessness that effort explains, apart from breathing difficulty.
    """

    label: str
    entity: str
    value: str
    overrides: frozenset[str] = frozenset()
    role: Optional[str] = None
    kind: Optional[str] = None


@dataclass
class SignMatches:
    """What one matcher pass found."""

    hits: list[Hit]
    quantities: list[tuple[QuantityRule, int, int]]
    harmless: list[tuple[int, int]]


class SignMatcher:
    """Compiles entity, quantity and harmless rules; finds them in a prepared doc."""

    def __init__(self, config: Mapping[str, Any], nlp: Language, compiler: PatternCompiler):
        self._nlp = nlp
        self._compiler = compiler
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._lemma_phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lower_phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._labels: dict[int, str] = {}
        self.signs: dict[str, SignRule] = {}
        self.quantity_rules: dict[str, QuantityRule] = {}
        self.phrase_words: set[str] = set()  # words of every phrase (known to the spelling checker)
        self.sign_words: set[str] = set()  # words of red-flag phrases and patterns (what misspellings become)
        harmless = config.get("harmless", {})
        self.add_phrases(HARMLESS, harmless.get("phrases", []))
        self._add_patterns(HARMLESS, harmless.get("patterns", []))
        for index, raw in enumerate(config["rules"]):
            self._add_rule(f"rule{index}", index, raw)

    def _key(self, label: str) -> str:
        """Remember the match id of a label (matches are read back by id, not by vocab)."""
        self._labels[self._nlp.vocab.strings.add(label)] = label
        return label

    def add_phrases(self, label: str, phrases: Iterable[Any], exact: bool = False) -> list[str]:
        phrases = list(phrases)
        if any(not isinstance(phrase, str) for phrase in phrases):
            raise PatternFileError(f"{label}: phrases must be strings (quote yes/no/on/off)")
        texts = [phrase.lower() for phrase in phrases]
        words = [token.lower_ for text in texts for token in self._nlp.make_doc(text)]
        self.phrase_words.update(words)
        if texts:
            if exact:
                self._lower_phrases.add(self._key(label), [self._nlp.make_doc(text) for text in texts])
            else:
                self._lemma_phrases.add(self._key(label), list(self._nlp.pipe(texts)))
        return words

    def _add_patterns(self, label: str, patterns: Iterable[Any]) -> set[str]:
        """Add the patterns; return the words they name."""
        compiled, words = [], set()
        for pattern in patterns:
            compiled += self._compiler.compile(pattern)
            words |= self._compiler.last_words
        if compiled:
            try:
                self._matcher.add(self._key(label), compiled)
            except ValueError as error:
                raise PatternFileError(f"{label}: {error}") from error
        return words

    def _add_rule(self, label: str, order: int, raw: Mapping[str, Any]) -> None:
        entity, quantity = raw.get("entity"), raw.get("quantity")
        if (entity is None) == (quantity is None):
            raise PatternFileError(f"{label}: give exactly one of entity or quantity")
        if quantity is not None:
            if quantity not in KINDS:
                raise PatternFileError(f"{label}: unknown quantity {quantity!r}")
            self.quantity_rules[label] = QuantityRule(
                quantity, order, raw.get("value"), raw.get("default_unit"), raw.get("infer", "plausible"),
                bool(raw.get("just_under", False)),
            )
        else:
            if not raw.get("value"):
                raise PatternFileError(f"{label}: entity {entity!r} needs a value")
            role = raw.get("role")
            if role is not None and role not in ROLES:
                raise PatternFileError(f"{label}: role must be one of {ROLES}")
            overrides = frozenset(raw.get("overrides", []))
            self.signs[label] = SignRule(label, entity, raw["value"], overrides, role, raw.get("context_kind"))
        words = self.add_phrases(label, raw.get("phrases", []))
        words += self.add_phrases(label, raw.get("exact_phrases", []), exact=True)
        pattern_words = self._add_patterns(label, raw.get("patterns", []))
        if entity in ("red_flag", "infection_cue"):
            self.sign_words.update(words)
            self.sign_words.update(pattern_words)

    def values(self, entity: str) -> frozenset[str]:
        return frozenset(rule.value for rule in self.signs.values() if rule.entity == entity)

    def match(self, doc: Doc) -> SignMatches:
        found = SignMatches([], [], [])
        for match_id, start, end in [*self._matcher(doc), *self._lemma_phrases(doc), *self._lower_phrases(doc)]:
            label = self._labels.get(match_id, "")
            if label == HARMLESS:
                found.harmless.append((start, end))
            elif label in self.quantity_rules:
                found.quantities.append((self.quantity_rules[label], start, end))
            elif label in self.signs:
                rule = self.signs[label]
                found.hits.append(Hit(rule.entity, rule.value, start, end, rule.overrides, rule.role, rule.kind))
        return found
