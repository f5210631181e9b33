"""Advice records: the triage advice and the safety net's own texts, with review metadata.

Why a second kind of record: a knowledge answer is one topic with a plain and a
professional text, but the triage advice is a set of responses with ``age_group``
variants, ``custom`` payloads (the triage level, the clarifying question) and line
breaks that the widget shows as a list. Its review metadata is the same as an
answer's (status, reviewer role, dates, fingerprint, sources by URL), so the same
governance check (bot/content/governance.py) and the same source and review line
apply. The records live in ``bot/resources/content/advice/`` and generate
``domain/triage_advice.yml`` (bot/content/render_advice.py). Imports nothing from Rasa.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.records import (
    CONTENT_DIR,
    ContentRecordError,
    Review,
    Source,
    Text,
    parse_review,
    parse_sources,
    read_yaml,
)

ADVICE_DIR = CONTENT_DIR / "advice"


@dataclass(frozen=True)
class Variant:
    """One variant of a response: its text, the slot values it is for, its custom payload."""

    text: Text
    condition: tuple[tuple[str, str], ...]  # (slot, value); empty for the default variant
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ", ".join(f"{slot} {value}" for slot, value in self.condition) or "default"


@dataclass(frozen=True)
class AdviceRecord:
    """A group of responses reviewed together (one triage level, or the safety net's questions)."""

    topic: str
    path: Path
    review: Review
    sources: dict[str, Source]
    responses: dict[str, tuple[Variant, ...]]
    reminder: str  # said last, after the source line ("" for none)
    show_source_line: bool  # False for questions: a yes/no question is not an answer
    raw: dict[str, Any]

    @property
    def describes(self) -> str:
        return "responses " + ", ".join(self.responses)

    @property
    def texts(self) -> list[tuple[str, Text]]:
        """Every text with a label, e.g. ("utter_triage_soon (age_group adult)", ...)."""
        labelled = []
        for name, variants in self.responses.items():
            for variant in variants:
                labelled.append((f"{name} ({variant.label})" if len(variants) > 1 else name, variant.text))
        return labelled

    def fingerprint(self) -> str:
        """A short hash of everything a reviewer approves (all but the review block); see Record."""
        content = {key: value for key, value in self.raw.items() if key != "review"}
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _lines(raw: Any, where: str) -> str:
    """The text with its line breaks kept (each line is a list item or a sentence the widget shows)."""
    if not isinstance(raw, str) or not raw.strip():
        raise ContentRecordError(f"{where}: needs a non-empty 'text'")
    lines = [line.rstrip() for line in raw.strip("\n").split("\n")]
    if any(line.lstrip().startswith("Source:") for line in lines):
        raise ContentRecordError(f"{where}: the source line is built from the metadata, do not type it")
    if any(not line for line in lines):
        raise ContentRecordError(f"{where}: no blank lines (the widget shows each line as said)")
    return "\n".join(lines)


def _variant(raw: Any, where: str, sources: dict[str, Source]) -> Variant:
    if not isinstance(raw, dict):
        raise ContentRecordError(f"{where}: a mapping with sources and text")
    cited = raw.get("sources") or []
    if not isinstance(cited, list) or not all(isinstance(key, str) for key in cited):
        raise ContentRecordError(f"{where}.sources: a list of source keys")
    for key in cited:
        if key not in sources:
            raise ContentRecordError(f"{where} cites source {key!r}, not listed under sources")
    buttons = []
    for index, button in enumerate(raw.get("buttons") or []):
        payload = str(button.get("payload", "")) if isinstance(button, dict) else ""
        if not isinstance(button, dict) or not button.get("title") or not payload.startswith("/"):
            raise ContentRecordError(f"{where}.buttons[{index}]: needs a title and a /payload")
        buttons.append((str(button["title"]), payload))
    condition = raw.get("condition") or {}
    if not isinstance(condition, dict) or not all(isinstance(value, str) for value in condition.values()):
        raise ContentRecordError(f"{where}.condition: a mapping of slot name to value")
    custom = raw.get("custom") or {}
    if not isinstance(custom, dict):
        raise ContentRecordError(f"{where}.custom: a mapping")
    text = Text(text=_lines(raw.get("text"), where), sources=tuple(cited), buttons=tuple(buttons))
    return Variant(text=text, condition=tuple(condition.items()), custom=dict(custom))


def parse_advice_record(raw: Any, path: Path) -> AdviceRecord:
    """Validate one advice record's YAML dict; the error names the file and the field."""
    where = path.name
    if not isinstance(raw, dict):
        raise ContentRecordError(f"{where}: a mapping with topic, review, sources, responses")
    if raw.get("topic") != path.stem:
        raise ContentRecordError(f"{where}: topic {raw.get('topic')!r} must match the file name {path.stem!r}")
    sources = parse_sources(raw.get("sources"), where)
    responses_raw = raw.get("responses")
    if not isinstance(responses_raw, dict) or not responses_raw:
        raise ContentRecordError(f"{where}: responses: a mapping of utter_ names to variants")
    responses = {}
    for name, variants in responses_raw.items():
        if not str(name).startswith("utter_") or not isinstance(variants, list) or not variants:
            raise ContentRecordError(f"{where}: responses.{name}: an utter_ name with a list of variants")
        parsed = tuple(_variant(variant, f"{where}: {name}[{index}]", sources)
                       for index, variant in enumerate(variants))
        defaults = [variant for variant in parsed if not variant.condition]
        if len(defaults) != 1 or parsed[-1].condition:
            raise ContentRecordError(f"{where}: {name} needs exactly one variant without condition, and last")
        responses[str(name)] = parsed
    reminder = raw.get("reminder") or ""
    if not isinstance(reminder, str) or "\n" in reminder.strip():
        raise ContentRecordError(f"{where}: reminder is one line of text")
    show = raw.get("show_source_line", True)
    if not isinstance(show, bool):
        raise ContentRecordError(f"{where}: show_source_line is true or false")
    return AdviceRecord(topic=path.stem, path=path, review=parse_review(raw.get("review"), where), sources=sources,
                        responses=responses, reminder=reminder.strip(), show_source_line=show, raw=raw)


def load_advice_record(path: Path) -> AdviceRecord:
    return parse_advice_record(read_yaml(path), path)


def load_advice_records(directory: Path = ADVICE_DIR) -> list[AdviceRecord]:
    """Every advice record, in file name order."""
    return [load_advice_record(path) for path in sorted(directory.glob("*.yml"))]
