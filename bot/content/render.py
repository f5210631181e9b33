"""Turn content records into the Rasa files: one domain file per topic, and the rules.

Why generated: Rasa's domain cannot hold review metadata, and the "Source ... Reviewed
..." line must come from that metadata, never be typed by hand. So the record is the
source of truth; ``python -m bot.content build`` writes ``domain/answers/<topic>.yml``
and ``data/rules/knowledge.yml`` and ``tests/test_content.py`` fails when the committed
files differ from what the records give. Adding a topic is adding one record (plus its
intent and NLU examples); its rules follow.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Union

import yaml

from bot.content.records import REPO, Record, Text

if TYPE_CHECKING:
    from bot.content.advice import AdviceRecord

ANSWERS_DIR = REPO / "domain" / "answers"
RULES_FILE = REPO / "data" / "rules" / "knowledge.yml"
PROFESSIONAL = [{"type": "slot", "name": "audience", "value": "professional"}]
WIDTH = 88


def source_line(record: Union[Record, AdviceRecord], text: Text) -> str:
    """The line under every answer: its sources as links, and the month of the last review.

    ``[label](url)`` is the link form the widget renders (bot/widget/widget.js); a
    terminal shows it as written, so the address stays visible there.
    """
    links = "; ".join(
        f"[{record.sources[key].publisher}, {record.sources[key].title}]({record.sources[key].url})"
        if record.sources[key].url else f"{record.sources[key].publisher}, {record.sources[key].title}"
        for key in text.sources
    )
    reviewed = record.review.last_reviewed
    when = f" · Reviewed {reviewed.strftime('%B %Y')}" if reviewed else " · Not yet reviewed"
    return f"Source: {links}{when}"


def full_text(record: Record, text: Text) -> str:
    """What the assistant says: the text, then on its own line the source and review line."""
    return f"{text.text}\n{source_line(record, text)}"


def _block(text: str, indent: int) -> str:
    """A folded YAML block: each line of ``text`` becomes a wrapped paragraph.

    Folding joins wrapped lines with one space and turns a blank line into a line break.
    """
    pad = " " * indent
    paragraphs = [part if part.startswith("Source: ") else  # one line, so a link reads whole
                  textwrap.fill(part, width=max(40, WIDTH - indent), break_long_words=False, break_on_hyphens=False)
                  for part in text.split("\n")]
    return ">-\n" + "\n\n".join(textwrap.indent(part, pad) for part in paragraphs)


def _buttons(text: Text, indent: int) -> list[str]:
    pad = " " * indent
    lines = [f"{pad[:-2]}buttons:"] if text.buttons else []
    for title, payload in text.buttons:
        lines += [f"{pad}- title: {json.dumps(title, ensure_ascii=False)}", f"{pad}  payload: {payload}"]
    return lines


def domain_file(record: Record) -> str:
    """The text of ``domain/answers/<topic>.yml`` for a record."""
    lines = [
        f"# GENERATED from bot/resources/content/{record.topic}.yml by `python -m bot.content build`.",
        "# Do not edit here: edit the record (texts, sources, review), then rebuild.",
        'version: "3.1"',
        "",
        "responses:",
        f"  utter_answer_{record.topic}:",
        "    - condition:",
        "        - type: slot",
        "          name: audience",
        "          value: professional",
        "      text: " + _block(full_text(record, record.answer["professional"]), 8),
        *_buttons(record.answer["professional"], 8),
        "    - text: " + _block(full_text(record, record.answer["plain"]), 8),
        *_buttons(record.answer["plain"], 8),
    ]
    if record.more:
        lines += [
            f"  utter_more_{record.topic}:",
            "    - text: " + _block(full_text(record, record.more), 8),
            *_buttons(record.more, 8),
        ]
    rendered = "\n".join(lines) + "\n"
    _check_round_trip(record, rendered)
    return rendered


def expected_responses(record: Record) -> dict:
    """The responses a record gives, as Rasa reads them (used to check the YAML we write)."""

    def variant(text: Text) -> dict:
        return {"text": full_text(record, text),
                "buttons": [{"title": title, "payload": payload} for title, payload in text.buttons]}

    responses = {f"utter_answer_{record.topic}": [
        {"condition": PROFESSIONAL, **variant(record.answer["professional"])},
        variant(record.answer["plain"]),
    ]}
    if record.more:
        responses[f"utter_more_{record.topic}"] = [variant(record.more)]
    return responses


def _check_round_trip(record: Record, rendered: str) -> None:
    parsed = yaml.safe_load(rendered)["responses"]
    if parsed != expected_responses(record):
        raise AssertionError(f"{record.topic}: the generated YAML does not read back as the record's texts")


_RULES_HEADER = """\
# GENERATED from bot/resources/content/*.yml by `python -m bot.content build`: do not edit.
# Each knowledge intent gives its curated answer (utter_answer_<topic>); a record's
# `then:` actions follow it (after "is it harmful" and "when to see a doctor" the
# assistant offers the triage questions). "Tell me more" (ask_more) right after an
# answer gives its longer detail (utter_more_<topic>); anywhere else, utter_no_more.
# The disclaimer that opens every session is inserted by the safety net policy
# (bot/policies.py), which hides it from these rules, so they stay ordinary rules.
version: "3.1"

rules:
"""

_OFFER_RULES = """
  # ------------------------------------------------------------- offer of the triage questions
  - rule: yes to the offer starts the questionnaire
    steps:
      - action: utter_offer_check
      - intent: affirm
      - action: utter_start_questionnaire
      - action: triage_form
      - active_loop: triage_form
    # The form asks its first question (which depends on what is known) and waits.
    wait_for_user_input: false

  - rule: no to the offer
    steps:
      - action: utter_offer_check
      - intent: deny
      - action: utter_anything_else
"""


def rules_file(records: list[Record]) -> str:
    """The text of ``data/rules/knowledge.yml``: an answer rule per topic, a "more" rule per more text."""
    parts = [_RULES_HEADER]
    for record in records:
        steps = [f"      - intent: {record.intent}", f"      - action: utter_answer_{record.topic}"]
        steps += [f"      - action: {action}" for action in record.then]
        parts.append(f"  - rule: {record.intent} gives its answer\n    steps:\n" + "\n".join(steps) + "\n\n")
    parts.append("  # ------------------------------------------------------------- tell me more\n")
    for record in records:
        if not record.more:
            continue
        steps = [f"      - action: utter_answer_{record.topic}"]
        steps += [f"      - action: {action}" for action in record.then]
        steps += ["      - intent: ask_more", f"      - action: utter_more_{record.topic}"]
        name = f"tell me more after the {record.topic} answer"
        parts.append(f"  - rule: {name}\n    steps:\n" + "\n".join(steps) + "\n\n")
    parts.append("  - rule: tell me more with nothing more to tell\n    steps:\n"
                 "      - intent: ask_more\n      - action: utter_no_more\n")
    parts.append(_OFFER_RULES)
    return "".join(parts)


def generated_files(records: list[Record], advice: list[AdviceRecord]) -> dict[Path, str]:
    """Every generated file and the text it must have: the answers, their rules, the triage advice."""
    from bot.content.render_advice import ADVICE_FILE, advice_file  # it imports source_line from here

    files = {ANSWERS_DIR / f"{record.topic}.yml": domain_file(record) for record in records}
    files[RULES_FILE] = rules_file(records)
    files[ADVICE_FILE] = advice_file(advice)
    return files
