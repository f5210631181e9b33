"""The widget channel over HTTP, against the running bot: files, validation, CORS, payloads.

Validation answers are 400 with a JSON error (never a 500): a widget on a clinic's site
is an untrusted client. CORS echoes only clinic.yml ``allowed_origins``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Callable, Optional

import pytest

from bot.settings import load_settings
from tests.browser.conftest import PAGE_PORT
from tests.conftest import post_json
from tests.servers import BotStack

ALLOWED_ORIGIN = "http://localhost:5005"  # in clinic.yml allowed_origins
OTHER_ORIGIN = "https://evil.example"


def request(
    url: str, method: str = "GET", headers: Optional[dict[str, str]] = None, data: Optional[bytes] = None
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture
def webhook(bot_stack: BotStack) -> str:
    return f"{bot_stack.url}/webhooks/widget/webhook"


def test_widget_script_and_demo_page_are_served_by_the_bot(bot_stack: BotStack) -> None:
    status, headers, body = request(f"{bot_stack.url}/webhooks/widget/widget.js")
    assert status == 200
    assert headers["content-type"].startswith("application/javascript")
    assert headers["x-content-type-options"] == "nosniff"
    assert len(body) < 60_000, "the widget should stay a few tens of KB"
    assert b"innerHTML" not in body and b"eval(" not in body

    status, headers, body = request(f"{bot_stack.url}/webhooks/widget/demo")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'src="/webhooks/widget/widget.js"' in body
    csp = headers["content-security-policy"]
    for directive in ("script-src 'self'", "style-src 'self'", "connect-src 'self'", "default-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[]",
        json.dumps({"message": "hi"}).encode(),
        json.dumps({"sender": 12, "message": "hi"}).encode(),
        json.dumps({"sender": "s"}).encode(),
        json.dumps({"sender": "s", "message": 5}).encode(),
        json.dumps({"sender": "s", "message": "a" * 5001}).encode(),
    ],
)
def test_invalid_requests_get_400_with_a_json_error(webhook: str, raw: bytes) -> None:
    status, body = post_json(webhook, raw)
    assert status == 400, body
    assert isinstance(body, dict) and body["error"]


def test_valid_request_gets_rest_compatible_messages(webhook: str, issued_sender: Callable[[], str]) -> None:
    sender = issued_sender()
    status, body = post_json(webhook, {"sender": sender, "message": "/greet"})
    assert status == 200
    assert isinstance(body, list) and body
    assert all(message["recipient_id"] == sender for message in body)
    assert "automated assistant" in body[0]["text"], "the disclaimer comes first"


def test_longest_allowed_message_is_answered(webhook: str, issued_sender: Callable[[], str]) -> None:
    status, body = post_json(webhook, {"sender": issued_sender(), "message": "milia " * 833})  # 4,998 characters
    assert status == 200 and isinstance(body, list)


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_message_is_passed_on_to_the_bot(webhook: str, issued_sender: Callable[[], str], blank: str) -> None:
    status, body = post_json(webhook, {"sender": issued_sender(), "message": blank})
    assert status == 200 and isinstance(body, list)
    assert any(message.get("text") for message in body), "the bot answers something"


def test_triage_payload_carries_the_emergency_number(webhook: str, issued_sender: Callable[[], str]) -> None:
    status, body = post_json(
        webhook, {"sender": issued_sender(), "message": "my 3 week old baby has a fever of 38.5 and is floppy"}
    )
    assert status == 200
    custom = [message["custom"] for message in body if "custom" in message]
    assert {"triage_level": "emergency", "emergency_number": load_settings().emergency_number} in custom


def test_preflight_from_an_allowed_origin_is_echoed(webhook: str) -> None:
    status, headers, _ = request(
        webhook,
        method="OPTIONS",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status in (200, 204)
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    assert "origin" in headers.get("vary", "").lower()


@pytest.mark.parametrize("origin", [OTHER_ORIGIN, f"http://127.0.0.1:{PAGE_PORT}", "null"])
def test_preflight_from_another_origin_gets_no_cors_headers(webhook: str, origin: str) -> None:
    # 127.0.0.1:PAGE_PORT is in the test server's `--cors` (Rasa's own routes): the widget ignores it.
    _, headers, _ = request(
        webhook, method="OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in headers
    # The reason shows in the browser's network panel (the console only says "CORS").
    assert "allowed_origins" in headers["x-milia-error"]


def test_post_from_allowed_origin_is_readable_and_others_are_refused(
    webhook: str, issued_sender: Callable[[], str]
) -> None:
    payload = json.dumps({"sender": issued_sender(), "message": "/greet"}).encode()
    headers = {"Content-Type": "application/json"}
    status, response_headers, _ = request(webhook, "POST", {**headers, "Origin": ALLOWED_ORIGIN}, payload)
    assert status == 200 and response_headers["access-control-allow-origin"] == ALLOWED_ORIGIN

    status, response_headers, body = request(webhook, "POST", {**headers, "Origin": OTHER_ORIGIN}, payload)
    assert status == 403 and "allowed_origins" in json.loads(body)["error"]
    assert "access-control-allow-origin" not in response_headers


def test_config_gives_the_emergency_number_for_offline_advice(bot_stack: BotStack) -> None:
    status, headers, body = request(f"{bot_stack.url}/webhooks/widget/config", headers={"Origin": ALLOWED_ORIGIN})
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert json.loads(body)["emergency_number"] == load_settings().emergency_number


def test_refused_origin_is_named_in_the_bot_log(webhook: str, bot_stack: BotStack) -> None:
    origin = "https://not-yet-allowed.example"
    request(webhook, method="OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    log = bot_stack.workdir / "bot.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text(errors="replace").splitlines() if origin in line]
        if lines:
            break
        time.sleep(0.2)
    assert lines and "allowed_origins in clinic.yml" in lines[0], "whoever runs the bot is told what to add"
