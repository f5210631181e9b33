"""The content report: one HTML page for the clinical lead to review every answer.

Why: the reviewer reads what the patient will read, next to its status, sources and
dates, and sees at the top what needs attention. Self-contained (no script, no
external file), so it can be mailed or printed.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Optional, Union

from bot.content.advice import AdviceRecord
from bot.content.governance import problems
from bot.content.records import REPO, Record
from bot.content.render import source_line

AnyRecord = Union[Record, AdviceRecord]

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;
vertical-align:top}th{background:#eee}.ok{color:#135e13}.bad{color:#a00000;font-weight:600}
section{border-top:2px solid #444;margin-top:2rem}
blockquote{background:#f6f6f6;margin:.5rem 0;padding:.5rem 1rem;white-space:pre-line}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _source_list(record: AnyRecord) -> str:
    items = []
    for source in record.sources.values():
        label = f"{source.publisher}, {source.title}"
        link = f'<a href="{_esc(source.url)}">{_esc(label)}</a>' if source.url else f"{_esc(label)} (no URL)"
        items.append(f"<li>{link}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _shown_path(record: AnyRecord) -> str:
    """The record's file as a reader finds it in the repository."""
    return str(record.path.relative_to(REPO)) if record.path.is_relative_to(REPO) else str(record.path)


def render_report(records: list[AnyRecord], today: Optional[dt.date] = None) -> str:
    """The report's HTML for ``records`` as of ``today``."""
    today = today or dt.date.today()
    rows, sections = [], []
    for record in records:
        found = problems(record, today)
        state = ('<span class="ok">ready</span>' if not found
                 else "<span class=\"bad\">" + "<br>".join(_esc(problem) for problem in found) + "</span>")
        review = record.review
        rows.append(
            f'<tr><td><a href="#{_esc(record.topic)}">{_esc(record.topic)}</a></td><td>{_esc(review.status)}</td>'
            f"<td>{_esc(review.reviewer_role)}</td><td>{_esc(review.last_reviewed or '')}</td>"
            f"<td>{_esc(review.next_review_due or '')}</td><td>{state}</td></tr>"
        )
        texts = []
        for label, text in record.texts:
            shown = not isinstance(record, AdviceRecord) or record.show_source_line
            line = (f"<small>{_esc(source_line(record, text))}</small>" if shown
                    else f"<small>(no source line shown: a question) sources: {_esc(', '.join(text.sources))}</small>")
            reminder = f"\n{_esc(record.reminder)}" if isinstance(record, AdviceRecord) and record.reminder else ""
            texts.append(f"<h3>{_esc(label)}</h3><blockquote>{_esc(text.text)}\n{line}{reminder}</blockquote>")
        sections.append(
            f'<section id="{_esc(record.topic)}"><h2>{_esc(record.topic)} ({_esc(record.describes)})</h2>'
            f"<p>File: <code>{_esc(_shown_path(record))}</code> · "
            f"fingerprint <code>{_esc(record.fingerprint())}</code> · approved "
            f"<code>{_esc(review.approved_text or 'none')}</code></p>"
            f"<h3>Sources</h3>{_source_list(record)}{''.join(texts)}</section>"
        )
    attention = sum(1 for record in records if problems(record, today))
    summary = (f"{len(records)} records; {attention} need attention" if attention
               else f"{len(records)} records; all approved, sourced and in date")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Content review report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Content review report</h1>"
        f"<p>Generated {today.isoformat()}. {summary}.</p>"
        "<table><thead><tr><th>Topic</th><th>Status</th><th>Reviewer role</th><th>Last reviewed</th>"
        "<th>Next review due</th><th>Ready to publish</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table>" + "".join(sections) + "</body></html>"
    )


def write_report(records: list[AnyRecord], out: Path, today: Optional[dt.date] = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(records, today), encoding="utf-8")
    return out
