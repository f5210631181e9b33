"""The widget on a phone and on unfriendly pages (issue 10, "The widget on a phone").

One test (or a few) per numbered point of the issue, against the real bot; a routed fake
bot stands in only where the real one would need a long questionnaire to give a message
of a given shape (urgent advice, bullet points). Phones are emulated with Chromium's
touch and viewport emulation; a short viewport stands for the on-screen keyboard.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest
from playwright.sync_api import BrowserContext, Request, Route, expect

from bot.settings import load_settings
from tests.browser.conftest import HOST, SHADOW, Widget
from tests.servers import BotStack

EMERGENCY_MESSAGE = "my 3 week old baby has a fever of 38.5 and is floppy"
PHONE = {"viewport": {"width": 375, "height": 740}, "has_touch": True, "is_mobile": True}


def open_and_wait(widget: Widget) -> None:
    widget.launcher.click()
    widget.wait_idle(0)


def tap_open(widget: Widget) -> None:
    widget.launcher.tap()
    widget.wait_idle(0)


def visible_in_scroller(widget: Widget, selector: str, index: int = -1) -> dict[str, float]:
    """Where the element's top is, relative to the conversation's visible area."""
    return widget.shadow(
        f"""(() => {{
            const items = root.querySelectorAll({json.dumps(selector)});
            const node = items[{index} < 0 ? items.length + {index} : {index}];
            const view = root.querySelector('.scroller').getBoundingClientRect();
            const box = node.getBoundingClientRect();
            return {{top: box.top - view.top, bottom: box.bottom - view.top, height: view.height,
                    viewportHeight: window.innerHeight, viewTop: view.top, viewBottom: view.bottom}};
        }})()"""
    )


def fake_bot(replies_for: Callable[[str], list[dict[str, Any]]]) -> Callable[[Route], None]:
    """A stand-in for the webhook only (sessions, config and the script stay real)."""

    def handle(route: Route) -> None:
        message = json.loads(route.request.post_data or "{}").get("message", "")
        route.fulfill(status=200, content_type="application/json", body=json.dumps(replies_for(message)))

    return handle


def urgent_advice(message: str) -> list[dict[str, Any]]:
    settings = load_settings()
    if message == "/greet":
        return [{"text": "Hello. I'm an automated assistant; I don't give a diagnosis."}]
    return [
        {
            "text": (
                "URGENT: get medical help today.\n"
                f"- Call your GP or clinic for a same-day appointment, or the medical line {settings.medical_line}.\n"
                f"- Call {settings.emergency_number} instead if there is difficulty breathing.\n"
                "Reminder: general information, not a diagnosis."
            )
        },
        {"custom": {"triage_level": "urgent"}},
    ]


# ------------------------------------------------------------------ 1. reading from the start, no keyboard


def test_top_of_a_long_answer_is_visible_when_it_arrives_at_320x320(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    widget = open_widget(context=new_context(viewport={"width": 320, "height": 320}))
    open_and_wait(widget)
    widget.send("what are milia")
    first_new = widget.shadow(
        "(() => { const users = root.querySelectorAll('.item.user'); const last = users[users.length - 1];"
        " return Array.from(root.querySelectorAll('.item')).indexOf(last.nextElementSibling); })()"
    )
    answer = visible_in_scroller(widget, ".item", index=first_new)
    assert answer["bottom"] - answer["top"] > answer["height"], "the answer is longer than the visible area"
    assert 0 <= answer["top"] < 40, f"the answer's first line is at the top of the conversation: {answer}"

    widget.send(EMERGENCY_MESSAGE)
    heading = visible_in_scroller(widget, ".msg.triage-emergency .heading")
    assert 0 <= heading["top"] and heading["bottom"] <= heading["height"], heading
    call = visible_in_scroller(widget, ".msg.triage-emergency a.call")
    assert call["bottom"] <= call["height"] + 1, f"the Call button is visible without scrolling: {call}"


def test_opening_on_a_touch_screen_does_not_focus_the_text_box(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    widget = open_widget(context=new_context(**PHONE))
    tap_open(widget)
    focus = widget.deep_active()
    assert focus["inPanel"] and focus["cls"] == "title", f"focus is on the dialog's heading, not the input: {focus}"
    # The disclaimer is on screen (no keyboard pushed it away).
    expect(widget.bot_messages.first).to_be_in_viewport()


def test_the_panel_follows_the_visible_viewport(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context(**PHONE)
    widget = open_widget(context=context)
    tap_open(widget)
    # The on-screen keyboard takes the lower part of the screen: a shorter viewport.
    widget.page.set_viewport_size({"width": 375, "height": 360})
    widget.page.wait_for_timeout(300)
    box = widget.panel.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 360.5, box
    expect(widget.input).to_be_in_viewport()
    expect(widget.part(".title")).to_be_in_viewport()
    uses_dvh = widget.shadow(
        "Array.from(root.adoptedStyleSheets[0].cssRules).some(rule => rule.cssText.includes('100dvh'))"
    )
    assert uses_dvh


# ------------------------------------------------------------------ 2. tap to call, book, start again


def test_urgent_advice_ends_with_call_book_and_start_again(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    settings = load_settings()
    context = new_context(**PHONE)
    page = context.new_page()
    page.route("**/webhooks/widget/webhook", fake_bot(urgent_advice))
    widget = open_widget(page=page)
    tap_open(widget)
    widget.send("it is red and hot and my baby has a temperature")

    urgent = widget.part(".msg.triage-urgent")
    medical = urgent.locator(f'a.action[href="tel:{re.sub(r"[^0-9+]", "", settings.medical_line)}"]')
    clinic = urgent.locator(f'a.action[href="tel:{re.sub(r"[^0-9+]", "", settings.phone)}"]')
    expect(medical).to_contain_text("Call the medical line")
    expect(clinic).to_contain_text("Call the clinic")
    expect(urgent.locator("a.action.book")).to_have_attribute("href", settings.booking_url)
    expect(urgent.get_by_role("button", name="Start again")).to_be_visible()
    urgent.get_by_role("button", name="Start again").tap()
    expect(widget.part(".confirm")).to_be_visible()  # it asks first, like Start over
    widget.part(".confirm-no").tap()
    for action in (medical, clinic):
        box = action.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, "a thumb-sized target"
    # The number in the text is a tap-to-call link that doesn't break across lines.
    number_in_text = urgent.locator(".points a.phone").first
    expect(number_in_text).to_have_text(settings.medical_line)
    assert number_in_text.evaluate("a => getComputedStyle(a).whiteSpace") == "nowrap"
    assert widget.csp_violations() == []


def test_asking_for_a_person_gives_call_and_book_buttons(open_widget: Callable[..., Widget]) -> None:
    settings = load_settings()
    widget = open_widget()
    open_and_wait(widget)
    widget.send("can I talk to a real person")
    answer = widget.part(".msg.bot").last
    expect(answer.locator(f'a.action.clinic[href="tel:{re.sub(r"[^0-9+]", "", settings.phone)}"]')).to_be_visible()
    expect(answer.locator("a.action.book")).to_have_attribute("href", settings.booking_url)


# ------------------------------------------------------------------ 3. modal when it covers the page


def test_full_screen_chat_is_a_modal_dialog_and_focus_never_leaves_it(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    widget = open_widget(context=new_context(viewport={"width": 375, "height": 740}))
    widget.open_by_keyboard()
    widget.wait_idle(0)
    assert widget.shadow("root.querySelector('.panel').matches(':modal')"), "shown with showModal()"
    seen = set()
    for step in range(40):
        widget.page.keyboard.press("Shift+Tab" if step >= 30 else "Tab")
        focus = widget.deep_active()
        assert focus["inPanel"], f"Tab {step + 1} left the chat for the page under it: {focus}"
        seen.add(focus["cls"])
    assert {"input", "send", "hbtn close"} <= seen, seen
    # The page behind is inert: a click on its link does not reach it.
    assert widget.page.evaluate("() => { const a = document.querySelector('main a, nav a');"
                                " const r = a.getBoundingClientRect();"
                                " return document.elementFromPoint(r.x + 2, r.y + 2) === a; }") is False
    widget.page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.active_class() == "launcher"


def test_browsers_without_dialog_still_get_the_chat(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    """Safari before 15.4 has no <dialog> methods: the window opens non-modal instead."""
    context = new_context(viewport={"width": 375, "height": 740})
    context.add_init_script(script="for (const name of ['show', 'showModal']) delete HTMLDialogElement.prototype[name]")
    widget = open_widget(context=context)
    open_and_wait(widget)
    expect(widget.panel).to_be_visible()
    answer = " ".join(widget.send("what are milia"))
    assert "keratin" in answer.lower()
    widget.page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()


def test_focus_is_never_on_an_element_covered_by_the_chat(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    """WCAG 2.2 focus not obscured: Tab through the page and the open chat at desktop size."""
    widget = open_widget(context=new_context(viewport={"width": 1280, "height": 800}))
    open_and_wait(widget)
    assert widget.shadow("root.querySelector('.panel').matches(':modal')") is False, "beside the page, not over it"
    widget.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for step in range(40):
        widget.page.keyboard.press("Tab")
        covered = widget.page.evaluate(
            f"""() => {{
                const root = {SHADOW};
                const node = root.activeElement || document.activeElement;
                if (!node || node === document.body) return null;
                const box = node.getBoundingClientRect();
                const points = [[box.left + 2, box.top + 2], [box.right - 2, box.bottom - 2],
                                [(box.left + box.right) / 2, (box.top + box.bottom) / 2]];
                const shown = points.some(([x, y]) => {{
                    const hit = root.activeElement ? root.elementFromPoint(x, y) : document.elementFromPoint(x, y);
                    return hit && (hit === node || node.contains(hit));
                }});
                return shown ? null : (node.tagName + '.' + node.className + ' ' + (node.textContent || '').trim());
            }}"""
        )
        assert covered is None, f"Tab {step + 1}: focus on {covered}, hidden under the chat"


# ------------------------------------------------------------------ 4. focus after a reply button


def test_focus_moves_to_the_answer_after_a_reply_button(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    reply = widget.part(".reply").first
    before = widget.bot_messages.count()
    reply.focus()
    widget.page.keyboard.press("Enter")
    widget.wait_idle(before)
    focused = widget.shadow(
        "(() => { const node = root.activeElement; return node ? [node.tagName, node.className,"
        " node.textContent.trim().slice(0, 200)] : null; })()"
    )
    assert focused and focused[0] == "LI" and focused[1] == "item bot", focused
    assert widget.texts(widget.bot_messages)[before][:100] in focused[2]


# ------------------------------------------------------------------ 5. start over asks; errors say what happened


def test_start_over_asks_to_confirm(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext], screenshots: Path
) -> None:
    widget = open_widget(context=new_context(viewport={"width": 375, "height": 740}))
    open_and_wait(widget)
    widget.send(EMERGENCY_MESSAGE)
    messages = widget.texts(widget.bot_messages)

    widget.part(".restart").click()
    confirm = widget.page.get_by_role("group", name=re.compile("Clear this conversation"))
    expect(confirm).to_be_visible()
    widget.page.screenshot(path=str(screenshots / "widget-375-confirm-start-over.png"))
    assert widget.active_class() == "confirm-no", "the safe choice has focus"
    widget.page.keyboard.press("Enter")  # Keep it
    expect(confirm).to_be_hidden()
    assert widget.texts(widget.bot_messages) == messages, "nothing was cleared"
    assert widget.active_class() == "hbtn restart"

    widget.part(".restart").click()
    widget.page.keyboard.press("Escape")  # also keeps it
    expect(confirm).to_be_hidden()
    expect(widget.panel).to_be_visible()
    assert widget.texts(widget.bot_messages) == messages

    widget.part(".restart").click()
    widget.part(".confirm-yes").click()
    widget.wait_for("root.querySelectorAll('.item.user').length === 0 && root.querySelector('.typing').hidden")
    widget.wait_idle(0)
    expect(widget.part(".msg.triage-emergency")).to_have_count(0)


def test_error_sits_in_the_conversation_and_says_the_server_is_down(
    open_widget: Callable[..., Widget], bot_stack: BotStack
) -> None:
    widget = open_widget()
    open_and_wait(widget)
    widget.send("what are milia")
    bot_stack.stop_bot()
    try:
        before = widget.bot_messages.count()
        widget.input.fill("how long do they last")
        widget.input.press("Enter")
        widget.wait_idle(before)
        expect(widget.alert).to_contain_text("server is not answering")
        assert widget.shadow("!!root.querySelector('.alert').closest('.scroller')"), "inside the scrolling area"
        # It covers nothing: the reply buttons and the alert don't overlap.
        overlaps = widget.shadow(
            "(() => { const a = root.querySelector('.alert').getBoundingClientRect();"
            " return Array.from(root.querySelectorAll('.reply, a.action')).some(b => {"
            " const r = b.getBoundingClientRect();"
            " return r.left < a.right && a.left < r.right && r.top < a.bottom && a.top < r.bottom; }); })()"
        )
        assert overlaps is False
    finally:
        bot_stack.start_bot()


def test_offline_device_is_told_to_check_its_connection(
    open_widget: Callable[..., Widget], context: BrowserContext
) -> None:
    widget = open_widget()
    open_and_wait(widget)
    context.set_offline(True)
    try:
        before = widget.bot_messages.count()
        widget.input.fill("how long do they last")
        widget.input.press("Enter")
        widget.wait_idle(before)
        expect(widget.alert).to_contain_text("seems to be offline")
        expect(widget.input).to_have_value("how long do they last")
    finally:
        context.set_offline(False)


def test_an_answer_that_could_not_be_saved_is_still_shown(
    open_widget: Callable[..., Widget], context: BrowserContext
) -> None:
    """A 503 from the webhook may carry the bot's replies (a red flag answered while the store fails)."""
    number = load_settings().emergency_number
    page = context.new_page()

    def failing_store(route: Route) -> None:
        message = json.loads(route.request.post_data or "{}").get("message", "")
        if message == "/greet":
            route.fallback()
            return
        body = {
            "error": f"something went wrong on our side; in an emergency call {number}",
            "messages": [{"text": f"EMERGENCY: call {number} now."}, {"custom": {"triage_level": "emergency"}}],
        }
        route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    page.route("**/webhooks/widget/webhook", failing_store)
    widget = open_widget(page=page)
    open_and_wait(widget)
    widget.input.fill(EMERGENCY_MESSAGE)
    widget.input.press("Enter")
    expect(widget.part(".msg.triage-emergency a.call")).to_be_visible()
    expect(widget.alert).to_contain_text("went wrong on the assistant\u2019s side")
    assert widget.texts(widget.user_messages)[-1] == EMERGENCY_MESSAGE


