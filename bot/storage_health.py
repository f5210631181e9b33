"""Whether the conversation store is writing: per turn (to tell the person) and overall.

Rasa catches tracker-store errors and carries on with an in-memory copy that it never
reads back, so a read-only or full database looked like a working bot whose
questionnaire looped forever. The store wrapper (``bot.rasa_internals``) reports each
error here; a channel opens a turn before handing over a message and, if the store
failed during it, answers with a clear error; the health route reports the last state.
Pure Python (no Rasa import), so it is easy to test.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Optional

logger = logging.getLogger(__name__)


@dataclass
class Turn:
    """Store errors seen while one message was handled."""

    errors: list[str] = field(default_factory=list)


@dataclass
class StoreState:
    """The process-wide view: when the store last failed and last worked."""

    last_failure_at: Optional[float] = None
    last_failure: Optional[str] = None
    last_success_at: Optional[float] = None

    def failing(self) -> bool:
        if self.last_failure_at is None:
            return False
        return self.last_success_at is None or self.last_success_at < self.last_failure_at


_current_turn: ContextVar[Optional[Turn]] = ContextVar("milia_store_turn", default=None)
STATE = StoreState()


def start_turn() -> Turn:
    """Begin collecting store errors for the message handled in this task."""
    turn = Turn()
    _current_turn.set(turn)
    return turn


def record_failure(error: BaseException) -> None:
    # The error's class and message only: a database error can quote the SQL with the
    # user's text in it, which must not reach the logs.
    description = type(error).__name__
    STATE.last_failure_at = time.time()
    STATE.last_failure = description
    turn = _current_turn.get()
    if turn is not None:
        turn.errors.append(description)
    logger.error("conversation store failed (%s); the person is told and nothing is kept", description)


def record_success() -> None:
    STATE.last_success_at = time.time()


def failed_in_this_turn() -> bool:
    turn = _current_turn.get()
    return bool(turn and turn.errors)
