"""Content governance: every answer approved, sourced, in date, and the Rasa files in sync."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot.content.__main__ import set_review
from bot.content.advice import load_advice_records
from bot.content.governance import next_review, problems
from bot.content.records import CONTENT_DIR, ContentRecordError, load_records, parse_record
from bot.content.render import generated_files, rules_file, source_line
from bot.content.report import render_report
from bot.domain_files import load_domain

RECORDS = load_records()
ADVICE = load_advice_records()
TOPICS = [record.topic for record in RECORDS]
TODAY = dt.date(2026, 12, 1)


def _raw(**review: object) -> dict:
    """A valid record dict, approved for its own text (changed per test)."""
    raw = {
        "topic": "sample",
        "review": {"status": "approved", "reviewer_role": "GP clinical lead", "last_reviewed": "2026-03-10",
                   "next_review_due": "2027-03-10", "approved_text": ""},
        "sources": {"nhs": {"publisher": "NHS", "title": "Rashes", "url": "https://www.nhs.uk/rashes/"}},
        "answer": {
            "professional": {"sources": ["nhs"], "text": "Clinical text.", "buttons": []},
            "plain": {"sources": ["nhs"], "text": "Plain text.",
                      "buttons": [{"title": "More", "payload": "/ask_more"}]},
        },
        "more": {"sources": ["nhs"], "text": "More text."},
    }
    raw["review"]["approved_text"] = parse_record(raw, Path("sample.yml")).fingerprint()
    raw["review"].update(review)
    return raw


def _record(raw: dict):
    return parse_record(raw, Path("sample.yml"))


def test_one_record_per_knowledge_intent() -> None:
    """Each of the 15 knowledge intents of the domain has its content record, and no record is orphaned."""
    knowledge = {intent for intent in load_domain()["intents"] if intent.startswith("ask_")} - {
        "ask_capabilities", "ask_privacy", "ask_disclaimer", "ask_more", "ask_why"}
    assert len(RECORDS) == 15
    assert {record.intent for record in RECORDS} == knowledge


def test_generated_files_match_the_records() -> None:
    """domain/answers/*.yml, data/rules/knowledge.yml and domain/triage_advice.yml are what the records give."""
    stale = [str(path) for path, text in generated_files(RECORDS, ADVICE).items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m bot.content build` (make content): out of date: {stale}"


def test_no_hand_written_answer_file_outside_the_records() -> None:
    answer_files = {path.stem for path in (CONTENT_DIR.parent.parent.parent / "domain" / "answers").glob("*.yml")}
    assert answer_files == set(TOPICS)


@pytest.mark.parametrize("topic", TOPICS)
def test_answer_may_be_published(topic: str) -> None:
    """Approved, reviewer named, review not due, text unchanged since approval, every text sourced by URL."""
    (record,) = [record for record in RECORDS if record.topic == topic]
    assert problems(record, dt.date.today()) == []


def test_a_valid_record_has_no_problems() -> None:
    assert problems(_record(_raw()), TODAY) == []


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_an_answer_not_approved_is_refused(status: str) -> None:
    assert any("not approved" in problem for problem in problems(_record(_raw(status=status)), TODAY))


def test_a_source_without_url_is_refused() -> None:
    raw = _raw()
    raw["sources"]["nhs"]["url"] = ""
    raw["review"]["approved_text"] = _record(raw).fingerprint()
    assert problems(_record(raw), TODAY) == ["source nhs has no https URL"]


def test_a_text_without_a_source_is_refused() -> None:
    raw = _raw()
    raw["more"]["sources"] = []
    raw["review"]["approved_text"] = _record(raw).fingerprint()
    assert problems(_record(raw), TODAY) == ["more text names no source"]


def test_an_answer_past_its_review_date_is_refused() -> None:
    record = _record(_raw(next_review_due="2026-11-30"))
    assert problems(record, TODAY) == ["review was due on 2026-11-30"]
    assert problems(record, dt.date(2026, 11, 30)) == []


def test_an_edited_text_needs_a_new_approval() -> None:
    raw = _raw()
    edited = copy.deepcopy(raw)
    edited["answer"]["plain"]["text"] = "Plain text, edited after approval."
    assert problems(_record(raw), TODAY) == []
    assert any("changed since approval" in problem for problem in problems(_record(edited), TODAY))


def test_a_record_citing_an_unlisted_source_is_rejected_with_its_file_named() -> None:
    raw = _raw()
    raw["answer"]["plain"]["sources"] = ["mayo"]
    with pytest.raises(ContentRecordError, match=r"sample.yml: plain cites source 'mayo'"):
        _record(raw)


def test_source_line_is_built_from_the_metadata() -> None:
    record = _record(_raw())
    assert source_line(record, record.answer["plain"]) == (
        "Source: [NHS, Rashes](https://www.nhs.uk/rashes/) · Reviewed March 2026")
    later = _record(_raw(last_reviewed="2026-09-02"))
    assert source_line(later, later.answer["plain"]).endswith("· Reviewed September 2026")


@pytest.mark.parametrize("topic", TOPICS)
def test_every_answer_ends_with_its_source_and_review_line(topic: str) -> None:
    """What the bot says carries the link and the review month of the record (not typed by hand)."""
    (record,) = [record for record in RECORDS if record.topic == topic]
    responses = load_domain()["responses"]
    said = [variant["text"] for variant in responses[f"utter_answer_{topic}"]]
    said += [variant["text"] for variant in responses.get(f"utter_more_{topic}", [])]
    month = record.review.last_reviewed.strftime("%B %Y")
    for text in said:
        last_line = text.rsplit("\n", 1)[-1]
        assert re.fullmatch(r"Source: \[[^\]]+\]\(https://[^)\s]+\)(; \[[^\]]+\]\(https://[^)\s]+\))* · Reviewed "
                            + month, last_line), last_line


def test_approving_sets_the_review_block_and_keeps_comments(tmp_path: Path) -> None:
    text = (CONTENT_DIR / "treatment.yml").read_text(encoding="utf-8")
    updated = set_review(text, {"status": "approved", "reviewer_role": "Consultant dermatologist",
                                "last_reviewed": "2027-01-05", "next_review_due": "2028-01-05"})
    assert updated.splitlines()[0] == text.splitlines()[0]
    review = yaml.safe_load(updated)["review"]
    assert review["reviewer_role"] == "Consultant dermatologist"
    assert review["last_reviewed"] == dt.date(2027, 1, 5)
    assert yaml.safe_load(updated)["answer"] == yaml.safe_load(text)["answer"]


def test_next_review_is_twelve_months_on() -> None:
    assert next_review(dt.date(2026, 11, 29)) == dt.date(2027, 11, 29)
    assert next_review(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_rules_follow_the_topic_list() -> None:
    """A new record gets its answer rule, its `then` actions and its tell-me-more rule."""
    raw = _raw(status="draft")
    raw["then"] = ["utter_offer_check"]
    rules = yaml.safe_load(rules_file([_record(raw)]))["rules"]
    by_name = {rule["rule"]: rule["steps"] for rule in rules}
    assert by_name["ask_sample gives its answer"] == [
        {"intent": "ask_sample"}, {"action": "utter_answer_sample"}, {"action": "utter_offer_check"}]
    assert by_name["tell me more after the sample answer"] == [
        {"action": "utter_answer_sample"}, {"action": "utter_offer_check"}, {"intent": "ask_more"},
        {"action": "utter_more_sample"}]


def test_content_report_lists_status_sources_dates_and_full_text() -> None:
    draft = _record(_raw(status="in_review"))
    page = render_report(RECORDS + [draft], TODAY)
    for record in RECORDS:
        assert f'id="{record.topic}"' in page
        for source in record.sources.values():
            assert f'href="{source.url}"' in page
        for _, text in record.texts:
            assert text.text.replace("'", "&#x27;").replace('"', "&quot;") in page
    assert "16 records; 1 need attention" in page
    assert "review status is in_review, not approved" in page
    assert "2027-03-10" in page
