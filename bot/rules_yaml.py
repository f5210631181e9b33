"""Read the clinical rule files (patterns, context rules, triage rules) strictly.

Why: YAML lets a mapping name a key twice and silently keeps the last one. In a rule
file that is a clinical slip no test sees: a second ``patterns:`` under one red flag
threw the first list away (round 4: "I feel awful and a bit confused" stayed unread).
Here a repeated key stops the bot at start with the file, line and key. YAML merge keys
(``<<: *anchor``, used by the context rules) stay allowed: an explicit key beside a
merge overrides the merged one, which is what the records mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DuplicateKeyError(ValueError):
    """A mapping in a rule file names the same key twice."""


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                mark = key_node.start_mark
                raise DuplicateKeyError(f"{mark.name}, line {mark.line + 1}: the key {key!r} is given twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_rules_yaml(path: Path) -> Any:
    """The file's YAML, refusing a mapping that repeats a key."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
