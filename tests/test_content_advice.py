"""Content governance of the triage advice and the safety net's own texts (issue 12).

The advice records (bot/resources/content/advice/) meet the same rules as the answers:
approved, sourced by https URL, in date, unchanged since approval; and
domain/triage_advice.yml says what they give, with the source and review line just
before the closing disclaimer reminder.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot.content import __main__ as content_cli
from bot.content.advice import ADVICE_DIR, load_advice_records, parse_advice_record
from bot.content.governance import problems
from bot.content.records import ContentRecordError
from bot.content.render_advice import ADVICE_FILE, advice_file
from bot.content.report import render_report
from bot.domain_files import load_domain
from bot.triage import load_table

ADVICE = load_advice_records()
BY_TOPIC = {record.topic: record for record in ADVICE}
RESPONSES = load_domain()["responses"]
TABLE = load_table()
TODAY = dt.date(2026, 12, 1)
REMINDER = "This is general information, not a diagnosis. In an emergency, call {emergency_number}."
LINK = r"\[[^\]]+\]\(https://[^)\s]+\)"
QUESTIONS = sorted(spec["ask"] for spec in TABLE.clarify.values())
WHAT_IF = sorted(set(TABLE.conditional.values()))
# what the safety net says after "no" or "not sure" to the question that follows advice
SAID = sorted(TABLE.clarify_replies)
TRIAGE = [f"utter_triage_{level}" for level in TABLE.levels]


def _record_of(response: str):
    (record,) = [record for record in ADVICE if response in record.responses]
    return record


def _raw(**review: object) -> dict:
    """A valid advice record dict (two variants, buttons, custom payload), approved for its own text."""
    raw = {
        "topic": "sample",
        "review": {"status": "approved", "reviewer_role": "GP clinical lead", "last_reviewed": "2026-03-10",
                   "next_review_due": "2027-03-10", "approved_text": ""},
        "sources": {"nhs": {"publisher": "NHS", "title": "Fever in children",
                            "url": "https://www.nhs.uk/conditions/fever-in-children/"}},
        "reminder": "Not a diagnosis. Call {emergency_number}.",
        "responses": {"utter_triage_sample": [
            {"condition": {"age_group": "adult"}, "sources": ["nhs"], "text": "SAMPLE: rest.\n- drink water",
             "custom": {"triage_level": "sample"}},
            {"sources": ["nhs"], "text": "SAMPLE: rest.\n- a baby with 38 C: call now",
             "buttons": [{"title": "Yes", "payload": "/affirm"}], "custom": {"triage_level": "sample"}},
        ]},
    }
    raw["review"]["approved_text"] = parse_advice_record(raw, Path("sample.yml")).fingerprint()
    raw["review"].update(review)
    return raw


def _record(raw: dict):
    return parse_advice_record(raw, Path("sample.yml"))


def test_advice_records_give_every_triage_level_and_safety_net_text() -> None:
    """The five levels, the clarifying questions and the "what if" texts of triage_rules.yml, nothing else."""
    given = [name for record in ADVICE for name in record.responses]
    assert len(given) == len(set(given))
    assert set(given) == set(TRIAGE) | set(QUESTIONS) | set(WHAT_IF) | set(SAID)
    assert len(TRIAGE) == 5 and len(QUESTIONS) == 7 and len(WHAT_IF) == 4 and len(SAID) == 2


def test_the_disclaimer_is_not_in_the_generated_advice_file() -> None:
    generated = yaml.safe_load(ADVICE_FILE.read_text(encoding="utf-8"))["responses"]
    assert "utter_disclaimer" not in generated and "utter_disclaimer" in RESPONSES


@pytest.mark.parametrize("topic", sorted(BY_TOPIC))
def test_advice_may_be_published(topic: str) -> None:
    """Approved, reviewer named, review not due, text unchanged since approval, every text sourced by URL."""
    assert problems(BY_TOPIC[topic], dt.date.today()) == []


@pytest.mark.parametrize("response", TRIAGE)
def test_triage_advice_shows_its_source_line_just_before_the_reminder(response: str) -> None:
    record = _record_of(response)
    month = record.review.last_reviewed.strftime("%B %Y")
    for variant in RESPONSES[response]:
        *body, source, reminder = variant["text"].split("\n")
        assert reminder == REMINDER
        assert re.fullmatch(rf"Source: {LINK}(; {LINK})* · Reviewed {month}", source), source
        assert body and not any(line.startswith("Source:") for line in body)


@pytest.mark.parametrize("response", WHAT_IF)
def test_what_if_answers_end_with_their_source_line(response: str) -> None:
    month = _record_of(response).review.last_reviewed.strftime("%B %Y")
    for variant in RESPONSES[response]:
        assert re.fullmatch(rf"Source: {LINK}(; {LINK})* · Reviewed {month}", variant["text"].split("\n")[-1])
        assert variant["text"].count("\nSource: ") == 1


@pytest.mark.parametrize("response", QUESTIONS)
def test_a_question_has_no_source_line_but_its_record_cites_sources(response: str) -> None:
    for variant in RESPONSES[response]:
        assert "Source:" not in variant["text"]
        assert variant["custom"]["clarify"] in TABLE.clarify
    assert all(variant.text.sources for variant in _record_of(response).responses[response])


def test_generated_yaml_keeps_conditions_buttons_and_custom_payloads() -> None:
    """Written out by hand: what Rasa must read for the sample record."""
    line = "Source: [NHS, Fever in children](https://www.nhs.uk/conditions/fever-in-children/) · Reviewed March 2026"
    responses = yaml.safe_load(advice_file([_record(_raw())]))["responses"]
    assert responses == {"utter_triage_sample": [
        {"condition": [{"type": "slot", "name": "age_group", "value": "adult"}],
         "text": f"SAMPLE: rest.\n- drink water\n{line}\nNot a diagnosis. Call {{emergency_number}}.",
         "custom": {"triage_level": "sample"}},
        {"text": f"SAMPLE: rest.\n- a baby with 38 C: call now\n{line}\nNot a diagnosis. Call {{emergency_number}}.",
         "buttons": [{"title": "Yes", "payload": "/affirm"}], "custom": {"triage_level": "sample"}},
    ]}


def test_a_question_record_gets_no_source_line_and_no_reminder() -> None:
    raw = _raw()
    raw["show_source_line"] = False
    del raw["reminder"]
    texts = [variant["text"] for variant in yaml.safe_load(advice_file([_record(raw)]))["responses"][
        "utter_triage_sample"]]
    assert texts == ["SAMPLE: rest.\n- drink water", "SAMPLE: rest.\n- a baby with 38 C: call now"]


def test_a_valid_advice_record_has_no_problems() -> None:
    assert problems(_record(_raw()), TODAY) == []


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_advice_not_approved_is_refused(status: str) -> None:
    assert any("not approved" in problem for problem in problems(_record(_raw(status=status)), TODAY))


def test_advice_past_its_review_date_is_refused() -> None:
    assert problems(_record(_raw(next_review_due="2026-11-30")), TODAY) == ["review was due on 2026-11-30"]


def test_advice_source_without_url_is_refused() -> None:
    raw = _raw()
    raw["sources"]["nhs"]["url"] = "http://www.nhs.uk/"
    raw["review"]["approved_text"] = _record(raw).fingerprint()
    assert problems(_record(raw), TODAY) == ["source nhs has no https URL"]


def test_advice_variant_without_source_is_refused() -> None:
    raw = _raw()
    raw["responses"]["utter_triage_sample"][0]["sources"] = []
    raw["review"]["approved_text"] = _record(raw).fingerprint()
    assert problems(_record(raw), TODAY) == ["utter_triage_sample (age_group adult) text names no source"]


@pytest.mark.parametrize("edit", ["text", "reminder", "custom", "condition", "show_source_line"])
def test_any_edit_to_what_is_said_needs_a_new_approval(edit: str) -> None:
    edited = copy.deepcopy(_raw())
    variant = edited["responses"]["utter_triage_sample"][0]
    if edit == "text":
        variant["text"] += "\n- edited"
    elif edit == "reminder":
        edited["reminder"] = "Edited."
    elif edit == "custom":
        variant["custom"] = {"triage_level": "routine"}
    elif edit == "condition":
        variant["condition"] = {"age_group": "child"}
    else:
        edited["show_source_line"] = False
    assert any("changed since approval" in problem for problem in problems(_record(edited), TODAY))


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw["responses"]["utter_triage_sample"][1].update(sources=["mayo"]), "cites source 'mayo'"),
    (lambda raw: raw["responses"]["utter_triage_sample"][1].update(text="A.\nSource: NHS"), "do not type it"),
    (lambda raw: raw["responses"]["utter_triage_sample"][1].update(text="A.\n\nB."), "no blank lines"),
    (lambda raw: raw["responses"]["utter_triage_sample"].reverse(), "without condition, and last"),
    (lambda raw: raw["responses"]["utter_triage_sample"][1].update(condition={"age_group": "child"}),
     "without condition, and last"),
    (lambda raw: raw.update(topic="other"), "must match the file name"),
])
def test_a_malformed_advice_record_is_rejected_with_its_file_named(change, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(ContentRecordError, match=r"sample\.yml.*" + re.escape(message)):
        _record(raw)


def test_check_command_counts_advice_problems(monkeypatch, capsys) -> None:
    draft = parse_advice_record(_raw(status="draft"), ADVICE_DIR / "sample.yml")
    monkeypatch.setattr(content_cli, "load_advice_records", lambda: [*ADVICE, draft])
    assert content_cli.check(TODAY) == 1
    assert "bot/resources/content/advice/sample.yml: review status is draft, not approved" in capsys.readouterr().out


def test_content_report_lists_the_advice_with_its_full_text() -> None:
    page = render_report(ADVICE, TODAY)
    assert f"{len(ADVICE)} records; all approved, sourced and in date" in page
    for record in ADVICE:
        assert f'id="{record.topic}"' in page and f"bot/resources/content/advice/{record.topic}.yml" in page
        for _, text in record.texts:
            assert text.text.replace("'", "&#x27;").replace('"', "&quot;") in page
    assert REMINDER in page


# A claim in an advice text and the source that must be cited for it.
CLAIM_SOURCES = {
    r"38 C": "nhs_fever_children|nice_ng143",
    r"does not fade when you press a glass": "nhs_meningitis",
    r"[Ss]welling of the lips": "nhs_anaphylaxis",
    r"[Rr]edness spreading|oozes|oozing|hot to touch": "nhs_cellulitis",
    r"crusts": "nhs_bcc",
    r"feeds poorly": "nice_ng143|nhs_baby_rashes",
}


@pytest.mark.parametrize("topic", sorted(BY_TOPIC))
def test_advice_names_the_source_for_its_claims(topic: str) -> None:
    for label, text in BY_TOPIC[topic].texts:
        for claim, source in CLAIM_SOURCES.items():
            if re.search(claim, text.text):
                assert set(source.split("|")) & set(text.sources), (label, claim, text.sources)
