"""Rasa's REST channel, validated and loud: a bad request gets a 4xx, a failure a 503.

Rasa 3.6's ``RestInput`` answers malformed JSON with a 500 (``request.json`` raises in
its handler), a lone surrogate with silence (``[]``) and a failure while handling with
``200 []``. This channel keeps the name ``rest`` (so the URL stays
``/webhooks/rest/webhook``) and Rasa's request and answer format, and checks each POST
with the shared validator (``bot.channels.validation``), like the widget and socket.io.

Contract for server-to-server integrations (a clinic's own back end):
``POST /webhooks/rest/webhook`` with ``Content-Type: application/json`` and
``{"sender": "<conversation id>", "message": "<text>", "metadata": {...optional}}``.
The caller chooses the id, so it must be unguessable (at least 128 random bits, for
example a UUID4 or an id from ``POST /webhooks/widget/session``) and must stay on the
server: whoever knows an id can continue that conversation. The channel only ever
returns the bot's replies to the message sent, never the conversation's history (that
is Rasa's HTTP API, which is off or behind a token on loopback). Answers: ``200`` with
the list of messages; ``4xx`` with ``{"error"}`` for a bad request; ``503`` with
``{"error", "emergency_number", "messages"}`` when the bot failed or could not save.
Browsers are not meant to call this channel (it has no CORS of its own and refuses
non-JSON bodies, so a cross-site form or ``text/plain`` request is refused); the
widget channel is for browsers.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.turn import NOT_READY, run_turn
from bot.channels.validation import RequestError, check_content_type, parse_chat_body
from bot.channels.widget import outcome_response, settle_deletion
from bot.privacy.redaction import warm_up
from bot.rasa_internals import agent_of, install_loud_tracker_store
from bot.settings import load_settings


class ValidatedRestInput(InputChannel):
    """Rasa's REST channel format with shared validation and explicit failures."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> ValidatedRestInput:
        # Rasa only logs a model that fails to load (the policy checks the settings) and
        # then serves nothing; checking here, while the channels are created, stops the
        # server at start with the settings error instead.
        load_settings()
        install_loud_tracker_store()
        warm_up()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("custom_webhook_ValidatedRestInput", __name__)

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                check_content_type(request.headers.get("content-type"))
                parsed = parse_chat_body(request.body or b"")
            except RequestError as error:
                return response.json({"error": str(error)}, status=error.status)
            outcome = await run_turn(
                on_new_message, parsed.message, parsed.sender, self.name(), parsed.metadata,
                agent=agent_of(request) or NOT_READY,
            )
            await settle_deletion(outcome, agent_of(request), parsed.sender)
            # Rasa's format as it is: no emergency_number added to payloads (widget only).
            return outcome_response(outcome, None)

        return rest
