"""The widget as people use it, in headless Chromium against the real bot.

Pages come from the bot itself (the demo page, under its strict CSP) or are served by
Playwright's router on another origin, to embed the widget cross-origin exactly as a
clinic's site would. Every scenario also asserts that the CSP was never violated.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from bot.settings import load_settings
from tests.browser.conftest import PAGE_PORT, Widget
from tests.servers import BotStack

EMERGENCY_MESSAGE = "my 3 week old baby has a fever of 38.5 and is floppy"
DISCLAIMER_MARKERS = ("automated assistant", "diagnosis")
XSS_ATTEMPTS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">']


def is_disclaimer(text: str) -> bool:
    return all(marker in text for marker in DISCLAIMER_MARKERS)


def open_and_wait(widget: Widget) -> None:
    widget.launcher.click()
    widget.wait_idle(0)


def test_keyboard_opens_the_widget_and_the_disclaimer_comes_first(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    widget.open_by_keyboard()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert widget.active_class() == "input", "focus moves to the message box"
    widget.wait_idle(0)

    assert is_disclaimer(widget.texts(widget.bot_messages)[0])
    assert widget.user_messages.count() == 0, "the message that starts the session is not shown"

    widget.page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    assert widget.active_class() == "launcher", "focus goes back to the launcher"
    assert widget.shadow("getComputedStyle(root.activeElement).outlineStyle") != "none", "focus is visible"
    assert widget.csp_violations() == []


def test_parts_have_roles_and_labels(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    page = widget.page
    log = widget.part("[role=log]")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("dialog", name="Ask about skin bumps")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    expect(page.get_by_role("button", name="Start over: clear this conversation")).to_be_visible()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("group", name="Suggested replies")).to_be_visible()
    # Only the bot's latest turn offers quick replies; older ones go when answered.
    widget.send("what are milia")
    assert widget.part(".replies").count() <= 1
    page.get_by_role("button", name="Close chat").click()
    expect(widget.panel).to_be_hidden()


def test_question_by_typing_and_by_quick_reply(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)

    answer = " ".join(widget.send("what are milia"))
    assert "keratin" in answer.lower() and "Source:" in answer, answer
    assert widget.texts(widget.user_messages)[-1] == "what are milia"

    reply = widget.part(".reply").first
    expect(reply).to_be_visible()
    title = reply.inner_text().strip()
    answer = " ".join(widget.click_reply(title))
    assert "Source:" in answer, answer
    # The button's title is shown as the person's message, not its /intent payload.
    assert widget.texts(widget.user_messages)[-1] == title
    assert not any(text.startswith("/") for text in widget.texts(widget.user_messages))
    assert widget.csp_violations() == []


def test_emergency_is_unmistakable_with_tap_to_call(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    number = load_settings().emergency_number

    widget.send(EMERGENCY_MESSAGE)
    emergency = widget.part(".msg.triage-emergency")
    expect(emergency).to_have_count(1)
    expect(emergency.locator(".heading")).to_contain_text("Emergency")
    expect(emergency).to_contain_text(f"call {number}")
    call = emergency.locator("a.call")
    expect(call).to_have_attribute("href", f"tel:{number}")
    expect(call).to_contain_text(f"Call {number}")
    style = widget.shadow(
        "(() => { const m = root.querySelector('.msg.triage-emergency'); const s = getComputedStyle(m);"
        " const h = getComputedStyle(m.querySelector('.heading'));"
        " return [s.backgroundColor, s.borderLeftColor, s.borderLeftWidth, h.fontWeight, h.color,"
        " !!m.querySelector('.heading svg')]; })()"
    )
    assert style == ["rgb(253, 236, 234)", "rgb(179, 38, 30)", "6px", "700", "rgb(140, 29, 24)", True]
    assert widget.csp_violations() == []


def test_conversation_survives_a_reload_in_session_storage(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    widget.send("what are milia")
    bot_before, user_before = widget.texts(widget.bot_messages), widget.texts(widget.user_messages)

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open, so it opens again
    assert widget.texts(widget.bot_messages) == bot_before
    assert widget.texts(widget.user_messages) == user_before
    session_keys, local_keys = widget.page.evaluate("() => [Object.keys(sessionStorage), Object.keys(localStorage)]")
    assert any(key.startswith("milia-chat:") for key in session_keys)
    assert local_keys == [], "nothing is kept beyond the browsing session"

    # Same conversation on the bot's side: no second disclaimer.
    answer = widget.send("how long do they last")
    assert not is_disclaimer(answer[0])
    assert widget.csp_violations() == []


def test_start_over_clears_and_shows_the_disclaimer_again(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    widget.send("what are milia")
    assert widget.user_messages.count() == 1

    widget.part(".restart").click()
    widget.part(".confirm-yes").click()  # Start over asks first (test_widget_phone.py)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        texts = widget.texts(widget.bot_messages)
        if widget.user_messages.count() == 0 and texts and is_disclaimer(texts[0]) and len(texts) < 5:
            break
        time.sleep(0.2)
    widget.wait_idle(0)
    texts = widget.texts(widget.bot_messages)
    assert widget.user_messages.count() == 0
    assert texts and is_disclaimer(texts[0]), texts
    assert sum(is_disclaimer(text) for text in texts) == 1, texts
    assert widget.csp_violations() == []


def test_unreachable_bot_says_so_and_keeps_the_typed_text(
    open_widget: Callable[..., Widget], bot_stack: BotStack
) -> None:
    widget = open_widget()
    open_and_wait(widget)
    typed = "how long do milia last"
    number = load_settings().emergency_number

    bot_stack.stop_bot()
    try:
        before = widget.bot_messages.count()
        widget.input.fill(typed)
        widget.input.press("Enter")
        widget.wait_idle(before)
        expect(widget.alert).to_be_visible()
        expect(widget.alert).to_contain_text("can\u2019t reach the assistant")
        expect(widget.alert.locator(f'a[href="tel:{number}"]')).to_be_visible()
        expect(widget.input).to_have_value(typed)
        assert typed not in widget.texts(widget.user_messages)
    finally:
        bot_stack.start_bot()

    widget.part(".retry").click()
    widget.wait_idle(before)
    expect(widget.alert).to_be_hidden()
    assert widget.texts(widget.user_messages)[-1] == typed
    expect(widget.input).to_have_value("")
    assert widget.csp_violations() == []


def test_user_text_with_html_shows_literally_and_runs_nothing(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    for attack in XSS_ATTEMPTS:
        widget.send(attack)
        assert widget.texts(widget.user_messages)[-1] == attack
    assert widget.shadow("root.querySelectorAll('script, img, iframe').length") == 0
    assert widget.page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert widget.page.evaluate("() => window.__xss") is None
    assert widget.csp_violations() == []


def _fake_bot(route: Route) -> None:
    """A bot whose messages try every trick: only safe schemes may become links."""
    message = json.loads(route.request.post_data or "{}").get("message", "")
    replies = [
        {"text": "Hello. I'm an automated assistant; I don't give a diagnosis."},
        {
            "text": (
                "Links: [click me](javascript:window.__xss=1) and javascript:window.__xss=1 and "
                "[data](data:text/html,hi) <img src=x onerror=\"window.__xss=1\"> "
                "[NHS](https://www.nhs.uk/conditions/milia/) http://example.org/a_(b). "
                "mailto:help@clinic.example.org tel:+15550100 [vb](vbscript:msgbox(1)) [x](JaVaScRiPt:alert(1))"
            ),
            "buttons": [{"title": "<b>bold</b>", "payload": "/greet"}],
            "image": "javascript:window.__xss=1",
        },
        {"text": "EMERGENCY: call 911 now."},
        {"custom": {"triage_level": "emergency", "emergency_number": "javascript:window.__xss=1"}},
        {"custom": {"triage_level": "<img src=x onerror=window.__xss=1>"}},
    ]
    if message != "/greet":
        replies = [{"text": "ok"}]
    route.fulfill(status=200, content_type="application/json", body=json.dumps(replies))


def test_links_in_bot_messages_are_limited_to_safe_schemes(
    open_widget: Callable[..., Widget], context: BrowserContext
) -> None:
    page = context.new_page()
    page.route("**/webhooks/widget/webhook", _fake_bot)
    widget = open_widget(page=page)
    open_and_wait(widget)

    links = widget.shadow(
        "Array.from(root.querySelectorAll('a')).map(a => ({href: a.getAttribute('href'), target: a.target,"
        " rel: a.rel, text: a.textContent}))"
    )
    assert links, "the safe links are there"
    for item in links:
        assert item["href"].split(":", 1)[0] in ("http", "https", "tel", "mailto"), item
        if item["href"].startswith("http"):
            assert item["target"] == "_blank" and item["rel"] == "noopener noreferrer", item
        else:
            assert item["target"] == "", item
    hrefs = {item["href"] for item in links}
    assert {"https://www.nhs.uk/conditions/milia/", "http://example.org/a_(b)", "mailto:help@clinic.example.org",
            "tel:+15550100"} <= hrefs
    text = widget.texts(widget.bot_messages)[1]
    assert "[click me](javascript:window.__xss=1)" in text and "<img src=x" in text
    expect(widget.part(".reply")).to_have_text("<b>bold</b>")
    # The bogus emergency number is ignored; tap-to-call uses the number from the text.
    expect(widget.part(".msg.triage-emergency a.call")).to_have_attribute("href", "tel:911")
    widget.part(".msg.bot").nth(1).click()
    assert widget.shadow("root.querySelectorAll('img, script').length") == 0
    assert widget.page.evaluate("() => window.__xss") is None
    assert widget.csp_violations() == []


HOSTILE_PAGE = """<!doctype html>
<html lang="en"><head><title>Hostile clinic page</title>
<style>
  * { color: white !important; display: none !important; visibility: hidden !important;
      opacity: 0 !important; font-size: 3px !important; transform: scale(0.1) !important; }
  html, body { display: block !important; visibility: visible !important; opacity: 1 !important;
               transform: none !important; }
  .launcher, .panel, .msg, button, div, textarea { background: lime !important; }
