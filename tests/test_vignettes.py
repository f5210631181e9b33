"""Triage vignettes against the trained bot over REST: recall per level and over-triage.

The vignettes (tests/data/vignettes.yml) are written from the medical brief in words
different from the training data; tests/data/vignettes_blind.yml is a second, blind batch
written without looking at the detector, the training data or the first file. Both files
run the same tests. Required: emergency recall 100%, urgent recall at least 95%,
over-triage at most 5%. The figures are printed per file and written to test-output/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import pytest
import yaml

from tests.triage_report import TriageReport

SOURCES = ("vignettes.yml", "vignettes_blind.yml")
VIGNETTES = {name: yaml.safe_load((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))
             for name in SOURCES}
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


def triage_level(replies: list[dict]) -> Optional[str]:
    """The most recent triage level the bot signalled in its replies (custom payload)."""
    levels = [reply["custom"]["triage_level"] for reply in replies if isinstance(reply.get("custom"), dict)
              and "triage_level" in reply["custom"]]
    return levels[-1] if levels else None


def test_vignette_counts() -> None:
    assert len(VIGNETTES["vignettes.yml"]["single"]) >= 80
    assert len(VIGNETTES["vignettes.yml"]["conversations"]) >= 20
    assert len(VIGNETTES["vignettes_blind.yml"]["single"]) >= 60
    assert len(VIGNETTES["vignettes_blind.yml"]["conversations"]) >= 10


@pytest.mark.server
@pytest.mark.parametrize("source", SOURCES)
def test_single_message_vignettes(source: str, say, new_sender: Callable[[], str], capsys) -> None:
    report = TriageReport()
    for case in VIGNETTES[source]["single"]:
        report.add(case["text"], case["expect"], triage_level(say(new_sender(), case["text"])))
    _publish(report.render(f"Single-message vignettes ({source})"), f"{Path(source).stem}-single.txt", capsys)
    _assert_targets(report)


@pytest.mark.server
@pytest.mark.parametrize("source", SOURCES)
def test_conversation_vignettes(source: str, say, new_sender: Callable[[], str], capsys) -> None:
    conversation_report = TriageReport()
    for case in VIGNETTES[source]["conversations"]:
        sender, level = new_sender(), None
        for turn in case["turns"]:
            level = triage_level(say(sender, turn)) or level
        conversation_report.add(case["name"], case["expect"], level)
    _publish(conversation_report.render(f"Conversation vignettes ({source})"),
             f"{Path(source).stem}-conversations.txt", capsys)
    _assert_targets(conversation_report)
    for name, expected, got in conversation_report.results:
        assert got == expected or expected == "none" and got not in ("urgent", "emergency"), (name, expected, got)


def _publish(text: str, filename: str, capsys) -> None:
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / filename).write_text(text + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + text)


def _assert_targets(report: TriageReport) -> None:
    emergency, count = report.recall("emergency")
    assert count == 0 or emergency == 1.0, report.render("emergency recall below 100%")
    urgent, count = report.recall("urgent")
    assert count == 0 or urgent >= 0.95, report.render("urgent recall below 95%")
    over, count = report.over_triage()
    assert count == 0 or over <= 0.05, report.render("over-triage above 5%")
