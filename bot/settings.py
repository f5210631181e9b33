"""Clinic settings: loaded once, validated at start, with messages that name the field.

A clinic edits ``clinic.yml`` (or points ``MILIA_CLINIC_SETTINGS`` at its own file).
Both the dialogue policy and the action server read it, so a typo is caught when
either starts rather than in the middle of someone's emergency.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

import yaml

SETTINGS_ENV = "MILIA_CLINIC_SETTINGS"
DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent.parent / "clinic.yml"

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-]{1,24}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


class SettingsError(ValueError):
    """The clinic settings are invalid; the message says which field and why."""


@dataclass(frozen=True)
class ClinicSettings:
    clinic_name: str
    phone: str
    booking_url: str
    emergency_number: str
    medical_line: str
    country: str
    allowed_origins: tuple[str, ...]
    # Conversations older than this are deleted (``make purge``, and at every start).
    retention_days: int = 30

    def as_slots(self) -> dict[str, str]:
        """The values responses fill in (``{emergency_number}`` and so on)."""
        return {
            "clinic_name": self.clinic_name,
            "clinic_phone": self.phone,
            "booking_url": self.booking_url,
            "emergency_number": self.emergency_number,
            "medical_line": self.medical_line,
            "retention_days": str(self.retention_days),
        }


def _text(raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    if value is None or not str(value).strip():
        raise SettingsError(f"clinic settings: '{field}' is missing or empty")
    return str(value).strip()


def _phone(raw: dict[str, Any], field: str) -> str:
    value = _text(raw, field)
    if not PHONE_PATTERN.match(value):
        raise SettingsError(f"clinic settings: '{field}' must be a phone number, got {value!r}")
    return value


def _origin(value: Any) -> str:
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path not in ("", "/"):
        raise SettingsError(
            f"clinic settings: allowed_origins entries must look like https://host[:port], got {value!r}"
        )
    return f"{parsed.scheme}://{parsed.netloc}"


DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650


def _retention_days(raw: dict[str, Any]) -> int:
    value = raw.get("retention_days", DEFAULT_RETENTION_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RETENTION_DAYS:
        raise SettingsError(
            f"clinic settings: 'retention_days' must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, "
            f"got {value!r}"
        )
    return value


def parse_settings(raw: Any) -> ClinicSettings:
    """Validate a settings mapping; raise ``SettingsError`` naming the bad field."""
    if not isinstance(raw, dict):
        raise SettingsError("clinic settings: the file must be a YAML mapping of field: value")
    booking_url = _text(raw, "booking_url")
    if urlparse(booking_url).scheme not in ("http", "https"):
        raise SettingsError(f"clinic settings: 'booking_url' must be an http(s) URL, got {booking_url!r}")
    country = _text(raw, "country").upper()
    if not COUNTRY_PATTERN.match(country):
        raise SettingsError(f"clinic settings: 'country' must be a two-letter code, got {country!r}")
    origins = raw.get("allowed_origins") or []
    if not isinstance(origins, list):
        raise SettingsError("clinic settings: 'allowed_origins' must be a list")
    return ClinicSettings(
        clinic_name=_text(raw, "clinic_name"),
        phone=_phone(raw, "phone"),
        booking_url=booking_url,
        emergency_number=_phone(raw, "emergency_number"),
        medical_line=_phone(raw, "medical_line"),
        country=country,
        allowed_origins=tuple(_origin(origin) for origin in origins),
        retention_days=_retention_days(raw),
    )


def settings_path() -> Path:
    return Path(os.environ.get(SETTINGS_ENV) or DEFAULT_SETTINGS_PATH)


@lru_cache(maxsize=8)
def _load(path: Path) -> ClinicSettings:
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except FileNotFoundError as error:
        raise SettingsError(f"clinic settings file not found: {path}") from error
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"clinic settings file {path} is not UTF-8 text: {error.reason} at byte {error.start}"
        ) from None
    except OSError as error:
        raise SettingsError(f"clinic settings file {path} cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise SettingsError(f"clinic settings file {path} is not valid YAML: {error}") from error
    return parse_settings(raw)


def load_settings(path: Optional[Path] = None) -> ClinicSettings:
    """Load the clinic settings (cached per path)."""
    return _load(Path(path) if path else settings_path())


def main(argv: list[str]) -> int:
    """``python -m bot.settings [check|origins]``: validate the file or print CORS origins."""
    settings = load_settings()
    if argv[1:] == ["origins"]:
        print(" ".join(settings.allowed_origins))
    elif argv[1:] == ["retention"]:
        print(settings.retention_days)
    else:
        print(f"clinic settings OK: {settings.clinic_name} ({settings_path()})")
    return 0


if __name__ == "__main__":
    import sys

    try:
        raise SystemExit(main(sys.argv))
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
