"""The outcomes report's figures, computed in SQL over the analytics database.

Why SQL aggregates: a clinic with 100,000 conversations a week still gets its report in
seconds; only counts (and the redacted unanswered questions) leave the database.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics.recorder import LEVELS, QUESTIONS

MAX_UNANSWERED = 100
TOP_INTENTS = 20


@dataclass(frozen=True)
class Table:
    """A titled table; each becomes a CSV file and an HTML table (some also a chart)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass
class Summary:
    since: float
    until: float
    conversations: int = 0
    user_messages: int = 0
    fallbacks: int = 0
    handoffs: int = 0
    emergencies: int = 0
    latency_p50_ms: Optional[float] = None
    latency_p95_ms: Optional[float] = None
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.conversations == 0 and self.user_messages == 0

    @property
    def fallback_rate(self) -> Optional[float]:
        return self.fallbacks / self.user_messages if self.user_messages else None


def _percentile(sorted_values: list[int], fraction: float) -> Optional[float]:
    """The ``fraction`` percentile, interpolated between the two nearest values."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    return float(statistics.quantiles(sorted_values, n=100, method="inclusive")[round(fraction * 100) - 1])


def summarise(engine: Engine, since: float, until: float) -> Summary:
    """Every figure of the report for events with ``since <= ts < until``."""
    summary = Summary(since=since, until=until)
    window = {"since": since, "until": until}
    in_window = "ts >= :since AND ts < :until"
    with engine.connect() as db:
        def scalar(sql: str) -> int:
            return int(db.execute(sa.text(sql), window).scalar() or 0)

        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in db.execute(sa.text(sql), window)]

        summary.conversations = scalar(
            f"SELECT COUNT(*) FROM analytics_events WHERE kind = 'conversation' AND {in_window}")
        summary.user_messages = scalar(f"SELECT COUNT(*) FROM analytics_events WHERE kind = 'intent' AND {in_window}")
        summary.fallbacks = scalar(f"SELECT COUNT(*) FROM analytics_events WHERE kind = 'fallback' AND {in_window}")
        summary.handoffs = scalar(f"SELECT COUNT(*) FROM analytics_events WHERE kind = 'handoff' AND {in_window}")
        handoff_conversations = scalar(
            f"SELECT COUNT(DISTINCT conversation) FROM analytics_events WHERE kind = 'handoff' AND {in_window}")

        per_day = rows(f"SELECT day, COUNT(*) FROM analytics_events WHERE kind = 'conversation' AND {in_window} "
                       "GROUP BY day ORDER BY day")
        summary.tables["conversations_per_day"] = Table(
            "conversations_per_day", "Conversations per day (UTC)", ("day", "conversations"), per_day)

        # The most urgent level each conversation reached.
        best = dict(rows(
            f"SELECT best, COUNT(*) FROM (SELECT conversation, MIN(value) AS best FROM analytics_events "
            f"WHERE kind = 'level' AND {in_window} GROUP BY conversation) AS reached GROUP BY best"))
        levels = [(level, int(best.get(rank, 0))) for rank, level in enumerate(LEVELS)]
        summary.emergencies = levels[0][1]
        summary.tables["levels"] = Table(
            "levels", "Conversations by the most urgent triage level reached", ("level", "conversations"), levels)

        intents = rows(f"SELECT name, COUNT(*) AS n FROM analytics_events WHERE kind = 'intent' AND {in_window} "
                       f"GROUP BY name ORDER BY n DESC, name LIMIT {TOP_INTENTS}")
        summary.tables["top_intents"] = Table(
            "top_intents", "What people asked (top intents)", ("intent", "messages"), intents)

        summary.tables["fallback"] = Table("fallback", "Not understood", ("measure", "value"), [
            ("user messages", summary.user_messages),
            ("not understood", summary.fallbacks),
            ("fallback rate", f"{summary.fallback_rate:.1%}" if summary.fallback_rate is not None else "n/a"),
        ])
        unanswered = rows(
            f"SELECT text, COUNT(*) AS n, MAX(ts) AS last FROM analytics_unanswered WHERE {in_window} "
            f"GROUP BY text ORDER BY n DESC, last DESC LIMIT {MAX_UNANSWERED}")
        summary.tables["unanswered"] = Table(
            "unanswered", "Questions the assistant did not understand (redacted)", ("question", "times"),
            [(text, count) for text, count, _ in unanswered])

        started = scalar(
            f"SELECT COUNT(DISTINCT conversation) FROM analytics_events WHERE kind = 'form_start' AND {in_window}")
        reached = dict(rows(
            f"SELECT name, COUNT(DISTINCT conversation) FROM analytics_events WHERE kind = 'question' "
            f"AND {in_window} GROUP BY name"))
        completed = scalar(
            f"SELECT COUNT(DISTINCT a.conversation) FROM analytics_events a JOIN "
            f"(SELECT conversation, MIN(ts) AS start FROM analytics_events WHERE kind = 'form_start' AND {in_window} "
            f"GROUP BY conversation) s ON a.conversation = s.conversation "
            f"WHERE a.kind = 'advice' AND a.ts >= s.start AND a.ts < :until")
        funnel = [("started", started)] + [(f"asked: {question}", int(reached.get(question, 0)))
                                          for question in QUESTIONS] + [("got advice", completed)]
        summary.tables["questionnaire_funnel"] = Table(
            "questionnaire_funnel", "Questionnaire: how far people got", ("step", "conversations"), funnel)
        left = dict(rows(
            "SELECT name, COUNT(*) FROM (SELECT q.conversation, q.name, ROW_NUMBER() OVER "
            "(PARTITION BY q.conversation ORDER BY q.ts DESC, q.id DESC) AS position FROM analytics_events q "
            "WHERE q.kind = 'question' AND q.ts >= :since AND q.ts < :until AND NOT EXISTS "
            "(SELECT 1 FROM analytics_events a WHERE a.conversation = q.conversation AND a.kind = 'advice' "
            "AND a.ts >= q.ts AND a.ts < :until)) AS last_question WHERE position = 1 GROUP BY name"))
        summary.tables["questionnaire_left"] = Table(
            "questionnaire_left", "Where people left the questionnaire (last question asked, no advice after it)",
            ("question", "conversations"), [(question, int(left.get(question, 0))) for question in QUESTIONS])

        summary.tables["handoff"] = Table("handoff", "Asked for a person", ("measure", "value"), [
            ("requests", summary.handoffs), ("conversations", handoff_conversations)])

        latencies = [value for (value,) in rows(
            f"SELECT value FROM analytics_events WHERE kind = 'latency' AND {in_window} ORDER BY value")]
        summary.latency_p50_ms = _percentile(latencies, 0.50)
        summary.latency_p95_ms = _percentile(latencies, 0.95)
        summary.tables["latency"] = Table("latency", "Reply time (first reply after a message)", ("measure", "ms"), [
            ("replies measured", len(latencies)),
            ("p50", summary.latency_p50_ms if summary.latency_p50_ms is not None else "n/a"),
            ("p95", summary.latency_p95_ms if summary.latency_p95_ms is not None else "n/a"),
        ])
    return summary
