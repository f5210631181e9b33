"""The web widget's input channel: script, demo page and a validated, CORS-aware webhook.

Listed in credentials.yml as ``bot.channels.widget.WidgetInput``; Rasa mounts the
blueprint at ``/webhooks/widget/``. One server (``rasa run``, port 5005) then serves:

* ``GET  /webhooks/widget/widget.js``  the self-contained widget (one <script> tag)
* ``GET  /webhooks/widget/demo``       a demo clinic page, under a strict CSP
* ``GET  /webhooks/widget/config``     what the widget needs while the bot is down
* ``POST /webhooks/widget/webhook``    Rasa REST-compatible: {"sender", "message"} in,
  the list of bot messages out

Why not just Rasa's REST channel: a browser on a clinic's site is an untrusted client.
The REST channel answers malformed JSON with a 500 (``request.json`` raises inside its
handler) and accepts any size of message; CORS for it is all-or-nothing through
``rasa run --cors``. This channel validates every request (400 with a JSON error,
never a 500), allows exactly the clinic origins of ``clinic.yml`` and adds the clinic's
emergency number to triage payloads so the widget can offer tap-to-call without
parsing prose.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from asyncio import CancelledError
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional
from urllib.parse import urlparse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import ClinicSettings, SettingsError, load_settings
from bot.widget.build import build_widget

logger = logging.getLogger(__name__)

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"

MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128
# Enough for a 5,000-character message even if every character is a \uXXXX escape.
MAX_BODY_BYTES = 64 * 1024

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


class WebhookRequestError(ValueError):
    """A request the webhook refuses; ``status`` and the message go back as JSON."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WidgetMessage:
    """A validated webhook request."""

    sender: str
    message: str


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(character) == "Cc" for character in value)


def parse_webhook_body(body: bytes) -> WidgetMessage:
    """Validate a webhook body; raise ``WebhookRequestError`` saying what is wrong.

    An empty or whitespace-only message is valid: the bot answers it politely, which
    is kinder than an error for someone who pressed Enter by mistake.
    """
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRequestError(f"request body over {MAX_BODY_BYTES} bytes", status=413)
    try:
        payload = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WebhookRequestError("request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRequestError('request body must be a JSON object {"sender": ..., "message": ...}')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise WebhookRequestError("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS or _has_control_characters(sender):
        raise WebhookRequestError(f"'sender' must be at most {MAX_SENDER_CHARS} printable characters")
    message = payload.get("message")
    if not isinstance(message, str):
        raise WebhookRequestError("'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise WebhookRequestError(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    return WidgetMessage(sender=sender, message=message)


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


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class WidgetInput(InputChannel):
    """Serves the web widget and its webhook from the bot's own server."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
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
            vary = reply.headers.get("Vary")
            if not vary or "origin" not in vary.lower():
                reply.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"

        @widget.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

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

        @widget.route("/webhook", methods=["OPTIONS"])
        async def preflight(request: Request) -> HTTPResponse:
            # Usually answered by sanic-cors first; the response middleware sets the headers.
            return response.empty(status=204)

        @widget.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            origin = request.headers.get("origin")
            if (
                origin
                and allowed_origin(origin, _allowed_origins()) is None
                and not is_same_origin(origin, request.headers.get("host"))
            ):
                # Browsers would hide the answer anyway; refuse before spending work on it.
                return _error("origin not allowed; add it to allowed_origins in clinic.yml", 403)
            try:
                parsed = parse_webhook_body(request.body or b"")
            except WebhookRequestError as error:
                return _error(str(error), error.status)

            collector = CollectingOutputChannel()
            failed = False
            try:
                await on_new_message(
                    UserMessage(parsed.message, collector, parsed.sender, input_channel=self.name())
                )
            except CancelledError:
                failed = True
                logger.error("widget channel: timed out handling a message")
            except Exception:
                failed = True
                logger.exception("widget channel: failed to handle a message")
            if failed and not collector.messages:
                # Rasa's REST channel would answer 200 []; a clear error lets the widget
                # tell the person to try again instead of showing nothing.
                return _error("the assistant could not answer; please try again", 503)
            settings = _settings()
            return response.json(
                with_emergency_number(collector.messages, settings.emergency_number if settings else None)
            )

        return widget
