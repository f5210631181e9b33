"""Write the outcomes report: one self-contained HTML page with charts, and a CSV per table.

Why self-contained: a clinic mails or archives the page; charts are inline PNG images
(matplotlib, installed with Rasa), there is no script and nothing is fetched.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
from pathlib import Path

from bot.analytics.summary import Summary, Table

CHARTS = {  # table -> (kind, x label)
    "conversations_per_day": ("bar", "conversations"),
    "levels": ("bar", "conversations"),
    "top_intents": ("barh", "messages"),
    "questionnaire_funnel": ("barh", "conversations"),
}
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;padding:.25rem .6rem;text-align:left}
th{background:#eee}.figures{display:flex;flex-wrap:wrap;gap:1rem}.figure{border:1px solid #ccc;padding:.5rem 1rem;
min-width:9rem}.figure b{display:block;font-size:1.6rem}.empty{background:#fff4ce;padding:1rem;border:1px solid #d8b600}
img{max-width:100%;height:auto}
"""


def _chart(table: Table, kind: str, label: str) -> str:
    """An inline PNG of a table's counts (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [str(row[0]) for row in table.rows]
    counts = [float(row[1]) for row in table.rows]
    height = 3.2 if kind == "bar" else max(2.4, 0.32 * len(names) + 1)
    figure, axes = plt.subplots(figsize=(8, height), dpi=90)
    if kind == "barh":
        axes.barh(names[::-1], counts[::-1], color="#2f6f9f")
        axes.set_xlabel(label)
    else:
        axes.bar(names, counts, color="#2f6f9f")
        axes.set_ylabel(label)
        if len(names) > 8:
            axes.tick_params(axis="x", labelrotation=60, labelsize=8)
    axes.set_title(table.title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(table.title)} (chart)" src="data:image/png;base64,{encoded}">'


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    caption = f"<caption>{html.escape(table.title)}</caption>"
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render(summary: Summary) -> str:
    """The report page."""
    period = f"{_when(summary.since)} to {_when(summary.until)}"
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outcomes report</title>'
        f"<style>{_STYLE}</style></head><body><h1>Outcomes report</h1><p>Period: {period}. "
        "Counts only: no names, no sender ids and no text except redacted questions the assistant "
        "did not understand.</p>"
    ]
    if summary.empty:
        parts.append('<p class="empty" id="empty">No conversations were recorded in this period. '
                     "Check that endpoints.yml has the analytics event_broker and that the bot has run.</p>")
    rate = f"{summary.fallback_rate:.1%}" if summary.fallback_rate is not None else "n/a"
    p50 = f"{summary.latency_p50_ms:.0f} ms" if summary.latency_p50_ms is not None else "n/a"
    p95 = f"{summary.latency_p95_ms:.0f} ms" if summary.latency_p95_ms is not None else "n/a"
    figures = [("Conversations", summary.conversations), ("Emergencies", summary.emergencies),
               ("Not understood", rate), ("Asked for a person", summary.handoffs),
               ("Reply time p50", p50), ("Reply time p95", p95)]
    parts.append('<div class="figures">' + "".join(
        f'<div class="figure">{html.escape(name)}<b>{html.escape(str(value))}</b></div>' for name, value in figures)
        + "</div>")
    for name, table in summary.tables.items():
        parts.append(f'<section id="{name}"><h2>{html.escape(table.title)}</h2>')
        if name in CHARTS and table.rows and any(float(row[1]) for row in table.rows):
            parts.append(_chart(table, *CHARTS[name]))
        parts.append(_html_table(table) + f'<p><a href="{name}.csv">{name}.csv</a></p></section>')
    parts.append("</body></html>")
    return "".join(parts)


def write(summary: Summary, out_dir: Path) -> Path:
    """Write ``outcomes-report.html`` and one CSV per table into ``out_dir``; returns the page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in summary.tables.items():
        with open(out_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
    page = out_dir / "outcomes-report.html"
    page.write_text(render(summary), encoding="utf-8")
    return page
