"""The outcomes report and the content report render in Chromium (screenshots in test-output/).

Uses the session's Chromium (``browser`` fixture, tests/browser/conftest.py): Playwright's
sync API allows one instance per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from playwright.sync_api import Browser, expect

from bot.analytics.synthetic import generate
from bot.content.records import load_records
from bot.content.report import write_report
from bot.report import main as report_main
from tests.browser.conftest import Widget

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-output" / "screenshots"


def test_outcomes_report_renders_with_its_charts(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    generate(url, 2000)
    assert report_main(["--db", url, "--since", "8d", "--out", str(tmp_path / "report")]) == 0
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((tmp_path / "report" / "outcomes-report.html").as_uri())
    assert page.locator("h1").inner_text() == "Outcomes report"
    charts = page.locator("img")
    assert charts.count() == 4
    for index in range(charts.count()):  # each chart decoded and drawn at a real size
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 300", charts.nth(index).element_handle())
    assert page.locator("#levels table tbody tr").count() == 5
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "outcomes-report.png"), full_page=True)
    page.close()


def test_content_report_renders(browser: Browser, tmp_path: Path) -> None:
    path = write_report(load_records(), tmp_path / "content-report.html")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(path.as_uri())
    assert page.locator("tbody tr").count() == 15
    assert page.locator("section").count() == 15
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "content-report.png"), full_page=False)
    page.close()


def test_widget_shows_an_answers_source_as_a_link_with_the_review_month(open_widget: Callable[..., Widget]) -> None:
    """The source line built from the content record becomes a real link in the widget."""
    (record,) = [record for record in load_records() if record.topic == "what_is_milia"]
    (source,) = [record.sources[key] for key in record.answer["plain"].sources]
    widget = open_widget()
    widget.launcher.click()
    widget.wait_idle(0)
    answer = " ".join(widget.send("what are milia"))
    assert f"Source: {source.publisher}, {source.title} · Reviewed {record.review.last_reviewed:%B %Y}" in answer
    link = widget.part(f'.msg.bot a[href="{source.url}"]').last
    expect(link).to_contain_text(f"{source.publisher}, {source.title}")
    assert "[" not in answer and "](" not in answer, "no markdown left visible"
