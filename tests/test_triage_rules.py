"""The triage table, row by row, and the fail-safe defaults of the decision function."""

from __future__ import annotations

import pytest

from bot.triage import (
    TriageRulesError,
    decide,
    decide_after_questionnaire,
    load_table,
    needs_immediate_advice,
    parse_table,
    questionnaire_findings,
)

TABLE = load_table()
RULE_IDS = [rule.id for rule in TABLE.rules]


def _age_for(rule) -> str | None:
    """An age group the rule accepts (None means any, so the rule must fire without one)."""
    if not rule.age_groups:
        return None
    for age in ("newborn", "infant", "child", "adult"):
        if age in rule.age_groups:
            return age
    return None  # only baby_unknown_age / unknown: no age given


@pytest.mark.parametrize("rule", TABLE.rules, ids=RULE_IDS)
def test_every_rule_fires_at_its_level(rule) -> None:
    age = _age_for(rule)
    mentions_baby = "baby_unknown_age" in rule.age_groups and age is None
    decision = decide({rule.finding, *rule.with_findings}, age, mentions_baby)
    assert rule in decision.fired
    # Other rules may fire too, but never at a less urgent level than this one.
    assert TABLE.rank(decision.level) <= TABLE.rank(rule.level)


@pytest.mark.parametrize("rule", [r for r in TABLE.rules if r.age_groups], ids=lambda r: r.id)
def test_age_conditions_are_respected(rule) -> None:
    outside = [age for age in ("newborn", "infant", "child", "adult") if age not in rule.age_groups]
    for age in outside:
        assert rule not in decide({rule.finding, *rule.with_findings}, age).fired


@pytest.mark.parametrize("rule", [r for r in TABLE.rules if r.with_findings], ids=lambda r: r.id)
def test_combination_rules_need_every_finding(rule) -> None:
    assert rule not in decide({rule.finding}).fired


@pytest.mark.parametrize(
    ("findings", "age", "mentions_baby", "expected"),
    [
        ({"fever"}, "newborn", False, "emergency"),
        ({"fever"}, None, True, "emergency"),  # a baby of unknown age: taken as under 3 months
        ({"fever"}, "infant", True, "urgent"),
        # An older child or adult: a fever with milia alone is no level; the safety net asks
        # about a new spreading rash first (clarify_when), and with one it is urgent.
        ({"fever"}, "adult", False, None),
        ({"fever"}, "child", False, None),
        ({"fever"}, None, False, None),
        ({"fever", "new_rash_with_fever"}, "child", False, "urgent"),
        ({"fever", "sudden_crop"}, "adult", False, "urgent"),
        ({"fever", "sudden_crop"}, None, False, "urgent"),
        ({"fever", "new_rash_with_fever"}, "newborn", False, "emergency"),
        ({"spreading_redness", "fever"}, "adult", False, "emergency"),
        ({"spreading_redness"}, "adult", False, "urgent"),
        ({"blisters"}, "newborn", False, "urgent"),
        ({"blisters"}, None, False, "urgent"),  # unknown age: the more urgent reading
        # ... also beside a named burn or cream: a new medicine and blisters can be a severe drug
        # reaction (round 15's review withdrew a rule that made these soon)
        ({"blisters", "after_skin_damage"}, None, False, "urgent"),
        ({"weak_immune", "eye_irritation"}, "adult", False, "urgent"),
        ({"blisters"}, "adult", False, "soon"),
        ({"bleeding", "floppy_unresponsive"}, "child", False, "emergency"),  # most urgent wins
        ({"weak_immune"}, "adult", False, "soon"),
        ({"weak_immune", "infection_sign"}, "adult", False, "urgent"),
        (set(), "adult", False, None),
        ({"an_unknown_finding"}, "adult", False, None),
    ],
)
def test_decisions(findings, age, mentions_baby, expected) -> None:
    assert decide(findings, age, mentions_baby).level == expected


def test_level_never_goes_down() -> None:
    assert decide({"bleeding"}, "adult", previous_level="emergency").level == "emergency"
    assert decide(set(), "adult", previous_level="urgent").level == "urgent"
    assert decide({"floppy_unresponsive"}, "adult", previous_level="soon").level == "emergency"


