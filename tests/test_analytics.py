"""Outcomes report: exact counts from scripted conversations, no personal data stored, speed."""

from __future__ import annotations

import csv
import importlib
import time
from pathlib import Path

import pytest

from bot.analytics import html_report, store
from bot.analytics.recorder import Recorder
from bot.analytics.redaction import placeholder_redact
from bot.analytics.summary import summarise
from bot.analytics.synthetic import Script, generate
from bot.domain_files import load_domain
from bot.report import main as report_main
from bot.report import parse_since

T0 = 1_790_000_000.0  # 2026-09-21, a fixed clock for the scripted conversations
INTENTS = frozenset(load_domain()["intents"])
PRIVATE = ("Alice", "Smith", "07700", "900123", "jo@example.com", "Elm Street", "white bumps on my nose",
           "question about", "my baby is 3 weeks", "talk to a nurse", "secret_text_here")


def scripted() -> list[dict]:
    """Six conversations whose figures are counted by hand in the test below."""
    a = Script("sender-A", T0).start()
    a.user("greet").say("utter_greet", 0.1).user("ask_treatment", "how do I treat them").say(
        "utter_answer_treatment", 0.3)
    b = Script("sender-B", T0 + 100).start()
    b.user("nlu_fallback", "my name is Alice Smith, call 07700 900123").say("utter_default", 0.2)
    b.user("nlu_fallback", "email jo@example.com about Elm Street").say("utter_fallback_contact", 0.2)
    b.user("request_human", "can I talk to a nurse").say("utter_request_human", 0.2)
    c = Script("sender-C", T0 + 200).start()  # leaves at the second question
    c.user("describe_symptoms", "white bumps on my nose").say("utter_start_questionnaire", 0.4)
    c.form("triage_form").ask("age_group", 0.1).user("inform", "adult").ask("body_site", 0.1)
    d = Script("sender-D", T0 + 300).start()  # completes: soon
    d.user("describe_symptoms", "white bumps on my nose").say("utter_start_questionnaire", 0.5)
    d.form("triage_form").ask("age_group", 0.1)
    for question in ("body_site", "duration", "danger_signs", "warning_signs"):
        d.user("inform", "an answer").ask(question, 0.1)
    d.user("inform", "no").slot("requested_slot", None).form(None).advice("soon", 0.6)
    e = Script("sender-E", T0 + 400).start()  # urgent, then emergency: counts once, as emergency
    e.user("describe_symptoms", "my baby is 3 weeks old, hot and red").advice("urgent", 0.2)
    e.user("describe_symptoms", "my baby is 3 weeks old and floppy").advice("emergency", 0.2)
    f = Script("sender-A", T0 + 5000).start()  # the same person again: a new session, a new conversation
    f.user("secret_text_here", "/secret_text_here").say("utter_default", 0.2)
    return a.events + b.events + c.events + d.events + e.events + f.events


@pytest.fixture
def scripted_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    engine = store.connect(url)
    store.write(engine, Recorder(intents=INTENTS, redact=placeholder_redact).rows_for(scripted()))
    engine.dispose()
    return url


def test_scripted_conversations_give_exact_counts(scripted_db: str) -> None:
    engine = store.connect(scripted_db)
    summary = summarise(engine, T0 - 10, T0 + 10_000)
    engine.dispose()
    tables = {name: dict(table.rows) for name, table in summary.tables.items()}
    assert summary.conversations == 6
    assert summary.user_messages == 2 + 3 + 2 + 6 + 2 + 1
    assert summary.fallbacks == 3  # B twice, F once (an unknown intent is "other" and not understood)
    assert summary.handoffs == 1
    assert summary.emergencies == 1
    assert tables["levels"] == {"emergency": 1, "urgent": 0, "soon": 1, "routine": 0, "self_care": 0}
    assert tables["conversations_per_day"] == {"2026-09-21": 6}
    assert tables["top_intents"]["describe_symptoms"] == 4 and tables["top_intents"]["other"] == 1
    assert "secret_text_here" not in tables["top_intents"]
    assert tables["questionnaire_funnel"] == {
        "started": 2, "asked: age_group": 2, "asked: body_site": 2, "asked: duration": 1,
        "asked: danger_signs": 1, "asked: warning_signs": 1, "got advice": 1}
    assert tables["questionnaire_left"] == {
        "age_group": 0, "body_site": 1, "duration": 0, "danger_signs": 0, "warning_signs": 0}
    assert tables["unanswered"] == {"my name is [name] [name], call [number]": 1,
                                    "email [email] about [name] [name]": 1}
    assert tables["handoff"] == {"requests": 1, "conversations": 1}
    # 16 replies: latencies 0.1 s x6 (form questions and greet), 0.2 x8, 0.3, 0.4, 0.5, 0.6 ...
    assert tables["latency"]["replies measured"] == summary.user_messages
    assert summary.latency_p50_ms == 200.0
    assert 400.0 <= summary.latency_p95_ms <= 600.0


