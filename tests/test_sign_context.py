"""The context reader of the safety net (bot/language/sign_context.py, bot/nlu/sign_context.py).

It learns from the blind sets' single messages, so its figures here are cross-validated
by leaving one blind set out at a time: each set is scored by a reader trained on the
others, as a new set would be. The figures are written to test-output/sign_context.txt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language.detector import load_detector
from bot.language.patterns import PatternFileError
from bot.language.sign_context import (
    DOUBTFUL,
    SETTINGS_PATH,
    SignContextReader,
    cross_validated_scores,
    load_examples,
    load_sign_context,
    parse_settings,
    read_settings,
)
from bot.nlu.sign_context import SignContextCheck, emergency_findings, interrupting_findings

SETTINGS = read_settings()
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "sign_context.txt"
SAFETY_NET_LEVELS = ("emergency", "urgent", "soon")


@pytest.fixture(scope="module")
def reader() -> SignContextReader:
    return load_sign_context()


def test_it_learns_only_from_blind_sets_after_their_first_run() -> None:
    """Every example file is a blind set (its header says it was sealed until one run)."""
    assert len(SETTINGS.example_files) >= 12
    for path in SETTINGS.example_files:
        header = path.read_text(encoding="utf-8").splitlines()[:3]
        assert path.name.startswith("vignettes_blind"), path
        assert any("blind" in line.lower() for line in header), (path, header)


def test_settings_are_checked_when_the_server_starts() -> None:
    raw = {"examples": ["tests/data/vignettes_blind.yml"], "doubt_at_or_above": 0.85,
           "doubt_emergency_at_or_above": 0.9, "min_words": 6,
           "model": {"C": 1.0, "word_ngrams": [1, 2], "char_ngrams": [3, 5], "min_df": 2, "max_iter": 100}}
    assert parse_settings(raw).doubt_at_or_above == 0.85
    with pytest.raises(PatternFileError):
        parse_settings({**raw, "doubt_at_or_above": 0.3})  # below one half: doubt would outvote belief
    with pytest.raises(PatternFileError):  # an emergency doubted more readily than a lower sign
        parse_settings({**raw, "doubt_emergency_at_or_above": 0.8})
    with pytest.raises(PatternFileError):
        parse_settings({**raw, "examples": ["tests/data/no_such_set.yml"]})
    with pytest.raises(PatternFileError):
        parse_settings({key: value for key, value in raw.items() if key != "model"})


def test_signs_are_masked_so_the_reader_judges_their_context() -> None:
    masked, signs = load_detector().sign_masked("My baby is floppy and her lips look blue")
    assert masked == "my baby is SIGN and her SIGN"
    assert signs == {"floppy_unresponsive", "colour_change"}
    assert load_detector().sign_masked("what are milia") == ("what are milia", frozenset())


@pytest.mark.parametrize(
    "text",
    [
        # written for this test, in none of the sets
        "my nephew went blue round the mouth with croup years ago lol, anyway my son has milk spots",
        "my cousin's baby had a fit once when she had a cold, but what I want to know is what milia are",
    ],
)
def test_a_sign_in_someone_elses_old_story_is_doubted(reader: SignContextReader, text: str) -> None:
    assert reader.doubts(text), reader.harmless_probability(text)


@pytest.mark.parametrize(
    "text",
    [
        "he just went floppy and we can't wake him, he is 6 weeks old",
        "my 3 week old has a temperature of 38.4 and white spots on her nose",
        "her lips are turning blue and she is grunting with every breath",
        "the redness around the bump on his eyelid is spreading and he has a high fever",
    ],
)
def test_a_sign_told_now_is_believed(reader: SignContextReader, text: str) -> None:
    assert not reader.doubts(text), reader.harmless_probability(text)


def test_short_messages_and_messages_without_signs_are_never_doubted(reader: SignContextReader) -> None:
    assert not reader.doubts("hes floppy lol")  # fewer than min_words
    assert reader.harmless_probability("what are milia and are they harmless") is None


def test_the_same_examples_give_the_same_reader(reader: SignContextReader) -> None:
    text = "my sister's boy went blue with croup once, anyway my daughter has milk spots"
    again = SignContextReader(SETTINGS, load_examples(SETTINGS.example_files), load_detector().sign_masked)
    assert again.harmless_probability(text) == reader.harmless_probability(text)


def test_left_out_sets_no_real_sign_is_asked_about_and_many_harmless_ones_are(show_figure) -> None:
    """Leave one blind set out: the thresholds' cost (real signs asked about before advice) and gain.

    Two figures: all messages with a sign at ``doubt_at_or_above``, and the messages whose
    present signs include an emergency one at the stricter ``doubt_emergency_at_or_above``
    (those are the harmless messages that would otherwise get a 911 call, and the real
    emergencies that would get the emergency-signs question before advice). A sign told
    as happening now ("38.1 right now") is never doubted, so it is not counted.
    """
    detector = load_detector()
    scored = cross_validated_scores(SETTINGS, load_examples(SETTINGS.example_files), detector.sign_masked)
    at, at_emergency = SETTINGS.doubt_at_or_above, SETTINGS.doubt_emergency_at_or_above
    lines = [f"context reader, one blind set left out at a time; doubt at or above {at}"]
    for label in (*SAFETY_NET_LEVELS, "none"):
        values = [score for example, score in scored if example.expect == label]
        if values:
            asked = sum(score >= at for score in values)
            lines.append(f"  {label:9} asked about {asked:4d} of {len(values):4d} messages with a sign")
    emergency = emergency_findings()

    def doubtable_emergency(text: str) -> bool:
        """Present emergency signs, none told as happening now (one that is gets advice at once)."""
        signs = [e for e in detector.detect_text(text) if e.entity == "red_flag" and not e.role and e.value in emergency]
        return bool(signs) and not any(e.told_now for e in signs)

    with_emergency_sign = [(example, score) for example, score in scored if doubtable_emergency(example.text)]
    harmless_severe = [score for example, score in with_emergency_sign if example.harmless]
    real_severe = [(example, score) for example, score in with_emergency_sign if example.expect == "emergency"]
    asked_real = [example.text for example, score in real_severe if score >= at_emergency]
    lines.append(f"messages with a present emergency sign; doubted at or above {at_emergency}")
    lines.append(f"  harmless  asked about {sum(s >= at_emergency for s in harmless_severe):4d} of "
                 f"{len(harmless_severe):4d} (the rest get emergency advice)")
    lines.append(f"  emergency asked about {len(asked_real):4d} of {len(real_severe):4d} "
                 "(the emergency-signs question with the sign listed; the rest advised at once)")
    lines += [f"    asked first: {text}" for text in asked_real]
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    show_figure("\n".join(lines))
    real = [score for example, score in scored if example.expect in SAFETY_NET_LEVELS]
    assert sum(score >= at for score in real) <= 0.005 * len(real)
    assert len(asked_real) <= 0.001 * len(real_severe)
    harmless = [score for example, score in scored if example.harmless]
    assert sum(score >= at for score in harmless) >= 0.40 * len(harmless)
    assert sum(score >= at_emergency for score in harmless_severe) >= 0.40 * len(harmless_severe)


# ------------------------------------------------------------------ the Rasa component
def message(text: str, *entities: dict[str, Any]) -> Message:
    return Message(data={TEXT: text, ENTITIES: list(entities)})


def red_flag(value: str, role: str | None = None) -> dict[str, Any]:
    entity = {"entity": "red_flag", "value": value, "start": 0, "end": 4, "extractor": "RedFlagDetector"}
    return {**entity, "role": role} if role else entity


def test_the_component_marks_present_urgent_or_soon_signs_doubtful_and_nothing_else() -> None:
    component = SignContextCheck({})
    text = "my sister's baby was really sleepy with a cold years ago lol, anyway mine just has milk spots"
    found = component.process([message(text, red_flag("unusually_sleepy"), red_flag("fever", "historical"),
                                       {"entity": "body_site", "value": "face"})])[0].get(ENTITIES)
    assert found[0]["role"] == DOUBTFUL and found[0]["value"] == "unusually_sleepy"
    assert found[1]["role"] == "historical" and "role" not in found[2]
    now = component.process([message("my 3 week old is really sleepy and not feeding, she has milk spots",
                                      red_flag("unusually_sleepy"))])
    assert "role" not in now[0].get(ENTITIES)[0]


def test_an_emergency_sign_is_doubted_only_at_the_stricter_score(
    reader: SignContextReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the two thresholds an urgent sign is asked about and an emergency one advised at once."""
    text = "my nephew went blue round the mouth and was sleepy with croup years ago lol, anyway my son has milk spots"
    entities = [red_flag("colour_change"), red_flag("unusually_sleepy"), red_flag("fever", "historical")]
    doubtable, emergency = interrupting_findings(), emergency_findings()
    between = (SETTINGS.doubt_at_or_above + SETTINGS.doubt_emergency_at_or_above) / 2
    for probability, expected in [(between, [1]), (SETTINGS.doubt_emergency_at_or_above, [0, 1]),
                                  (SETTINGS.doubt_at_or_above - 0.01, [])]:
        monkeypatch.setattr(reader, "harmless_probability", lambda _text, p=probability: p)
        assert reader.doubted(text, entities, doubtable, emergency) == expected, probability
    assert reader.doubted("went blue years ago lol", entities, doubtable, emergency) == []  # too short
    told_now = [{**red_flag("seizure"), "told_now": True}, red_flag("unusually_sleepy")]
    monkeypatch.setattr(reader, "harmless_probability", lambda _text: 0.99)
    assert reader.doubted(text, told_now, doubtable, emergency) == [1]  # "fitting as I type": answered at once


