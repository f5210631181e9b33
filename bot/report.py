"""The clinic's outcomes report: ``python -m bot.report --since 7d`` (or ``make report``).

Reads only the analytics database (``ANALYTICS_DB_URL``, else ``--db``, else the SQLite
file milia_analytics.db), never the live tracker store, and writes
``reports/outcomes-report.html`` (self-contained, with charts) and one CSV per table.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from bot.analytics import html_report, store
from bot.analytics.summary import summarise

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(value: str) -> float:
    """Seconds in a period such as ``7d``, ``24h``, ``2w`` or ``90m``."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value)
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"a period such as 7d, 24h, 2w or 90m, not {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", type=parse_since, default=parse_since("7d"), help="period back from now (7d)")
    parser.add_argument("--db", help=f"analytics database URL ({store.URL_ENV} wins; default {store.DEFAULT_URL})")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="folder for the page and CSV files")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    engine = store.connect(args.db)
    now = time.time()
    summary = summarise(engine, now - args.since, now + 1)
    engine.dispose()
    page = html_report.write(summary, args.out)
    elapsed = time.perf_counter() - started
    state = "no conversations in this period" if summary.empty else f"{summary.conversations} conversations"
    print(f"wrote {page} and {len(summary.tables)} CSV files ({state}) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
