"""Context: what a message says *about* each sign, the ConText algorithm as data records.

Why ConText: a flat list of negation words cannot tell "no fever" from "not sure if
she has a fever", "she had a fever last week, she's fine now", "what if she gets a
fever?" or "my sister's baby had meningitis". Clinical NLP solves this with ConText
(Harkema et al. 2009; medspaCy's ``medspacy_context``): modifier phrases with a
category and a direction open a *scope* of tokens; a scope ends at a terminating
phrase, at the end of the sentence, or after ``max_scope`` tokens; every sign inside
the scope gets the category. The records live in ``resources/context_rules.yml`` in
medspaCy's ConTextRule format (literal, category, direction, pattern, max_scope,
allowed_types, excluded_types, terminated_by). medspaCy itself is not used: it pulls
a dozen packages (QuickUMLS, NLTK, PyRuSH) into Rasa's environment and needs a
sentence splitter; this module is the small part we need, with two documented
extensions (``list_aware`` terminators and ``outcomes`` that combine categories).

Algorithm, per message:
1. Find modifier matches; of overlapping ones the longest wins (a PSEUDO match, e.g.
   "no longer", only blocks the shorter cue "no" and is then dropped).
2. A cue wholly inside a sign's own span ("won't wake", "can't open") is part of
   that sign and modifies nothing.
3. Each remaining modifier opens its scope (FORWARD, BACKWARD or both), cut at
   ``max_scope`` and at the first modifier of a category in its ``terminated_by``.
4. A sign inside the scope, of an allowed type, gets the category; the categories
   of a sign become one outcome through the ordered ``outcomes`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from bot.language.patterns import PatternCompiler, PatternFileError
from bot.rules_yaml import load_rules_yaml

CONTEXT_PATH = Path(__file__).resolve().parent.parent / "resources" / "context_rules.yml"
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
RULE_KEYS = {  # medspaCy's ConTextRule keys, plus list_aware, list_continues_with and match_on
    "literal",
    "category",
    "direction",
    "pattern",
    "max_scope",
    "allowed_types",
    "excluded_types",
    "terminated_by",
    "list_aware",
    "list_continues_with",
    "match_on",
    "metadata",
}
PRESENT = "present"


@dataclass(frozen=True)
class ContextRule:
    """One record of ``context_rules.yml`` (medspaCy's ConTextRule fields, plus two)."""

    literal: str
    category: str
    direction: str
    pattern: Any = None
    max_scope: Optional[int] = None
    allowed_types: frozenset[str] = frozenset()
    excluded_types: frozenset[str] = frozenset()
    terminated_by: frozenset[str] = frozenset()
    # TERMINATE only: no end when a list separator came first ("no redness, swelling and pain")
    list_aware: bool = False
    # TERMINATE only: no end when one of these words follows within the scope ("not floppy, blue or grey")
    list_continues_with: frozenset[str] = frozenset()
    match_on: str = "LEMMA"

    def modifies(self, target: Target) -> bool:
        names = {target.sign, target.kind} - {None}
        return (not self.allowed_types or bool(names & self.allowed_types)) and not names & self.excluded_types


@dataclass(frozen=True)
class Modifier:
    """A rule matched on token positions [start, end)."""

    rule: ContextRule
    start: int
    end: int


@dataclass(frozen=True)
class Outcome:
    """A row of ``outcomes``: all of ``when`` present and none of ``unless`` -> ``outcome``."""

    when: frozenset[str]
    outcome: str
    unless: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Target:
    """A sign found by the sign matcher: its id and token positions [start, end)."""

    sign: str
    start: int
    end: int
    owns_cues: bool = True  # a cue inside it is part of it ("won't wake"); False for a baby mention or an age
    kind: Optional[str] = None  # a narrower class from the sign's rule ("exertion")


@dataclass
class ContextResult:
    """What the algorithm found: categories per target, and the modifiers (for tests and tracing)."""

    categories: list[set[str]]
    modifiers: list[Modifier] = field(default_factory=list)


def parse_rules(raw: Mapping[str, Any]) -> tuple[list[ContextRule], list[Outcome], frozenset[str]]:
    """Validate the records; name the bad one in the error."""
    defaults = dict(raw.get("defaults") or {})
    rules = []
    for index, record in enumerate(raw.get("rules") or []):
        where = f"context rule {index} ({record.get('literal')!r})"
        unknown = set(record) - RULE_KEYS
        if unknown:
            raise PatternFileError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(record.get("literal"), str) or not record.get("category"):
            raise PatternFileError(f"{where}: needs a literal (a string: quote yes/no) and a category")
        direction = str(record.get("direction", "")).upper()
        if direction not in DIRECTIONS:
            raise PatternFileError(f"{where}: direction must be one of {DIRECTIONS}")
        terminated_by = record.get("terminated_by", defaults.get("terminated_by", []))
        rules.append(
            ContextRule(
                literal=record["literal"].lower(),
                category=str(record["category"]),
                direction=direction,
                pattern=record.get("pattern"),
                max_scope=record.get("max_scope", defaults.get("max_scope")),
                allowed_types=frozenset(record.get("allowed_types", [])),
                excluded_types=frozenset(record.get("excluded_types", [])),
                terminated_by=frozenset(terminated_by),
                list_aware=bool(record.get("list_aware", False)),
                list_continues_with=frozenset(str(w) for w in record.get("list_continues_with", [])),
                match_on=str(record.get("match_on", "LEMMA")).upper(),
            )
        )
    outcomes = [
        Outcome(frozenset(row.get("when", [])), str(row["outcome"]), frozenset(row.get("unless", [])))
        for row in raw.get("outcomes") or []
    ]
    if not outcomes or outcomes[-1].when:
        raise PatternFileError("context outcomes must end with a row without `when` (the default)")
    categories = {rule.category for rule in rules}
    named = {c for row in outcomes for c in row.when | row.unless} | {c for r in rules for c in r.terminated_by}
    if named - categories:
        raise PatternFileError(f"context categories named but never defined: {sorted(named - categories)}")
    return rules, outcomes, frozenset(str(s) for s in raw.get("list_separators", []))


class ConTextMatcher:
    """Finds modifiers in a doc and applies them to the signs found there."""

    def __init__(self, raw: Mapping[str, Any], nlp: Language, compiler: PatternCompiler):
        self.rules, self.outcomes, self._separators = parse_rules(raw)
        self._ending_inside_signs = frozenset(str(c) for c in raw.get("still_ending_inside_signs") or [])
        tense = raw.get("tense_inside_signs") or {}
        self._tense_inside_signs = frozenset(str(c) for c in tense.get("categories", []))
        self._tense_only_with = frozenset(str(c) for c in tense.get("only_with", []))
        unknown = (self._ending_inside_signs | self._tense_inside_signs | self._tense_only_with) - {
            rule.category for rule in self.rules
        }
        if unknown:
            raise PatternFileError(f"inside-sign categories: unknown {sorted(unknown)}")
        compiler.add_classes(raw.get("classes") or {})
        self._nlp = nlp
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._ids: dict[int, int] = {}
        self._order = {id(rule): index for index, rule in enumerate(self.rules)}
        for index, rule in enumerate(self.rules):
            key = f"context{index}"
            self._ids[nlp.vocab.strings.add(key)] = index
            try:
                if rule.pattern is not None:
                    self._matcher.add(key, compiler.compile(rule.pattern))
                elif rule.match_on == "LOWER":
                    self._lower.add(key, [nlp.make_doc(rule.literal)])
                else:
                    self._lemma.add(key, [nlp(rule.literal)])
            except ValueError as error:
                raise PatternFileError(f"context rule {index} ({rule.literal!r}): {error}") from error

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(rule.category for rule in self.rules)

    def find_modifiers(self, doc: Doc, targets: Sequence[Target]) -> list[Modifier]:
        """Matches after the longest-wins pruning, without PSEUDO and without cues inside a sign.

        Of overlapping modifiers the longest wins. Terminators all stay: each only ends
        scopes, and pruning one let a record's scope run on (round 7's third review: the
        clause break ", she's" removed the comma, so "a bath thermometer, she's 38.6"
        carried the harmless scope onto the baby's own reading). A terminator never
        removes a modifier. Records matching the very same words all stay (one phrase may
        look both ways with different scopes).
        """
        return self._modifiers_from(self._longest_matches(doc), targets)

    def _modifiers_from(self, kept: list[Modifier], targets: Sequence[Target]) -> list[Modifier]:
        """``find_modifiers`` on matches already pruned (so ``apply`` runs the matchers once)."""
        inside_sign = [
            m
            for m in kept
            if m.rule.direction != "TERMINATE"
            and any(t.owns_cues and t.start <= m.start and m.end <= t.end for t in targets)
        ]
        # A "now" inside a sign's own words modifies no sign, but it still ends the scopes it
        # ends elsewhere: "has now halved, the nurse said ..." must not let the nurse's remark
        # reach back to a baby's fever (round 8's third review: longer sign patterns took in
        # "now", "still", "today", and a fever before them became history).
        still_ending = [
            Modifier(replace(m.rule, direction="TERMINATE"), m.start, m.end)
            for m in inside_sign
            if m.rule.category in self._ending_inside_signs
        ]
        return sorted(
            [*(m for m in kept if m.rule.direction != "PSEUDO" and m not in inside_sign), *still_ending],
            key=lambda m: m.start,
        )

    def _longest_matches(self, doc: Doc) -> list[Modifier]:
        """Every record's matches; of overlapping ones the longest wins (terminators all stay)."""
        found = [
            Modifier(self.rules[self._ids[match_id]], start, end)
            for match_id, start, end in [*self._matcher(doc), *self._lemma(doc), *self._lower(doc)]
        ]
        found.sort(key=lambda m: (-(m.end - m.start), m.start, self._order[id(m.rule)]))
        kept: list[Modifier] = []
        for modifier in found:
            if modifier.rule.direction == "TERMINATE" or all(
                modifier.end <= other.start
                or other.end <= modifier.start
                or (modifier.start, modifier.end) == (other.start, other.end)
                or other.rule.direction == "TERMINATE"
                for other in kept
            ):
                kept.append(modifier)
        return kept

    def _tense_of_own_words(self, kept: Sequence[Modifier], targets: Sequence[Target]) -> list[tuple[int, str]]:
        """The tense a sign's own words carry ("eye was swollen"): given to that sign only.

        Why: a cue inside a sign's words modifies nothing (``find_modifiers``), so "a few
        weeks ago my son's eye was swollen shut ... that's totally healed" lost its "was",
        and "healed" alone could not make the sign history (round 16's blind set Z).
        """
        if not self._tense_inside_signs:
            return []
        owners = [
            (m.rule, target)
            for m in kept
            if m.rule.category in self._tense_inside_signs and m.rule.direction != "TERMINATE"
            for target in targets
            if target.owns_cues and target.start <= m.start and m.end <= target.end and m.rule.modifies(target)
        ]
        # the same sign's shorter readings inside those words ("swollen shut" in "eye was swollen shut")
        return [
            (index, rule.category)
            for rule, owner in owners
            for index, target in enumerate(targets)
            if target.sign == owner.sign and owner.start <= target.start and target.end <= owner.end
        ]

    def scope(self, doc: Doc, modifier: Modifier, modifiers: Sequence[Modifier]) -> tuple[int, int]:
        """Token range [start, end) the modifier governs."""
        rule = modifier.rule
        limit = rule.max_scope if rule.max_scope is not None else len(doc)
        start, end = modifier.start, modifier.end
        if rule.direction in ("FORWARD", "BIDIRECTIONAL"):
            end = min(len(doc), modifier.end + limit)
            for other in modifiers:
                if other.start >= modifier.end and other.start < end and self._ends(doc, modifier, other):
                    end = other.start
                    break
        if rule.direction in ("BACKWARD", "BIDIRECTIONAL"):
            start = max(0, modifier.start - limit)
            for other in reversed(modifiers):
                if other.end <= modifier.start and other.end > start and self._ends(doc, modifier, other):
                    start = other.end
                    break
        return start, end

    def _ends(self, doc: Doc, modifier: Modifier, other: Modifier) -> bool:
        """Whether ``other`` ends ``modifier``'s scope."""
        if other is modifier or other.rule.category not in modifier.rule.terminated_by:
            return False
        if other.rule.list_aware and other.start >= modifier.end:
            between = {t.lower_ for t in doc[modifier.end : other.start]}
            return not (between & self._separators)
        if other.rule.list_continues_with and other.start >= modifier.end:
            limit = modifier.rule.max_scope if modifier.rule.max_scope is not None else len(doc)
            after = {t.lower_ for t in doc[other.end : modifier.end + limit]}
            return not (after & other.rule.list_continues_with)
        return True

    def apply(self, doc: Doc, targets: Sequence[Target]) -> ContextResult:
        """The categories that govern each target."""
        kept = self._longest_matches(doc)
        modifiers = self._modifiers_from(kept, targets)
        categories: list[set[str]] = [set() for _ in targets]
        for modifier in modifiers:
            if modifier.rule.direction == "TERMINATE":
                continue
            start, end = self.scope(doc, modifier, modifiers)
            for index, target in enumerate(targets):
                inside = target.start < end and start < target.end
                if inside and modifier.rule.modifies(target):
                    categories[index].add(modifier.rule.category)
        if any(found & self._tense_only_with for found in categories):
            for index, category in self._tense_of_own_words(kept, targets):
                if categories[index] & self._tense_only_with:
                    categories[index].add(category)
        return ContextResult(categories, modifiers)

    def outcome(self, categories: Iterable[str]) -> str:
        """The first ``outcomes`` row that fits the categories."""
        present = set(categories)
        for row in self.outcomes:
            if row.when <= present and not (row.unless & present):
                return row.outcome
        return PRESENT  # unreachable: the last row has no `when`

    def classify(self, text: str, sign: str, sign_words: str, kind: Optional[str] = None) -> str:
        """Outcome for ``sign_words`` (first occurrence) inside ``text``: a helper for table tests."""
        doc = self._nlp(text.lower())
        words = self._nlp.make_doc(sign_words.lower())
        tokens = [t.lower_ for t in doc]
        wanted = [t.lower_ for t in words]
        for i in range(len(tokens) - len(wanted) + 1):
            if tokens[i : i + len(wanted)] == wanted:
                target = Target(sign, i, i + len(wanted), kind=kind)
                return self.outcome(self.apply(doc, [target]).categories[0])
        raise ValueError(f"{sign_words!r} not in {text!r}")


def load_context_config(path: Path = CONTEXT_PATH) -> dict[str, Any]:
    raw = load_rules_yaml(path)
    if not isinstance(raw, dict) or "rules" not in raw:
        raise PatternFileError(f"{path}: not a context rules file")
    return raw