def test_the_component_asks_about_an_emergency_sign_in_someone_elses_old_story() -> None:
    """The outside review's kind of case: a 911 call for a nephew's croup years ago becomes a question."""
    component = SignContextCheck({})
    text = "my nephew went blue round the mouth with croup years ago lol, anyway my son has milk spots"
    assert load_sign_context().doubts(text, SETTINGS.doubt_emergency_at_or_above)
    found = component.process([message(text, red_flag("colour_change"))])[0].get(ENTITIES)
    assert found[0]["role"] == DOUBTFUL
    now = component.process([message("my 2 week old has gone blue round the mouth and is grunting",
                                      red_flag("colour_change"))])[0].get(ENTITIES)
    assert "role" not in now[0]


def test_the_doubtable_findings_by_kind() -> None:
    doubtable, emergency = interrupting_findings(), emergency_findings()
    assert {"eyelid_swelling", "growing_changing", "unusually_sleepy", "poor_feeding"} <= doubtable
    assert {"colour_change", "fever", "seizure", "non_blanching_rash", "spreading_redness"} <= emergency
    assert not doubtable & emergency
    assert not {"wants_to_be_seen", "typical_milia"} & (doubtable | emergency)


def test_a_failing_reader_leaves_the_signs_present(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def doubted(self, *args: Any) -> list[int]:
            raise RuntimeError("defect")

    component = SignContextCheck({}, reader=Broken())  # type: ignore[arg-type]
    found = component.process([message("my sister's baby was really sleepy with a cold years ago lol, anyway",
                                       red_flag("unusually_sleepy"))])
    assert "role" not in found[0].get(ENTITIES)[0]
    assert "Sign context reader failed" in caplog.text


def test_the_settings_file_is_the_default() -> None:
    assert SETTINGS_PATH.name == "sign_context.yml" and SETTINGS_PATH.is_file()
