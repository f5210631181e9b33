"""One validator for every chat route (REST, widget, socket.io): same rules, same limits.

Each route hands its raw input here and gets either a ``ChatRequest`` or a
``RequestError`` carrying the HTTP status and a message that says what is wrong. So a
malformed, nested, oversize or non-text request gets a 4xx with a reason on every
channel, never a 500 and never silence, and a limit cannot drift between channels.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128
# Enough for a 5,000-character message even if every character is a \uXXXX escape.
MAX_BODY_BYTES = 64 * 1024
# Metadata (REST and socket.io clients may send some) is kept small and shallow.
MAX_METADATA_DEPTH = 3
MAX_METADATA_CHARS = 2000
# Control characters a person can type: tab and line breaks.
ALLOWED_CONTROL = frozenset("\t\n\r")


class RequestError(ValueError):
    """A request a chat route refuses; ``status`` and the message go back as JSON."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat message: who (conversation id) and what (text)."""

    sender: str
    message: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


def check_content_type(content_type: Optional[str]) -> None:
    """Refuse anything but JSON bodies (415).

    A web page can send ``text/plain`` or a form to another site without asking first
    (no CORS preflight); ``application/json`` always triggers the preflight, which only
    the clinic's own origins pass. Requiring JSON thus refuses cross-site requests.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise RequestError("Content-Type must be application/json", status=415)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting no further than ``limit + 1``."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(item, limit - 1) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item, limit - 1) for item in value), default=0)
    return 0


def check_text(value: str, field_name: str) -> str:
    """A string that can be stored and shown: valid Unicode, no control characters.

    A lone surrogate (``"\\ud800"`` in JSON) is accepted by Python's JSON parser but
    cannot be encoded as UTF-8 later, which made Rasa answer nothing; refuse it here.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError(f"'{field_name}' is not valid Unicode text (lone surrogate)") from None
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROL for char in value):
        raise RequestError(f"'{field_name}' contains control characters")
    return value


def check_sender(sender: Any) -> str:
    if not isinstance(sender, str) or not sender.strip():
        raise RequestError("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise RequestError(f"'sender' must be at most {MAX_SENDER_CHARS} printable characters")
    try:
        check_text(sender, "sender")
    except RequestError:
        raise RequestError(f"'sender' must be at most {MAX_SENDER_CHARS} printable characters") from None
    if any(char in "\t\n\r" for char in sender):
        raise RequestError(f"'sender' must be at most {MAX_SENDER_CHARS} printable characters")
    return sender


def check_message(message: Any) -> str:
    if not isinstance(message, str):
        raise RequestError("'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise RequestError(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    return check_text(message, "message")


def check_metadata(metadata: Any) -> Mapping[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise RequestError("'metadata' must be a JSON object")
    if _depth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH:
        raise RequestError(f"'metadata' may be nested at most {MAX_METADATA_DEPTH} levels")
    try:
        encoded = json.dumps(metadata, ensure_ascii=False)
        encoded.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        raise RequestError("'metadata' is not valid JSON text") from None
    if len(encoded) > MAX_METADATA_CHARS:
        raise RequestError(f"'metadata' must be at most {MAX_METADATA_CHARS} characters of JSON")
    return metadata


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object, or ``RequestError`` (413 when too large)."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(f"request body over {MAX_BODY_BYTES} bytes", status=413)
    try:
        payload = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RequestError("request body is not valid JSON") from None
    except RecursionError:
        raise RequestError("request body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise RequestError('request body must be a JSON object {"sender": ..., "message": ...}')
    return payload


def parse_chat_body(body: bytes) -> ChatRequest:
    """Validate a chat webhook body (REST and widget); raise ``RequestError`` saying what is wrong.

    An empty or whitespace-only message is valid: the bot answers it politely, which
    is kinder than an error for someone who pressed Enter by mistake.
    """
    payload = parse_json_object(body)
    sender = check_sender(payload.get("sender"))
    message = check_message(payload.get("message"))
    metadata = check_metadata(payload.get("metadata"))
    return ChatRequest(sender=sender, message=message, metadata=metadata)


def parse_sender_body(body: bytes) -> str:
    """Validate a body that only names a conversation: ``{"sender": "<id>"}``."""
    return check_sender(parse_json_object(body).get("sender"))


def parse_socket_message(data: Any) -> ChatRequest:
    """Validate a socket.io ``user_uttered`` payload (``session_id`` checked by the channel)."""
    if not isinstance(data, dict):
        raise RequestError('the event data must be an object {"message": ..., "session_id": ...}')
    message = check_message(data.get("message", ""))
    metadata = data.get("customData") if "customData" in data else data.get("metadata")
    if isinstance(metadata, str):
        if len(metadata) > MAX_METADATA_CHARS:
            raise RequestError(f"'metadata' must be at most {MAX_METADATA_CHARS} characters of JSON")
        try:
            metadata = json.loads(metadata)
        except (json.JSONDecodeError, RecursionError):
            metadata = None
    session_id = data.get("session_id")
    sender = check_sender(session_id) if session_id is not None else ""
    return ChatRequest(sender=sender, message=message, metadata=check_metadata(metadata))
