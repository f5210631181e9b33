"""The layer-2 readers are fitted by ``rasa train`` and stored in the model (bot/nlu/stored_reader.py).

A server loads them instead of fitting them (15 s of the cold start), loads only
scikit-learn types, fits again (and says so) when its files differ from the ones the model
was fitted from, and Rasa's cache fits again when any of those files change.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.language.sign_context import SETTINGS_PATH
from bot.nlu.sign_context import SignContextCheck
from bot.nlu.sign_suspicion import SignSuspicionDetector
from bot.nlu.stored_reader import DIGEST_FILE, MODEL_FILE, digest

CONTEXT = ExecutionContext(GraphSchema({}), "test")
STORIES = [
    "my sister's baby was really sleepy with a cold years ago lol, anyway mine just has milk spots",
    "my 3 week old is really sleepy and not feeding, she has milk spots",
    "his chest caves in under the ribs every time he breathes",
    "what are these white bumps on my nose",
]


def stored(component_class: type, tmp_path: Path) -> tuple[LocalModelStorage, Resource]:
    storage, resource = LocalModelStorage(tmp_path), Resource(component_class.__name__)
    component_class.create({}, storage, resource, CONTEXT).train(None)  # the training data is not read
    return storage, resource


def scores(component) -> list[float]:
    reader = component.reader
    if isinstance(component, SignContextCheck):
        return [reader.harmless_probability(text) or 0.0 for text in STORIES]
    return [reader.suspicion(text).probability for text in STORIES]


@pytest.mark.parametrize("component_class", [SignContextCheck, SignSuspicionDetector])
def test_a_stored_reader_loads_without_fitting_and_answers_the_same(
    component_class: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted = component_class({})
    storage, resource = stored(component_class, tmp_path)

    def no_fitting(settings):
        raise AssertionError("a server with a stored reader must not fit one")

    monkeypatch.setattr(component_class, "fit_reader", classmethod(lambda cls, settings: no_fitting(settings)))
    loaded = component_class.load({}, storage, resource, CONTEXT)
    assert loaded.reader.model is not fitted.reader.model
    assert scores(loaded) == pytest.approx(scores(fitted), abs=1e-12)


def test_the_stored_file_is_lean(tmp_path: Path) -> None:
    """Stored as written, the reader took 18 MB (pruned terms and skops' verbose vocabulary); compressed, lean."""
    storage, resource = stored(SignContextCheck, tmp_path)
    with storage.read_from(resource) as folder:
        assert (folder / MODEL_FILE).stat().st_size < 4_000_000


def test_a_model_fitted_from_other_files_is_fitted_again_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, resource = stored(SignContextCheck, tmp_path)
    with storage.write_to(resource) as folder:
        (folder / DIGEST_FILE).write_text('{"inputs": "an older set of rules"}', encoding="utf-8")
    fresh = object()
    monkeypatch.setattr(SignContextCheck, "fit_reader", classmethod(lambda cls, settings: fresh))
    with caplog.at_level(logging.WARNING):
        loaded = SignContextCheck.load({}, storage, resource, CONTEXT)
    assert loaded.reader is fresh
    assert "fitted from other files" in caplog.text


class Stranger:
    """A type that is not scikit-learn's: loading it could run code."""


def test_a_stored_file_with_other_types_is_refused(tmp_path: Path) -> None:
    storage, resource = stored(SignContextCheck, tmp_path)
    with storage.write_to(resource) as folder:
        sio.dump({"reader": Stranger()}, folder / MODEL_FILE)
    with pytest.raises(ValueError, match="untrusted"):
        SignContextCheck.load({}, storage, resource, CONTEXT)


def test_a_model_without_a_stored_reader_fits_one(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = SignContextCheck.load({}, LocalModelStorage(tmp_path), Resource("never_trained"), CONTEXT)
    assert loaded.reader.harmless_probability(STORIES[0]) is not None
    assert "no stored reader" in caplog.text


def test_rasa_fits_again_when_a_file_the_reader_learns_from_changes(tmp_path: Path) -> None:
    settings = tmp_path / "sign_context.yml"
    shutil.copy(SETTINGS_PATH, settings)
    config = {"settings": str(settings)}
    before = SignContextCheck.fingerprint_addon(config)
    assert before == SignContextCheck.fingerprint_addon(config)
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("doubt_at_or_above: 0.88", "doubt_at_or_above: 0.9"), encoding="utf-8")
    assert SignContextCheck.fingerprint_addon(config) != before


@pytest.mark.parametrize("component_class", [SignContextCheck, SignSuspicionDetector])
def test_every_data_file_a_reader_learns_from_is_in_its_digest(component_class: type) -> None:
    """A new blind set or phrasing file changes the digest, so Rasa fits the reader again."""
    files = component_class.input_files(None)
    assert len(files) > 2 and all(path.is_file() for path in files)
    learned = component_class.fit_reader(None)
    if component_class is SignContextCheck:
        assert set(learned.settings.example_files) <= set(files)
    else:
        assert set(learned.settings.phrasing_files) <= set(files)


def test_the_digest_reads_names_and_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("x: 1", encoding="utf-8")
    second.write_text("x: 1", encoding="utf-8")
    assert digest([first]) != digest([second])
    assert digest([tmp_path]) == digest([first, second])
    before = digest([tmp_path])
    second.write_text("x: 2", encoding="utf-8")
    assert digest([tmp_path]) != before
