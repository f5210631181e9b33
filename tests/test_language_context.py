"""ConText (bot/language/context.py) on its own: phrase in, category outcome out.

The table names one sign (its id and its words in the message) and the outcome the
context rules of bot/resources/context_rules.yml must give it: present, drop
(negated or harmless), hypothetical, historical, other_person or suspected. No Rasa involved.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from spacy.language import Language

from bot.language.context import ConTextMatcher, Target, load_context_config, parse_rules
from bot.language.detector import load_config
from bot.language.patterns import PatternCompiler, PatternFileError

# (message, sign id (or id/context_kind), the sign's words in the message, expected outcome)
TABLE = [
    # negation and its scope
    ("no fever", "fever", "fever", "drop"),
    ("she doesn't have a fever", "fever", "fever", "drop"),
    ("no redness, swelling and pain", "infection_sign", "pain", "drop"),
    ("no fever and floppy", "floppy_unresponsive", "floppy", "present"),
    ("no fever but floppy", "floppy_unresponsive", "floppy", "present"),
    ("no fever she's floppy", "floppy_unresponsive", "floppy", "present"),
    ("no she's floppy", "floppy_unresponsive", "floppy", "present"),
    ("no fever. floppy", "floppy_unresponsive", "floppy", "present"),
    ("fever-free for days", "fever", "fever", "drop"),
    ("no longer feeding", "poor_feeding", "feeding", "present"),
    # an emergency sign after a comma is negated only if the list goes on with "or"
    ("no temperature, very floppy", "floppy_unresponsive", "floppy", "present"),
    ("not floppy, blue or grey", "colour_change", "blue", "drop"),
    ("no redness, swelling or pain", "infection_sign", "swelling", "drop"),
    # uncertain stays a finding (fail safe); nearest of negation and doubt decides
    ("not sure if she has a fever", "fever", "fever", "present"),
    ("I don't think she has a fever", "fever", "fever", "present"),
    ("maybe a fever", "fever", "fever", "present"),
    ("she might be teething, no fever", "fever", "fever", "drop"),
    # hypothetical
    ("what if she gets a fever", "fever", "fever", "hypothetical"),
    ("what should I do if my baby has a seizure", "seizure", "seizure", "hypothetical"),
    ("what are the signs of sepsis", "sepsis_sign", "sepsis", "hypothetical"),
    ("what if she is floppy right now", "floppy_unresponsive", "floppy", "present"),
    ("she's showing signs of a fever", "fever", "fever", "present"),
    # historical: a past-time phrase, or a resolution with a past verb
    ("she had a fever last week", "fever", "fever", "historical"),
    ("when he was 2 weeks old he had a fever", "fever", "fever", "historical"),
    ("she had a fever, the gp checked her", "fever", "fever", "historical"),
    ("had a fever yesterday, fine now", "fever", "fever", "historical"),
    ("she has a fever but seems fine now", "fever", "fever", "present"),
    ("she had a fever last week and still has it", "fever", "fever", "present"),
    ("she has had a fever since last week", "fever", "fever", "present"),
    ("she had a seizure", "seizure", "seizure", "present"),
    # a present sign before or after a past story stays present
    ("she is floppy, last week she had a cold", "floppy_unresponsive", "floppy", "present"),
    ("she is floppy and last week she had a fever", "floppy_unresponsive", "floppy", "present"),
    ("she had a fever last week and she is floppy", "floppy_unresponsive", "floppy", "present"),
    ("when she was 3 weeks old, she had a fever", "fever", "fever", "historical"),
    ("she had a fever and a rash last week", "fever", "fever", "present"),
    ("she had a fit this morning", "seizure", "fit", "present"),
    # someone else
    ("my sister's baby had a seizure", "seizure", "seizure", "other_person"),
    ("my friend's son had sepsis and my son has a fever", "fever", "fever", "present"),
    ("I read about a baby with sepsis", "sepsis_sign", "sepsis", "other_person"),
    # harmless contexts
    ("out of breath after running", "breathing_difficulty/exertion", "out of breath", "drop"),
    ("struggling to breathe after running", "breathing_difficulty", "struggling to breathe", "present"),
    ("her lips are blue after running", "colour_change", "lips are blue", "present"),
    ("I'm doing a project on sepsis", "sepsis_sign", "sepsis", "drop"),
    ("she felt hot but her temperature was normal", "fever", "felt hot", "drop"),
    ("her temperature was normal this morning but she feels hot now", "fever", "feels hot", "present"),
    ("he has baby acne and it's a bit red", "red", "red", "drop"),
    ("her cheeks are red from teething", "red", "red", "drop"),
    ("he's breathing fast after crying", "sepsis_sign/exertion", "breathing fast", "drop"),
    ("what does infected milia look like", "infection_sign", "infected", "hypothetical"),
    # a disease named in a question or a fear: suspected, the dialogue asks first
    ("is it meningitis?", "non_blanching_rash", "meningitis", "suspected"),
    ("I'm scared it's sepsis", "sepsis_sign", "sepsis", "suspected"),
    ("my baby has meningitis", "non_blanching_rash", "meningitis", "present"),
]


def matcher_for(nlp: Language, raw: dict[str, Any]) -> ConTextMatcher:
    config = load_config()
    compiler = PatternCompiler(nlp, config["classes"], config["units"], config["numbers"])
    return ConTextMatcher(raw, nlp, compiler)


@pytest.fixture(scope="module")
def context(nlp: Language) -> ConTextMatcher:
    return matcher_for(nlp, load_context_config())


@pytest.mark.parametrize("text, sign, words, outcome", TABLE, ids=[row[0] for row in TABLE])
def test_context_table(text: str, sign: str, words: str, outcome: str, context: ConTextMatcher) -> None:
    """``sign`` is a sign id, or ``id/kind`` for a rule with a context_kind."""
    value, _, kind = sign.partition("/")
    assert context.classify(text, value, words, kind or None) == outcome


def test_a_cue_inside_a_sign_modifies_nothing(context: ConTextMatcher, nlp: Language) -> None:
    """ "eye can't open, swollen": the "n't" belongs to the sign and negates neither part."""
    doc = nlp("eye can't open, swollen")
    targets = [Target("eyelid_swelling", 0, 4), Target("swollen", 5, 6)]
    result = context.apply(doc, targets)
    assert [context.outcome(c) for c in result.categories] == ["present", "present"]


def test_a_past_tense_inside_a_sign_counts_only_when_the_sign_is_told_as_over(
    context: ConTextMatcher, nlp: Language
) -> None:
    """Round 16's blind set Z: "eye was swollen shut ... totally healed" lost its "was" (a cue
    inside a sign modifies nothing), so "healed" alone left the sign present. The tense of the
    sign's own words now counts with RESOLVED, and only then: someone else's sign in the past
    tense stays as it was ("my nephew ... his lips were blue" is triaged), and "hes got" is the
    present tense."""
    def outcome(text: str, sign: str, words: str) -> str:
        doc = nlp(text)
        tokens, wanted = [t.lower_ for t in doc], [t.lower_ for t in nlp(words)]
        start = next(i for i in range(len(tokens)) if tokens[i : i + len(wanted)] == wanted)
        return context.outcome(context.apply(doc, [Target(sign, start, start + len(wanted))]).categories[0])

    over = "a few weeks ago my son's eye was swollen shut but that's totally healed"
    assert outcome(over, "eyelid_swelling", "eye was swollen shut") == "historical"
    assert outcome("my son's eye was swollen shut this morning", "eyelid_swelling", "eye was swollen shut") == "present"
    assert outcome("im babysitting my nephew and his lips were blue", "colour_change", "lips were blue") == "present"


def test_overlapping_terminators_all_stay(context: ConTextMatcher, nlp: Language) -> None:
    """Round 7's third review: the clause break ", she's" used to prune the comma, so a record
    that ends at a comma ran on into the next clause (a thermometer, then the baby's reading)."""
    doc = nlp("the room was 30 degrees, she's 38.6")
    categories = {m.rule.category for m in context.find_modifiers(doc, []) if m.start == 5}
    assert "COMMA" in categories and categories & {"CLAUSE", "PRESENT_TENSE"}, categories


def test_allowed_types_limit_a_rule(context: ConTextMatcher) -> None:
    """Exercise explains breathlessness, not a seizure."""
    assert context.classify("after running he had a seizure", "seizure", "seizure") == "present"


def test_categories_cover_the_issue(context: ConTextMatcher) -> None:
    needed = {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "OTHER_PERSON", "HARMLESS"}
    assert needed <= context.categories
    assert {rule.direction for rule in context.rules} == {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"}


def _broken(**record: Any) -> dict[str, Any]:
    raw = copy.deepcopy(load_context_config())
    raw["rules"].append({"literal": "xyz", "category": "HYPOTHETICAL", "direction": "FORWARD", **record})
    return raw


@pytest.mark.parametrize(
    "raw, message",
    [
        (_broken(direction="SIDEWAYS"), "direction must be one of"),
        (_broken(scope=3), "unknown keys"),
        (_broken(literal=True), "needs a literal"),
        (_broken(terminated_by=["NO_SUCH_CATEGORY"]), "never defined"),
        (_broken(pattern="$no_such_class"), "unknown token class"),
        # "=like =?" was an optional empty word, not a question mark (round 18)
        (_broken(pattern="=look =like =?"), "empty word"),
        (_broken(pattern="=a|b| =c"), "empty word"),
    ],
)
def test_invalid_context_files_fail_at_load(raw: dict[str, Any], message: str, nlp: Language) -> None:
    with pytest.raises(PatternFileError, match=message):
        matcher_for(nlp, raw)


def test_outcomes_need_a_default_row() -> None:
    raw = copy.deepcopy(load_context_config())
    raw["outcomes"] = raw["outcomes"][:-1]
    with pytest.raises(PatternFileError, match="default"):
        parse_rules(raw)


# ------------------------------------------------- told as happening now (round 15)
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("just wondering if milia can cause fits, my son is fitting as I type this", "seizure"),
        ("what do you do when a baby has a seizure? because he's having one", "seizure"),
        ("what if lips go blue? his lips are blue now", "colour_change"),
        ("my lips have turned blue in the last few minutes, friend says it's the cold", "colour_change"),
    ],
)
def test_a_sign_told_as_happening_now_is_present(text: str, sign: str) -> None:
    """Round 15's "now" cues: a general question or a story before them does not make the sign past."""
    from bot.language.detector import load_detector

    found = [e for e in load_detector().detect_text(text) if e.entity == "red_flag" and e.value == sign]
    assert [e.role for e in found] == [None], text
