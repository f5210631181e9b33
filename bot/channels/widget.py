"""The web widget's input channel: script, demo page, sessions and a validated webhook.

Listed in credentials.yml as ``bot.channels.widget.WidgetInput``; Rasa mounts the
blueprint at ``/webhooks/widget/``. One server (port 5005) then serves:

* ``GET  /webhooks/widget/widget.js``  the self-contained widget (one <script> tag)
* ``GET  /webhooks/widget/demo``       a demo clinic page, under a strict CSP
* ``GET  /webhooks/widget/config``     what the widget needs while the bot is down
* ``GET  /webhooks/widget/health``     model, store and action server (200 or 503)
* ``POST /webhooks/widget/session``    ``{}`` in, ``{"sender": "<issued id>"}`` out
* ``POST /webhooks/widget/webhook``    Rasa REST-compatible: {"sender", "message"} in,
  the list of bot messages out; ``sender`` must be an id from ``/session`` (else 403)
* ``POST /webhooks/widget/forget``     ``{"sender": id}``: deletes that conversation

Why not just Rasa's REST channel: a browser on a clinic's site is an untrusted client.
Conversation ids are capabilities issued by the server (``session_ids``), so a guessed
id reaches nobody's conversation; every request is validated by the shared validator
(``validation``: 4xx with a JSON error, never a 500); CORS allows exactly the clinic
origins of ``clinic.yml``; a failure (handler error, store that cannot write) is a 503
whose message gives the emergency number; triage payloads carry the clinic's emergency
number so the widget can offer tap-to-call without parsing prose.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional
from urllib.parse import urlparse

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import session_ids
from bot.channels.health import health_report
from bot.channels.turn import NOT_READY, TurnOutcome, run_turn
from bot.channels.validation import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    ChatRequest,
    RequestError,
    check_content_type,
    parse_chat_body,
    parse_json_object,
    parse_sender_body,
)
from bot.privacy.deletion import DeletionError, asks_for_deletion, delete_conversation
from bot.privacy.redaction import warm_up
from bot.rasa_internals import agent_of, install_loud_tracker_store
from bot.settings import ClinicSettings, SettingsError, load_settings
from bot.widget.build import build_widget

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_MESSAGE_CHARS",
    "MAX_SENDER_CHARS",
    "WebhookRequestError",
    "WidgetInput",
    "allowed_origin",
    "cors_headers",
    "is_same_origin",
    "parse_webhook_body",
    "with_emergency_number",
]

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"

# The demo page shows that the widget needs nothing beyond 'self' (no inline script or
# style, no eval): clinics can copy these lines, adding the bot's origin when it is
# not their own (see docs/embedding.md).
DEMO_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

STATIC_FILES: dict[str, tuple[str, str]] = {
    # route: (file in bot/widget, content type)
    "widget.js": ("widget.js", "application/javascript; charset=utf-8"),
    "demo": ("demo.html", "text/html; charset=utf-8"),
    "demo.css": ("demo.css", "text/css; charset=utf-8"),
}

CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
)

# Set on the request so that sanic-cors (configured by `rasa run --cors`) leaves the
# widget's routes to this channel's own CORS policy.
SANIC_CORS_EVALUATED = "_sanic_cors_e"

INVALID_SENDER = "unknown conversation: ask POST /webhooks/widget/session for a conversation id"

# The shared validator's error, under the name this module has always exported.
WebhookRequestError = RequestError
WidgetMessage = ChatRequest


def parse_webhook_body(body: bytes) -> ChatRequest:
    """Validate a webhook body (see ``bot.channels.validation.parse_chat_body``)."""
    return parse_chat_body(body)


def allowed_origin(origin: Optional[str], allowed: Iterable[str]) -> Optional[str]:
    """The origin to echo in Access-Control-Allow-Origin, or None (never ``*``)."""
    if not origin:
        return None
    normalised = origin.strip().rstrip("/").lower()
    for candidate in allowed:
        if normalised == candidate.rstrip("/").lower():
            return origin.strip()
    return None


def cors_headers(origin: Optional[str], allowed: Iterable[str], preflight: bool) -> dict[str, str]:
    """CORS headers for a response to ``origin``: empty unless the origin is allowed."""
    headers: dict[str, str] = {}
    echoed = allowed_origin(origin, allowed)
    if echoed is None:
        return headers
    headers["Access-Control-Allow-Origin"] = echoed
    if preflight:
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type"
        headers["Access-Control-Max-Age"] = "600"
    return headers


def is_same_origin(origin: str, host: Optional[str]) -> bool:
    """Whether a browser's Origin header names this server (scheme-agnostic: TLS proxies)."""
    return bool(host) and urlparse(origin).netloc.lower() == str(host).lower()


