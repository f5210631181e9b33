"""Rasa's REST channel with request validation: a bad request gets a 4xx, never a 500.

Rasa 3.6's ``RestInput`` answers malformed JSON with a 500 (``request.json`` raises
in its handler) and a body without a message with a 200 and an empty reply. This
subclass keeps the channel name ``rest`` (so the URL stays ``/webhooks/rest/webhook``)
and everything Rasa's channel does, and checks each POST first with the same rules as
the widget's webhook (``bot.channels.widget.parse_webhook_body``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.widget import WebhookRequestError, parse_webhook_body
from bot.settings import load_settings


class ValidatedRestInput(RestInput):
    """``RestInput`` that rejects malformed requests with a JSON 4xx error."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> ValidatedRestInput:
        # Rasa only logs a model that fails to load (the policy checks the settings) and
        # then serves nothing; checking here, while the channels are created, stops the
        # server at start with the settings error instead.
        load_settings()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def validate(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            try:
                parse_webhook_body(request.body or b"")
            except WebhookRequestError as error:
                return response.json({"error": str(error)}, status=error.status)
            return None

        return blueprint