def test_nothing_personal_reaches_the_database_or_the_report(scripted_db: str, tmp_path: Path) -> None:
    generate(scripted_db, 300, now=T0 + 86400)
    assert report_main(["--db", scripted_db, "--since", "3650d", "--out", str(tmp_path / "report")]) == 0
    files = list(tmp_path.glob("analytics.db*")) + list((tmp_path / "report").iterdir())
    assert any(path.suffix == ".csv" for path in files) and any(path.suffix == ".html" for path in files)
    for path in files:
        data = path.read_bytes()
        for secret in PRIVATE + ("sender-A", "sender-B", "user-000001-sender"):
            assert secret.encode() not in data, (secret, path.name)
    page = (tmp_path / "report" / "outcomes-report.html").read_text(encoding="utf-8")
    assert "can my cat have them" in page  # an unanswered question, kept (redacted) so content can grow


def test_the_report_says_so_when_the_store_is_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert report_main(["--db", url, "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "outcomes-report.html").read_text(encoding="utf-8")
    assert 'id="empty"' in page and "No conversations were recorded" in page
    with open(tmp_path / "out" / "levels.csv", encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1] == ["emergency", "0"]


def test_the_period_is_parsed_strictly() -> None:
    assert parse_since("7d") == 7 * 86400 and parse_since("24h") == 86400 and parse_since("2w") == 14 * 86400
    for bad in ("7", "0d", "-1d", "7 days", "d"):
        with pytest.raises(Exception):  # noqa: B017 - argparse's error type
            parse_since(bad)


def test_placeholder_redaction_masks_contact_details_and_names() -> None:
    """PLACEHOLDER behaviour until bot.privacy.redaction (see bot/analytics/redaction.py)."""
    assert placeholder_redact("I am Alice, call 07700 900123 or a@b.org, see www.x.org") == (
        "I am [name], call [number] or [email] see [link]")
    assert placeholder_redact("White bumps near my eye") == "White bumps near my eye"


def test_the_privacy_redaction_is_used_when_present() -> None:
    """Once the privacy work's redact() is merged, analytics uses it rather than the placeholder."""
    analytics_redaction = importlib.import_module("bot.analytics.redaction")
    try:
        privacy = importlib.import_module("bot.privacy.redaction")
    except ImportError:
        assert analytics_redaction.redact is placeholder_redact
    else:
        assert analytics_redaction.redact is privacy.redact


def test_a_crafted_intent_cannot_store_text() -> None:
    recorder = Recorder(intents=INTENTS, redact=placeholder_redact)
    rows = recorder.rows({"sender_id": "s", "timestamp": T0, "event": "user", "text": "/my_name_is_bob",
                          "parse_data": {"intent": {"name": "my_name_is_bob"}}})
    assert [(row.kind, row.name) for row in rows] == [("conversation", None), ("intent", "other")]
    assert all(row.conversation != "s" and len(row.conversation) == 16 for row in rows)


def test_report_on_100000_conversations_within_30_seconds(
    tmp_path_factory: pytest.TempPathFactory, show_figure
) -> None:
    folder = tmp_path_factory.mktemp("analytics100k")
    url = f"sqlite:///{folder / 'analytics.db'}"
    started = time.perf_counter()
    rows = generate(url, 100_000)
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    assert report_main(["--db", url, "--since", "8d", "--out", str(folder / "report")]) == 0
    report_s = time.perf_counter() - started
    show_figure(f"100,000 conversations ({rows} rows) generated in {generated_s:.1f} s; report in {report_s:.1f} s")
    page = (folder / "report" / "outcomes-report.html").read_text(encoding="utf-8")
    assert "100000" in page.replace(",", "") and page.count("data:image/png;base64,") == 4
    assert report_s < 30.0


def test_chart_only_for_tables_with_counts(scripted_db: str) -> None:
    engine = store.connect(scripted_db)
    page = html_report.render(summarise(engine, T0 - 10, T0 + 10_000))
    engine.dispose()
    assert page.count("<img ") == 4
    assert "<script" not in page and "http" not in page.replace('href="', "")


def _run(coroutine: object) -> object:
    """Run a coroutine on its own thread (the browser tests keep an event loop in the main one)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_rasa_loads_the_broker_from_endpoints_and_it_writes_in_the_background(tmp_path: Path) -> None:
    """Leans on Rasa's custom broker loading (``type: module.Class``): fails if Rasa changes it."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import EndpointConfig

    from bot.analytics.broker import AnalyticsEventBroker

    url = f"sqlite:///{tmp_path / 'broker.db'}"
    config = EndpointConfig(url=url, type="bot.analytics.broker.AnalyticsEventBroker")
    broker = _run(EventBroker.create(config))
    assert isinstance(broker, AnalyticsEventBroker)
    for event in scripted():
        broker.publish(event)
    broker.publish({"event": "user", "timestamp": "not a number"})  # ignored, never raises
    _run(broker.close())
    engine = store.connect(url)
    assert summarise(engine, T0 - 10, T0 + 10_000).conversations == 6
    engine.dispose()


def test_a_broken_analytics_database_never_breaks_publishing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.analytics.broker import AnalyticsEventBroker

    broker = AnalyticsEventBroker(url=f"sqlite:///{tmp_path / 'gone.db'}", intents=INTENTS)
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # the file is now a folder: every write fails
    broker.engine.dispose()
    for event in scripted():
        broker.publish(event)
    _run(broker.close())  # returns; the failed batch is logged, not raised
    assert "analytics: could not write" in caplog.text