def test_a_conversation_id_the_server_no_longer_knows_starts_a_new_one(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    page = widget.page
    open_and_wait(widget)
    # As after a deletion elsewhere or a new server key: the stored id is refused (403).
    page.evaluate(
        """() => { const key = Object.keys(sessionStorage)[0]; const state = JSON.parse(sessionStorage[key]);
                   state.sender = 'AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA';
                   sessionStorage[key] = JSON.stringify(state); }"""
    )
    page.reload()
    with page.expect_response("**/webhooks/widget/session") as issued:
        answer = widget.send("what are milia")
    assert any("keratin" in text for text in answer), answer
    assert page.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).sender") == issued.value.json()["sender"]
    expect(widget.alert).to_be_hidden()
    expect(widget.part("[role=status]")).to_have_text("The earlier conversation had ended, so a new one has started.")


# ------------------------------------------------------------------ 6. announced, headed, listed


def test_emergency_is_announced_assertively_under_a_real_heading(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    open_and_wait(widget)
    number = load_settings().emergency_number
    widget.send(EMERGENCY_MESSAGE)
    announcer = widget.part("[aria-live=assertive]")
    expect(announcer).to_have_text(re.compile(f"Emergency.*Call {number} now"))
    page = widget.page
    expect(page.get_by_role("heading", name=re.compile("Emergency: get help now", re.I), level=3)).to_be_visible()
    log = page.get_by_role("log", name="Messages")
    # The messages (li.item); advice lines are lists of their own inside a message.
    items = log.locator("li.item")
    assert items.count() >= 3
    said = [text.split(":")[0] for text in items.evaluate_all("items => items.map(i => i.textContent)")]
    assert set(said) == {"You said", "Assistant said"}, said
    # "EMERGENCY:" is said once, by the heading: the advice text no longer starts with it.
    emergency_text = widget.part(".msg.triage-emergency").inner_text()
    assert len(re.findall(r"emergency:", emergency_text, re.I)) == 1, emergency_text


# ------------------------------------------------------------------ 7. hostile host pages

HOSTILE_STYLES = {
    # A cookie banner and a see-through overlay at the highest z-index, over the corner
    # where the launcher and the text box are.
    "overlay": """
      .banner { display: block; position: fixed; left: 0; right: 0; bottom: 0; height: 160px;
                z-index: 2147483647; background: #333; color: #fff; }
      .overlay { display: block; position: fixed; inset: 0; z-index: 2147483647; pointer-events: none;
                 background: rgba(0, 0, 0, 0.01); }""",
    # A transformed (and filtered) long body: fixed elements inside it would scroll away with it.
    "transform": """
      body { transform: translateY(40px) scale(0.9); filter: saturate(0.9); min-height: 3000px; }
      .banner, .overlay { display: none; }""",
}

HOSTILE_PAGE = """<!doctype html>
<html lang="en"><head><title>Hostile clinic page</title>
<style>
  * { all: unset; }
  html { font-size: 62.5%; }
  body { display: block; margin: 0; }
  head, script, style, title { display: none; }
  STYLES
</style></head>
<body><h1>Clinic</h1><p>Text.</p>
<div class="banner">We use cookies <button>Accept</button></div>
<div class="overlay"></div>
<script src="BOT/webhooks/widget/widget.js" data-bot-url="BOT" data-title="Clinic chat" defer></script>
</body></html>"""


def top_most_is_widget(widget: Widget, selector: str) -> bool:
    return widget.page.evaluate(
        f"""() => {{
            const node = {SHADOW}.querySelector({json.dumps(selector)});
            const box = node.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const onPage = document.elementFromPoint(x, y);
            const inside = {SHADOW}.elementFromPoint(x, y);
            return onPage === document.querySelector('{HOST}') && !!inside && node.contains(inside)
                && x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight;
        }}"""
    )


@pytest.mark.parametrize("hostility", sorted(HOSTILE_STYLES))
@pytest.mark.parametrize("width, height", [(375, 740), (1280, 800)])
def test_hostile_host_page_cannot_hide_or_move_the_widget(
    open_widget: Callable[..., Widget],
    new_context: Callable[..., BrowserContext],
    bot_stack: BotStack,
    width: int,
    height: int,
    hostility: str,
) -> None:
    """`* { all: unset }` and a 62.5% root font size on every page, and an overlay or a transformed body."""
    context = new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["local-network-access"])
    page = context.new_page()
    origin = "http://localhost:5005"  # in clinic.yml allowed_origins; the bot is on 127.0.0.1
    html = HOSTILE_PAGE.replace("STYLES", HOSTILE_STYLES[hostility]).replace("BOT", bot_stack.url)
    page.route(f"{origin}/hostile", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    widget = open_widget(f"{origin}/hostile", page=page)

    widget.page.mouse.wheel(0, 1500)  # a long page scrolled: the launcher stays on screen
    widget.page.wait_for_timeout(200)
    assert top_most_is_widget(widget, ".launcher"), "the launcher is on screen, above anything of the page"
    widget.launcher.click()
    widget.wait_idle(0)
    box = widget.panel.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5
    assert top_most_is_widget(widget, ".input"), "the text box is above the banner and the overlay"
    assert top_most_is_widget(widget, ".send")
    # The page's 62.5% root font size doesn't shrink the widget's text.
    assert widget.shadow("getComputedStyle(root.querySelector('.msg.bot')).fontSize") == "15px"
    answer = " ".join(widget.send("what are milia"))
    assert "Source:" in answer


# ------------------------------------------------------------------ 8. dark mode, text size, bullet points


def test_dark_mode_has_aa_contrast(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext]
) -> None:
    widget = open_widget(axe=True, context=new_context(color_scheme="dark", viewport={"width": 375, "height": 740}))
    open_and_wait(widget)
    widget.send(EMERGENCY_MESSAGE)
    background = widget.shadow("getComputedStyle(root.querySelector('.scroller')).backgroundColor")
    assert background == "rgb(30, 31, 34)", "the dark palette is used"
    contrast = widget.page.evaluate(
        """async () => {
            const result = await axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}});
            return [result.violations.length, result.passes.reduce((n, rule) => n + rule.nodes.length, 0)];
        }"""
    )
    assert contrast[0] == 0 and contrast[1] > 20, f"[violations, checked nodes] = {contrast}"
    assert widget.axe_violations() == []


