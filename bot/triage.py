"""Triage decisions: findings + age group -> level, read from ``triage_rules.yml``.

Everything clinical lives in the rules table; this module only matches rows. It is
pure (no Rasa, no I/O after loading) so that the decision can be tested row by row
and used in the same way by the dialogue policy (safety net, no action server) and by
the custom actions (after the questionnaire).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

from bot.rules_yaml import load_rules_yaml

RULES_PATH = Path(__file__).parent / "resources" / "triage_rules.yml"

AGE_GROUPS = ("newborn", "infant", "child", "adult")
BABY_UNKNOWN_AGE = "baby_unknown_age"
UNKNOWN_AGE = "unknown"


@dataclass(frozen=True)
class TriageRule:
    """One row of the table: ``finding`` (+ ``with``) at ``age_groups`` -> ``level``."""

    id: str
    finding: str
    level: str
    reason: str
    age_groups: frozenset[str] = frozenset()
    with_findings: frozenset[str] = frozenset()

    def applies(self, findings: frozenset[str], age: str) -> bool:
        return (
            self.finding in findings
            and (not self.age_groups or age in self.age_groups)
            and self.with_findings <= findings
        )


@dataclass(frozen=True)
class ClarifyWhen:
    """``finding`` at ``age_groups`` means a level only once the ``ask`` question says whether ``about`` is present."""

    finding: str
    age_groups: frozenset[str]
    ask: str
    about: str


@dataclass(frozen=True)
class FollowUp:
    """The clarifying question ``ask`` that follows advice at one level, unless one of
    ``unless_asked`` (clarify kinds or questionnaire slots) was already asked in the episode."""

    ask: str
    unless_asked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TriageTable:
    """The loaded table: levels (most urgent first), rules and advice responses."""

    levels: tuple[str, ...]
    rules: tuple[TriageRule, ...]
    advice: dict[str, str]
    safety_net_levels: frozenset[str]
    questionnaire: dict[str, dict[str, str]] = field(default_factory=dict)
    default_finding: Optional[str] = None
    explained_by_named_signs: frozenset[str] = frozenset()
    # Findings that count at the end of the questionnaire but never interrupt on their own.
    deferred_findings: frozenset[str] = frozenset()
    # Findings that are unclear on their own ("red" alone): a clarifying question first.
    clarify_findings: frozenset[str] = frozenset()
    # Clarifying questions: kind -> {ask: response, yes: finding or "asked", unclear: ...}.
    clarify: dict[str, dict[str, str]] = field(default_factory=dict)
    # The "if this happens, do that" response for hypothetical signs: by finding or by level.
    conditional: dict[str, str] = field(default_factory=dict)
    # Questionnaire questions about signs: the answer a reply that only denies signs gives.
    denial_answers: dict[str, str] = field(default_factory=dict)
    # Findings that need one clarifying question at some ages (a fever in an older child).
    clarify_when: tuple[ClarifyWhen, ...] = ()
    # Of the denial answers, the questions a denial in words without "no" can answer
    # ("not red, not growing"); never the emergency-signs list.
    denial_in_words: frozenset[str] = frozenset()
    # Advice level -> the clarifying question that follows that advice in the same reply,
    # and the questions (clarify kinds or questionnaire slots) that make it a repeat.
    follow_up_after_advice: dict[str, FollowUp] = field(default_factory=dict)

    @property
    def advice_levels(self) -> dict[str, str]:
        """Advice response -> its level (the inverse of ``advice``)."""
        return {response: level for level, response in self.advice.items()}

    @property
    def clarify_replies(self) -> frozenset[str]:
        """What the safety net says after a "no" or "not sure" to a clarifying question (then it waits)."""
        return frozenset(spec[key] for spec in self.clarify.values() for key in ("no", "unsure") if key in spec)

    def rank(self, level: str) -> int:
        """0 for the most urgent level; larger is less urgent."""
        return self.levels.index(level)

    def most_urgent(self, *levels: Optional[str]) -> Optional[str]:
        known = [level for level in levels if level in self.levels]
        return min(known, key=self.rank) if known else None

    def level_of(self, finding: str) -> Optional[str]:
        """The most urgent level any rule gives this finding (whatever its age conditions), or None."""
        levels = [rule.level for rule in self.rules if rule.finding == finding]
        return self.most_urgent(*levels)

    @property
    def findings(self) -> frozenset[str]:
        """Every finding id some rule knows about."""
        names = {rule.finding for rule in self.rules} | set(self.clarify_findings)
        names |= {when.finding for when in self.clarify_when}
        for rule in self.rules:
            names |= rule.with_findings
        return frozenset(names)


@dataclass(frozen=True)
class TriageDecision:
    """The outcome: the level (never below ``previous_level``) and the rules that fired."""

    level: Optional[str]
    fired: tuple[TriageRule, ...] = field(default_factory=tuple)
    advice: Optional[str] = None

    @property
    def reasons(self) -> list[str]:
        return [rule.reason for rule in self.fired]


class TriageRulesError(ValueError):
    """The rules file is not valid; raised at start so a bad edit never reaches users."""


def parse_table(raw: dict) -> TriageTable:
    """Validate and convert the YAML structure of the rules file."""
    try:
        levels = tuple(raw["levels"])
        advice = dict(raw["advice"])
        safety_net_levels = frozenset(raw.get("safety_net_levels", []))
        rows = raw["rules"]
        questionnaire = dict(raw.get("questionnaire") or {})
        default_finding = questionnaire.pop("default_finding", None)
        explained = frozenset(questionnaire.pop("explained_by_named_signs", []))
        deferred = frozenset(raw.get("deferred_findings", []))
        clarify_findings = frozenset(raw.get("clarify_findings", []))
        clarify = {
            str(kind): {str(k): str(v) for k, v in spec.items()} for kind, spec in (raw.get("clarify") or {}).items()
        }
        conditional = {str(k): str(v) for k, v in (raw.get("conditional") or {}).items()}
        denial_answers = {str(k): str(v) for k, v in (raw.get("denial_answers") or {}).items()}
        denial_in_words = frozenset(str(slot) for slot in raw.get("denial_in_words") or [])
        follow_up = {
            str(level): FollowUp(str(spec["ask"]), frozenset(str(k) for k in spec.get("unless_asked") or []))
            for level, spec in (raw.get("follow_up_after_advice") or {}).items()
        }
        clarify_when = tuple(
            ClarifyWhen(str(row["finding"]), frozenset(row["age_groups"]), str(row["ask"]), str(row["about"]))
            for row in raw.get("clarify_when") or []
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise TriageRulesError(f"triage rules need levels, rules and advice: {error}") from error
    rules = []
    seen_ids: set[str] = set()
    allowed_ages = set(AGE_GROUPS) | {BABY_UNKNOWN_AGE, UNKNOWN_AGE}
    for row in rows:
        rule = TriageRule(
            id=row["id"],
            finding=row["finding"],
            level=row["level"],
            reason=row.get("reason", ""),
            age_groups=frozenset(row.get("age_groups", [])),
            with_findings=frozenset(row.get("with", [])),
        )
        if rule.id in seen_ids:
            raise TriageRulesError(f"duplicate triage rule id {rule.id!r}")
        if rule.level not in levels:
            raise TriageRulesError(f"rule {rule.id!r}: unknown level {rule.level!r}")
        if not rule.age_groups <= allowed_ages:
            raise TriageRulesError(f"rule {rule.id!r}: unknown age group in {sorted(rule.age_groups)}")
        seen_ids.add(rule.id)
        rules.append(rule)
    missing = set(levels) - set(advice)
    if missing:
        raise TriageRulesError(f"no advice response for levels {sorted(missing)}")
    if not safety_net_levels <= set(levels):
        raise TriageRulesError("safety_net_levels names an unknown level")
    table = TriageTable(
        levels,
        tuple(rules),
        advice,
        safety_net_levels,
        {slot: {str(value): finding for value, finding in answers.items()} for slot, answers in questionnaire.items()},
        default_finding,
        explained,
        deferred,
        clarify_findings,
        clarify,
        conditional,
        denial_answers,
        clarify_when,
        denial_in_words=denial_in_words,
        follow_up_after_advice=follow_up,
    )
    if not denial_in_words <= set(denial_answers):
        raise TriageRulesError(f"denial_in_words names a slot without a denial answer: {sorted(denial_in_words)}")
    if not set(denial_answers) <= set(table.questionnaire):
        raise TriageRulesError(f"denial_answers names a slot the questionnaire does not ask: {sorted(denial_answers)}")
    for kind, spec in clarify.items():
        if not {"ask", "yes", "unclear"} <= set(spec):
            raise TriageRulesError(f"clarify {kind!r} needs ask, yes and unclear")
    for level, follow in follow_up.items():
        if level not in levels or follow.ask not in clarify:
            raise TriageRulesError(f"follow_up_after_advice {level!r}: unknown level or clarify kind {follow.ask!r}")
        unknown_questions = follow.unless_asked - set(clarify) - set(table.questionnaire)
        if unknown_questions:
            raise TriageRulesError(f"follow_up_after_advice {level!r}: unknown questions {sorted(unknown_questions)}")
    for when in clarify_when:
        if when.ask not in clarify:
            raise TriageRulesError(f"clarify_when {when.finding!r}: unknown clarify kind {when.ask!r}")
        if not when.age_groups <= allowed_ages:
            raise TriageRulesError(f"clarify_when {when.finding!r}: unknown age group in {sorted(when.age_groups)}")
    referenced = {finding for answers in table.questionnaire.values() for finding in answers.values()}
    referenced |= {when.about for when in clarify_when}
    referenced |= {spec[key] for spec in clarify.values() for key in ("yes", "unclear") if spec[key] != "asked"}
    referenced |= set(deferred)
    unknown = (referenced | ({default_finding} if default_finding else set())) - table.findings
    if unknown:
        raise TriageRulesError(f"questionnaire findings with no rule: {sorted(unknown)}")
    return table


@lru_cache(maxsize=4)
def load_table(path: Path = RULES_PATH) -> TriageTable:
    """Load and validate the rules file once per process."""
    return parse_table(load_rules_yaml(path))


def effective_age_group(age_group: Optional[str], mentions_baby: bool) -> str:
    """The age group the rules see: a baby of unknown age is its own, fail-safe group."""
    if age_group in AGE_GROUPS:
        return age_group
    return BABY_UNKNOWN_AGE if mentions_baby else UNKNOWN_AGE


def decide(
    findings: Iterable[str],
    age_group: Optional[str] = None,
    mentions_baby: bool = False,
    previous_level: Optional[str] = None,
    table: Optional[TriageTable] = None,
) -> TriageDecision:
    """Return the most urgent level any rule gives, never below ``previous_level``.

    With no rule firing the level stays ``previous_level`` (possibly None: no advice
    is due yet, for example before the questionnaire is finished).
    """
    table = table or load_table()
    found = frozenset(findings)
    age = effective_age_group(age_group, mentions_baby)
    fired = tuple(rule for rule in table.rules if rule.applies(found, age))
    level = table.most_urgent(previous_level, *(rule.level for rule in fired))
    return TriageDecision(level=level, fired=fired, advice=table.advice.get(level) if level else None)


def needs_immediate_advice(decision: TriageDecision, table: Optional[TriageTable] = None) -> bool:
    """True when a rule fired at a level that interrupts the conversation (safety net)."""
    table = table or load_table()
    return any(rule.level in table.safety_net_levels for rule in decision.fired)


def questionnaire_findings(
    slots: dict[str, Any], table: Optional[TriageTable] = None, named_signs: Iterable[str] = ()
) -> set[str]:
    """Findings that the questionnaire answers (slot values) amount to.

    A bare "yes" that the person explained by naming signs ("yes, it's been growing
    and bleeding") is judged by those signs (``named_signs``), not as an unspecified yes.
    """
    table = table or load_table()
    found = {
        answers[str(slots[slot])]
        for slot, answers in table.questionnaire.items()
        if slots.get(slot) is not None and str(slots[slot]) in answers
    }
    if set(named_signs):
        found -= table.explained_by_named_signs
    return found


def decision_slots(table: Optional[TriageTable] = None) -> tuple[str, ...]:
    """The slots a conversation's decision reads: the questionnaire answers, age and level."""
    table = table or load_table()
    return (*table.questionnaire, "age_group", "triage_level")


def decide_conversation(
    findings: Iterable[str],
    slots: dict[str, Any],
    mentions_baby: bool = False,
    table: Optional[TriageTable] = None,
) -> TriageDecision:
    """The level for the signs named so far plus the questionnaire answers in ``slots``.

    Used alike by the safety net (at any message) and after the questionnaire, so both
    weigh answers, age and the session's level in the same way.
    """
    table = table or load_table()
    named = set(findings)
    all_findings = named | questionnaire_findings(slots, table, named)
    return decide(all_findings, slots.get("age_group"), mentions_baby, slots.get("triage_level"), table)


def decide_after_questionnaire(
    findings: Iterable[str],
    slots: dict[str, Any],
    mentions_baby: bool = False,
    table: Optional[TriageTable] = None,
) -> TriageDecision:
    """The level once the questionnaire is complete: never None (default: typical milia)."""
    table = table or load_table()
    decision = decide_conversation(findings, slots, mentions_baby, table)
    if decision.level is None and table.default_finding:
        decision = decide({table.default_finding}, slots.get("age_group"), mentions_baby, table=table)
    return decision


def rules_markdown(table: Optional[TriageTable] = None) -> str:
    """The rules table as Markdown, for README (``python -m bot.triage``)."""
    table = table or load_table()
    lines = ["| rule | finding | with | age | level | reason |", "|---|---|---|---|---|---|"]
    for rule in table.rules:
        lines.append(
            f"| `{rule.id}` | `{rule.finding}` | {', '.join(sorted(rule.with_findings))} | "
            f"{', '.join(sorted(rule.age_groups))} | {rule.level} | {rule.reason} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(rules_markdown())
