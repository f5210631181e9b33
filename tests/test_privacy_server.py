"""Privacy against the running bot: delete-my-conversation in chat (rows gone from the
database, also with the action server down), the privacy answer, redaction in storage."""

from __future__ import annotations

import sqlite3
from typing import Callable

import pytest

from bot.privacy.deletion import DELETION_FLAG
from bot.settings import load_settings
from tests.bot_texts import is_response
from tests.servers import BotStack

pytestmark = pytest.mark.server


def rows(stack: BotStack, sender: str) -> list[str]:
    with sqlite3.connect(stack.database) as connection:
        return [row[0] for row in connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))]


def test_delete_my_conversation_removes_every_row_even_without_the_action_server(
    bot_stack: BotStack, say: Callable, new_sender: Callable[[], str]
) -> None:
    sender = new_sender()
    say(sender, "my baby has white spots on her nose")
    assert rows(bot_stack, sender)
    bot_stack.stop_actions()
    try:
        asked = say(sender, "please delete my conversation")
        assert any(is_response(reply, "utter_ask_forget_me") for reply in asked), asked
        assert rows(bot_stack, sender)  # nothing goes before the person confirms
        done = say(sender, "yes")
        assert any(is_response(reply, "utter_forget_me_done") for reply in done), done
        assert any(reply.get("custom", {}).get(DELETION_FLAG) is True for reply in done)
        assert rows(bot_stack, sender) == []
    finally:
        bot_stack.start_actions()
    # The next message starts a new conversation, with the disclaimer first.
    again = say(sender, "hello")
    assert is_response(again[0], "utter_disclaimer")


def test_declining_the_deletion_keeps_the_conversation(
    bot_stack: BotStack, say: Callable, new_sender: Callable[[], str]
) -> None:
    sender = new_sender()
    say(sender, "delete my data")
    kept = say(sender, "no")
    assert any(is_response(reply, "utter_forget_me_kept") for reply in kept), kept
    assert rows(bot_stack, sender)


def test_the_privacy_answer_says_what_is_kept_how_long_and_how_to_delete(
    say: Callable, new_sender: Callable[[], str]
) -> None:
    replies = say(new_sender(), "what happens to my data")
    answer = next(reply["text"] for reply in replies if is_response(reply, "utter_privacy"))
    assert f"{load_settings().retention_days} days" in answer
    assert "delete my conversation" in answer


def test_personal_details_never_reach_the_database(
    bot_stack: BotStack, say: Callable, new_sender: Callable[[], str]
) -> None:
    sender = new_sender()
    say(sender, "my name is Sarah, email sarah.k@example.com, phone +1 415 555 0134, my baby has a fever of 38.5")
    stored = "\n".join(rows(bot_stack, sender))
    for secret in ("Sarah", "sarah.k@example.com", "555 0134"):
        assert secret not in stored
    assert "{{NAME}}" in stored and "38.5" in stored


def test_what_people_type_is_not_written_to_the_log(bot_stack, say, new_sender) -> None:
    """Rasa's debug events carry the message text; the launcher keeps the log at INFO."""
    marker = "zebrafinch" + new_sender()[-6:]
    say(new_sender(), f"{marker} has tiny white bumps on the nose")
    log = (bot_stack.workdir / "bot.log").read_text(errors="replace")
    assert marker not in log
