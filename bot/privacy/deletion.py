"""Deleting one person's conversation from the tracker store: every stored event.

Rasa 3.6's tracker stores have no delete; ``/restart`` only appends an event. This
removes the rows themselves (SQL stores) or the entry (in-memory store), so what the
person typed is gone from the database, not just hidden.
"""

from __future__ import annotations

import logging
from typing import Optional

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore

from bot.rasa_internals import fallback_store, primary_store

logger = logging.getLogger(__name__)


class DeletionError(RuntimeError):
    """The conversation could not be deleted (store unreachable or of unknown kind)."""


def delete_from_sql(store: SQLTrackerStore, sender_id: str) -> int:
    """Delete all events of ``sender_id``; return how many rows went."""
    with store.session_scope() as session:
        deleted = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return int(deleted or 0)


def delete_conversation(store: Optional[TrackerStore], sender_id: str) -> int:
    """Delete a conversation wherever Rasa keeps it; the number of events/rows removed.

    Raises ``DeletionError`` when the store cannot delete, so the person is never told
    "deleted" when nothing was.
    """
    primary = primary_store(store)
    removed = 0
    fallback = fallback_store(store)
    if isinstance(fallback, InMemoryTrackerStore):
        removed += 1 if fallback.store.pop(sender_id, None) is not None else 0
    try:
        if isinstance(primary, SQLTrackerStore):
            removed += delete_from_sql(primary, sender_id)
        elif isinstance(primary, InMemoryTrackerStore):
            removed += 1 if primary.store.pop(sender_id, None) is not None else 0
        else:
            raise DeletionError(f"cannot delete from a {type(primary).__name__}")
    except DeletionError:
        raise
    except Exception as error:
        logger.error("deleting a conversation failed: %s", type(error).__name__)
        raise DeletionError("the conversation store could not delete the conversation") from error
    return removed


# The confirmation response of a deletion asked for in chat carries this custom payload
# (domain/privacy.yml, utter_forget_me_done); the channel deletes when it sees it.
DELETION_FLAG = "conversation_deleted"


def asks_for_deletion(messages: list[dict]) -> bool:
    """Whether the bot's replies confirm a deletion the person asked for."""
    return any(isinstance(message.get("custom"), dict) and message["custom"].get(DELETION_FLAG) is True
               for message in messages)
