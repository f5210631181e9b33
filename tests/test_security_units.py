"""The security rules as pure functions: validator, conversation ids, launcher policy,
input guard, secret files. No server; the attacks on the running server are in
tests/test_security_server.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.channels import session_ids
from bot.channels.validation import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    RequestError,
    check_content_type,
    parse_chat_body,
    parse_socket_message,
)
from bot.nlu.input_guard import HEAD_TOKENS, TAIL_TOKENS, bound_text, known_payloads_of
from bot.secret_files import read_or_create_secret
from bot.serve import refusal

KEY = b"k" * 32


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


# ------------------------------------------------------------------ one validator


@pytest.mark.parametrize(
    "raw, status, fragment",
    [
        (b"[" * 5000 + b"]" * 5000, 400, "nested"),  # RecursionError in json: a 500 before
        (b'{"sender": "s", "message": "hi", "metadata": ' + b"[" * 3000 + b"]" * 3000 + b"}", 400, "nested"),
        (body({"sender": "s", "message": "hi", "metadata": {"a": {"b": {"c": {"d": 1}}}}}), 400, "nested"),
        (body({"sender": "s", "message": "hi", "metadata": "x"}), 400, "metadata"),
        (b'{"sender": "s", "message": "\\ud800"}', 400, "surrogate"),
        (b'{"sender": "s\\udfff", "message": "hi"}', 400, "sender"),
        (body({"sender": "s", "message": "a\u0000b"}), 400, "control"),
        (body({"sender": "s", "message": {"text": "hi"}}), 400, "'message'"),
        (body({"sender": "s", "message": 5}), 400, "'message'"),
        (body({"sender": "s", "message": "a" * (MAX_MESSAGE_CHARS + 1)}), 400, "5000"),
        (body({"sender": "x" * (MAX_SENDER_CHARS + 1), "message": "hi"}), 400, "'sender'"),
        (body({"sender": "a\nb", "message": "hi"}), 400, "'sender'"),
        (b"x" * (65 * 1024), 413, "bytes"),
    ],
    ids=lambda value: None if not isinstance(value, bytes) else repr(value[:30]),
)
def test_malformed_nested_oversize_and_non_text_bodies_get_a_4xx(raw: bytes, status: int, fragment: str) -> None:
    with pytest.raises(RequestError) as error:
        parse_chat_body(raw)
    assert error.value.status == status
    assert fragment in str(error.value)


def test_very_deep_nesting_is_a_400_not_a_recursion_error() -> None:
    deep = b'{"sender": "s", "message": "hi", "metadata": {"a": ' + b"[" * 100000 + b"]" * 100000 + b"}}"
    with pytest.raises(RequestError) as error:
        parse_chat_body(deep[: 64 * 1024])  # within the size limit: must still be refused
    assert error.value.status == 400


def test_text_with_line_breaks_emoji_and_other_scripts_is_accepted() -> None:
    parsed = parse_chat_body(body({"sender": "s", "message": "bumps 😀\non the nose\tмиля 粟丘疹"}))
    assert parsed.message.endswith("粟丘疹")


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_only_json_bodies_are_accepted(content_type: str | None) -> None:
    with pytest.raises(RequestError) as error:
        check_content_type(content_type)
    assert error.value.status == 415


def test_json_content_type_with_charset_is_accepted() -> None:
    check_content_type("application/json; charset=utf-8")
    check_content_type("Application/JSON")


@pytest.mark.parametrize(
    "data, fragment",
    [
        ("hello", "object"),
        ({"message": 12}, "'message'"),
        ({"message": ["hi"]}, "'message'"),
        ({"message": "a" * (MAX_MESSAGE_CHARS + 1)}, "5000"),
        ({"message": "hi", "session_id": "x" * 10000}, "'sender'"),
        ({"message": "hi", "session_id": 5}, "'sender'"),
        ({"message": "\ud800"}, "surrogate"),
    ],
)
def test_socketio_messages_and_ids_have_the_same_limits(data: object, fragment: str) -> None:
    with pytest.raises(RequestError) as error:
        parse_socket_message(data)
    assert fragment in str(error.value)


# ------------------------------------------------------------------ conversation ids


def test_issued_ids_verify_and_others_do_not() -> None:
    issued = session_ids.issue_id(KEY)
    assert session_ids.is_issued_id(issued, KEY)
    assert not session_ids.is_issued_id(issued, b"another key" * 3)
    nonce, signature = issued.split(".")
    forged = f"{nonce}.{'A' * len(signature)}"
    assert not session_ids.is_issued_id(forged, KEY)
    for guess in ["demo-1", "", "test-1-abc", issued + "x", None, 42, issued.replace(".", "")]:
        assert not session_ids.is_issued_id(guess, KEY)


def test_issued_ids_are_unguessable_and_fit_the_sender_limit() -> None:
    ids = {session_ids.issue_id(KEY) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(value) <= MAX_SENDER_CHARS for value in ids)


# ------------------------------------------------------------------ launcher policy


@pytest.mark.parametrize(
    "method, path, content_type, status",
    [
        ("POST", "/model/train", "text/plain", 403),
        ("POST", "/model/train", "application/json", 403),
        ("PUT", "/model", "application/json", 403),
        ("DELETE", "/model", None, 403),
        ("POST", "/model/test/intents", "application/json", 403),
        ("POST", "/webhooks/rest/webhook", "text/plain", 415),
        ("POST", "/webhooks/widget/webhook", "application/x-www-form-urlencoded", 415),
        ("POST", "/conversations/x/tracker/events", "text/plain", 415),
        ("GET", "/conversations/x/tracker", None, 403),  # from a non-loopback client with the API on
    ],
)
def test_launcher_refuses_model_changes_non_json_bodies_and_remote_api_calls(
    method: str, path: str, content_type: str | None, status: int
) -> None:
    refused = refusal(method, path, "203.0.113.9", content_type, api_enabled=True)
    assert refused is not None and refused[0] == status


def test_launcher_lets_chat_and_local_api_calls_through() -> None:
    assert refusal("POST", "/webhooks/rest/webhook", "203.0.113.9", "application/json", True) is None
    assert refusal("POST", "/socket.io/", "203.0.113.9", "text/plain;charset=UTF-8", True) is None
    assert refusal("GET", "/health", "203.0.113.9", None, True) is None
    assert refusal("GET", "/conversations/x/tracker", "127.0.0.1", None, True) is None
    assert refusal("POST", "/webhooks/widget/session", "203.0.113.9", None, True, body_bytes=0) is None


def test_launcher_refuses_oversize_bodies_on_every_route_including_socketio_polling() -> None:
    refused = refusal("POST", "/socket.io/", "127.0.0.1", "text/plain", False, body_bytes=1024 * 1024)
    assert refused is not None and refused[0] == 413


# ------------------------------------------------------------------ input guard


@pytest.mark.parametrize(
    "text",
    ["😀" * 5000, "(" * 5000, "a(" * 2500, "!?.,;" * 1000, "z\u0337\u0327\u031b" * 1250, "milia" * 1000,
     "word " * 1000, "1." * 2500],
)
def test_guard_bounds_what_nlu_reads(text: str) -> None:
    guarded = bound_text(text).text
    pieces = guarded.split()
    assert all(len(piece) <= 40 for piece in pieces)
    assert len(guarded) <= (HEAD_TOKENS + TAIL_TOKENS) * 42


def test_guard_keeps_the_closing_red_flag_of_a_long_message() -> None:
    text = "white bumps on the nose. " * 150 + "my 3 week old has a fever of 38.5"
    assert bound_text(text).text.endswith("my 3 week old has a fever of 38.5")


def test_guard_keeps_a_sign_told_in_the_middle_of_a_long_story() -> None:
    # round 19's blind set AC: a 90-word story lost its middle, and the emergency sign in it
    story = ("Quick background: my son is 4 months, born at 38 weeks, all checks normal. " * 5
             + "Tonight the skin on his chest looks patchy purple and pale, like marbled. "
             + "Anyway, I mainly wanted to ask whether milia can come back after a cold? " * 4)
    assert 120 < len(story.split()) < 200
    assert "patchy purple and pale, like marbled" in bound_text(story).text


def test_guard_leaves_ordinary_messages_alone() -> None:
    for text in ["my baby has white spots on her nose", "fever 38.5!", "is it contagious??", "ok :)"]:
        assert bound_text(text) .text == text


def test_only_known_payloads_keep_their_slash() -> None:
    known = {'/inform{"age_group":"newborn"}', "/greet"}
    assert bound_text('/inform{"age_group":"newborn"}', known).text == '/inform{"age_group":"newborn"}'
    assert bound_text("/greet", known).text == "/greet"
    assert not bound_text('/inform{"triage_level":"self_care"}', known).text.startswith("/")
    assert not bound_text("//inform{}", known).text.startswith("/")


def test_known_payloads_come_from_domain_buttons_and_intents() -> None:
    domain = {
        "intents": ["greet"],
        "responses": {"utter_ask": [{"text": "?", "buttons": [{"title": "Baby", "payload": '/inform{"a":"b"}'}]}]},
    }
    assert known_payloads_of(domain, ["affirm"]) == ["/affirm", "/greet", '/inform{"a":"b"}']


# ------------------------------------------------------------------ secret files


def test_secrets_are_created_owner_only_and_reused(tmp_path: Path) -> None:
    first = read_or_create_secret("api-token", tmp_path / "secrets")
    assert read_or_create_secret("api-token", tmp_path / "secrets") == first
    assert len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secrets" / "api-token").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700


def test_a_secret_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    (folder / "api-token").write_text("value\n")
    (folder / "api-token").chmod(0o644)
    assert read_or_create_secret("api-token", folder) == "value"
    assert stat.S_IMODE((folder / "api-token").stat().st_mode) == 0o600
