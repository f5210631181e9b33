"""README stays true to the data: the triage table in it is the rules file."""

from __future__ import annotations

from pathlib import Path

from bot.triage import rules_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_triage_table_matches_the_rules_file() -> None:
    assert rules_markdown() in README, "regenerate the table with `python -m bot.triage`"
