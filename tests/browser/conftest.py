"""Playwright (Python) driving Debian's Chromium against the bot started by tests/conftest.py.

No browser download: the system Chromium (``apt-get install chromium``) is launched by
path. The widget lives in an open shadow root; Playwright's CSS locators pierce it, and
page-side checks go through ``page.evaluate``, which a strict CSP does not block.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect, sync_playwright

from tests.servers import REPO, BotStack

CHROMIUM = Path(os.environ.get("MILIA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"
# Host pages on another origin are served by Playwright's router (nothing listens on
# these ports); moved with MILIA_TEST_PAGE_PORT if a real server needs the number.
PAGE_PORT = int(os.environ.get("MILIA_TEST_PAGE_PORT", "8765"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DEMO_PATH = "/webhooks/widget/demo"
HOST = "[data-milia-chat]"
REPLY_TIMEOUT_S = 60.0

# Runs before any page script; records Content-Security-Policy violations.
CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline'));
}, true);
"""

SHADOW = f"document.querySelector('{HOST}').shadowRoot"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here needs the bot (server) and most need Chromium (browser)."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.server)
            item.add_marker(pytest.mark.browser)


# Package scope: Playwright's sync API keeps an event loop running in this thread; it must
# stop when the browser tests end, or later tests cannot use asyncio.run().
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Widget:
    """The widget on one page: locators inside its shadow root and what a person does."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.console.append(message.text)

    def part(self, selector: str) -> Locator:
        return self.page.locator(f"{HOST} {selector}")

    @property
    def launcher(self) -> Locator:
        return self.part(".launcher")

    @property
    def panel(self) -> Locator:
        return self.part(".panel")

    @property
    def input(self) -> Locator:
        return self.part(".input")

    @property
    def alert(self) -> Locator:
        return self.part(".alert")

    @property
    def bot_messages(self) -> Locator:
        return self.part(".msg.bot")

    @property
    def user_messages(self) -> Locator:
        return self.part(".msg.user")

    def shadow(self, expression: str) -> Any:
        """Evaluate ``expression`` with ``root`` bound to the widget's shadow root."""
        return self.page.evaluate(f"() => {{ const root = {SHADOW}; return ({expression}); }}")

    def active_class(self) -> Optional[str]:
        return self.shadow("root.activeElement ? root.activeElement.className : null")

    def texts(self, locator: Locator) -> list[str]:
        """Message texts as shown, without the words only screen readers get ("You: ")."""
        return locator.evaluate_all(
            "nodes => nodes.map(node => { const copy = node.cloneNode(true);"
            " copy.querySelectorAll('.sr').forEach(hidden => hidden.remove());"
            " return copy.textContent.trim(); })"
        )

    def wait_idle(self, bot_count_before: int = -1, timeout: float = REPLY_TIMEOUT_S) -> None:
        """Wait until the reply has arrived (or the alert shows) and the typing dots are gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.shadow(
                "root.querySelector('.typing').hidden && "
                f"(root.querySelectorAll('.msg.bot').length > {bot_count_before} || "
                "!root.querySelector('.alert').hidden)"
            )
            if done:
                return
            time.sleep(0.1)
        raise AssertionError(f"no reply from the widget within {timeout}s")

    def open_by_keyboard(self) -> None:
        """Tab through the page to the launcher (last in the tab order) and press Enter."""
        for _ in range(40):
            self.page.keyboard.press("Tab")
            if self.active_class() == "launcher":
                break
        else:
            raise AssertionError("the launcher can't be reached with Tab")
        self.page.keyboard.press("Enter")
        expect(self.panel).to_be_visible()

    def send(self, text: str) -> list[str]:
        """Type ``text``, press Enter and return the texts of the bot's new messages."""
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_idle(before)
        return self.texts(self.bot_messages)[before:]

    def click_reply(self, title: str) -> list[str]:
        before = self.bot_messages.count()
        self.part(".reply").filter(has_text=title).first.click()
        self.wait_idle(before)
        return self.texts(self.bot_messages)[before:]

    def csp_violations(self) -> list[str]:
        violations = self.page.evaluate("() => window.__cspViolations || []")
        return list(violations) + [text for text in self.console if "Content Security Policy" in text]

    def deep_active(self) -> Any:
        """Where keyboard focus is: a description of the focused element, inside the widget or not."""
        return self.page.evaluate(
            f"""() => {{
                const root = {SHADOW};
                const inside = root.activeElement;
                const node = inside || document.activeElement;
                return {{inWidget: !!inside, inPanel: !!(inside && root.querySelector('.panel').contains(inside)),
                        tag: node ? node.tagName.toLowerCase() : null, cls: node ? String(node.className) : null}};
            }}"""
        )

    def axe_violations(self) -> list[str]:
        """axe-core violations (WCAG 2.0/2.1/2.2 A and AA and best practice), of any impact."""
        results = self.page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map(n => JSON.stringify(n.target) + ' ' + (n.failureSummary || '')
                        .replace(/\\s+/g, ' ').slice(0, 300)).slice(0, 5),
                }));
            }""",
            AXE_TAGS,
        )
        return [
            f"{item['impact']}: {item['id']} ({item['help']}) at {'; '.join(item['targets'])}" for item in results
        ]

    def wait_for(self, expression: str, timeout: float = REPLY_TIMEOUT_S) -> Any:
        """Poll ``expression`` (with ``root`` bound to the shadow root) until it is truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.shadow(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"still false after {timeout}s: {expression}")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    created = browser.new_context(viewport={"width": 1280, "height": 800})
    yield created
    created.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Contexts with other settings (phone size, touch, dark mode), closed after the test."""
    created: list[BrowserContext] = []

    def _new(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        made = browser.new_context(**options)
        created.append(made)
        return made

    yield _new
    for made in created:
        made.close()


@pytest.fixture
def open_widget(context: BrowserContext, bot_stack: BotStack) -> Callable[..., Widget]:
    """Open a page (the demo by default) with the widget; returns a ``Widget``."""

    def _open(
        path: str = DEMO_PATH, axe: bool = False, page: Optional[Page] = None, context: BrowserContext = context
    ) -> Widget:
        target = page or context.new_page()
        target.add_init_script(script=CSP_PROBE)
        if axe:
            if not AXE.exists():
                pytest.fail(f"{AXE} missing: run `npm ci` (make browser-deps)")
            # An init script is not subject to the page's CSP (an inline <script> would be).
            target.add_init_script(path=str(AXE))
        widget = Widget(target)
        target.goto(path if path.startswith("http") else bot_stack.url + path)
        expect(widget.launcher).to_be_visible()
        return widget

    return _open


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
