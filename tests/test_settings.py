"""Clinic settings: valid defaults, and invalid files stop the bot with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import SettingsError, load_settings, parse_settings

REPO = Path(__file__).resolve().parent.parent
VALID = yaml.safe_load((REPO / "clinic.yml").read_text())
MODEL = os.environ.get("MILIA_TEST_MODEL", str(REPO / "models"))


def test_default_settings_are_valid() -> None:
    settings = load_settings(REPO / "clinic.yml")
    assert settings.emergency_number == str(VALID["emergency_number"])
    expected = {"clinic_name", "clinic_phone", "booking_url", "emergency_number", "medical_line", "retention_days"}
    assert set(settings.as_slots()) == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"emergency_number": ""}, "emergency_number"),
        ({"emergency_number": "call us"}, "emergency_number"),
        ({"phone": None}, "phone"),
        ({"booking_url": "javascript:alert(1)"}, "booking_url"),
        ({"country": "USA"}, "country"),
        ({"clinic_name": "  "}, "clinic_name"),
        ({"allowed_origins": ["*"]}, "allowed_origins"),
        ({"allowed_origins": "https://a.example"}, "allowed_origins"),
    ],
)
def test_invalid_fields_are_named(change, field) -> None:
    with pytest.raises(SettingsError, match=field):
        parse_settings({**VALID, **change})


def test_not_a_mapping() -> None:
    with pytest.raises(SettingsError, match="mapping"):
        parse_settings(["a", "b"])


def test_invalid_file_stops_the_action_server(tmp_path: Path) -> None:
    """The action server refuses to start on a broken settings file and says why."""
    broken = tmp_path / "clinic.yml"
    broken.write_text(yaml.safe_dump({**VALID, "emergency_number": "not a number"}))
    env = {**os.environ, "MILIA_CLINIC_SETTINGS": str(broken)}
    result = subprocess.run(
        [sys.executable, "-c", "import actions.actions"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "emergency_number" in result.stderr


def test_settings_command_reports_errors(tmp_path: Path) -> None:
    broken = tmp_path / "clinic.yml"
    broken.write_text("clinic_name: [unclosed")
    env = {**os.environ, "MILIA_CLINIC_SETTINGS": str(broken)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.settings"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr


def test_invalid_file_stops_the_bot_server(tmp_path: Path) -> None:
    """`rasa run` exits at start with the settings error, rather than serving nothing."""
    broken = tmp_path / "clinic.yml"
    broken.write_text(yaml.safe_dump({**VALID, "booking_url": "ftp://example.org"}))
    env = {**os.environ, "MILIA_CLINIC_SETTINGS": str(broken), "RASA_TELEMETRY_ENABLED": "false"}
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "run", "--port", "15405", "--credentials", str(REPO / "credentials.yml"), "--model", MODEL],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert "booking_url" in result.stdout + result.stderr
