"""The rules a content record must meet before the assistant may say it.

Why: a clinic answers to its clinical lead for every text the assistant gives. An answer
that nobody approved, that cites no page a reader can open, whose review has lapsed, or
whose words changed after approval must not reach a patient; ``make test`` runs
:func:`problems` on every record and fails on any. Pure functions over records.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from bot.content.records import Record

_URL = re.compile(r"^https://[^\s()\[\]]+$")


def problems(record: Record, today: Optional[dt.date] = None) -> list[str]:
    """Every reason this record may not be published today (empty when it may)."""
    today = today or dt.date.today()
    found = []
    review = record.review
    if review.status != "approved":
        found.append(f"review status is {review.status}, not approved")
    if not review.reviewer_role.strip():
        found.append("no reviewer role")
    if review.last_reviewed is None:
        found.append("no last reviewed date")
    elif review.last_reviewed > today:
        found.append(f"last reviewed date {review.last_reviewed} is in the future")
    if review.next_review_due is None:
        found.append("no next review date")
    elif review.next_review_due < today:
        found.append(f"review was due on {review.next_review_due}")
    if review.status == "approved" and review.approved_text != record.fingerprint():
        found.append(f"text changed since approval (approved {review.approved_text or 'nothing'}, "
                     f"now {record.fingerprint()}): review and re-approve")
    for label, text in record.texts:
        if not text.sources:
            found.append(f"{label} text names no source")
    for key in sorted({key for _, text in record.texts for key in text.sources}):
        if not _URL.match(record.sources[key].url):
            found.append(f"source {key} has no https URL")
    return found


def next_review(last_reviewed: dt.date, months: int = 12) -> dt.date:
    """The date ``months`` after ``last_reviewed`` (the day clamped to the month's end)."""
    month_index = last_reviewed.month - 1 + months
    year, month = last_reviewed.year + month_index // 12, month_index % 12 + 1
    for day in (last_reviewed.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
