"""The terminal's link to the bot: the widget channel's webhook, as the web widget uses it.

Talking over the same channel as the widget means that what someone tries in the
terminal is what a clinic's visitors get (validation, the emergency number added to
triage payloads, server-issued conversation ids). Standard library only, so the
terminal client starts in a blink and imports nothing of Rasa.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional

WIDGET_PATH = "/webhooks/widget"
# Rasa answers most messages in well under a second; the first one after a start loads
# lazily initialised parts, and a busy machine can be slow.
REQUEST_TIMEOUT_S = 60.0


class BotError(Exception):
    """The bot could not answer; ``str()`` says why in words for the person."""

    def __init__(self, message: str, emergency_number: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.emergency_number = emergency_number
        self.status = status


@dataclass
class WidgetClient:
    """POSTs JSON to ``{url}/webhooks/widget/...`` and decodes the answer."""

    url: str
    timeout: float = REQUEST_TIMEOUT_S

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")

    def _request(self, method: str, route: str, payload: Optional[dict[str, Any]] = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.url}{WIDGET_PATH}/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            raise _http_error(error) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise BotError(f"the assistant at {self.url} can't be reached ({reason}).") from None
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BotError("the assistant sent an answer this client can't read.") from None

    def new_session(self) -> str:
        """A new conversation id issued by the server."""
        answer = self._request("POST", "session", {})
        sender = answer.get("sender") if isinstance(answer, dict) else None
        if not isinstance(sender, str) or not sender:
            raise BotError("the assistant did not start a conversation.")
        return sender

    def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """The bot's messages in answer to ``message``."""
        answer = self._request("POST", "webhook", {"sender": sender, "message": message})
        if not isinstance(answer, list):
            raise BotError("the assistant sent an answer this client can't read.")
        return [item for item in answer if isinstance(item, dict)]

    def forget(self, sender: str) -> bool:
        """Ask the server to delete the conversation; True when it says it did."""
        answer = self._request("POST", "forget", {"sender": sender})
        return isinstance(answer, dict) and answer.get("deleted") is True

    def config(self) -> dict[str, Any]:
        """The clinic's emergency number and name, kept for when the bot can't answer."""
        answer = self._request("GET", "config")
        return answer if isinstance(answer, dict) else {}


def _http_error(error: urllib.error.HTTPError) -> BotError:
    """A 4xx/5xx answer as a ``BotError``, with the server's words when it gave some."""
    try:
        body = json.loads(error.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError):
        body = None
    message, number = None, None
    if isinstance(body, dict):
        if isinstance(body.get("error"), str):
            message = body["error"]
        if isinstance(body.get("emergency_number"), str):
            number = body["emergency_number"]
    if not message:
        if error.code >= 500:
            message = "the assistant could not answer; please try again."
        elif error.code == 404:
            message = f"{error.url} was not found: is this the milia assistant's address?"
        else:
            message = "the assistant refused the request."
    return BotError(f"{message} (HTTP {error.code})", emergency_number=number, status=error.code)
