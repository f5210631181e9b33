"""Clinical thresholds the language side needs, read from ``triage_rules.yml``.

Why here and not in ``red_flags.yml``: the fever threshold, the age bands and the
duration buckets are clinical decisions, and the triage rules file is the one place
for clinical decisions. ``red_flags.yml`` only says how words and numbers are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

from bot.language.patterns import PatternFileError
from bot.rules_yaml import load_rules_yaml

RULES_PATH = Path(__file__).resolve().parent.parent / "resources" / "triage_rules.yml"


@dataclass(frozen=True)
class Band:
    """One row of an ordered band table: ``value`` applies below ``below_days`` (None: no limit)."""

    value: str
    below_days: Optional[float]


@dataclass(frozen=True)
class Thresholds:
    """The numbers that turn a reading into a finding or a slot value."""

    fever_at_or_above: dict[str, float]  # per unit ("c", "f")
    age_bands: tuple[Band, ...]
    duration_bands: tuple[Band, ...]
    clarify_findings: frozenset[str]  # findings that ask a clarifying question, not a level
    emergency_findings: frozenset[str]  # findings some rule sends to the most urgent level

    @staticmethod
    def band(rows: tuple[Band, ...], days: float) -> str:
        """The first row whose limit the amount is under."""
        return next(row.value for row in rows if row.below_days is None or days < row.below_days)


def _bands(rows: Any, days_per_unit: Mapping[str, float], name: str) -> tuple[Band, ...]:
    if not isinstance(rows, list) or not rows or "below" in rows[-1]:
        raise PatternFileError(f"thresholds.{name}: a list of rows whose last row has no `below`")
    bands = []
    for row in rows:
        below = row.get("below")
        days = None
        if below is not None:
            ((unit, count),) = dict(below).items()
            if unit not in days_per_unit:
                raise PatternFileError(f"thresholds.{name}: unknown unit {unit!r}")
            days = float(count) * days_per_unit[unit]
        bands.append(Band(str(row["value"]), days))
    return tuple(bands)


def parse_thresholds(raw: Mapping[str, Any], days_per_unit: Mapping[str, float]) -> Thresholds:
    """Validate the ``thresholds`` section (and read ``clarify_findings``) of the rules file."""
    try:
        section = raw["thresholds"]
        fever = {str(unit): float(value) for unit, value in section["fever_at_or_above"].items()}
        ages = _bands(section["age_groups"], days_per_unit, "age_groups")
        durations = _bands(section["duration_buckets"], days_per_unit, "duration_buckets")
    except (KeyError, TypeError, AttributeError) as error:
        raise PatternFileError(
            f"triage_rules.yml needs thresholds with fever_at_or_above, age_groups, duration_buckets: {error}"
        ) from error
    if set(fever) != {"c", "f"}:
        raise PatternFileError("thresholds.fever_at_or_above needs c and f")
    levels = raw.get("levels") or []
    top = levels[0] if levels else "emergency"
    emergency = frozenset(row["finding"] for row in raw.get("rules", []) if row.get("level") == top)
    return Thresholds(fever, ages, durations, frozenset(raw.get("clarify_findings") or []), emergency)


@lru_cache(maxsize=4)
def load_rules_file(path: Path = RULES_PATH) -> dict[str, Any]:
    """The raw rules file (cached; the triage module validates the rows)."""
    return load_rules_yaml(path)
