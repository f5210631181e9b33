"""Rasa's socket.io channel, same settings and events, with two bugs fixed.

Rasa 3.6's ``SocketIOInput`` fails with the python-socketio 5.x pinned here:

* ``session_persistence: true`` never delivers a reply. ``AsyncServer.enter_room`` has
  been a coroutine since python-socketio 5.10 and Rasa calls it without ``await``
  (RasaHQ/rasa#13027), so the client never joins the room its replies are sent to.
* A response with a ``custom`` payload (our ``{"triage_level": ...}``, sent with every
  triage advice) raises ``TypeError`` in ``SocketIOOutput.send_custom_json``, which
  passes the payload's keys to ``emit()`` as keyword arguments (RasaHQ/rasa#8445).

Use it in credentials.yml in place of ``socketio:`` with the same keys::

    bot.channels.socketio.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

Clients see the standard protocol: ``session_request`` / ``session_confirm``,
``user_uttered`` / ``bot_uttered`` at ``/socket.io``. A custom payload arrives as a
``bot_uttered`` event whose data is the payload (or its ``data`` key when that is all it
has, which is what Rasa's channel did for payloads it could send).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Optional

import rasa.shared.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)


class SocketIOOutput(RasaSocketIOOutput):
    """Sends custom payloads as the event's data instead of as ``emit()`` arguments."""

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        payload = dict(json_message)
        room = payload.pop("room", recipient_id)
        data = payload["data"] if set(payload) == {"data"} else payload
        await self.sio.emit(self.bot_message_evt, data, room=room)


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io input channel with an awaited ``enter_room`` and the output above."""

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return None
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with the two event handlers that need fixing replaced."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the parent's blueprint()

        async def session_request(sid: str, data: Optional[dict[str, Any]]) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                if not data.get("session_id"):
                    rasa.shared.utils.io.raise_warning(
                        "A message without a valid session_id was received and ignored. "
                        "Send a `session_request` socket.io event first."
                    )
                    return
                sender_id = str(data["session_id"])
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except json.JSONDecodeError:
                    metadata = {}
            message = UserMessage(
                data.get("message", ""),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
            )
            await on_new_message(message)

        # Replaces the parent's handlers for these events (one handler per event).
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook
