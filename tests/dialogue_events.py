"""Hand-built Rasa events for dialogue tests (the way Rasa's own test_rule_policy.py builds them)."""

from __future__ import annotations

from rasa.shared.core.events import UserUttered


def said(intent: str, **entities: str) -> UserUttered:
    """A user message classified as ``intent`` with certainty, carrying ``entities``."""
    return UserUttered(f"text for {intent}", {"name": intent, "confidence": 1.0},
                       [{"entity": name, "value": value} for name, value in entities.items()])
