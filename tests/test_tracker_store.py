"""The tracker store is configured by one URL: from endpoints.yml, or TRACKER_STORE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.tracker_store import UrlSQLTrackerStore, connection_arguments


def test_connection_arguments() -> None:
    assert connection_arguments("sqlite:///milia.db") == {"dialect": "sqlite", "db": "milia.db"}
    assert connection_arguments("postgresql://u:p@db.example:5432/milia") == {
        "dialect": "postgresql", "host": "postgresql://u:p@db.example:5432/milia", "db": "milia"}


def _store(url: str) -> TrackerStore:
    config = EndpointConfig(url=url, type="bot.tracker_store.UrlSQLTrackerStore")
    return TrackerStore.create(config, Domain.empty())


def test_endpoint_url_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    database = tmp_path / "conversations.db"
    store = _store(f"sqlite:///{database}")
    assert isinstance(getattr(store, "_tracker_store", store), UrlSQLTrackerStore)
    assert database.exists()


def test_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "from-env.db"
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{database}")
    _store(f"sqlite:///{tmp_path / 'from-file.db'}")
    assert database.exists()
    assert not (tmp_path / "from-file.db").exists()
