"""Content tools: ``python -m bot.content build | check | approve TOPIC | report``.

- ``build``   regenerate domain/answers/*.yml, data/rules/knowledge.yml and
              domain/triage_advice.yml from the records (answers and advice).
- ``check``   list every record that may not be published (exit 1 if any).
- ``approve`` record a review of a topic or an advice record (e.g. ``triage_soon``):
              status approved, today's date, next review in 12 months,
              and the fingerprint of the texts as read (``--reviewer-role`` required).
- ``report``  write the HTML page for the clinical lead (default test-output/content-report.html).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from bot.content.advice import ADVICE_DIR, load_advice_record, load_advice_records
from bot.content.governance import next_review, problems
from bot.content.records import CONTENT_DIR, REPO, load_record, load_records
from bot.content.render import generated_files


def build() -> int:
    for path, text in generated_files(load_records(), load_advice_records()).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    return 0


def check(today: dt.date) -> int:
    failing = 0
    for record in [*load_records(), *load_advice_records()]:
        for problem in problems(record, today):
            failing += 1
            print(f"{record.path.relative_to(REPO)}: {problem}")
    print(f"{failing} problem(s)" if failing else "every answer is approved, sourced and in date")
    return 1 if failing else 0


def set_review(text: str, values: dict[str, str]) -> str:
    """Replace the given keys of the ``review:`` block in a record's text, keeping comments."""
    head, sep, rest = text.partition("\nreview:\n")
    if not sep:
        raise SystemExit("the record has no review: block")
    block_lines, tail = [], rest.split("\n")
    while tail and tail[0].startswith("  "):
        block_lines.append(tail.pop(0))
    for key, value in values.items():
        line = f"  {key}: {value}"
        for index, existing in enumerate(block_lines):
            if re.match(rf"  {key}:", existing):
                block_lines[index] = line
                break
        else:
            block_lines.append(line)
    return head + sep + "\n".join(block_lines + tail)


def approve(topic: str, reviewer_role: str, today: dt.date, months: int) -> int:
    path = CONTENT_DIR / f"{topic}.yml"
    if path.exists():
        record = load_record(path)
    else:
        path = ADVICE_DIR / f"{topic}.yml"
        if not path.exists():
            raise SystemExit(f"no content record {topic}.yml in {CONTENT_DIR} or {ADVICE_DIR}")
        record = load_advice_record(path)
    text = set_review(path.read_text(encoding="utf-8"), {
        "status": "approved",
        "reviewer_role": reviewer_role,
        "last_reviewed": today.isoformat(),
        "next_review_due": next_review(today, months).isoformat(),
        "approved_text": record.fingerprint(),
    })
    path.write_text(text, encoding="utf-8")
    print(f"{topic}: approved by {reviewer_role} on {today}, next review {next_review(today, months)}")
    return build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.content", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build")
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    approve_parser = commands.add_parser("approve")
    approve_parser.add_argument("topic")
    approve_parser.add_argument("--reviewer-role", required=True)
    approve_parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    approve_parser.add_argument("--months", type=int, default=12, help="months until the next review")
    report_parser = commands.add_parser("report")
    report_parser.add_argument("--out", type=Path, default=REPO / "test-output" / "content-report.html")
    args = parser.parse_args(argv)
    if args.command == "build":
        return build()
    if args.command == "check":
        return check(args.today)
    if args.command == "approve":
        return approve(args.topic, args.reviewer_role, args.today, args.months)
    from bot.content.report import write_report

    path = write_report([*load_records(), *load_advice_records()], args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
