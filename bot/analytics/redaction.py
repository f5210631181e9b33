"""The redaction applied to unanswered questions before they are stored.

The project's redaction lives in ``bot.privacy.redaction.redact`` (privacy work, issue
of the `sec` branch). Until that module is merged, ``redact`` here is a PLACEHOLDER:
a minimal, conservative masking (e-mail addresses, web addresses, @handles, any run of
digits, and capitalised words inside a sentence, which catches most names and places).
REPLACE: once ``bot/privacy/redaction.py`` exists, it is used automatically, and
``tests/test_analytics.py::test_the_privacy_redaction_is_used_when_present`` checks
that; then delete the placeholder below.
"""

from __future__ import annotations

import re
from typing import Callable


def placeholder_redact(text: str) -> str:
    """PLACEHOLDER until bot.privacy.redaction: mask what most often identifies someone."""
    text = re.sub(r"\S+@\S+", "[email]", text)
    text = re.sub(r"\b(?:https?://|www\.)\S+", "[link]", text, flags=re.IGNORECASE)
    text = re.sub(r"@\w+", "[handle]", text)
    text = re.sub(r"\d[\d\s().+/-]*\d|\d", "[number]", text)
    # A capitalised word not at the start of a sentence (and not "I") is likely a name.
    text = re.sub(r"(?<=[a-z0-9,;:\]] )(?!I\b)[A-Z][a-zA-Z'-]+", "[name]", text)
    return text


def _load() -> Callable[[str], str]:
    try:
        from bot.privacy.redaction import redact as privacy_redact  # noqa: PLC0415
    except ImportError:
        return placeholder_redact
    return privacy_redact


redact: Callable[[str], str] = _load()
