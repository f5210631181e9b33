"""The domain as one dict, read from the split domain directory (no Rasa import).

Why: the domain lives in ``domain/`` (one file per topic, so a person editing one
answer opens one small file; Rasa 3.6 loads a directory as one domain). ``domain.yml``
is a symlink to that directory so that the plain ``rasa train`` / ``rasa shell``
commands find it. Tests and tools that need the whole domain read it here, merged the
way Rasa merges it: lists (intents, actions) concatenated, mappings (responses, slots,
forms) joined, and the same key defined twice is an error rather than a silent
override.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


class DomainFilesError(ValueError):
    """Two domain files define the same response, slot or form."""


def domain_files(directory: Path = DOMAIN_DIR) -> list[Path]:
    """Every YAML file of the domain directory, in a stable order."""
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load_domain(directory: Path = DOMAIN_DIR) -> dict[str, Any]:
    """The merged domain dict of all files in ``directory``."""
    merged: dict[str, Any] = {}
    for path in domain_files(directory):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if key == "version":
                merged.setdefault(key, value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                target = merged.setdefault(key, {})
                clash = set(target) & set(value)
                if clash:
                    raise DomainFilesError(f"{path}: {key} {sorted(clash)} already defined in another domain file")
                target.update(value)
            else:
                merged[key] = value
    return merged
