"""Handing one message to Rasa and telling the person clearly when that failed.

Shared by the REST and widget channels (socket.io uses ``failure_message`` too). Rasa's
REST channel answers ``200 []`` when handling raises, and a tracker store that cannot
write goes unnoticed; here both become an explicit outcome the channel turns into a
503 with a message that gives the emergency number.
"""

from __future__ import annotations

import logging
import traceback
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Optional

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot import storage_health
from bot.privacy.redaction import redact
from bot.settings import SettingsError, load_settings

logger = logging.getLogger(__name__)

FALLBACK_EMERGENCY_NUMBER = "your local emergency number"

STORE_FAILED = (
    "Sorry, something went wrong on our side: this conversation could not be saved, so I may not "
    "remember it. If this may be an emergency, call {emergency_number} now. Otherwise please try "
    "again later or contact the clinic."
)
HANDLER_FAILED = (
    "Sorry, something went wrong on our side and I could not answer. If this may be an emergency, "
    "call {emergency_number} now. Otherwise please try again in a moment."
)


def emergency_number() -> str:
    try:
        return load_settings().emergency_number
    except SettingsError:
        return FALLBACK_EMERGENCY_NUMBER


def failure_message(store_failed: bool) -> str:
    """The clear error text for a failed turn, with the clinic's emergency number."""
    template = STORE_FAILED if store_failed else HANDLER_FAILED
    return template.format(emergency_number=emergency_number())


class _NotReady:
    """Stands for the agent before Rasa has loaded the model."""

    def is_ready(self) -> bool:
        return False


NOT_READY = _NotReady()


@dataclass
class TurnOutcome:
    """What came of handing one message to Rasa."""

    messages: list[dict[str, Any]]
    handler_failed: bool
    store_failed: bool

    @property
    def ok(self) -> bool:
        return not (self.handler_failed or self.store_failed)

    def error_body(self) -> dict[str, Any]:
        """The 503 JSON body: the clear error, the number to call, and any replies given.

        ``messages`` keeps the replies the bot did produce (for a red flag, the
        emergency advice) so a client can still show them.
        """
        return {
            "error": failure_message(self.store_failed),
            "emergency_number": emergency_number(),
            "messages": self.messages,
        }


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    text: str,
    sender: str,
    channel_name: str,
    metadata: Optional[Mapping[str, Any]] = None,
    output: Optional[OutputChannel] = None,
    agent: Any = None,
) -> TurnOutcome:
    """Handle one message; never raises (except cancellation of the request itself).

    With ``agent`` given, a bot whose model is not loaded is a failure too: Rasa would
    drop the message silently and the channel answer an empty list.
    """
    collector = output or CollectingOutputChannel()
    turn = storage_health.start_turn()
    if agent is not None and not agent.is_ready():
        logger.error("%s channel: no model loaded; the person is told", channel_name)
        return TurnOutcome(messages=[], handler_failed=True, store_failed=False)
    handler_failed = False
    text = redact(text)  # before Rasa sees it: nothing personal reaches the store or logs
    try:
        await on_new_message(
            UserMessage(text, collector, sender, input_channel=channel_name, metadata=dict(metadata or {}))
        )
    except CancelledError:
        handler_failed = True
        logger.error("%s channel: timed out handling a message", channel_name)
    except Exception as error:  # the person gets a clear answer; the log gets no user text
        handler_failed = True
        # Frames only: an exception's message can quote the user's text.
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error("%s channel: failed to handle a message: %s\n%s", channel_name, type(error).__name__, frames)
    messages = list(getattr(collector, "messages", []))
    return TurnOutcome(messages=messages, handler_failed=handler_failed, store_failed=bool(turn.errors))
