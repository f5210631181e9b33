"""Turn the advice records into ``domain/triage_advice.yml``.

Why generated: like the answers (bot/content/render.py), the source and review line
must come from the record's metadata, and the file must say exactly what was
approved. Where the line goes: the contract says every triage advice ends with the
disclaimer reminder, so an advice is its text, then the source and review line, then
the record's ``reminder``; a text without a reminder ends with the source line; a
question (``show_source_line: false``) carries none. Conditions, buttons and custom
payloads are copied as they are, and the written YAML is read back and compared with
what the records give before it is returned.
"""

from __future__ import annotations

import json
import textwrap

import yaml

from bot.content.advice import AdviceRecord, Variant
from bot.content.records import REPO
from bot.content.render import source_line

ADVICE_FILE = REPO / "domain" / "triage_advice.yml"

_HEADER = """\
# GENERATED from bot/resources/content/advice/*.yml by `python -m bot.content build`.
# Do not edit here: edit the record (texts, sources, review), then rebuild.
#
# Triage advice and the safety net's own questions. Levels and when each is given:
# bot/resources/triage_rules.yml. Each advice names the level, says what to do and how
# soon, which signs would make it more urgent, shows its source and review line, and
# ends with the disclaimer reminder; its custom payload lets the widget and the terminal
# show the level. Plain words, short lines ("- " lines are shown as a list). Variants by
# age_group: the fever rule for babies is given whenever the person may be a baby (age
# unknown, newborn or infant). A clarifying question's custom payload names it, so a
# client knows a yes/no is expected.
version: "3.1"

responses:
"""


def said(record: AdviceRecord, variant: Variant) -> str:
    """What the assistant says for a variant: text, source and review line, reminder."""
    lines = [variant.text.text]
    if record.show_source_line:
        lines.append(source_line(record, variant.text))
    if record.reminder:
        lines.append(record.reminder)
    return "\n".join(lines)


def _variant_yaml(record: AdviceRecord, variant: Variant) -> list[str]:
    lines = []
    if variant.condition:
        lines.append("    - condition:")
        for slot, value in variant.condition:
            lines += ["        - type: slot", f"          name: {slot}", f"          value: {value}"]
        lines.append("      text: |-")
    else:
        lines.append("    - text: |-")
    lines.append(textwrap.indent(said(record, variant), " " * 8))
    if variant.text.buttons:
        lines.append("      buttons:")
        for title, payload in variant.text.buttons:
            lines += [f"        - title: {json.dumps(title, ensure_ascii=False)}", f"          payload: {payload}"]
    if variant.custom:
        custom = yaml.safe_dump(variant.custom, default_flow_style=False, allow_unicode=True, sort_keys=False)
        lines += ["      custom:", textwrap.indent(custom.rstrip("\n"), " " * 8)]
    return lines


def expected_advice_responses(records: list[AdviceRecord]) -> dict:
    """The responses the records give, as Rasa reads them (used to check the YAML we write)."""
    responses = {}
    for record in records:
        for name, variants in record.responses.items():
            responses[name] = []
            for variant in variants:
                item: dict = {}
                if variant.condition:
                    item["condition"] = [{"type": "slot", "name": slot, "value": value}
                                         for slot, value in variant.condition]
                item["text"] = said(record, variant)
                if variant.text.buttons:
                    item["buttons"] = [{"title": title, "payload": payload} for title, payload in variant.text.buttons]
                if variant.custom:
                    item["custom"] = variant.custom
                responses[name].append(item)
    return responses


def advice_file(records: list[AdviceRecord]) -> str:
    """The text of ``domain/triage_advice.yml`` for the advice records."""
    parts = [_HEADER]
    seen: set[str] = set()
    for record in records:
        clash = seen & set(record.responses)
        if clash:
            raise AssertionError(f"{record.path.name}: {sorted(clash)} already given by another advice record")
        seen |= set(record.responses)
        lines = [f"  # {'-' * 61} {record.topic}", f"  # from bot/resources/content/advice/{record.topic}.yml"]
        for name, variants in record.responses.items():
            lines.append(f"  {name}:")
            for variant in variants:
                lines += _variant_yaml(record, variant)
        parts.append("\n".join(lines) + "\n")
    rendered = "\n".join(parts).replace("responses:\n\n", "responses:\n", 1)
    if yaml.safe_load(rendered)["responses"] != expected_advice_responses(records):
        raise AssertionError("domain/triage_advice.yml does not read back as the advice records' texts")
    return rendered
