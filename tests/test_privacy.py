"""Privacy by design, without a server: redaction table, retention, deletion, file mode,
settings. The in-chat deletion against the running bot is in tests/test_privacy_server.py."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import time
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.deletion import DELETION_FLAG, asks_for_deletion, delete_conversation
from bot.privacy.redaction import redact
from bot.privacy.retention import SECONDS_PER_DAY, purge_database
from bot.settings import DEFAULT_SETTINGS_PATH, SettingsError, load_settings, parse_settings
from bot.tracker_store import UrlSQLTrackerStore

# ------------------------------------------------------------------ redaction table

REDACTED = [
    # (message, what must disappear, placeholder that replaces it)
    ("mail me at john.doe@example.com please", "john.doe@example.com", "{{EMAIL}}"),
    ("my email is a.b+c@clinic-mail.co.uk", "a.b+c@clinic-mail.co.uk", "{{EMAIL}}"),
    ("call me on +1 415 555 0134", "415 555 0134", "{{PHONE}}"),
    ("my number is (415) 555-0135", "555-0135", "{{PHONE}}"),
    # Numbers written the way another country writes them, whatever the clinic's country.
    ("my name is Alice Smith, call 07700 900123", "07700 900123", "{{PHONE}}"),
    ("text me on +44 7700 900124", "7700 900124", "{{PHONE}}"),
    ("ring 555-0100 after six", "555-0100", "{{PHONE}}"),
    ("she was born on 12/03/2024 and has spots", "12/03/2024", "{{DATE_OF_BIRTH}}"),
    ("DOB: 3 March 2024", "3 March 2024", "{{DATE_OF_BIRTH}}"),
    ("her birthday is March 3rd, 2024", "March 3rd, 2024", "{{DATE_OF_BIRTH}}"),
    ("date of birth 2024-03-12", "2024-03-12", "{{DATE_OF_BIRTH}}"),
    ("I live at 123 Main Street, Springfield, IL 62704 with my baby", "123 Main Street", "{{ADDRESS}}"),
    ("our address is 225 E 4th St, Austin, TX 78701", "225 E 4th St", "{{ADDRESS}}"),
    ("we are at 12 High Street, London SW1A 1AA", "12 High Street", "{{ADDRESS}}"),
    ("i live at 12 Elm Street, how long do milia last", "Elm Street", "{{ADDRESS}}"),
    ("my name is sarah and my son has bumps", "sarah", "{{NAME}}"),
    ("My name is Sarah Jones", "Sarah Jones", "{{NAME}}"),
    ("hi, I'm Tom", "Tom", "{{NAME}}"),
    ("her name is Mia, she is 3 weeks old", "Mia", "{{NAME}}"),
    ("you can call me Priya", "Priya", "{{NAME}}"),
]

KEPT = [
    # Clinical details and ordinary words are not personal details: the triage needs them.
    "my 3 week old has a fever of 38.4",
    "my baby was born 2 weeks ago and has a fever of 38.5",
    "temperature 100.4F for 3 days",
    "I'm worried about my newborn",
    "I'm not sure, maybe 2 to 3 weeks",
    "call 911",
    "she has had them since birth",
    "what are milia",
]


@pytest.mark.parametrize("message, secret, placeholder", REDACTED)
def test_personal_details_are_replaced_before_storage(message: str, secret: str, placeholder: str) -> None:
    redacted = redact(message, "US")
    assert secret not in redacted
    assert placeholder in redacted


@pytest.mark.parametrize("message", KEPT)
def test_clinical_details_and_ordinary_words_are_kept(message: str) -> None:
    assert redact(message, "US") == message


@pytest.mark.parametrize("text", ["1 " * 2500, "12345 " * 800, "12 Main Street " * 330, "hello there " * 400])
def test_redaction_time_is_bounded_for_long_messages(text: str) -> None:
    start = time.perf_counter()
    redact(text, "US")
    assert time.perf_counter() - start < 0.5


# ------------------------------------------------------------------ stores


def _store(path: Path) -> UrlSQLTrackerStore:
    return UrlSQLTrackerStore(url=f"sqlite:///{path}")


def _save(store: UrlSQLTrackerStore, sender: str, *times: float) -> None:
    events = [
        event
        for at in times
        for event in (ActionExecuted("action_listen", timestamp=at), UserUttered("hello", timestamp=at + 1))
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def _rows(path: Path, sender: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_database_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    _store(tmp_path / "tracker.db")
    assert stat.S_IMODE((tmp_path / "tracker.db").stat().st_mode) == 0o600


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    _store(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_retention_deletes_old_conversations_and_keeps_recent_ones(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = _store(path)
    now = time.time()
    _save(store, "old", now - 31 * SECONDS_PER_DAY)
    _save(store, "recent", now - 29 * SECONDS_PER_DAY)
    _save(store, "ongoing", now - 40 * SECONDS_PER_DAY, now - 60)  # old, but a message today: kept whole
    assert purge_database(f"sqlite:///{path}", 30, now=now) == 1
    assert _rows(path, "old") == 0
    assert _rows(path, "recent") > 0
    assert _rows(path, "ongoing") == 4


def test_retention_on_a_missing_database_deletes_nothing(tmp_path: Path) -> None:
    assert purge_database(f"sqlite:///{tmp_path / 'none.db'}", 30) == 0


def test_deleting_a_conversation_removes_all_its_rows_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = _store(path)
    _save(store, "me", time.time())
    _save(store, "someone-else", time.time())
    assert _rows(path, "me") == 2
    assert delete_conversation(store, "me") == 2
    assert _rows(path, "me") == 0
    assert _rows(path, "someone-else") == 2


def test_only_the_deletion_confirmation_triggers_a_deletion() -> None:
    assert asks_for_deletion([{"text": "Done"}, {"custom": {DELETION_FLAG: True}}])
    assert not asks_for_deletion([{"text": "delete my conversation"}, {"custom": {DELETION_FLAG: "yes"}}])


# ------------------------------------------------------------------ settings


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())


def test_retention_defaults_to_30_days() -> None:
    raw = _raw()
    raw.pop("retention_days", None)
    assert parse_settings(raw).retention_days == 30


@pytest.mark.parametrize("value", [0, -1, 3651, "30", 2.5, True, None])
def test_retention_must_be_a_whole_number_of_days(value: object) -> None:
    raw = _raw()
    raw["retention_days"] = value
    with pytest.raises(SettingsError, match="retention_days"):
        parse_settings(raw)


def test_a_settings_file_that_is_not_utf8_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yml"
    path.write_bytes(DEFAULT_SETTINGS_PATH.read_bytes().replace(b"Example", b"Exampl\xe9"))
    with pytest.raises(SettingsError, match=str(path)):
        load_settings(path)