</style></head>
<body><h1>Clinic</h1>
<button class="launcher">the page's own button</button>
<script src="BOT/webhooks/widget/widget.js" data-bot-url="BOT" data-title="Clinic chat" defer></script>
</body></html>"""


def allow_loopback(context: BrowserContext) -> None:
    """Let a routed page reach the bot on 127.0.0.1.

    Chromium's Local Network Access treats a page fulfilled by Playwright's router as
    public and blocks its requests to loopback addresses; a clinic's real site and a
    deployed bot are both public, so this only stands in for that.
    """
    context.grant_permissions(["local-network-access"])


def _serve(html: str) -> Callable[[Route], None]:
    return lambda route: route.fulfill(status=200, content_type="text/html", body=html)


def test_host_page_css_cannot_break_the_widget_embedded_cross_origin(
    open_widget: Callable[..., Widget], context: BrowserContext, bot_stack: BotStack
) -> None:
    # http://localhost:5005 is in clinic.yml allowed_origins; the bot is on 127.0.0.1:15005,
    # so this is a real cross-origin embedding with a CORS preflight.
    allow_loopback(context)
    page = context.new_page()
    page.route("http://localhost:5005/clinic", _serve(HOSTILE_PAGE.replace("BOT", bot_stack.url)))
    widget = open_widget("http://localhost:5005/clinic", page=page)

    expect(widget.launcher).to_be_visible()
    open_and_wait(widget)
    expect(widget.panel).to_be_visible()
    assert is_disclaimer(widget.texts(widget.bot_messages)[0])
    style = widget.shadow(
        "(() => { const s = getComputedStyle(root.querySelector('.msg.bot'));"
        " return [s.color, s.fontSize, s.backgroundColor, s.display]; })()"
    )
    assert style == ["rgb(26, 26, 26)", "15px", "rgb(241, 243, 245)", "block"]
    # ...and the widget's CSS does not leak onto the page's own .launcher button.
    assert page.evaluate("() => getComputedStyle(document.querySelector('button.launcher')).position") == "static"
    answer = " ".join(widget.send("what are milia"))
    assert "Source:" in answer


def test_site_not_in_allowed_origins_cannot_use_the_bot(
    open_widget: Callable[..., Widget], context: BrowserContext, bot_stack: BotStack
) -> None:
    allow_loopback(context)
    page = context.new_page()
    html = HOSTILE_PAGE.replace("BOT", bot_stack.url).split("<style>")[0] + "</head><body>" + (
        f'<script src="{bot_stack.url}/webhooks/widget/widget.js" data-bot-url="{bot_stack.url}" defer></script>'
        "</body></html>"
    )
    other = f"http://127.0.0.1:{PAGE_PORT + 1}"
    page.route(f"{other}/other", _serve(html))
    widget = open_widget(f"{other}/other", page=page)
    open_and_wait(widget)
    expect(widget.alert).to_be_visible()  # the browser refuses the bot's answer (CORS)
    assert widget.bot_messages.count() == 0
    # The person is told what happened (not "check your connection"), without a pointless retry...
    expect(widget.alert).to_contain_text("isn\u2019t set up to answer on this website")
    expect(widget.part(".retry")).to_be_hidden()
    # ...and the site's developer is told what to change.
    explained = [text for text in widget.console if "allowed_origins" in text]
    assert explained and other in explained[0] and "clinic.yml" in explained[0], widget.console


def test_demo_page_runs_under_strict_csp_with_a_constructed_stylesheet(
    open_widget: Callable[..., Widget], bot_stack: BotStack
) -> None:
    widget = open_widget()
    response = widget.page.request.get(bot_stack.url + "/webhooks/widget/demo")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp
    assert widget.shadow("root.adoptedStyleSheets.length") == 1
    assert widget.shadow("root.querySelectorAll('style').length") == 0
    assert widget.shadow("root.querySelectorAll('[style]').length") == 0
    open_and_wait(widget)
    widget.send(EMERGENCY_MESSAGE)
    assert widget.csp_violations() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(320, 640), (375, 740), (1280, 800)])
def test_layout_screenshots_and_axe_scan(
    open_widget: Callable[..., Widget],
    new_context: Callable[..., BrowserContext],
    screenshots: Path,
    width: int,
    height: int,
    scheme: str,
) -> None:
    context = new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    widget = open_widget(axe=True, context=context)
    page = widget.page
    assert widget.axe_violations() == [], "closed widget on the demo page"

    open_and_wait(widget)
    widget.send("what are milia")
    page.screenshot(path=str(screenshots / f"widget-{width}-{scheme}-answer.png"))
    widget.send(EMERGENCY_MESSAGE)

    box = widget.panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5
    assert widget.shadow(
        "(() => { const l = root.querySelector('.scroller'); return l.scrollWidth <= l.clientWidth; })()"
    )
    expect(widget.part(".send")).to_be_in_viewport()
    expect(widget.part(".msg.triage-emergency a.call")).to_be_in_viewport()
    page.screenshot(path=str(screenshots / f"widget-{width}-{scheme}.png"))

    violations = widget.axe_violations()
    assert violations == [], "\n".join(violations)
    assert widget.csp_violations() == []
