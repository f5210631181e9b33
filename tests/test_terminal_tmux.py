"""The terminal chat as a person sees it: driven in tmux at 80 columns, the screen read back.

Each test runs tmux on a socket of its own (``tmux -L``), types with ``send-keys`` and
reads the screen with ``capture-pane`` (``-e`` to see the colours). The conversation
tests point ``python -m bot.terminal`` at the test bot (the session's ``bot_stack``);
the last test runs ``make shell`` itself, which starts and stops its own servers.
What the screen must show is taken from the widget webhook's own answers to the same
messages, so the tests follow the content without copying it.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

from tests.conftest import post_json
from tests.servers import REPO, BotStack, server_port

pytestmark = pytest.mark.server
# `make test` installs tmux (make terminal-deps); without it these tests fail, saying so.
TMUX = shutil.which("tmux") or "tmux (not installed: run make terminal-deps)"

WIDTH, HEIGHT = 80, 50
DISCLAIMER_WORDS = "I'm an automated assistant"
SETTING_UP = "Setting up and training first (a few minutes; log in build/shell/setup.log)..."
NOISE = re.compile(r"warning|deprecat|traceback|custom json", re.IGNORECASE)


def words(text: str) -> str:
    return " ".join(text.split())


EXIT_MARK = "[command exited with "


class Tmux:
    """One tmux server (own socket) with one pane running ``command``."""

    def __init__(self, command: str, env: Optional[dict[str, str]] = None) -> None:
        self.socket = f"milia-test-{uuid.uuid4().hex[:10]}"
        environment = {"TERM": "xterm-256color", "PYTHONPATH": str(REPO), **(env or {})}
        exports = " ".join(f"{name}={value}" for name, value in environment.items())
        # The shell prints the command's exit code: tmux 3.3a sometimes reports a dead pane
        # with an empty #{pane_dead_status} (seen about one run in three).
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "chat", "-x", str(WIDTH), "-y", str(HEIGHT),
                  f"cd {REPO} && env {exports} {command}; echo \"{EXIT_MARK}$?]\"")
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()
        self.tmux("set-option", "-t", "chat", "remain-on-exit", "on")
        self.tmux("set-option", "-t", "chat", "history-limit", "10000")

    def tmux(self, *arguments: str) -> str:
        result = subprocess.run([TMUX, "-L", self.socket, *arguments], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"tmux {arguments[0]} failed: {result.stderr}")
        return result.stdout

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "chat", "-l", text)
        self.tmux("send-keys", "-t", "chat", "Enter")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "chat", *keys)

    def screen(self, colours: bool = False) -> str:
        """Everything printed so far (scrollback included), as the terminal shows it."""
        return self.tmux("capture-pane", "-p", "-t", "chat", "-S", "-", *(["-e"] if colours else []))

    def exit_status(self) -> Optional[int]:
        """The command's exit code once it has ended (from the marker the shell prints), else None."""
        found = re.findall(re.escape(EXIT_MARK) + r"(\d+)\]", self.screen())
        return int(found[-1]) if found else None

    # Generous bounds: 2 shared cores under load can make one answer take tens of seconds.
    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"not on screen after {timeout:.0f} s: {what}\n--- screen ---\n{screen}")
            time.sleep(0.2)

    def wait_for_exit(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout:.0f} s\n{self.screen()}")
            time.sleep(0.2)
        return status

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
        Path(self.socket_path).unlink(missing_ok=True)  # tmux leaves its socket file behind


def new_sender(url: str) -> str:
    status, body = post_json(f"{url}/webhooks/widget/session", {})
    assert status == 200, body
    return body["sender"]


def bot_says(url: str, messages: list[str]) -> list[dict]:
    """The webhook's answer to the last of ``messages`` in a new conversation."""
    sender = new_sender(url)
    answer: list[dict] = []
    for message in messages:
        status, answer = post_json(f"{url}/webhooks/widget/webhook", {"sender": sender, "message": message})
        assert status == 200, answer
    return answer


def answer_text(answer: list[dict]) -> str:
    """The main text of an answer (the last text message, as the screen shows it)."""
    return [message["text"] for message in answer if message.get("text")][-1]


@pytest.fixture
def chat(bot_stack: BotStack) -> Iterator[Tmux]:
    pane = Tmux(f"{sys.executable} -m bot.terminal --url {bot_stack.url}")
    try:
        pane.wait_for(lambda screen: DISCLAIMER_WORDS in screen, "the disclaimer", timeout=180)
        yield pane
    finally:
        pane.close()


