"""The terminal chat's pure parts: what the screen shows for the bot's messages, what a typed line means.

Rendered into a string at 80 columns with rich's own console (no terminal, no bot).
The messages are replies recorded from the widget webhook.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from bot.terminal.render import (
    LEVEL_STYLES,
    Banner,
    Command,
    Nothing,
    Paragraph,
    Send,
    ShowLink,
    UnknownCommand,
    clean,
    read_line,
    read_messages,
    render_error,
    render_link,
    render_turn,
    render_user_line,
)

DISCLAIMER = (
    "Hello. I'm an automated assistant with general information about tiny white bumps on the skin, such as "
    "milia (\"milk spots\"). I can't examine anyone, I don't give a diagnosis, and I'm not a substitute for a "
    "doctor, nurse or pharmacist. If someone may be seriously ill, call 911 now. Please don't type names or "
    "other details that identify anyone."
)
TREATMENT = {
    "recipient_id": "r1",
    "text": (
        "Most milia need no treatment and clear up by themselves, though in adults this can take months. "
        "Babies' milia should be left alone. For older children and adults, gentle daily washing, a mild "
        "exfoliating product (with glycolic or salicylic acid), a light moisturiser that won't block pores, "
        "and daily sunscreen can help. If they bother you, a doctor or dermatologist (skin doctor) can remove "
        "them safely.\nSource: American Academy of Dermatology, Milia · Reviewed 2026-01-15"
    ),
    "buttons": [
        {"title": "Can I pop them at home?", "payload": "/ask_home_removal"},
        {"title": "Can they be prevented?", "payload": "/ask_prevention"},
        {"title": "Tell me more", "payload": "/ask_more"},
    ],
}
QUESTION = {
    "recipient_id": "r3",
    "text": "Who has the bumps?",
    "buttons": [
        {"title": "A baby under 3 months", "payload": '/inform{"age_group":"newborn"}'},
        {"title": "A baby 3 to 12 months", "payload": '/inform{"age_group":"infant"}'},
        {"title": "A child", "payload": '/inform{"age_group":"child"}'},
        {"title": "An adult", "payload": '/inform{"age_group":"adult"}'},
    ],
}
EMERGENCY = [
    {"recipient_id": "r2", "text": DISCLAIMER},
    {
        "recipient_id": "r2",
        "text": (
            "EMERGENCY: call 911 now, or go straight to the nearest emergency department. Do not wait to see if "
            "it gets better. Reminder: I give general information, not a diagnosis. In an emergency call 911."
        ),
    },
    {"recipient_id": "r2", "custom": {"triage_level": "emergency", "emergency_number": "911"}},
]


def screen(renderable, width: int = 80, colour: bool = False) -> str:
    """What an 80-column terminal would show (with SGR escapes when ``colour``)."""
    output = io.StringIO()
    console = Console(file=output, width=width, force_terminal=colour, color_system="256" if colour else None)
    console.print(renderable)
    return output.getvalue()


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_long_answer_is_shown_in_full_wrapped_to_the_width() -> None:
    shown = screen(render_turn(read_messages([TREATMENT])))
    lines = shown.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    answer_lines = [line for line in lines if line and not re.match(r"\s+\d+\. ", line)]
    assert len(answer_lines) >= 5, shown  # wrapped over several lines, not cut to one
    assert words(TREATMENT["text"]) in words(shown)
    assert words(TREATMENT["text"]) in words(screen(render_turn(read_messages([TREATMENT])), width=40))


def test_buttons_are_numbered_options_under_the_message_and_payloads_never_shown() -> None:
    turn = read_messages([QUESTION])
    shown = screen(render_turn(turn))
    assert [option.title for option in turn.options] == [button["title"] for button in QUESTION["buttons"]]
    assert [option.number for option in turn.options] == [1, 2, 3, 4]
    for number, button in enumerate(QUESTION["buttons"], start=1):
        assert re.search(rf"^\s+{number}\. {re.escape(button['title'])}$", shown, re.MULTILINE), shown
    assert shown.index("Who has the bumps?") < shown.index("1. A baby under 3 months")
    assert "/inform" not in shown and "age_group" not in shown and "{" not in shown


def test_options_are_numbered_across_the_messages_of_a_turn() -> None:
    turn = read_messages([{"text": "First", "buttons": [{"title": "A", "payload": "/a"}]}, QUESTION])
    assert [(option.number, option.title) for option in turn.options][:2] == [(1, "A"), (2, "A baby under 3 months")]
    assert len(turn.options) == 5


def test_a_triage_payload_is_a_banner_before_its_advice_not_json() -> None:
    turn = read_messages(EMERGENCY)
    kinds = [type(block) for block in turn.blocks]
    assert kinds == [Paragraph, Banner, Paragraph]
    advice = turn.blocks[2]
    assert isinstance(advice, Paragraph) and advice.text.startswith("Call 911 now")  # the level word is the banner
    shown = screen(render_turn(turn))
    assert "Custom json" not in shown and "triage_level" not in shown and "{" not in shown
    assert shown.count("EMERGENCY") == 1
    assert shown.index("I'm an automated assistant") < shown.index("EMERGENCY") < shown.index("Call 911 now")


def test_the_emergency_banner_is_red_and_each_level_has_its_colour() -> None:
    coloured = screen(render_turn(read_messages(EMERGENCY)), colour=True)
    assert re.search(r"\x1b\[[0-9;]*41m EMERGENCY", coloured), repr(coloured)  # red background
    expected_background = {"emergency": "41", "urgent": "48;5;208", "soon": "43", "routine": "44", "self_care": "42"}
    for level, background in expected_background.items():
        label = LEVEL_STYLES[level].label
        shown = screen(
            render_turn(read_messages([{"text": f"{label}: advice."}, {"custom": {"triage_level": level}}])),
            colour=True,
        )
        assert re.search(rf"\x1b\[[0-9;]*{background}m {label} ", shown), (level, repr(shown))
        assert "Advice." in shown


def test_an_unknown_level_still_gets_a_banner() -> None:
    shown = screen(render_turn(read_messages([{"custom": {"triage_level": "very_soon"}}])))
    assert "VERY-SOON" in shown


def test_other_custom_payloads_are_not_shown() -> None:
    turn = read_messages([{"custom": {"anything": [1, 2]}}, {"text": "Hi"}])
    assert screen(render_turn(turn)).strip() == "Hi"


def test_source_lines_are_dimmed_and_the_options_hint_follows_options() -> None:
    coloured = screen(render_turn(read_messages([TREATMENT])), colour=True)
    assert re.search(r"\x1b\[2mSource: American Academy", coloured), repr(coloured)
    assert "Type a number, or your own message." in coloured
    assert "Type a number" not in screen(render_turn(read_messages([{"text": "No buttons here."}])))


def test_terminal_escapes_in_bot_text_are_removed() -> None:
    hostile = {"text": "safe\x1b[2J\x1b]0;title\x07 text\u202e", "buttons": [{"title": "B\x1b[31m", "payload": "/b"}]}
    turn = read_messages([hostile])
    shown = screen(render_turn(turn))
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert clean("a\tb\r\nc") == "a b\nc"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2", Send(message='/inform{"age_group":"infant"}', shown="A baby 3 to 12 months")),
        (" 4 ", Send(message='/inform{"age_group":"adult"}', shown="An adult")),
        ("5", Send(message="5", shown="5")),  # no option 5: sent as typed (an age, a count)
        ("my baby is 2 weeks old", Send(message="my baby is 2 weeks old", shown="my baby is 2 weeks old")),
        ("yes", Send(message="yes", shown="yes")),
        ("", Nothing()),
        ("   ", Nothing()),
        ("/restart", Command("/restart")),
        ("/RESTART", Command("/restart")),
        ("/quit", Command("/quit")),
        ("/exit", Command("/quit")),
        ("/delete", Command("/delete")),
        ("/help", Command("/help")),
        ('/inform{"age_group":"adult"}', UnknownCommand('/inform{"age_group":"adult"}')),
    ],
)
def test_what_a_typed_line_means(line: str, expected: object) -> None:
    options = read_messages([QUESTION]).options
    assert read_line(line, options) == expected


FOLLOW_UPS = {
    "text": "Reminder: in an emergency call 911.",
    "buttons": [
        {"title": "Call the clinic", "payload": "tel:+15550100"},
        {"title": "Book", "type": "web_url", "url": "https://clinic.example.org/book"},
        {"title": "Start again", "payload": "/restart"},
    ],
}


def test_link_buttons_show_where_they_lead_and_are_never_sent() -> None:
    options = read_messages([FOLLOW_UPS]).options
    shown = screen(render_turn(read_messages([FOLLOW_UPS])))
    assert "1. Call the clinic  tel:+15550100" in shown and "2. Book  https://clinic.example.org/book" in shown
    assert read_line("1", options) == ShowLink(options[0])
    assert read_line("2", options) == ShowLink(options[1])
    assert screen(render_link(options[0])).strip() == "Call the clinic: +15550100"
    assert read_line("3", options) == Command("/restart")  # the client's own restart, a new session


def test_a_number_without_options_on_screen_is_sent_as_text() -> None:
    assert read_line("1", ()) == Send(message="1", shown="1")


def test_the_persons_line_and_errors() -> None:
    assert screen(render_user_line("An adult")).strip() == "You: An adult"
    error = screen(render_error("the assistant could not answer (HTTP 503)", "112"))
    assert "could not answer" in error and "call 112 now" in error
    assert "call" not in screen(render_error("refused"))
