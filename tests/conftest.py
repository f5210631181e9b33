"""Shared fixtures: the real bot and action server, started once per test session."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.servers import BotStack

# Rasa 3.6 pins SQLAlchemy 1.4, which prints a notice about 2.0 on every start.
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
# Tests never send Rasa's usage data or error reports anywhere.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

_counter = itertools.count()
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def show_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Show a measured figure (an accuracy, a recall table) in the summary at the end of the run.

    Recorded on the test's report rather than printed: under `make test`'s two workers a
    worker's own output never reaches the terminal, and the reports do."""

    def show(text: str) -> None:
        request.node.user_properties.append(("figure", text))

    return show


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The figures the tests recorded with ``show_figure``, in the order the tests ran."""
    figures = [value for reports in terminalreporter.stats.values() for report in reports
               if getattr(report, "when", None) == "call"
               for name, value in getattr(report, "user_properties", ()) if name == "figure"]
    if figures:
        terminalreporter.section("measured figures")
        for text in figures:
            terminalreporter.write_line(text)


@pytest.fixture(scope="session")
def domain() -> Any:
    """The bot's domain (domain/), for tests that build trackers by hand."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(REPO / "domain"))


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    """The trained model (models/) served by `rasa run` and `rasa run actions`."""
    stack = BotStack(workdir=tmp_path_factory.mktemp("bot"))
    stack.start()
    yield stack
    stack.stop_all()


def post_json(url: str, payload: Any, timeout: float = 60.0) -> tuple[int, Any]:
    """POST JSON (or raw bytes) and return (status, decoded body or text)."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    try:
        return status, json.loads(body)
    except json.JSONDecodeError:
        return status, body


@pytest.fixture
def new_sender() -> Callable[[], str]:
    """A fresh conversation id per call, so tests never share a tracker."""
    return lambda: f"test-{next(_counter)}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def issued_sender(bot_stack: BotStack) -> Callable[[], str]:
    """A conversation id issued by the widget channel (the widget and socket.io need one)."""

    def _issue() -> str:
        status, body = post_json(f"{bot_stack.url}/webhooks/widget/session", {})
        assert status == 200, body
        return body["sender"]

    return _issue


@pytest.fixture
def say(bot_stack: BotStack) -> Callable[[str, str], list[dict]]:
    """Send one message over the REST channel and return the bot's messages."""

    def _say(sender: str, text: str) -> list[dict]:
        status, body = post_json(f"{bot_stack.url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200, body
        return body

    return _say


@pytest.fixture
def tracker_of(bot_stack: BotStack) -> Callable[[str], dict]:
    """The conversation tracker (events, slots, active loop) as the HTTP API returns it."""

    def _tracker(sender: str) -> dict:
        url = bot_stack.api_url(f"/conversations/{urllib.parse.quote(sender, safe='')}/tracker")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read().decode())

    return _tracker


@pytest.fixture(scope="session")
def nlp():
    """Our spaCy pipeline, built once per session (the same one Rasa loads from build/)."""
    from bot.spacy_pipeline import build_pipeline

    return build_pipeline()


@pytest.fixture(scope="session")
def detector():
    """The red-flag detector on the project's pattern files, loaded once per session."""
    from bot.language.detector import load_detector

    return load_detector()


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The trained bot in this process (one per test module), storing conversations as
    `make run` does: SQLite, the store keeping the tracker between turns."""
    from rasa.core.agent import Agent

    from bot.tracker_store import UrlSQLTrackerStore

    model = REPO / "models" / "milia.tar.gz"
    assert model.exists(), "make test trains the model first"
    loaded = Agent.load(str(model))
    environment = pytest.MonkeyPatch()
    environment.delenv("TRACKER_STORE_URL", raising=False)  # it would win over the URL below
    store = UrlSQLTrackerStore(loaded.domain, url=f"sqlite:///{tmp_path_factory.mktemp('agent') / 'tracker.db'}")
    loaded.tracker_store = loaded.processor.tracker_store = store
    yield loaded
    environment.undo()


def talk(agent: Any, sender: str, texts: list[str]) -> list[list[dict[str, Any]]]:
    """Each text's replies from the in-process bot, one conversation."""
    async def run() -> list[list[dict[str, Any]]]:
        return [await agent.handle_text(text, sender_id=sender) for text in texts]
    return asyncio.run(run())
