"""Scoring of triage vignettes: recall per level and over-triage, as printed by the tests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

LEVELS = ("emergency", "urgent", "soon", "routine", "self_care")
ESCALATED = ("emergency", "urgent")
HARMLESS = "none"  # expected: no urgent or emergency advice (any calmer outcome is fine)
CALM_LEVELS = ("routine", "self_care")
CALM_LABELS = (HARMLESS, *CALM_LEVELS)  # the labels of a harmless case


def rank(level: Optional[str]) -> int:
    """0 = most urgent; no level at all ranks below self_care."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


@dataclass
class TriageReport:
    """Collects (case, expected, got) and computes the figures the issue asks for."""

    results: list[tuple[str, str, Optional[str]]] = field(default_factory=list)

    def add(self, case: str, expected: str, got: Optional[str]) -> None:
        self.results.append((case, expected, got))

    def recall(self, level: str) -> tuple[float, int]:
        """Share of cases expecting ``level`` that got it or something more urgent."""
        cases = [(exp, got) for _, exp, got in self.results if exp == level]
        if not cases:
            return float("nan"), 0
        return sum(rank(got) <= rank(level) for _, got in cases) / len(cases), len(cases)

    def exact(self, level: str) -> float:
        cases = [got for _, exp, got in self.results if exp == level]
        return sum(got == level for got in cases) / len(cases) if cases else float("nan")

    def over_triage(self) -> tuple[float, int]:
        """Share of harmless cases (expected none, self_care or routine) sent to urgent or emergency."""
        calm = [got for _, exp, got in self.results if exp in CALM_LABELS]
        if not calm:
            return float("nan"), 0
        return sum(got in ESCALATED for got in calm) / len(calm), len(calm)

    def misses(self) -> list[tuple[str, str, Optional[str]]]:
        """Under-triaged cases (got less urgent than expected) and over-triaged harmless ones."""
        wrong = []
        for case, expected, got in self.results:
            if expected in LEVELS and rank(got) > rank(expected):
                wrong.append((case, expected, got))
            elif expected in CALM_LABELS and got in ESCALATED:
                wrong.append((case, expected, got))
        return wrong

    def render(self, title: str) -> str:
        lines = [f"{title}: {len(self.results)} cases"]
        for level in LEVELS:
            value, count = self.recall(level)
            if count:
                lines.append(f"  {level:<10} recall {value:6.1%}  exact {self.exact(level):6.1%}  (n={count})")
        value, count = self.over_triage()
        lines.append(f"  over-triage (harmless -> urgent/emergency) {value:6.1%}  (n={count})")
        by_outcome: dict[str, int] = defaultdict(int)
        for _, _, got in self.results:
            by_outcome[got or "no triage advice"] += 1
        lines.append("  outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(by_outcome.items())))
        for case, expected, got in self.misses():
            lines.append(f"  MISS expected {expected}, got {got}: {case}")
        return "\n".join(lines)
