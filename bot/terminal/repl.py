"""The conversation loop: read a line, send it over the widget channel, show the answer.

Input comes from ``prompt_toolkit`` (line editing, Up/Down history of this session
only: nothing typed is written to disk, since people type health details). Output is
``rich``, which wraps every message to the terminal's width at the time it is printed.
The loop takes its reader and client as arguments so that tests can drive it with
lists of lines and recorded answers.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

from rich.console import Console
from rich.text import Text

from bot.terminal.client import BotError
from bot.terminal.render import (
    HINT_STYLE,
    BotTurn,
    Command,
    Nothing,
    Option,
    Send,
    ShowLink,
    UnknownCommand,
    read_line,
    read_messages,
    render_error,
    render_help,
    render_link,
    render_turn,
    render_user_line,
)

# What the widget sends to open a conversation: the bot's session start answers it
# with the disclaimer first, then a greeting with suggestions.
OPENING_MESSAGE = "/greet"
TOOLBAR = " /help commands · /restart new conversation · /quit or Ctrl-D leave "


class Chat(Protocol):
    """What the loop needs from the server (``WidgetClient`` in real use)."""

    def new_session(self) -> str: ...

    def send(self, sender: str, message: str) -> list[dict[str, Any]]: ...

    def forget(self, sender: str) -> bool: ...

    def config(self) -> dict[str, Any]: ...


# Reads one line, given the text to put back in the box (after a failed send).
LineReader = Callable[[str], str]


def prompt_toolkit_reader() -> LineReader:
    """A line reader with editing, in-memory history and a toolbar naming the commands.

    The typed line is erased when sent.

    The loop then prints the line itself, so a number typed to pick an option stays on
    screen as the option's title.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.history import InMemoryHistory

    session: PromptSession[str] = PromptSession(
        history=InMemoryHistory(), erase_when_done=True, bottom_toolbar=TOOLBAR
    )
    message = FormattedText([("bold ansicyan", "You: ")])

    def read(default: str = "") -> str:
        return session.prompt(message, default=default)

    return read


def plain_reader() -> LineReader:
    """Lines from standard input when it is not a terminal (``printf 'hello\\n' | ...``)."""

    def read(default: str = "") -> str:
        return input()  # the loop shows the line ("You: ...") once it knows what it means

    return read


def default_reader() -> LineReader:
    """prompt_toolkit at a terminal, plain lines otherwise."""
    return prompt_toolkit_reader() if sys.stdin.isatty() and sys.stdout.isatty() else plain_reader()


@dataclass
class Conversation:
    """One person's chat with the bot in this terminal."""

    chat: Chat
    console: Console
    sender: Optional[str] = None
    options: tuple[Option, ...] = ()
    emergency_number: Optional[str] = None

    def _show_error(self, error: BotError) -> None:
        self.console.print(render_error(str(error), error.emergency_number or self.emergency_number))
        if error.status == 403:
            # The server no longer knows this conversation (e.g. it was deleted or the bot's key changed).
            self.console.print(Text("Type /restart to start a new conversation.", style=HINT_STYLE))
        self.console.print()

    def _exchange(self, message: str) -> bool:
        """Send one message and show the answer; False (error shown) when that failed."""
        if self.sender is None and not self.start():
            return False
        assert self.sender is not None
        try:
            if self.console.is_terminal:
                with self.console.status("", spinner="dots"):
                    messages = self.chat.send(self.sender, message)
            else:
                messages = self.chat.send(self.sender, message)
        except BotError as error:
            self._show_error(error)
            return False
        self.show(read_messages(messages))
        return True

    def show(self, turn: BotTurn) -> None:
        """Print a bot turn and make its options the ones a typed number picks."""
        for block in turn.blocks:
            number = getattr(block, "emergency_number", None)
            if number:
                self.emergency_number = number
        self.options = turn.options
        if turn.blocks:
            self.console.print(render_turn(turn))
            self.console.print()

    def start(self) -> bool:
        """A new conversation: a server-issued id, then the disclaimer and greeting."""
        self.options = ()
        if self.emergency_number is None:
            self.emergency_number = self._configured_emergency_number()
        try:
            self.sender = self.chat.new_session()
        except BotError as error:
            self.sender = None
            self._show_error(error)
            return False
        return self._exchange(OPENING_MESSAGE)

    def _configured_emergency_number(self) -> Optional[str]:
        """The clinic's number, kept to show with any later error; None if not available."""
        try:
            number = self.chat.config().get("emergency_number")
        except BotError:
            return None  # the session request that follows says what is wrong
        return number if isinstance(number, str) and number else None

    def restart(self) -> None:
        self.console.rule(Text("New conversation", style=HINT_STYLE), style=HINT_STYLE)
        self.sender = None
        self.start()

    def delete(self) -> None:
        """Delete this conversation on the server, then start afresh."""
        if self.sender is not None:
            try:
                deleted = self.chat.forget(self.sender)
            except BotError as error:
                self._show_error(error)
                return
            self.console.print(
                Text(
                    "This conversation was deleted from the server." if deleted else "The server kept no copy.",
                    style=HINT_STYLE,
                )
            )
        self.restart()

    def handle(self, line: str) -> tuple[bool, str]:
        """Act on one typed line; returns (keep going, text to put back in the input box)."""
        action = read_line(line, self.options)
        if isinstance(action, Nothing):
            return True, ""
        if isinstance(action, Command):
            if action.name == "/quit":
                return False, ""
            if action.name == "/restart":
                self.restart()
            elif action.name == "/delete":
                self.delete()
            elif action.name == "/help":
                self.console.print(render_help())
                self.console.print()
            return True, ""
        if isinstance(action, ShowLink):
            self.console.print(render_link(action.option))
            self.console.print()
            return True, ""
        if isinstance(action, UnknownCommand):
            self.console.print(Text(f"There is no command {action.text.split()[0]}.", style="yellow"))
            self.console.print(render_help())
            self.console.print()
            return True, ""
        assert isinstance(action, Send)
        self.console.print(render_user_line(action.shown))
        self.console.print()
        return True, "" if self._exchange(action.message) else line.strip()

    def run(self, read: LineReader) -> None:
        """Start, then read and answer lines until /quit, Ctrl-D or Ctrl-C."""
        self.start()
        put_back = ""
        while True:
            try:
                line = read(put_back)
            except (EOFError, KeyboardInterrupt):
                break
            try:
                keep_going, put_back = self.handle(line)
            except KeyboardInterrupt:
                break
            if not keep_going:
                break
        goodbye = Text("Goodbye.", style=HINT_STYLE)
        if self.emergency_number:
            goodbye.append(f" If someone may be seriously ill, call {self.emergency_number}.", style=HINT_STYLE)
        self.console.print(goodbye)
