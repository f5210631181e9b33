"""Unit tests for the widget channel's validation and CORS rules (no server needed).

The HTTP behaviour against the running bot is in tests/browser/test_widget_http.py;
these pin the rules themselves so that a refactor can't quietly loosen them.
"""

from __future__ import annotations

import json

import pytest
import yaml

from bot.channels.widget import (
    MAX_MESSAGE_CHARS,
    WebhookRequestError,
    WidgetInput,
    allowed_origin,
    cors_headers,
    is_same_origin,
    parse_webhook_body,
    with_emergency_number,
)
from bot.settings import DEFAULT_SETTINGS_PATH, SettingsError, parse_settings

ALLOWED = ("https://clinic.example.org", "http://localhost:5005")


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_valid_body_is_parsed() -> None:
    parsed = parse_webhook_body(body({"sender": "web-1", "message": "what are milia"}))
    assert (parsed.sender, parsed.message) == ("web-1", "what are milia")


@pytest.mark.parametrize("message", ["", "   ", "\n"])
def test_blank_message_is_passed_on(message: str) -> None:
    assert parse_webhook_body(body({"sender": "web-1", "message": message})).message == message


def test_message_of_exactly_the_limit_is_accepted() -> None:
    assert len(parse_webhook_body(body({"sender": "s", "message": "a" * MAX_MESSAGE_CHARS})).message) == 5000


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "JSON object"),
        (b"\xff\xfe", "not valid JSON"),
        (body([1, 2]), "JSON object"),
        (body("hello"), "JSON object"),
        (body({"message": "hi"}), "'sender'"),
        (body({"sender": "", "message": "hi"}), "'sender'"),
        (body({"sender": 42, "message": "hi"}), "'sender'"),
        (body({"sender": "a\u0000b", "message": "hi"}), "'sender'"),
        (body({"sender": "x" * 129, "message": "hi"}), "'sender'"),
        (body({"sender": "s"}), "'message'"),
        (body({"sender": "s", "message": None}), "'message'"),
        (body({"sender": "s", "message": ["hi"]}), "'message'"),
        (body({"sender": "s", "message": "a" * (MAX_MESSAGE_CHARS + 1)}), "5000"),
    ],
)
def test_invalid_bodies_are_refused_with_a_reason(raw: bytes, fragment: str) -> None:
    with pytest.raises(WebhookRequestError) as error:
        parse_webhook_body(raw)
    assert error.value.status == 400
    assert fragment in str(error.value)


def test_huge_body_is_refused_before_parsing() -> None:
    with pytest.raises(WebhookRequestError) as error:
        parse_webhook_body(b"[" * (70 * 1024))
    assert error.value.status == 413


def test_only_configured_origins_are_echoed_never_a_wildcard() -> None:
    assert allowed_origin("https://clinic.example.org", ALLOWED) == "https://clinic.example.org"
    assert allowed_origin("HTTPS://CLINIC.EXAMPLE.ORG", ALLOWED) is not None
    assert allowed_origin("https://clinic.example.org.evil.test", ALLOWED) is None
    assert allowed_origin("http://clinic.example.org", ALLOWED) is None  # scheme matters
    assert allowed_origin("null", ALLOWED) is None
    assert allowed_origin(None, ALLOWED) is None


def test_clinic_settings_cannot_allow_every_origin() -> None:
    raw = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    raw["allowed_origins"] = ["*"]
    with pytest.raises(SettingsError, match="allowed_origins"):
        parse_settings(raw)


def test_preflight_headers_only_for_allowed_origins() -> None:
    headers = cors_headers("http://localhost:5005", ALLOWED, preflight=True)
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:5005"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert cors_headers("https://evil.test", ALLOWED, preflight=True) == {}
    assert "Access-Control-Allow-Methods" not in cors_headers("http://localhost:5005", ALLOWED, preflight=False)


def test_same_origin_ignores_the_scheme_behind_tls_proxies() -> None:
    assert is_same_origin("https://bot.example.org", "bot.example.org")
    assert is_same_origin("http://127.0.0.1:5005", "127.0.0.1:5005")
    assert not is_same_origin("https://evil.test", "bot.example.org")
    assert not is_same_origin("https://bot.example.org", None)


def test_emergency_number_added_only_to_triage_payloads_without_mutating() -> None:
    original = [
        {"recipient_id": "s", "text": "EMERGENCY: call 911 now"},
        {"recipient_id": "s", "custom": {"triage_level": "emergency"}},
        {"recipient_id": "s", "custom": {"something": "else"}},
    ]
    result = with_emergency_number(original, "911")
    assert result[1]["custom"] == {"triage_level": "emergency", "emergency_number": "911"}
    assert result[2]["custom"] == {"something": "else"}
    assert "emergency_number" not in original[1]["custom"]
    assert with_emergency_number(original, None)[1]["custom"] == {"triage_level": "emergency"}


def test_channel_is_mounted_at_webhooks_widget() -> None:
    assert WidgetInput.name() == "widget"
    assert WidgetInput().url_prefix() == "widget"
