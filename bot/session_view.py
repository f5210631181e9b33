"""The current session and the rules' view of it, carried on from prediction to prediction.

Why: the safety-net policy needs, at every prediction, the events of the current session
(``current_session``) and a tracker of that session without the turns it inserted (the
rules' view, ``SafetyNetRulePolicy._view_for_rules``). Both were worked out again from
all of the session's events each time, which made every turn of a long conversation
slower (at turn 100, 634 events: about 0.7 ms for the session and 1 ms for the view, two
or three times a turn). A session only grows at its end, so here each conversation's
session and view are kept and extended with the events added since the last prediction.

When the conversation is not the one kept plus new events (another server answered and
the events were loaded anew, a new session, a restart, an undo), everything is worked
out again from the events: a cache, never a different answer. Uses only public Rasa
events and ``DialogueStateTracker.from_events`` / ``update``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue_state import current_session, hides_its_answer, is_inserted

# After one of these the session is not the old one plus the new events.
_REWRITING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


@dataclass
class _RulesView:
    """The rules' view of a session so far, and what deciding about the next event needs."""

    tracker: DialogueStateTracker
    seen: int = 0  # session events looked at
    asked: bool = False  # the last bot action asked a clarifying question (its answer is hidden)
    last_kept: Optional[Event] = None

    def extend(self, events: list[Event]) -> None:
        """Look at the next session events; keep what the rules should see.

        Inserted actions are dropped (their listens kept, once), and so is a user message
        that answered a clarifying question about signs (``answered_clarifications``), so
        that after a "no" the rules answer the message that raised the question.
        """
        for event in events:
            self.seen += 1
            hidden = False
            if isinstance(event, UserUttered):
                hidden, self.asked = self.asked, False
            elif isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
                self.asked = hides_its_answer(event) or (self.asked and is_inserted(event))
            if hidden or (is_inserted(event) and event.action_name != ACTION_LISTEN_NAME):
                continue
            if (_is_listen(event) and self.last_kept is not None and _is_listen(self.last_kept)):
                continue
            self.tracker.update(event)
            self.last_kept = event


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME


@dataclass
class _Kept:
    raw_count: int
    last_raw: Optional[Event]
    session: list[Event]
    view: Optional[_RulesView] = field(default=None)


class SessionViews:
    """Per conversation (least recently used dropped first): its session and rules' view."""

    def __init__(self, conversations: int = 2000) -> None:
        self._conversations = conversations
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    def session(self, tracker: DialogueStateTracker) -> list[Event]:
        """``current_session(tracker.events)``: the current session's events, undone turns removed."""
        events = tracker.events
        count = len(events)
        kept = self._kept.get(tracker.sender_id)
        if kept is not None and 0 < kept.raw_count <= count and events[kept.raw_count - 1] is kept.last_raw:
            new = [events[index] for index in range(kept.raw_count, count)]
            if not any(isinstance(event, _REWRITING) for event in new):
                kept.session = kept.session + new  # a new list: the view's events stay a prefix of it
                kept.raw_count, kept.last_raw = count, events[-1] if count else None
                self._kept.move_to_end(tracker.sender_id)
                return kept.session
        kept = _Kept(count, events[-1] if count else None, current_session(list(events)))
        self._kept[tracker.sender_id] = kept
        while len(self._kept) > self._conversations:
            self._kept.popitem(last=False)
        return kept.session

    def rules_view(self, tracker: DialogueStateTracker, session: list[Event], domain: Domain) -> DialogueStateTracker:
        """A tracker of ``session`` (as :meth:`session` returned it) as the rules should see it.

        Kept between predictions and extended in place when the session only grew: the
        rules only read it. A view belongs to the kept session, so a session worked out
        again starts a new view.
        """
        kept = self._kept.get(tracker.sender_id)
        view = kept.view if kept is not None and kept.session is session else None
        if view is None:
            view = _RulesView(DialogueStateTracker.from_events(
                tracker.sender_id, [], domain.slots, sender_source=tracker.sender_source))
        view.extend(session[view.seen:])
        if kept is not None and kept.session is session:
            kept.view = view
        return view.tracker
