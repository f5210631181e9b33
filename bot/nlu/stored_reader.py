"""Base of the layer-2 Rasa components whose scikit-learn reader is fitted by ``rasa train``.

Why: both readers (the sign suspicion and the context reader) are fitted from phrasing
files and blind sets, masked by the red-flag detector. Fitting them at every server start
cost about 15 s of a 27 s cold start, on every server of a cluster. Fitted once at
``rasa train`` and stored in the model archive (skops, scikit-learn types only), a server
loads them in about a second, and every server of a cluster reads the same reader.

Stale guard: the model stores a digest of every file the reader was fitted from (its
settings, their data files, and the detector's patterns and code that mask or filter
them). Rasa's cache knows those files through ``fingerprint_addon``; a server that loads
a model whose digest differs from the files it runs with fits the reader again and says so
in the log (the rules it runs are the rules in its files, never an older copy).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from abc import abstractmethod
from pathlib import Path
from typing import Any, Generic, Iterable, Optional, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from bot.nlu.skops_files import UntrustedModelFile, load_trusted

logger = logging.getLogger(__name__)

BOT = Path(__file__).resolve().parent.parent
# What the red-flag detector masks and filters with: a change here changes what a reader learns.
DETECTOR_INPUTS = (BOT / "resources", BOT / "language")
MODEL_FILE = "reader.skops"
DIGEST_FILE = "inputs.json"
# skops refuses any type it does not know; a fitted TfidfVectorizer of scikit-learn 1.1
# keeps its idf weights in this scipy matrix, plain numbers.
TRUSTED_TYPES = frozenset({"scipy.sparse._csr.csr_matrix"})

Reader = TypeVar("Reader")


def digest(files: Iterable[Path]) -> str:
    """SHA-256 over the names and bytes of ``files`` (directories: their .yml and .py files)."""
    paths: set[Path] = set()
    for path in files:
        if path.is_dir():
            paths.update(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".py"))
        else:
            paths.add(path)
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(str(path.relative_to(BOT.parent) if path.is_relative_to(BOT.parent) else path).encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    return sha.hexdigest()


def lean(model: Pipeline) -> Pipeline:
    """Drops what a fitted vectorizer keeps only for introspection (the pruned terms: most of the file)."""
    for step in model.steps:
        for _, part in getattr(step[1], "transformer_list", [(None, step[1])]):
            if hasattr(part, "stop_words_"):
                part.stop_words_ = None
    return model


class StoredReaderComponent(GraphComponent, EntityExtractorMixin, Generic[Reader]):
    """A component around one fitted reader: fitted in ``train``, stored in ``persist``, read in ``load``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``settings``: the reader's settings file (default: the one in bot/resources)."""
        return {"settings": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    # --- what a subclass says -------------------------------------------------------

    @classmethod
    @abstractmethod
    def input_files(cls, settings: Optional[Path]) -> list[Path]:
        """The settings file and the data files the reader is fitted from."""

    @classmethod
    @abstractmethod
    def fit_reader(cls, settings: Optional[Path]) -> Reader:
        """Fit the reader from its files (what a server without a stored reader does)."""

    @classmethod
    @abstractmethod
    def stored_reader(cls, settings: Optional[Path], model: Pipeline) -> Reader:
        """The reader around a model fitted earlier."""

    @staticmethod
    @abstractmethod
    def model_of(reader: Reader) -> Pipeline:
        """The fitted scikit-learn pipeline of a reader (what is stored)."""

    # --- Rasa's graph component ---------------------------------------------------

    @classmethod
    def settings_path(cls, config: dict[str, Any]) -> Optional[Path]:
        settings = (config or {}).get("settings")
        return Path(settings) if settings else None

    @classmethod
    def inputs_digest(cls, config: dict[str, Any]) -> str:
        return digest([*cls.input_files(cls.settings_path(config)), *DETECTOR_INPUTS])

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """The reader's files are not Rasa training data: their digest tells Rasa's cache when to fit again."""
        return cls.inputs_digest(config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StoredReaderComponent:
        return cls(config, model_storage=model_storage, resource=resource)

    def __init__(
        self,
        config: Optional[dict[str, Any]] = None,
        reader: Optional[Reader] = None,
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource
        self.reader: Reader = reader if reader is not None else self.fit_reader(self.settings_path(self.config))

    def train(self, training_data: TrainingData) -> Resource:
        """The reader was fitted when the component was made; store it in the model."""
        self.persist()
        return self._resource

    def persist(self) -> None:
        import skops.io as sio

        if self._model_storage is None or self._resource is None:
            raise RuntimeError(f"{type(self).__name__}: no model storage to persist to")
        with self._model_storage.write_to(self._resource) as folder:
            sio.dump(lean(self.model_of(self.reader)), folder / MODEL_FILE, compression=zipfile.ZIP_DEFLATED)
            (folder / DIGEST_FILE).write_text(json.dumps({"inputs": self.inputs_digest(self.config)}), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> StoredReaderComponent:
        settings = cls.settings_path(config)
        try:
            with model_storage.read_from(resource) as folder:
                stored = json.loads((folder / DIGEST_FILE).read_text(encoding="utf-8"))["inputs"]
                if stored != cls.inputs_digest(config):
                    logger.warning("%s: the model's reader was fitted from other files than this server's; "
                                   "fitting it again from the current files (run `make train`)", cls.__name__)
                    return cls(config, model_storage=model_storage, resource=resource)
                model = load_trusted(folder / MODEL_FILE, TRUSTED_TYPES)
        except UntrustedModelFile:
            raise
        except ValueError as error:  # no stored reader in this model (Rasa raises ValueError)
            logger.warning("%s: no stored reader in the model (%s); fitting it from the files", cls.__name__, error)
            return cls(config, model_storage=model_storage, resource=resource)
        return cls(config, reader=cls.stored_reader(settings, model), model_storage=model_storage, resource=resource)