def test_a_conversation_in_the_terminal(chat: Tmux, bot_stack: BotStack) -> None:
    url = bot_stack.url
    first = chat.wait_for(lambda screen: "You:" in screen, "the prompt")
    assert first.lstrip().startswith("Hello. I'm an automated assistant"), first  # the disclaimer comes first

    # A long answer is shown in full, wrapped at 80 columns, with its buttons as numbered options.
    treatment = bot_says(url, ["/greet", "how do I get rid of milia"])
    text = answer_text(treatment)
    buttons = [message for message in treatment if message.get("buttons")][-1]["buttons"]
    chat.type("how do I get rid of milia")
    screen = chat.wait_for(lambda screen: words(text) in words(screen), "the whole treatment answer")
    lines = screen.splitlines()
    first_words, last_words = " ".join(text.split()[:4]), " ".join(text.split()[-3:])
    start = next(i for i, line in enumerate(lines) if first_words in line)
    end = next(i for i, line in enumerate(lines) if i >= start and last_words in line)
    assert end - start + 1 >= len(text) // WIDTH, screen  # wrapped over lines, not cut to one
    assert all(len(line) <= WIDTH for line in screen.splitlines())
    for number, button in enumerate(buttons, start=1):
        assert re.search(rf"^\s+{number}\. {re.escape(button['title'])}\s*$", screen, re.MULTILINE), button

    # Typing a number sends that button's payload; the screen shows its title.
    picked = answer_text(bot_says(url, ["/greet", "how do I get rid of milia", buttons[0]["payload"]]))
    chat.type("1")
    screen = chat.wait_for(lambda screen: words(picked) in words(screen), "the answer to option 1")
    assert f"You: {buttons[0]['title']}" in screen
    assert buttons[0]["payload"] not in screen

    # Free text right after an answer with buttons is sent as typed, not as an option.
    contagious = answer_text(bot_says(url, ["/greet", "are milia contagious?"]))
    chat.type("are milia contagious?")
    screen = chat.wait_for(lambda screen: words(contagious) in words(screen), "the contagion answer")
    assert "You: are milia contagious?" in screen

    # A red flag: the red EMERGENCY banner, no JSON.
    chat.type("my 3 week old baby has a temperature of 38.5")
    chat.wait_for(lambda screen: "EMERGENCY" in screen, "the emergency banner")
    coloured = chat.screen(colours=True)
    assert re.search(r"\x1b\[[0-9;]*(41|48;5;1|48;5;9|101)m(\x1b\[[0-9;]*m)*\s*EMERGENCY", coloured), coloured
    assert "triage_level" not in coloured and "{" not in chat.screen()

    # /restart: a new conversation, the disclaimer shown again.
    assert chat.screen().count(DISCLAIMER_WORDS) == 1
    chat.type("/restart")
    chat.wait_for(lambda screen: screen.count(DISCLAIMER_WORDS) == 2, "the disclaimer again")
    # /delete: the server forgets this conversation, and a new one starts.
    chat.type("/delete")
    screen = chat.wait_for(lambda screen: screen.count(DISCLAIMER_WORDS) == 3, "a new conversation after /delete")
    assert "This conversation was deleted from the server." in screen

    assert not NOISE.search(chat.screen()), chat.screen()
    # Ctrl-D leaves cleanly.
    chat.keys("C-d")
    assert chat.wait_for_exit() == 0
    assert "Goodbye." in chat.screen()


def test_ctrl_c_leaves_too(chat: Tmux) -> None:
    chat.wait_for(lambda screen: "You:" in screen, "the prompt")
    chat.keys("C-c")
    assert chat.wait_for_exit() == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _make_shell_ports() -> tuple[int, int]:
    # Next to the test bot's ports, so parallel checkouts with their own ports don't meet.
    bot_port = server_port("MILIA_TEST_BOT_PORT", 15005) + 10
    return bot_port, bot_port + 1


def test_make_shell_starts_quietly_and_stops_its_servers(tmp_path: Path) -> None:
    bot_port, action_port = _make_shell_ports()
    assert _port_free(bot_port) and _port_free(action_port), "ports for make shell are taken"
    # Under `make test` set-up and training are done; if not, make shell does them quietly.
    pane = Tmux(
        f"make --no-print-directory shell BOT_PORT={bot_port} ACTIONS_PORT={action_port}",
        env={"TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'shell.db'}"},
    )
    try:
        screen = pane.wait_for(lambda screen: "You:" in screen or pane.exit_status() is not None,
                               "the conversation", timeout=400)
        assert pane.exit_status() is None, screen
        assert "Hello. I'm an automated assistant" in screen, screen
        before = screen[: screen.index("Hello. I'm an automated assistant")]
        assert before.strip() in ("", SETTING_UP), screen  # the disclaimer first (after set-up, if any)
        assert not _port_free(bot_port) and not _port_free(action_port)
        hint = "Type a number, or your own message."  # one line under every answer with options
        greetings = screen.count(hint)
        pane.type("hello")
        # Ctrl-D once the answer is there (pressed while the client waits, the terminal eats it).
        pane.wait_for(lambda screen: screen.count(hint) > greetings, "the answer to hello")
        pane.keys("C-d")
        assert pane.wait_for_exit(timeout=90) == 0
        screen = pane.screen()
        assert not NOISE.search(screen), screen
        assert _port_free(bot_port) and _port_free(action_port), "make shell left a server running"
        assert (REPO / "build" / "shell" / "bot.log").exists()
    finally:
        pane.close()
