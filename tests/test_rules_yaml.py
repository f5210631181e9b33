"""The clinical rule files are read strictly: a key given twice stops the bot at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules_yaml import DuplicateKeyError, load_rules_yaml

RESOURCES = Path(__file__).resolve().parent.parent / "bot" / "resources"


def test_a_repeated_key_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - value: sepsis_sign\n    patterns: [a]\n    phrases: [b]\n    patterns: [c]\n",
                    encoding="utf-8")
    with pytest.raises(DuplicateKeyError, match=r"rules\.yml, line 5: the key 'patterns' is given twice"):
        load_rules_yaml(path)


def test_merge_keys_and_their_overrides_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "context.yml"
    path.write_text("base: &b {category: PAST, max_scope: 3}\nrule: {<<: *b, max_scope: 6}\n", encoding="utf-8")
    assert load_rules_yaml(path)["rule"] == {"category": "PAST", "max_scope": 6}


@pytest.mark.parametrize("name", ["red_flags.yml", "context_rules.yml", "triage_rules.yml"])
def test_the_project_rule_files_repeat_no_key(name: str) -> None:
    assert load_rules_yaml(RESOURCES / name)
