"""The red-flag detector: sign matching, quantities, spelling and context in one pass.

Why this exists: an emergency must never depend on a classifier's guess. Every sign
the triage rules know is found with spaCy Matcher/PhraseMatcher patterns loaded from
``resources/red_flags.yml``; what the message says about each sign (negated, past,
hypothetical, someone else's, harmless) comes from the ConText records in
``resources/context_rules.yml``; thresholds come from ``resources/triage_rules.yml``.
This module only wires the small pieces together (pure logic, no Rasa imports).

Safety properties (tested in tests/test_red_flags.py and tests/test_language_*.py):
* A sign is only dropped for an explicit negation or a harmless context in its own
  scope, never for uncertainty ("not sure if she has a fever" keeps the fever).
* A negation word inside a sign's own span ("won't wake", "eye can't open") is part
  of the sign and switches nothing off.
* A stated temperature below the threshold is not a fever; at or above it is.
* A weak or ambiguous spelling correction, a parent's description that may be a
  danger sign, or a bare number that may be a baby's temperature gives the sign with
  ``role: suspected`` (the dialogue asks), never silence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from bot.language.context import CONTEXT_PATH, PRESENT, ConTextMatcher, Target, load_context_config
from bot.language.entities import Entity, Hit, share_overlapping_spans, single_values, to_entities
from bot.language.fuzzy import Correction, SpellingCorrector, english_words
from bot.language.patterns import PatternCompiler, PatternFileError
from bot.language.quantities import QuantityReader, Reading
from bot.language.signs import SignMatcher
from bot.language.thresholds import RULES_PATH, Thresholds, load_rules_file, parse_thresholds
from bot.rules_yaml import load_rules_yaml

PATTERNS_PATH = Path(__file__).resolve().parent.parent / "resources" / "red_flags.yml"
DROP = "drop"
RED_FLAG = "red_flag"
# Context categories: a negation drops a sign; a harmless or uncertain context is no denial.
NEGATED = "NEGATED_EXISTENCE"
NOT_DENIALS = frozenset({"HARMLESS", "POSSIBLE_EXISTENCE"})


@dataclass(frozen=True)
class Overridden:
    """A finding hidden by the longer, more specific matches (``by``) that contain it."""

    hit: Hit
    by: tuple[Hit, ...]


def _key(hit: Hit) -> tuple[str, str, int, int]:
    """A hit's identity whatever role context gave it."""
    return hit.entity, hit.value, hit.start, hit.end


def _still_explained(
    explained: set[str], overridden: Sequence[Overridden], judged: Sequence[Hit], standing: Sequence[Hit]
) -> set[str]:
    """The explained cue kinds whose holding sign was not dropped by context.

    A cue inside a sign's words stops counting when context drops every sign holding it
    ("no swelling around her eye, the eye is red" is no red-and-swollen combination;
    round 9's review). A holder removed before context (``judged`` lacks it) still counts.
    """
    before = {_key(h) for h in judged}
    after = {_key(h) for h in standing}
    held = {o.hit.value for o in overridden if not all(_key(b) in before and _key(b) not in after for b in o.by)}
    return explained & held


# Words right before an age or a time that take it back ("5 months, not 5 weeks").
CORRECTED_AWAY = frozenset({"not", "n't"})


def _without_corrected_away(doc: Doc, readings: Sequence[Reading]) -> list[Reading]:
    """Ages and times the message takes back ("she's 4 months not 3 weeks") are not read.

    Temperatures are kept whatever precedes them: "not 38, it's 38.5" keeps both, and a
    fever reading is never dropped by a word (fail safe).
    """
    def taken_back(reading: Reading) -> bool:
        if reading.kind == "temperature" or reading.start == 0:
            return False
        before = doc[reading.start - 1].lower_
        two_before = doc[reading.start - 2].lower_ if reading.start > 1 else ""
        after = doc[reading.end].lower_ if reading.end < len(doc) else ""
        # "not 3 months yet" is an age below 3 months, not one taken back
        return (before in CORRECTED_AWAY or (two_before, before) == ("instead", "of")) and after != "yet"

    return [r for r in readings if not taken_back(r)]