def test_safety_net_levels() -> None:
    assert needs_immediate_advice(decide({"bleeding"}, "adult"))
    assert not needs_immediate_advice(decide({"typical_milia"}, "adult"))
    assert not needs_immediate_advice(decide({"persistent_over_3_months"}, "adult"))


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"age_group": "newborn", "duration": "under_4_weeks", "danger_signs": "no", "warning_signs": "none"},
         "self_care"),
        ({"age_group": "adult", "duration": "over_3_months", "danger_signs": "no", "warning_signs": "none"},
         "routine"),
        ({"age_group": "infant", "duration": "over_3_months", "danger_signs": "no", "warning_signs": "none"},
         "routine"),
        ({"age_group": "adult", "duration": "unknown", "danger_signs": "no", "warning_signs": "change"}, "soon"),
        ({"age_group": "child", "duration": "under_4_weeks", "danger_signs": "no", "warning_signs": "infection"},
         "urgent"),
        ({"age_group": "child", "duration": "under_4_weeks", "danger_signs": "no", "warning_signs": "unspecified"},
         "urgent"),
        ({"age_group": "adult", "duration": "over_3_months", "danger_signs": "yes", "warning_signs": None},
         "emergency"),
        ({"age_group": "adult", "duration": "under_4_weeks", "danger_signs": "no", "warning_signs": "none",
          "triage_level": "urgent"}, "urgent"),
        ({"age_group": "newborn", "duration": "since_birth", "danger_signs": "no", "warning_signs": "none"},
         "self_care"),
        ({"age_group": "infant", "duration": "since_birth", "danger_signs": "no", "warning_signs": "none"},
         "routine"),
    ],
)
def test_questionnaire_outcomes(slots, expected) -> None:
    assert decide_after_questionnaire(set(), slots).level == expected


def test_a_yes_explained_by_named_signs_is_judged_by_them() -> None:
    slots = {"age_group": "adult", "duration": "1_to_3_months", "danger_signs": "no", "warning_signs": "yes"}
    assert decide_after_questionnaire(set(), slots).level == "urgent"  # a bare yes: fail safe
    assert decide_after_questionnaire({"growing_changing", "bleeding"}, slots).level == "soon"


def test_questionnaire_findings_ignore_unknown_answers() -> None:
    assert questionnaire_findings({"danger_signs": "maybe", "warning_signs": None}) == set()


def test_every_level_has_advice_and_a_rule() -> None:
    assert set(TABLE.advice) == set(TABLE.levels)
    assert {rule.level for rule in TABLE.rules} == set(TABLE.levels)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"levels": ["a"], "advice": {"a": "x"}, "rules": [{"id": "r", "finding": "f", "level": "b"}]},
         "unknown level"),
        ({"levels": ["a"], "advice": {}, "rules": []}, "no advice"),
        ({"levels": ["a"], "advice": {"a": "x"},
          "rules": [{"id": "r", "finding": "f", "level": "a"}, {"id": "r", "finding": "g", "level": "a"}]},
         "duplicate"),
        ({"levels": ["a"], "advice": {"a": "x"},
          "rules": [{"id": "r", "finding": "f", "level": "a", "age_groups": ["teen"]}]}, "age group"),
        ({"rules": []}, "need levels"),
    ],
)
def test_invalid_tables_are_rejected(broken, message) -> None:
    with pytest.raises(TriageRulesError, match=message):
        parse_table(broken)


def test_level_of_a_finding_is_its_most_urgent_rule() -> None:
    assert TABLE.level_of("fever") == "emergency"  # a young baby's fever; urgent when older
    assert TABLE.level_of("wants_to_be_seen") == "routine"
    assert TABLE.level_of("redness_unclear") is None  # a clarifying question, no rule


def test_denial_answers_are_questionnaire_answers() -> None:
    assert TABLE.denial_answers == {"danger_signs": "no", "warning_signs": "none"}
    raw = {"levels": ["urgent"], "advice": {"urgent": "utter_x"}, "rules": [],
           "denial_answers": {"age_group": "adult"}}
    with pytest.raises(TriageRulesError, match="denial_answers"):
        parse_table(raw)
