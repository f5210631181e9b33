"""Rasa's socket.io channel, same settings and events, with two bugs fixed and ids as capabilities.

Rasa 3.6's ``SocketIOInput`` fails with the python-socketio 5.x pinned here:

* ``session_persistence: true`` never delivers a reply. ``AsyncServer.enter_room`` has
  been a coroutine since python-socketio 5.10 and Rasa calls it without ``await``
  (RasaHQ/rasa#13027), so the client never joins the room its replies are sent to.
* A response with a ``custom`` payload (our ``{"triage_level": ...}``, sent with every
  triage advice) raises ``TypeError`` in ``SocketIOOutput.send_custom_json``, which
  passes the payload's keys to ``emit()`` as keyword arguments (RasaHQ/rasa#8445).

and it trusted the client: any client sending ``session_request`` with someone else's
session id joined their room and received their replies, and messages and ids of any
size or type were processed. Here:

* session ids are issued by the server (``bot.channels.session_ids``): a
  ``session_request`` with an id the server did not issue gets a new id in
  ``session_confirm`` (Rasa Webchat adopts it), so a guessed id reaches nothing;
* replies go to the connection (``sid``) that sent the message, never to a room shared
  by every connection that named the same id;
* every ``user_uttered`` is checked by the shared validator (same limits as REST and
  the widget); a refused one gets a ``bot_uttered`` saying why, never silence;
* long-polling POST bodies are limited to the same 64 KB as the webhooks;
* a failure (handler error, store that cannot write) sends the clear error message
  with the emergency number as a ``bot_uttered`` text.

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

import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import Blueprint

from bot.channels import session_ids
from bot.channels.turn import NOT_READY, run_turn
from bot.channels.validation import MAX_BODY_BYTES, RequestError, parse_socket_message
from bot.channels.widget import settle_deletion
from bot.rasa_internals import agent_of_app, install_loud_tracker_store
from bot.settings import load_settings

logger = logging.getLogger(__name__)


class SocketIOOutput(RasaSocketIOOutput):
    """Sends custom payloads as the event's data instead of as ``emit()`` arguments.

    With ``sid`` set, everything goes to that one connection whatever the recipient
    id, and the messages sent are kept (``messages``) so the channel can look at them
    after the turn, as it does for the collecting channels.
    """

    def __init__(self, sio: Any, bot_message_evt: str, sid: Optional[str] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.sid = sid
        self.messages: list[dict[str, Any]] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await self.sio.emit(self.bot_message_evt, response, room=self.sid or socket_id)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(dict(message))
        await super().send_response(recipient_id, message)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        payload = dict(json_message)
        room = payload.pop("room", recipient_id)
        data = payload["data"] if set(payload) == {"data"} else payload
        await self.sio.emit(self.bot_message_evt, data, room=self.sid or room)


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io input channel with server-issued ids, validation and the output above."""

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> RasaSocketIOInput:
        install_loud_tracker_store()
        return super().from_credentials(credentials)

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return None
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with the event handlers that need fixing replaced."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the parent's blueprint()
        # A 1 MB polling POST was read whole (and hung); refuse bodies the webhooks would.
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        # Which conversation each connection may speak in: set by session_request only.
        conversations: dict[str, str] = {}
        server: dict[str, Any] = {}

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Any, loop: Any) -> None:
            server["app"] = app
            # engine.io answers a body over its limit by closing the session and then
            # waiting forever for the queue to drain: let Sanic refuse it first (413),
            # also under plain `rasa run` (bot.serve does the same).
            app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_BODY_BYTES)

        async def refuse(sid: str, reason: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": f"Sorry, I could not read that message: {reason}."}, room=sid)

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if session_ids.is_issued_id(requested) else session_ids.issue_id()
            conversations[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid)

        async def disconnect(sid: str, *args: Any) -> None:
            conversations.pop(sid, None)

        async def handle_message(sid: str, data: Any) -> None:
            try:
                parsed = parse_socket_message(data)
            except RequestError as error:
                await refuse(sid, str(error))
                return
            if self.session_persistence:
                sender_id = conversations.get(sid)
                if sender_id is None or (parsed.sender and parsed.sender != sender_id):
                    await refuse(sid, "send session_request first and use the session_id it confirms")
                    return
            else:
                sender_id = sid
            output = SocketIOOutput(sio, self.bot_message_evt, sid=sid)
            app = server.get("app")
            agent = (agent_of_app(app) if app else None) or NOT_READY
            outcome = await run_turn(
                on_new_message, parsed.message, sender_id, self.name(), parsed.metadata, output=output, agent=agent
            )
            await settle_deletion(outcome, agent, sender_id)
            if not outcome.ok:
                await sio.emit(self.bot_message_evt, {"text": outcome.error_body()["error"]}, room=sid)

        # Replaces the parent's handlers for these events (one handler per event).
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        load_settings()
        return socketio_webhook
