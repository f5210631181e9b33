"""The hazard log names only tests that exist, and its Markdown is up to date."""

from __future__ import annotations

from bot.hazard_log import RENDERED, load, missing_tests, render


def test_every_control_names_tests_that_exist() -> None:
    assert missing_tests(load()) == []


def test_a_missing_test_is_reported(tmp_path) -> None:
    hazards = [{"controls": [{"tests": ["tests/test_safety_net.py::test_that_does_not_exist",
                                        "tests/no_such_file.py"]}]}]
    assert len(missing_tests(hazards)) == 2


def test_every_hazard_has_controls_and_a_lower_residual_risk() -> None:
    for hazard in load():
        assert hazard["controls"], hazard["id"]
        assert hazard["likelihood_residual"] <= hazard["likelihood_initial"], hazard["id"]


def test_markdown_matches_the_data() -> None:
    assert RENDERED.read_text(encoding="utf-8") == render(load()), "run: python -m bot.hazard_log"
