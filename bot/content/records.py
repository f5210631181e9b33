"""Content records: one YAML file per answer topic, with its texts and review metadata.

Why: a clinical lead signs off each answer with its sources and a review date. Rasa's
domain has no place for that metadata (an unknown key fails domain validation), so
the record in ``bot/resources/content/<topic>.yml`` is the single place a person edits,
and ``domain/answers/<topic>.yml`` is generated from it (bot/content/render.py) and
committed, with a test that both agree. This module only reads and validates records;
it imports nothing from Rasa.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

REPO = Path(__file__).resolve().parent.parent.parent
CONTENT_DIR = REPO / "bot" / "resources" / "content"
REVIEW_STATUSES = ("draft", "in_review", "approved")
VARIANTS = ("professional", "plain")


class ContentRecordError(ValueError):
    """A content record is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Source:
    """A published page that supports a text."""

    key: str
    publisher: str
    title: str
    url: str


@dataclass(frozen=True)
class Review:
    """Where the record stands in review, and when it must be looked at again."""

    status: str
    reviewer_role: str
    last_reviewed: Optional[dt.date]
    next_review_due: Optional[dt.date]
    approved_text: str  # fingerprint of the content when it was approved


@dataclass(frozen=True)
class Text:
    """One text the assistant says, with the sources that support it and its buttons."""

    text: str
    sources: tuple[str, ...]
    buttons: tuple[tuple[str, str], ...]  # (title, payload)


@dataclass(frozen=True)
class Record:
    """One answer topic: its answer (professional and plain), optional "tell me more", metadata."""

    topic: str
    path: Path
    review: Review
    sources: dict[str, Source]
    answer: dict[str, Text]  # "professional" and "plain"
    more: Optional[Text]
    then: tuple[str, ...]  # actions after the answer, e.g. utter_offer_check
    raw: dict[str, Any]

    @property
    def intent(self) -> str:
        return f"ask_{self.topic}"

    @property
    def describes(self) -> str:
        return f"intent {self.intent}"

    @property
    def texts(self) -> list[tuple[str, Text]]:
        """Every text with a label: ("professional", ...), ("plain", ...), ("more", ...)."""
        labelled = [(name, self.answer[name]) for name in VARIANTS]
        return labelled + ([("more", self.more)] if self.more else [])

    def fingerprint(self) -> str:
        """A short hash of everything a reviewer approves (all but the review block).

        Why: an approval is for the words that were read. Any edit changes the
        fingerprint, and the governance check then asks for a new review.
        """
        content = {key: value for key, value in self.raw.items() if key != "review"}
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _date(value: Any, where: str) -> Optional[dt.date]:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ContentRecordError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from error


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise ContentRecordError(f"{where}: needs a non-empty 'text'")
    sources = raw.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(key, str) for key in sources):
        raise ContentRecordError(f"{where}.sources: a list of source keys")
    buttons = []
    for index, button in enumerate(raw.get("buttons") or []):
        payload = str(button.get("payload", "")) if isinstance(button, dict) else ""
        if not isinstance(button, dict) or not button.get("title") or not payload.startswith("/"):
            raise ContentRecordError(f"{where}.buttons[{index}]: needs a title and a /payload")
        buttons.append((str(button["title"]), str(button["payload"])))
    return Text(text=" ".join(raw["text"].split()), sources=tuple(sources), buttons=tuple(buttons))


def parse_review(raw: Any, where: str) -> Review:
    """The ``review:`` block of a record (shared by answer and advice records)."""
    review_raw = raw if isinstance(raw, dict) else {}
    status = review_raw.get("status")
    if status not in REVIEW_STATUSES:
        raise ContentRecordError(f"{where}: review.status {status!r} is not one of {REVIEW_STATUSES}")
    return Review(
        status=status,
        reviewer_role=str(review_raw.get("reviewer_role") or ""),
        last_reviewed=_date(review_raw.get("last_reviewed"), f"{where}: review.last_reviewed"),
        next_review_due=_date(review_raw.get("next_review_due"), f"{where}: review.next_review_due"),
        approved_text=str(review_raw.get("approved_text") or ""),
    )


def parse_sources(raw: Any, where: str) -> dict[str, Source]:
    """The ``sources:`` block of a record: key -> publisher, title, url."""
    if raw is not None and not isinstance(raw, dict):
        raise ContentRecordError(f"{where}: sources: a mapping of keys to publisher, title, url")
    sources = {}
    for key, value in (raw or {}).items():
        if not isinstance(value, dict) or not value.get("publisher") or not value.get("title"):
            raise ContentRecordError(f"{where}: sources.{key} needs a publisher and a title")
        sources[key] = Source(key=key, publisher=str(value["publisher"]), title=str(value["title"]),
                              url=str(value.get("url") or ""))
    return sources


def parse_record(raw: Any, path: Path) -> Record:
    """Validate one record's YAML dict; the error names the file and the field."""
    where = path.name
    if not isinstance(raw, dict):
        raise ContentRecordError(f"{where}: a mapping with topic, review, sources, answer")
    topic = raw.get("topic")
    if topic != path.stem:
        raise ContentRecordError(f"{where}: topic {topic!r} must match the file name {path.stem!r}")
    review = parse_review(raw.get("review"), where)
    sources = parse_sources(raw.get("sources"), where)
    answer_raw = raw.get("answer") or {}
    answer = {name: _text(answer_raw.get(name), f"{where}: answer.{name}") for name in VARIANTS}
    more = _text(raw["more"], f"{where}: more") if raw.get("more") is not None else None
    for label, text in [(name, answer[name]) for name in VARIANTS] + [("more", more)]:
        for key in text.sources if text else ():
            if key not in sources:
                raise ContentRecordError(f"{where}: {label} cites source {key!r}, not listed under sources")
    then = raw.get("then") or []
    if not isinstance(then, list) or not all(isinstance(action, str) for action in then):
        raise ContentRecordError(f"{where}: then must be a list of action names")
    return Record(topic=topic, path=path, review=review, sources=sources, answer=answer, more=more,
                  then=tuple(then), raw=raw)


def read_yaml(path: Path) -> Any:
    """A record file's YAML, or an error that names the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentRecordError(f"{path.name}: not valid YAML: {error}") from error


def load_record(path: Path) -> Record:
    return parse_record(read_yaml(path), path)


def load_records(directory: Path = CONTENT_DIR) -> list[Record]:
    """Every content record, in topic order."""
    return [load_record(path) for path in sorted(directory.glob("*.yml"))]
