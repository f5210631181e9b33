"""Turn Rasa tracker events into analytics rows that hold no personal data.

Why: the clinic's outcomes report needs counts (conversations, levels, topics,
fallbacks, questionnaire steps, hand-offs, latency), never what people typed or who
they are. This pure function is the only door into the analytics store: it keeps
names from allow-lists (intents of the domain, triage levels, questionnaire questions),
replaces the sender id by a random key per conversation that is never written next to
the sender id, and passes on free text only for a question the assistant did not
understand, after redaction. No Rasa import; tested on hand-built event dicts.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

# The five levels of the conversation contract, most urgent first (rank = index).
LEVELS = ("emergency", "urgent", "soon", "routine", "self_care")
QUESTIONS = ("age_group", "body_site", "duration", "danger_signs", "warning_signs")
QUESTIONNAIRE_FORM = "triage_form"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_default", "utter_fallback_contact"})
HANDOFF_INTENT = "request_human"
MAX_UNANSWERED_CHARS = 300
MAX_OPEN_CONVERSATIONS = 100_000


@dataclass(frozen=True)
class Row:
    """One analytics fact. ``kind`` names what happened; ``name`` is from an allow-list."""

    conversation: str
    ts: float
    kind: str
    name: Optional[str] = None
    value: Optional[int] = None
    text: Optional[str] = None  # only for kind "unanswered": redacted

    @property
    def day(self) -> str:
        return dt.datetime.fromtimestamp(self.ts, dt.timezone.utc).strftime("%Y-%m-%d")


@dataclass
class _Conversation:
    key: str
    user_ts: Optional[float] = None  # the last user message still waiting for a reply
    user_text: Optional[str] = None  # held in memory only until the next user message
    fallback_counted: bool = False
    form_active: bool = False


@dataclass
class Recorder:
    """Keeps the little state needed across events (per sender, in memory, bounded).

    ``intents`` is the allow-list of intent names (the domain's); any other name is
    stored as "other", so a crafted ``/free text`` payload cannot smuggle text in.
    """

    intents: frozenset[str]
    redact: Callable[[str], str]
    new_key: Callable[[], str] = field(default=lambda: secrets.token_hex(8))
    _open: OrderedDict[str, _Conversation] = field(default_factory=OrderedDict)

    def _start(self, sender: str, ts: float) -> tuple[_Conversation, list[Row]]:
        conversation = _Conversation(key=self.new_key())
        self._open[sender] = conversation
        self._open.move_to_end(sender)
        while len(self._open) > MAX_OPEN_CONVERSATIONS:
            self._open.popitem(last=False)
        return conversation, [Row(conversation.key, ts, "conversation")]

    def rows(self, event: Mapping[str, Any]) -> list[Row]:
        """The analytics rows for one published event (often none)."""
        sender = event.get("sender_id")
        kind = event.get("event")
        ts = event.get("timestamp")
        if not isinstance(sender, str) or not isinstance(ts, (int, float)):
            return []
        ts = float(ts)
        out: list[Row] = []
        if kind in ("session_started", "restart"):
            self._open.pop(sender, None)
            return self._start(sender, ts)[1]
        conversation = self._open.get(sender)
        if conversation is None:
            # A sender not seen since this process started: its next message starts a
            # conversation (Rasa's session start comes as action_session_start, then
            # session_started, so actions alone must not count one).
            if kind not in ("user", "bot", "slot", "active_loop"):
                return []
            conversation, out = self._start(sender, ts)
        self._open.move_to_end(sender)
        key = conversation.key

        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            name = intent if intent in self.intents or intent == "nlu_fallback" else "other"
            conversation.user_ts, conversation.fallback_counted = ts, False
            conversation.user_text = event.get("text") if isinstance(event.get("text"), str) else None
            out.append(Row(key, ts, "intent", name))
            if name == HANDOFF_INTENT:
                out.append(Row(key, ts, "handoff"))
            if name == "nlu_fallback":
                out += self._fallback(conversation, ts)
        elif kind == "bot":
            if conversation.user_ts is not None:
                latency_ms = max(0, round((ts - conversation.user_ts) * 1000))
                out.append(Row(key, ts, "latency", value=latency_ms))
                conversation.user_ts = None
        elif kind == "action":
            name = event.get("name")
            if name in FALLBACK_ACTIONS:
                out += self._fallback(conversation, ts)
            elif isinstance(name, str) and name.startswith("utter_triage_") and name[13:] in LEVELS:
                out.append(Row(key, ts, "advice", name[13:], LEVELS.index(name[13:])))
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "triage_level" and value in LEVELS:
                out.append(Row(key, ts, "level", value, LEVELS.index(value)))
            elif name == "requested_slot" and value in QUESTIONS and conversation.form_active:
                out.append(Row(key, ts, "question", value, QUESTIONS.index(value)))
        elif kind == "active_loop":
            active = event.get("name") == QUESTIONNAIRE_FORM
            if active and not conversation.form_active:
                out.append(Row(key, ts, "form_start"))
            conversation.form_active = active
        return out

    def _fallback(self, conversation: _Conversation, ts: float) -> list[Row]:
        """One "not understood" per user message, with its redacted text."""
        if conversation.fallback_counted:
            return []
        conversation.fallback_counted = True
        rows = [Row(conversation.key, ts, "fallback")]
        if conversation.user_text and not conversation.user_text.startswith("/"):
            redacted = self.redact(conversation.user_text)[:MAX_UNANSWERED_CHARS]
            rows.append(Row(conversation.key, ts, "unanswered", text=redacted))
        conversation.user_text = None
        return rows

    def rows_for(self, events: Iterable[Mapping[str, Any]]) -> list[Row]:
        """Rows for a sequence of events (tests and the synthetic data generator)."""
        return [row for event in events for row in self.rows(event)]