def test_text_size_200_percent(
    open_widget: Callable[..., Widget], new_context: Callable[..., BrowserContext], screenshots: Path
) -> None:
    """The browser's text-size setting (default font size 16 -> 32 px) doubles the widget's text."""
    context = new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    widget = open_widget(page=page, axe=True)
    open_and_wait(widget)
    widget.send(EMERGENCY_MESSAGE)
    assert widget.shadow("getComputedStyle(root.querySelector('.msg.bot')).fontSize") == "30px"
    box = widget.panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1280.5 and box["y"] + box["height"] <= 800.5
    assert widget.shadow(
        "(() => { const s = root.querySelector('.scroller'); return s.scrollWidth <= s.clientWidth; })()"
    ), "no sideways scrolling"
    for part in (".title", ".input", ".send", ".msg.triage-emergency a.call"):
        expect(widget.part(part)).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "widget-1280-text-200.png"))
    assert widget.axe_violations() == []


def test_advice_lines_starting_with_a_dash_are_bullet_points(
    open_widget: Callable[..., Widget], context: BrowserContext
) -> None:
    page = context.new_page()
    page.route("**/webhooks/widget/webhook", fake_bot(urgent_advice))
    widget = open_widget(page=page)
    open_and_wait(widget)
    widget.send("it is red and hot")
    points = widget.part(".msg.triage-urgent ul.points li")
    expect(points).to_have_count(2)
    expect(points.first).to_contain_text("same-day appointment")
    text = widget.part(".msg.triage-urgent").inner_text()
    assert "URGENT:" not in text and text.count("Urgent:") == 1, text