class RedFlagDetector:
    """Finds red flags (with their context role), baby mentions, ages, durations, body sites and audience.

    Build once (``load_detector``) and call ``detect(doc)`` per message: everything is
    compiled at construction; detection is a few matcher passes and a scan.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        nlp: Language,
        known_findings: Iterable[str] = (),
        thresholds: Optional[Thresholds] = None,
        context: Optional[Mapping[str, Any]] = None,
    ):
        self._nlp = nlp
        self._char_map = {str(k): str(v) for k, v in config.get("char_map", {}).items()}
        if any(len(k) != 1 or len(v) != 1 for k, v in self._char_map.items()):
            raise PatternFileError("char_map must map single characters to single characters")
        days = {name: float(unit["days"]) for name, unit in config["units"]["time"].items()}
        self.thresholds = thresholds or parse_thresholds(load_rules_file(RULES_PATH), days)
        self.quantities = QuantityReader(config, self.thresholds)
        compiler = PatternCompiler(nlp, config["classes"], config["units"], config["numbers"])
        self.signs = SignMatcher(config, nlp, compiler)
        self.context = ConTextMatcher(
            context if context is not None else load_context_config(CONTEXT_PATH), nlp, compiler
        )
        self._context_types = set(config["context_applies_to"])
        self._context_drops = {str(k): set(v) for k, v in (config.get("context_drops") or {}).items()}
        self._roles = dict(self._role_table(config))
        self._harmless_hides = set(config.get("harmless", {}).get("hides", []))
        self._longest_span = {entity for entity, choice in config.get("spans", {}).items() if choice == "longest"}
        self._single_value = {k: list(v) for k, v in config["single_value"].items()}
        self._baby = config["baby"]
        # A sign the person denied ("not growing", "no fever"): kept as a finding only, so a
        # reply that denies signs and names none can answer a yes/no question about signs.
        self._denied = config.get("denied")
        self._normal_reading = config.get("normal_reading")
        self._reading_decides = frozenset(config.get("reading_decides", []))
        self._unreadable = dict(config["unreadable"])
        self._fever = dict(config["temperature"]["emits"])
        self._infection = dict(config["infection"])
        lookup = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # word forms -> lemmas
        known = {str(lemma) for lemma in lookup.values()} | compiler.words | self.signs.phrase_words
        known |= english_words()
        self.speller = SpellingCorrector(config["fuzzy"], self.signs.sign_words, known, dictionary=lookup)
        self._validate(known_findings)

    @staticmethod
    def _role_table(config: Mapping[str, Any]) -> Iterable[tuple[str, Optional[str]]]:
        """Context outcome -> entity role (None: present); ``drop`` removes the sign."""
        for outcome, role in config["context_roles"].items():
            yield str(outcome), (None if role in (None, PRESENT) else str(role))

    def _validate(self, known_findings: Iterable[str]) -> None:
        known = set(known_findings)
        if known:
            unknown = set(self.red_flag_values) - known
            unknown |= {v for r in self.signs.signs.values() for v in r.overrides} - known - {"infection_cue"}
            if unknown:
                raise PatternFileError(f"red flags not in triage_rules.yml: {sorted(unknown)}")
        outcomes = {row.outcome for row in self.context.outcomes}
        if outcomes - set(self._roles):
            missing = sorted(outcomes - set(self._roles))
            raise PatternFileError(f"context outcomes without a role in context_roles: {missing}")

    @property
    def red_flag_values(self) -> frozenset[str]:
        """Every red-flag id the detector can emit (for coverage tests)."""
        values = set(self.signs.values("red_flag")) | {self._fever["value"]}
        return frozenset(values | {self._infection["sign"], self._infection["unclear"]})

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

    def _corrected(self, doc: Doc) -> tuple[Doc, list[Correction]]:
        """The doc with misspelt sign words replaced (same tokens, so positions still match)."""
        corrections = self.speller.corrections([t.lower_ for t in doc])
        if not corrections:
            return doc, []
        words = [t.lower_ for t in doc]
        for correction in corrections:
            words[correction.index] = correction.word
        fixed = Doc(self._nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
        for _, component in self._nlp.pipeline:
            fixed = component(fixed)
        return fixed, corrections

    def unreadable(self, text: str) -> list[Entity]:
        """What a message the detector failed on stands for: a suspected danger sign.

        Why: a defect in a pattern or context rule must make the dialogue ask about
        danger signs, never leave the message unread (see ``red_flags.yml``, unreadable).
        """
        spec = self._unreadable
        return [Entity(spec["entity"], spec["value"], 0, len(text), text, role=spec.get("role"))]

    def detect_text(self, text: str) -> list[Entity]:
        """Convenience for callers without a doc (tests, scripts)."""
        return self.detect(self._nlp.make_doc(text))

    def detect(self, doc: Doc) -> list[Entity]:
        """All entities in ``doc``, sorted by position (texts as the user typed them)."""
        original = doc.text
        doc = self.prepare(doc)
        match_doc, corrections = self._corrected(doc)
        found = self.signs.match(match_doc)
        readings = _without_corrected_away(match_doc, self.quantities.read_all(match_doc, found.quantities))
        hits = self._with_readings(found.hits, readings)
        hits, explained, overridden = self._drop_contained(hits, found.harmless)
        hits = self._measured_as_normal(hits, readings)
        judged = hits
        hits = self._apply_context_restoring(match_doc, hits, overridden)
        explained = _still_explained(explained, overridden, judged, hits)
        hits, baby = self._apply_baby_rule(hits)
        if baby:
            hits += self._apply_context(match_doc, self._maybe_temperatures(match_doc, hits, readings, found.harmless))
        hits = self._mark_weak_spellings(hits, corrections)
        hits = self._combine_infection_cues(hits, explained)
        entities = to_entities(doc, original, single_values(hits, self._single_value), self._longest_span)
        return share_overlapping_spans(self._add_baby_mention(entities) if baby else entities, original)

    def sign_masked(self, text: str) -> tuple[str, frozenset[str]]:
        """The message's words with every sign (and infection cue) the patterns match as ``SIGN``, and their ids.

        Before context, so a denied or past sign is masked too: a reader of the words
        *around* signs (``bot/language/sign_context.py``) sees the same thing in training
        and at run time, whatever the context rules decided.
        """
        doc, _ = self._corrected(self.prepare(self._nlp.make_doc(text)))
        read = {RED_FLAG, self._infection["cue_entity"]}
        spans = [(h.start, h.end, h.value) for h in self.signs.match(doc).hits if h.entity in read]
        words: list[str] = []
        for token in doc:
            inside = [span for span in spans if span[0] <= token.i < span[1]]
            if not inside:
                words.append(token.lower_)
            elif any(start == token.i for start, _, _ in inside) and (not words or words[-1] != "SIGN"):
                words.append("SIGN")
        return " ".join(words), frozenset(value for _, _, value in spans)

    def _with_readings(self, hits: list[Hit], readings: Sequence[Reading]) -> list[Hit]:
        """The sign hits plus the readings as hits: a fever (kind ``reading``), an age group, a duration.

        A stated reading decides: fever words inside its span ("a fever of 37.5") go.
        """
        fever = (self._fever["entity"], self._fever["value"])
        spans = [(r.start, r.end) for r in readings if r.kind == "temperature"]
        kept = [h for h in hits if (h.entity, h.value) != fever or not any(h.start < e and s < h.end for s, e in spans)]
        # an age word inside a time ("since she was a newborn", "since he was a toddler") is
        # the age the bumps started at, not the age now
        times = [(r.start, r.end) for r in readings if r.kind == "duration"]
        kept = [h for h in kept if h.entity != "age_group" or not any(s <= h.start and h.end <= e for s, e in times)]
        for reading in readings:
            if reading.kind == "temperature" and reading.value == "fever":
                kept.append(Hit(*fever, reading.start, reading.end, kind="reading"))
            elif reading.kind == "temperature" and self._normal_reading:
                normal = self._normal_reading
                kept.append(Hit(normal["entity"], normal["value"], reading.start, reading.end))
            elif reading.kind != "temperature":
                entity = "age_group" if reading.kind == "age" else "duration"
                kept.append(Hit(entity, reading.value, reading.start, reading.end))
        return kept

    def _measured_as_normal(self, hits: list[Hit], readings: Sequence[Reading]) -> list[Hit]:
        """Warmth felt by hand, measured as normal ("felt warm, but it was 37.1"): the reading decides.

        Runs after overrides, so "hot" inside the dropped warmth asks nothing either. Any
        reading at the fever threshold keeps every fever hit (fail safe).
        """
        values = {r.value for r in readings if r.kind == "temperature"}
        if values != {"normal"}:
            return hits
        return [h for h in hits if h.kind not in self._reading_decides]

    def _drop_contained(
        self, hits: list[Hit], harmless: Sequence[tuple[int, int]]
    ) -> tuple[list[Hit], set[str], list[Overridden]]:
        """Drop hits inside a harmless span (of the types it hides), and set aside findings a containing hit overrides.

        Also returns the kinds of the infection cues a sign's span explained ("red
        swollen" in "eye is red swollen"): with a further cue they still make an
        infection sign ("...and hot"), alone they ask nothing. The findings set aside
        come back if context drops every hit that overrode them
        (``_apply_context_restoring``).
        """
        kept = []
        explained: set[str] = set()
        overridden: list[Overridden] = []
        cue = self._infection["cue_entity"]
        for hit in hits:
            if hit.entity in self._harmless_hides and any(s <= hit.start and hit.end <= e for s, e in harmless):
                continue
            by = tuple(
                other
                for other in hits
                if other is not hit
                and (hit.value in other.overrides or (hit.entity == cue and self._infection["sign"] in other.overrides))
                and other.start <= hit.start
                and hit.end <= other.end
            )
            if by:
                if hit.entity == cue:
                    explained.add(hit.value)
                overridden.append(Overridden(hit, by))
                continue
            kept.append(hit)
        return kept, explained, overridden

    def _apply_context_restoring(self, doc: Doc, hits: list[Hit], overridden: Sequence[Overridden]) -> list[Hit]:
        """Context for every hit, then an overridden finding back when a negation dropped all that overrode it.

        Why: an override picks the more specific reading of the same words, before
        context. When a negation then denies that reading ("no redness around the bump
        it keeps getting bigger"), the finding it hid must be judged on its own, not lost
        with it (round 8's second review). The finding gets its own context, read as if
        the denied reading's words were plain words, so a negation over both still drops
        both. Only findings are added: what the first reading kept stays as it was. An
        overrider removed for another reason (a harmless context such as "swollen from
        crying", warmth measured as normal) keeps its findings hidden, as before.
        """
        kept, negated = self._context_outcomes(doc, hits)
        result = self._kept_with_denials(hits, kept, negated)
        denied = {_key(h) for h, was in zip(hits, negated, strict=True) if was}
        plain_words: list[Hit] = []  # overriders whose reading was denied
        restored: list[Hit] = []
        while True:
            back = [
                o.hit for o in overridden if o.hit not in restored and all(_key(b) in denied for b in o.by)
            ]
            if not back:
                return result
            plain_words += [h for h in hits + restored if _key(h) in denied and h not in plain_words]
            restored += back
            judged = [h for h in hits + restored if h not in plain_words]
            kept, negated = self._context_outcomes(doc, judged)
            for i, hit in enumerate(judged):
                if any(hit is b for b in back):
                    # a denied finding lies inside its denied overriders: their markers already cover it
                    result += [kept[i]] if kept[i] is not None else []
                    if negated[i]:
                        denied.add(_key(hit))

    def _maybe_temperatures(
        self, doc: Doc, hits: list[Hit], readings: Sequence[Any], harmless: Sequence[tuple[int, int]]
    ) -> list[Hit]:
        """A bare number in a message about a baby that may be a feverish temperature: suspected fever."""
        if any((h.entity, h.value) == (self._fever["entity"], self._fever["value"]) for h in hits):
            return []
        taken = {i for r in readings for i in range(r.start, r.end)}
        taken |= {i for s, e in harmless for i in range(s, e)}
        found = []
        for token in doc:
            if token.i in taken or not token.like_num or not any(c.isdigit() for c in token.text):
                continue
            if self.quantities.maybe_fever(doc, token.i, token.i + 1):
                found.append(Hit(self._fever["entity"], self._fever["value"], token.i, token.i + 1, role="suspected"))
        return found

    def _apply_context(self, doc: Doc, hits: list[Hit]) -> list[Hit]:
        """Give each sign its role from the context rules; drop negated and harmless ones."""
        kept, negated = self._context_outcomes(doc, hits)
        return self._kept_with_denials(hits, kept, negated)

    def _kept_with_denials(
        self, hits: Sequence[Hit], kept: Sequence[Optional[Hit]], negated: Sequence[bool]
    ) -> list[Hit]:
        """The hits context kept, then a ``denied`` marker for each sign a negation dropped."""
        denied = [
            Hit(self._denied["entity"], self._denied["value"], hit.start, hit.end)
            for hit, was in zip(hits, negated, strict=True)
            if was and self._denied
        ]
        return [h for h in kept if h is not None] + denied

    def _context_outcomes(self, doc: Doc, hits: list[Hit]) -> tuple[list[Optional[Hit]], list[bool]]:
        """Each hit with its role from the context rules (None if dropped), and whether a negation dropped it.

        Other entity types (``context_drops``) are only removed, on the outcomes listed.
        """
        kept: list[Optional[Hit]] = list(hits)
        negated = [False] * len(hits)
        targets_at = [
            i for i, h in enumerate(hits) if h.entity in self._context_types or h.entity in self._context_drops
        ]
        if not targets_at:
            return kept, negated
        targets = [
            Target(hits[i].value, hits[i].start, hits[i].end, hits[i].entity in self._context_types, hits[i].kind)
            for i in targets_at
        ]
        result = self.context.apply(doc, targets)
        for i, categories in zip(targets_at, result.categories, strict=True):
            outcome = self.context.outcome(categories)
            if hits[i].entity not in self._context_types:
                if outcome in self._context_drops[hits[i].entity]:
                    kept[i] = None
                continue
            role = self._roles[outcome]
            if outcome == DROP:
                kept[i] = None
                negated[i] = NEGATED in categories and not categories & NOT_DENIALS
            elif role is not None:
                kept[i] = replace(hits[i], role=role)
        return kept, negated

    def _mark_weak_spellings(self, hits: list[Hit], corrections: Sequence[Correction]) -> list[Hit]:
        """An emergency sign found only through an uncertain spelling correction is suspected.

        Uncertain: a score below ``certain_at`` or another sign word close behind. A
        suspected emergency sign makes the dialogue ask the danger-signs question; a
        less urgent sign keeps the correction (fail safe, and a question would not help).
        """
        weak = {c.index for c in corrections if not c.certain}
        if not weak:
            return hits
        emergency = self.thresholds.emergency_findings
        return [
            replace(h, role="suspected")
            if h.role is None and h.entity == "red_flag" and h.value in emergency and weak & set(range(h.start, h.end))
            else h
            for h in hits
        ]

    def _combine_infection_cues(self, hits: list[Hit], explained: Iterable[str] = ()) -> list[Hit]:
        """Redness with a second sign is an infection sign; a lone cue asks a question.

        The brief: a bump or the skin around it red AND hot, swollen, very painful or
        oozing (possible infection); two other cues of which one is strong ("hot and
        sore") count too. "Red" alone, or "sore", "hot" or "swollen" alone,
        is how harmless look-alikes are described too: ``redness_unclear`` makes the
        dialogue ask instead of assuming. Cues are combined per role; cues inside
        another sign's words (``explained``) count towards a present combination.
        """
        cue_entity = self._infection["cue_entity"]
        cues = [h for h in hits if h.entity == cue_entity]
        # a cue inside a longer one is part of it ("painful" in "really painful")
        cues = [
            c
            for c in cues
            if not any(
                o is not c and o.start <= c.start and c.end <= o.end and o.end - o.start > c.end - c.start for o in cues
            )
        ]
        hits = [h for h in hits if h.entity != cue_entity]
        strong = {h.role for h in hits if (h.entity, h.value) == ("red_flag", self._infection["sign"])}
        for role in {c.role for c in cues} - strong:
            group = [c for c in cues if c.role == role]
            kinds = {c.value for c in group} | (set(explained) if role is None else set())
            needs = set(self._infection["redness"])
            second = set(self._infection["second_signs"])
            two_kinds = len(kinds) >= 2 and bool(kinds & set(self._infection.get("strong_cues", [])))
            if (kinds & needs and kinds & second) or two_kinds:
                value = self._infection["sign"]
                # the cues that make the sign; the ones inside another sign's words
                # ("swollen" in an eye sign) are not in this group, so fall back to it
                used = [c for c in group if c.value in needs | second] or group
            else:
                value = self._infection["unclear"]
                used = group
            first = min(used, key=lambda c: (c.start, c.end))
            hits.append(Hit("red_flag", value, first.start, first.end, role=role))
        return hits

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


def load_config(path: Path = PATTERNS_PATH) -> dict[str, Any]:
    """Read the pattern file."""
    config = load_rules_yaml(path)
    if not isinstance(config, dict) or "rules" not in config:
        raise PatternFileError(f"{path}: not a red-flag pattern file")
    return config


def known_findings() -> frozenset[str]:
    """Finding ids of the rules table plus the findings that only ask a question."""
    from bot.triage import load_table

    return load_table().findings | frozenset(load_rules_file(RULES_PATH).get("clarify_findings") or [])


@lru_cache(maxsize=4)
def load_detector(path: Path = PATTERNS_PATH) -> RedFlagDetector:
    """Build the detector once per process (patterns compile in about a second).

    Uses our own pipeline (bot.spacy_pipeline) to lemmatise patterns and to re-read any
    doc that is not already lowercase; red-flag ids are checked against triage_rules.yml.
    """
    from bot.spacy_pipeline import build_pipeline

    return RedFlagDetector(load_config(path), build_pipeline(), known_findings=known_findings())