def with_emergency_number(messages: Iterable[Mapping[str, Any]], emergency_number: Optional[str]) -> list[dict]:
    """Copy the bot's messages, adding ``emergency_number`` to triage payloads.

    The widget offers a tap-to-call link for emergencies; taking the number from the
    clinic settings here is more reliable than finding it in the advice text.
    """
    result: list[dict] = []
    for message in messages:
        copied = dict(message)
        custom = copied.get("custom")
        if emergency_number and isinstance(custom, Mapping) and custom.get("triage_level"):
            copied["custom"] = {**custom, "emergency_number": emergency_number}
        result.append(copied)
    return result


def _settings() -> Optional[ClinicSettings]:
    try:
        return load_settings()
    except SettingsError as error:  # the policy stops the bot at start with this message
        logger.error("widget channel: %s", error)
        return None


def _allowed_origins() -> tuple[str, ...]:
    settings = _settings()
    return settings.allowed_origins if settings else ()


@lru_cache(maxsize=len(STATIC_FILES))
def _static_file(filename: str) -> bytes:
    """The widget's files, read (the script: built from bot/widget/src) once per process."""
    if filename == "widget.js":
        return build_widget().encode("utf-8")
    return (WIDGET_DIR / filename).read_bytes()


_EXPLAINED_ORIGINS: set[str] = set()
REFUSED_ORIGIN_HINT = "origin not allowed; add it to allowed_origins in clinic.yml and restart the bot"


def _explain_refused_origin(origin: str, reply: HTTPResponse) -> None:
    """Say why a preflight got no CORS headers: browsers only report a generic CORS error.

    The header shows in the browser's network panel; the log line (once per origin)
    tells whoever runs the bot which site tried and what to add.
    """
    reply.headers["X-Milia-Error"] = REFUSED_ORIGIN_HINT
    if origin not in _EXPLAINED_ORIGINS and len(_EXPLAINED_ORIGINS) < 100:
        _EXPLAINED_ORIGINS.add(origin)
        logger.warning("widget channel: refused a browser from %r: %s", origin[:200], REFUSED_ORIGIN_HINT)


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _origin_refused(request: Request) -> Optional[HTTPResponse]:
    """403 for a browser request from a site that is neither allowed nor this server."""
    origin = request.headers.get("origin")
    if (
        origin
        and allowed_origin(origin, _allowed_origins()) is None
        and not is_same_origin(origin, request.headers.get("host"))
    ):
        # Browsers would hide the answer anyway; refuse before spending work on it.
        return _error("origin not allowed; add it to allowed_origins in clinic.yml", 403)
    return None


def _issued_sender(request: Request) -> ChatRequest | HTTPResponse:
    """The validated body of a request naming a conversation, or the error response
    (a refused origin first, then a malformed body, then an id the server did not issue)."""
    refused = _origin_refused(request)
    if refused:
        return refused
    try:
        check_content_type(request.headers.get("content-type"))
        body = request.body or b""
        if request.path.rstrip("/").endswith("/forget"):
            parsed = ChatRequest(sender=parse_sender_body(body), message="")
        else:
            parsed = parse_chat_body(body)
    except RequestError as error:
        return _error(str(error), error.status)
    if not session_ids.is_issued_id(parsed.sender):
        return _error(INVALID_SENDER, 403)
    return parsed


def outcome_response(outcome: TurnOutcome, settings: Optional[ClinicSettings]) -> HTTPResponse:
    """200 with the bot's messages, or 503 with the clear error (and any replies given)."""
    number = settings.emergency_number if settings else None
    if not outcome.ok:
        body = outcome.error_body()
        body["messages"] = with_emergency_number(body["messages"], number)
        return response.json(body, status=503)
    return response.json(with_emergency_number(outcome.messages, number))


