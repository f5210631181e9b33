"""Loading scikit-learn models stored with skops: only the types a component names are trusted.

Why one place: the intent classifier and the layer-2 readers are stored in the Rasa model
archive, which `PUT /model` could replace (token-protected). skops refuses to build types it
does not know; each caller says which few extra types its file may hold, and anything else
fails loudly instead of running code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class UntrustedModelFile(ValueError):
    """A stored model holds a type its component does not trust."""


def load_trusted(path: Path, allowed: frozenset[str] = frozenset()) -> Any:
    """The object stored at ``path``, or :class:`UntrustedModelFile` when it holds a type outside ``allowed``."""
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=path)) - allowed
    if untrusted:
        raise UntrustedModelFile(f"untrusted types in {path}: {sorted(untrusted)}")
    return sio.load(path, trusted=sorted(allowed))
