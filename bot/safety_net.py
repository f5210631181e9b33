"""Pure helpers: which red flags a conversation holds so far.

The policy (inside the Rasa server, on Rasa ``Event`` objects) and the action server
(on the SDK's event dicts) both reduce a conversation to the entity lists of its user
messages and read findings from them here, so both read them in exactly the same way.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

DISCLAIMER = "utter_disclaimer"
RED_FLAG_ENTITY = "red_flag"
FINDING_ENTITY = "finding"
MENTIONS_BABY = "mentions_baby"

Entities = Sequence[dict[str, Any]]


def entity_values(entities: Entities, entity: str) -> set[str]:
    return {str(item.get("value")) for item in entities or [] if item.get("entity") == entity}


def conversation_findings(messages: Iterable[Entities]) -> tuple[set[str], set[str], bool]:
    """Red flags of the latest message, of all messages, and whether a baby was mentioned.

    ``messages`` holds the entity list of each user message of the session, oldest first.
    """
    messages = list(messages)
    if not messages:
        return set(), set(), False
    session_flags: set[str] = set()
    mentions_baby = False
    for entities in messages:
        session_flags |= entity_values(entities, RED_FLAG_ENTITY)
        mentions_baby = mentions_baby or MENTIONS_BABY in entity_values(entities, FINDING_ENTITY)
    return entity_values(messages[-1], RED_FLAG_ENTITY), session_flags, mentions_baby


def sdk_message_entities(events: Iterable[dict[str, Any]]) -> list[Entities]:
    """Entity lists of the user messages in the current session, from SDK event dicts."""
    messages: list[Entities] = []
    for event in events:
        if event.get("event") in ("session_started", "restart"):
            messages = []
        elif event.get("event") == "user":
            messages.append((event.get("parse_data") or {}).get("entities") or [])
    return messages