class WidgetInput(InputChannel):
    """Serves the web widget, its sessions and its webhook from the bot's own server."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        install_loud_tracker_store()
        warm_up()
        session_ids.session_key()  # create the signing key at start, not on a first visitor
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The widget routes; CORS for them follows clinic.yml ``allowed_origins`` only."""
        widget = Blueprint("widget_channel", __name__)

        @widget.middleware("request")
        async def take_over_cors(request: Request) -> None:
            # sanic-cors (rasa run --cors) would otherwise add its own headers later.
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")

        @widget.middleware("response")
        async def apply_cors(request: Request, reply: HTTPResponse) -> None:
            # Also runs on the preflight answer sanic-cors gives before any route, so
            # replace whatever it set with this channel's policy.
            for header in CORS_HEADERS:
                if header in reply.headers:
                    del reply.headers[header]
            preflight = request.method == "OPTIONS"
            reply.headers.update(cors_headers(request.headers.get("origin"), _allowed_origins(), preflight))
            if preflight and request.headers.get("origin"):
                reply.status = 204
                if "Access-Control-Allow-Origin" not in reply.headers:
                    _explain_refused_origin(request.headers.get("origin", ""), reply)
            vary = reply.headers.get("Vary")
            if not vary or "origin" not in vary.lower():
                reply.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"

        @widget.route("/", methods=["GET"])
        async def alive(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @widget.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            status, body = await health_report(agent_of(request))
            return response.json(body, status=status, headers={"Cache-Control": "no-store"})

        def static(route: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
            filename, content_type = STATIC_FILES[route]

            async def serve(request: Request) -> HTTPResponse:
                headers = {
                    "X-Content-Type-Options": "nosniff",
                    # The script is embedded by other sites, also under COEP.
                    "Cross-Origin-Resource-Policy": "cross-origin",
                    "Cache-Control": "public, max-age=300",
                }
                if route == "demo":
                    headers.update(
                        {
                            "Content-Security-Policy": DEMO_CSP,
                            "Referrer-Policy": "no-referrer",
                            "Cache-Control": "no-store",
                        }
                    )
                try:
                    body = _static_file(filename)
                except OSError:
                    logger.exception("widget channel: cannot read %s", filename)
                    return _error("file not available", 404)
                return response.raw(body, content_type=content_type, headers=headers)

            serve.__name__ = f"serve_{route.replace('.', '_')}"
            return serve

        for route in STATIC_FILES:
            widget.add_route(static(route), f"/{route}", methods=["GET"])

        @widget.route("/config", methods=["GET", "OPTIONS"])
        async def config(request: Request) -> HTTPResponse:
            # Fetched once and kept by the widget: when the bot can't be reached, the
            # widget can still say which number to call in an emergency.
            settings = _settings()
            if settings is None:
                return response.json({})
            return response.json(
                {
                    "emergency_number": settings.emergency_number,
                    "clinic_name": settings.clinic_name,
                    # For the widget's tap-to-call and booking buttons.
                    "clinic_phone": settings.phone,
                    "medical_line": settings.medical_line,
                    "booking_url": settings.booking_url,
                }
            )

        async def preflight(request: Request) -> HTTPResponse:
            # Usually answered by sanic-cors first; the response middleware sets the headers.
            return response.empty(status=204)

        for route in ("webhook", "session", "forget"):
            widget.add_route(preflight, f"/{route}", methods=["OPTIONS"], name=f"preflight_{route}")

        @widget.route("/session", methods=["POST"])
        async def new_session(request: Request) -> HTTPResponse:
            refused = _origin_refused(request)
            if refused:
                return refused
            body = request.body or b""
            if body.strip():
                try:
                    check_content_type(request.headers.get("content-type"))
                    parse_json_object(body)
                except RequestError as error:
                    return _error(str(error), error.status)
            return response.json({"sender": session_ids.issue_id()}, headers={"Cache-Control": "no-store"})

        @widget.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed = _issued_sender(request)
            if isinstance(parsed, HTTPResponse):
                return parsed
            outcome = await run_turn(
                on_new_message, parsed.message, parsed.sender, self.name(), agent=agent_of(request) or NOT_READY
            )
            await settle_deletion(outcome, agent_of(request), parsed.sender)
            return outcome_response(outcome, _settings())

        @widget.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            parsed = _issued_sender(request)
            if isinstance(parsed, HTTPResponse):
                return parsed
            agent = agent_of(request)
            try:
                delete_conversation(getattr(agent, "tracker_store", None), parsed.sender)
            except DeletionError as error:
                return _error(f"{error}; please try again later", 503)
            return response.json({"deleted": True})

        return widget


async def settle_deletion(outcome: TurnOutcome, agent: Any, sender: str) -> None:
    """Carry out a deletion the person confirmed in chat (``forget_me``), after the turn.

    The bot's confirmation carries ``{"conversation_deleted": true}``; the rows go only
    once the turn is saved, so nothing of the conversation is left behind. If the store
    cannot delete, the turn becomes a failure: never say "deleted" when it is not.
    """
    if not outcome.ok or not asks_for_deletion(outcome.messages):
        return
    try:
        delete_conversation(getattr(agent, "tracker_store", None), sender)
    except DeletionError:
        outcome.store_failed = True
