"""Conversation ids that are capabilities: issued and signed by the server.

A browser (widget) or socket.io client cannot choose its conversation id: it asks the
server for one. The id is a random nonce plus an HMAC of it under a server key, so an
id that the server did not issue (a guess, ``demo-1``, someone's counter) is refused,
and knowing the format gives nothing. Nothing is stored per id: any process holding
the key (``.milia/session-key``) can check it, also after a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import lru_cache
from typing import Optional

from bot.secret_files import SESSION_KEY, read_or_create_secret, secrets_dir

NONCE_BYTES = 16
SIGNATURE_CHARS = 22  # 132 bits of the HMAC-SHA256
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$")
_PURPOSE = b"milia-conversation-id:"


@lru_cache(maxsize=4)
def _key(directory: str) -> bytes:
    return read_or_create_secret(SESSION_KEY).encode("utf-8")


def session_key() -> bytes:
    """The signing key (created on first use, mode 0600, outside git)."""
    return _key(str(secrets_dir()))


def _signature(nonce: str, key: bytes) -> str:
    digest = hmac.new(key, _PURPOSE + nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:SIGNATURE_CHARS]


def issue_id(key: Optional[bytes] = None) -> str:
    """A new conversation id: ``<22-char nonce>.<22-char signature>``."""
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii").rstrip("=")
    return f"{nonce}.{_signature(nonce, key or session_key())}"


def is_issued_id(candidate: object, key: Optional[bytes] = None) -> bool:
    """Whether ``candidate`` is an id this server issued (constant-time comparison)."""
    if not isinstance(candidate, str) or not ID_PATTERN.match(candidate):
        return False
    nonce, signature = candidate.split(".")
    return hmac.compare_digest(signature, _signature(nonce, key or session_key()))
