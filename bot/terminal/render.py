"""What the terminal shows for the bot's messages and the person's lines (pure, no terminal).

The widget webhook answers with Rasa's message list: ``text`` (with optional
``buttons``) and ``custom`` payloads such as ``{"triage_level": "emergency",
"emergency_number": "911"}``. This module turns one such list into a :class:`BotTurn`
(paragraphs, a level banner, numbered options) and a turn into ``rich`` renderables.
The person never sees a payload or a JSON object: buttons become numbered options, a
triage payload becomes a coloured banner, anything else custom is left out.

Kept free of I/O so that every rule here is unit-tested by rendering into a string
(``rich.console.Console(file=io.StringIO(), width=80)``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class LevelStyle:
    """How one triage level looks: the word people read and its colours."""

    label: str
    style: str


# Colours follow the usual triage scale (red, orange, yellow, blue, green); the text
# colour on each background is chosen for contrast (black on orange, yellow, green).
LEVEL_STYLES: dict[str, LevelStyle] = {
    "emergency": LevelStyle("EMERGENCY", "bold bright_white on red"),
    "urgent": LevelStyle("URGENT", "bold black on dark_orange"),
    "soon": LevelStyle("SOON", "bold black on yellow"),
    "routine": LevelStyle("ROUTINE", "bold bright_white on blue"),
    "self_care": LevelStyle("SELF-CARE", "bold black on green"),
}
# A level this client does not know still gets a banner rather than nothing.
UNKNOWN_LEVEL_STYLE = "bold reverse"

LINK = re.compile(r"^(https?://|tel:|mailto:)\S", re.IGNORECASE)

# Lines that name where an answer comes from ("Source: ... · Reviewed ...") are shown dimmed.
SOURCE_LINE = re.compile(r"^\s*(sources?|reviewed)\b", re.IGNORECASE)

# Characters that could move the cursor, recolour the screen or reorder text
# (ANSI escapes, bidirectional overrides): a bot reply may echo what someone typed.
_BIDI_CONTROLS = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}

USER_LABEL = "You: "
USER_STYLE = "bold cyan"
HINT_STYLE = "dim"
OPTIONS_HINT = "Type a number, or your own message."


def clean(text: Any) -> str:
    """Printable text only: control characters dropped (newlines kept, tabs as spaces)."""
    if not isinstance(text, str):
        return ""
    kept = []
    for character in text.replace("\r\n", "\n").replace("\t", " "):
        if character == "\n":
            kept.append(character)
        elif unicodedata.category(character) == "Cc" or character in _BIDI_CONTROLS:
            continue
        else:
            kept.append(character)
    return "".join(kept).strip()


@dataclass(frozen=True)
class Option:
    """A button shown as a numbered option; typing ``number`` sends ``payload``.

    A button that is a link (``tel:``, ``https:``, ``mailto:``, as for "Call the clinic"
    or "Book") is not a message for the bot: the terminal shows where it leads.
    """

    number: int
    title: str
    payload: str

    @property
    def link(self) -> Optional[str]:
        return self.payload if LINK.match(self.payload) else None


@dataclass(frozen=True)
class Paragraph:
    """One bot text message, with the options of its buttons (numbered in the turn)."""

    text: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Banner:
    """The triage level of the advice that follows (or precedes) it."""

    level: str
    emergency_number: Optional[str] = None

    @property
    def label(self) -> str:
        known = LEVEL_STYLES.get(self.level)
        return known.label if known else self.level.replace("_", "-").upper()

    @property
    def style(self) -> str:
        known = LEVEL_STYLES.get(self.level)
        return known.style if known else UNKNOWN_LEVEL_STYLE


Block = Union[Paragraph, Banner]


@dataclass(frozen=True)
class BotTurn:
    """Everything the bot said in answer to one message, ready to show."""

    blocks: tuple[Block, ...] = ()

    @property
    def options(self) -> tuple[Option, ...]:
        """The options that a typed number picks (all buttons of the turn, numbered 1..n)."""
        return tuple(option for block in self.blocks if isinstance(block, Paragraph) for option in block.options)


def _triage_level(message: Mapping[str, Any]) -> Optional[tuple[str, Optional[str]]]:
    custom = message.get("custom")
    if not isinstance(custom, Mapping):
        return None
    level = custom.get("triage_level")
    if not isinstance(level, str) or not clean(level):
        return None
    number = custom.get("emergency_number")
    return clean(level).lower(), (clean(number) or None) if isinstance(number, str) else None


def _without_level_word(text: str, label: str) -> str:
    """'EMERGENCY: call 911 now' under an EMERGENCY banner reads 'Call 911 now'."""
    match = re.match(rf"\s*{re.escape(label)}\s*[:\-–—]\s*", text, flags=re.IGNORECASE)
    if not match:
        return text
    rest = text[match.end():]
    return rest[:1].upper() + rest[1:] if rest else text


def read_messages(messages: Sequence[Mapping[str, Any]]) -> BotTurn:
    """Turn the webhook's list of bot messages into paragraphs, banners and options.

    A triage payload follows the advice text it belongs to (Rasa sends a response's
    text before its custom payload), so its banner is put before that text, the one
    message the level describes, and the level word that text starts with is dropped
    rather than shown twice.
    """
    blocks: list[Block] = []
    number = 0
    last_text_index: Optional[int] = None  # a paragraph no banner has claimed yet
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        level = _triage_level(message)
        if level is not None:
            banner = Banner(level=level[0], emergency_number=level[1])
            if last_text_index is not None:
                advice = blocks[last_text_index]
                assert isinstance(advice, Paragraph)
                blocks[last_text_index] = Paragraph(_without_level_word(advice.text, banner.label), advice.options)
                blocks.insert(last_text_index, banner)
                last_text_index = None
            else:
                blocks.append(banner)
            continue
        text = clean(message.get("text"))
        for key, prefix in (("image", "Image"), ("attachment", "Attachment")):
            value = message.get(key)
            if isinstance(value, str) and clean(value):
                text = f"{text}\n{prefix}: {clean(value)}" if text else f"{prefix}: {clean(value)}"
        options: list[Option] = []
        buttons = message.get("buttons")
        for button in buttons if isinstance(buttons, list) else []:
            if not isinstance(button, Mapping):
                continue
            title = clean(button.get("title"))
            payload = button.get("payload") or button.get("url")  # Rasa's web_url buttons carry a url
            if not title or not isinstance(payload, str) or not clean(payload):
                continue
            number += 1
            options.append(Option(number=number, title=title, payload=payload))
        if text or options:
            blocks.append(Paragraph(text=text, options=tuple(options)))
            last_text_index = len(blocks) - 1 if text else None
    return BotTurn(blocks=tuple(blocks))


def render_banner(banner: Banner, advice: str = "") -> RenderableType:
    """A full-width coloured bar with the level; for an emergency, the number to call.

    The number is left out when the advice under the bar already starts with it.
    """
    words = f" {banner.label} "
    call = f"Call {banner.emergency_number} now"
    if banner.level == "emergency" and banner.emergency_number and not advice.startswith(call):
        words += f"· {call} "
    return Padding(Text(words, style=banner.style), 0, style=banner.style, expand=True)


def render_paragraph(paragraph: Paragraph) -> RenderableType:
    """The message in full (the console wraps it), source lines dimmed, then its options."""
    parts: list[RenderableType] = []
    if paragraph.text:
        body = Text()
        lines = paragraph.text.split("\n")
        for index, line in enumerate(lines):
            body.append(line, style=HINT_STYLE if SOURCE_LINE.match(line) else "")
            if index < len(lines) - 1:
                body.append("\n")
        parts.append(body)
    for option in paragraph.options:
        line = Text()
        line.append(f"{option.number:>2}. ", style="bold")
        line.append(option.title)
        if option.link:
            line.append(f"  {clean(option.link)}", style="underline")
        parts.append(Padding(line, (0, 0, 0, 2), expand=False))
    return Group(*parts)


def render_turn(turn: BotTurn) -> RenderableType:
    """One bot turn: messages separated by a blank line, the options hint at the end."""
    parts: list[RenderableType] = []
    for index, block in enumerate(turn.blocks):
        if isinstance(block, Banner):
            following = turn.blocks[index + 1] if index + 1 < len(turn.blocks) else None
            parts.append(render_banner(block, following.text if isinstance(following, Paragraph) else ""))
            continue
        if parts and not isinstance(turn.blocks[index - 1], Banner):
            parts.append(Text(""))  # a blank line between messages, none under a banner
        parts.append(render_paragraph(block))
    if turn.options:
        parts.append(Text(""))
        parts.append(Text(OPTIONS_HINT, style=HINT_STYLE))
    return Group(*parts)


def render_user_line(shown: str) -> Text:
    """The person's turn as it stays on screen (a button's title, never its payload)."""
    line = Text()
    line.append(USER_LABEL, style=USER_STYLE)
    line.append(clean(shown), style="bold")
    return line


@dataclass(frozen=True)
class Send:
    """A message for the bot; ``shown`` is what the screen says the person sent."""

    message: str
    shown: str


@dataclass(frozen=True)
class Command:
    """A client command (``/restart``, ``/quit``, ...), handled without the bot."""

    name: str


@dataclass(frozen=True)
class ShowLink:
    """A link option was picked: the terminal shows the number or address to use."""

    option: Option


@dataclass(frozen=True)
class Nothing:
    """An empty line: nothing is sent."""


@dataclass(frozen=True)
class UnknownCommand:
    """A line that looks like a command this client does not have."""

    text: str


COMMANDS: dict[str, str] = {
    "/restart": "start a new conversation (the disclaimer is shown again)",
    "/delete": "delete this conversation from the server, then start a new one",
    "/help": "show these commands",
    "/quit": "leave (Ctrl-D or Ctrl-C also work)",
}
COMMAND_ALIASES = {"/exit": "/quit", "/stop": "/quit", "/bye": "/quit", "/new": "/restart"}


def read_line(
    line: str, options: Sequence[Option] = ()
) -> Union[Send, Command, ShowLink, Nothing, UnknownCommand]:
    """What a typed line means: an option's number, a command, or a message as typed.

    Any text is accepted at any time; a number only picks an option when one with that
    number is on screen, otherwise it is sent as typed (it may be an answer, like an age).
    """
    text = line.strip()
    if not text:
        return Nothing()
    if text.isdigit() and text.isascii():
        for option in options:
            if option.number == int(text):
                if option.link:
                    return ShowLink(option)
                if option.payload.strip().lower() in COMMANDS:  # a "Start again" button sending /restart
                    return Command(name=option.payload.strip().lower())
                return Send(message=option.payload, shown=option.title)
    if text.startswith("/"):
        name = text.split()[0].lower()
        name = COMMAND_ALIASES.get(name, name)
        if name in COMMANDS:
            return Command(name=name)
        # Raw intents ("/inform{...}") are what buttons send; a person gets the commands instead.
        return UnknownCommand(text=text)
    return Send(message=text, shown=text)


def render_link(option: Option) -> Text:
    """Where a link option leads: a phone number to call, a page to open."""
    link = clean(option.link)
    target = link.split(":", 1)[1] if link.lower().startswith(("tel:", "mailto:")) else link
    text = Text()
    text.append(f"{clean(option.title)}: ", style="bold")
    text.append(target, style="underline")
    return text


def render_help() -> RenderableType:
    """The commands, one per line."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(style=HINT_STYLE)
    for name, what in COMMANDS.items():
        table.add_row(name, what)
    return Padding(table, (0, 0, 0, 2), expand=False)


def render_error(message: str, emergency_number: Optional[str] = None) -> Text:
    """A failure said plainly, with the emergency number when it is known."""
    text = Text()
    text.append("Sorry: ", style="bold yellow")
    text.append(clean(message) or "the assistant could not answer.")
    if emergency_number:
        text.append("\nIf someone may be seriously ill, call ", style="bold")
        text.append(clean(emergency_number), style="bold red")
        text.append(" now.", style="bold")
    return text
