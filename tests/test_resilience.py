"""Restarts and outages: conversations survive a bot restart; safety survives no action server."""

from __future__ import annotations

import pytest

from bot.settings import load_settings
from tests.bot_texts import is_response

pytestmark = pytest.mark.server
SETTINGS = load_settings()


def test_conversation_continues_after_restart(bot_stack, say, new_sender, tracker_of) -> None:
    sender = new_sender()
    say(sender, "my baby is 2 weeks old and has white spots on his nose")
    before = tracker_of(sender)
    bot_stack.stop_bot()
    bot_stack.start_bot()
    after = tracker_of(sender)
    assert after["slots"]["age_group"] == "newborn"
    assert len(after["events"]) >= len(before["events"])
    replies = say(sender, "are they contagious?")
    # Same session after the restart: no second disclaimer, and the question is answered.
    assert replies and not any(is_response(reply, "utter_disclaimer") for reply in replies), replies
    assert bot_stack.database.exists()


def test_safety_without_action_server(bot_stack, say, new_sender) -> None:
    """Disclaimer first and emergency advice with the emergency number, action server down."""
    bot_stack.stop_actions()
    try:
        replies = say(new_sender(), "my 5 week old is floppy and hard to wake and has a temp of 38.7")
        assert replies and is_response(replies[0], "utter_disclaimer"), replies
        assert any(is_response(reply, "utter_triage_emergency") for reply in replies), replies
        assert any(SETTINGS.emergency_number in (reply.get("text") or "") for reply in replies[1:])
        # A normal question still gets its (domain response) answer as well.
        greeting = say(new_sender(), "hello")
        assert greeting and is_response(greeting[0], "utter_disclaimer") and len(greeting) >= 2
    finally:
        bot_stack.start_actions()


def test_questionnaire_ends_with_advice_without_action_server(bot_stack, say, new_sender) -> None:
    """No triage outcome needs the action server: the questionnaire's advice is decided in the bot."""
    bot_stack.stop_actions()
    try:
        sender = new_sender()
        say(sender, "my baby has white spots on her nose")
        replies = []
        for payload in ('/inform{"age_group":"newborn"}', '/inform{"duration":"under_4_weeks"}',
                        '/inform{"danger_signs":"no"}', '/inform{"warning_signs":"none"}'):
            replies = say(sender, payload)
        assert any(is_response(reply, "utter_triage_self_care") for reply in replies), replies
        assert {"triage_level": "self_care"} in [reply.get("custom") for reply in replies]
    finally:
        bot_stack.start_actions()