# ------------------------------------------------------------------ 10. nothing before opening; delete


def test_nothing_is_stored_or_fetched_until_the_chat_is_opened(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    page = widget.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    expect(widget.launcher).to_be_visible()
    page.wait_for_timeout(1500)
    assert page.evaluate("() => [sessionStorage.length, localStorage.length, document.cookie]") == [0, 0, ""]
    assert not [url for url in requests if re.search(r"/(config|session|webhook)$", url)], requests

    with page.expect_response("**/webhooks/widget/session") as issued:
        widget.launcher.click()
    sender = issued.value.json()["sender"]
    widget.wait_idle(0)
    assert any("/config" in url for url in requests)
    stored = page.evaluate("() => Object.keys(sessionStorage).map(key => JSON.parse(sessionStorage[key]).sender)")
    assert stored == [sender], "the conversation id is the server's"


def test_delete_this_conversation(open_widget: Callable[..., Widget]) -> None:
    widget = open_widget()
    page = widget.page
    open_and_wait(widget)
    widget.send("my baby has white spots on the nose")
    old_sender = page.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).sender")

    widget.page.get_by_role("button", name="Delete this conversation").click()
    expect(widget.part(".confirm")).to_contain_text("Delete this conversation")
    forgets: list[Request] = []
    page.on("request", lambda request: forgets.append(request) if request.url.endswith("/forget") else None)
    with page.expect_response("**/webhooks/widget/forget") as deleted:
        widget.part(".confirm-yes").click()
    assert deleted.value.json() == {"deleted": True}
    assert json.loads(forgets[0].post_data or "{}") == {"sender": old_sender}
    widget.wait_for("root.querySelectorAll('.item.user').length === 0 && root.querySelectorAll('.item.bot').length")
    widget.wait_idle(0)
    new_sender = page.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).sender")
    assert new_sender and new_sender != old_sender
    expect(widget.part("[role=status]")).to_contain_text("deleted")
    stored = page.evaluate("() => JSON.stringify(Object.values(sessionStorage))")
    assert "white spots" not in stored
