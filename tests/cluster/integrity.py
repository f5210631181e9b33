"""Compare every conversation stored in PostgreSQL with what the load test sent.

For each conversation (sender id) the user messages stored, in the order of their ids,
must be exactly the messages the client sent that were answered (``ok``), in the order
they were sent; a message whose request failed after reaching a server (a server killed
while it held it) may be stored or not, but at most once and in its place; a message
refused with 503 must not be stored (the client was told it was not processed). Every
message marked ``advice`` that was answered must be followed, before the next user
message, by triage advice (an ``utter_triage_*`` action). An answered message must never
have come back as ``200 []``.

    python -m tests.cluster.integrity RECORD.jsonl DATABASE_URL
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

ADVICE_PREFIX = "utter_triage_"


@dataclass
class Report:
    conversations: int = 0
    messages_sent: int = 0
    answered: int = 0
    refused_503: int = 0
    failed_in_flight: int = 0
    empty_replies: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    foreign: int = 0  # stored under this sender but never sent by it
    refused_but_stored: int = 0
    advice_expected: int = 0
    advice_missing: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.empty_replies or self.lost or self.duplicated or self.out_of_order or self.foreign
                    or self.refused_but_stored or self.advice_missing)

    def summary(self) -> dict[str, Any]:
        figures = asdict(self)
        figures["problems"] = self.problems[:20]
        figures["clean"] = self.clean
        return figures


def load_record(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The load test's record, grouped by sender and sorted by message index."""
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            by_sender[entry["sender"]].append(entry)
    for entries in by_sender.values():
        entries.sort(key=lambda entry: entry["index"])
    return by_sender


def stored_events(database_url: str, senders: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """(type, text or action name) of each sender's stored events, in id order."""
    import psycopg2

    senders = list(senders)
    stored: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, type_name, action_name, data FROM events "
            "WHERE sender_id = ANY(%s) AND type_name IN ('user', 'action') ORDER BY id",
            (senders,),
        )
        for sender, type_name, action_name, data in cursor:
            text = json.loads(data).get("text") if type_name == "user" else action_name
            stored[sender].append((type_name, text or ""))
    return stored


def check_conversation(sent: list[dict[str, Any]], events: list[tuple[str, str]], report: Report) -> None:
    sender = sent[0]["sender"]
    users = [(position, text) for position, (kind, text) in enumerate(events) if kind == "user"]
    sent_texts = {entry["text"] for entry in sent}
    cursor = 0  # next stored user message to match
    for entry in sent:
        report.messages_sent += 1
        outcome = entry.get("outcome")
        if outcome == "ok":
            report.answered += 1
            if not entry.get("replies"):
                report.empty_replies += 1
                report.problems.append(f"{sender}: 200 [] for {entry['text']!r}")
        elif outcome == "refused":
            report.refused_503 += 1
        else:
            report.failed_in_flight += 1
        here = cursor < len(users) and users[cursor][1] == entry["text"]
        if outcome == "ok":
            if not here:
                later = [text for _, text in users[cursor:]]
                if entry["text"] in later:
                    report.out_of_order += 1
                    report.problems.append(f"{sender}: {entry['text']!r} stored out of order")
                    cursor += later.index(entry["text"]) + 1
                else:
                    report.lost += 1
                    report.problems.append(f"{sender}: answered {entry['text']!r} not stored")
                continue
            if entry.get("advice"):
                report.advice_expected += 1
                end = users[cursor + 1][0] if cursor + 1 < len(users) else len(events)
                actions = [text for kind, text in events[users[cursor][0] + 1:end] if kind == "action"]
                if not any(name.startswith(ADVICE_PREFIX) for name in actions):
                    report.advice_missing += 1
                    report.problems.append(f"{sender}: no advice after {entry['text']!r} (got {actions})")
            cursor += 1
        elif outcome == "refused":
            if here:
                report.refused_but_stored += 1
                report.problems.append(f"{sender}: 503-refused {entry['text']!r} was stored")
                cursor += 1
        elif here:
            cursor += 1  # failed in flight, yet stored: allowed once, in its place
    for _, text in users[cursor:]:
        if text in sent_texts:
            report.duplicated += 1
            report.problems.append(f"{sender}: {text!r} stored again")
        else:
            report.foreign += 1
            report.problems.append(f"{sender}: {text!r} stored but never sent by this sender")


def check(record: Path, database_url: str) -> Report:
    by_sender = load_record(record)
    stored = stored_events(database_url, by_sender)
    report = Report(conversations=len(by_sender))
    for sender, sent in by_sender.items():
        check_conversation(sent, stored.get(sender, []), report)
    return report


def main(argv: list[str]) -> int:
    report = check(Path(argv[0]), argv[1])
    print(json.dumps(report.summary(), indent=1))
    return 0 if report.clean else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
