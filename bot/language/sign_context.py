"""Layer 2 of the safety net, second half: doubt about the *words around* a sign the patterns read as present.

Why: the context records (``resources/context_rules.yml``) catch the ways of saying
"not now, not this person" that the team has seen. Every blind set written by outsiders
brought new ones: "my sister's boy went blue round the lips with croup once, anyway my
daughter has milk spots", "i went pale when the derm said needle lol", "red hot chilli
peppers gig". Each was mended with a record after its first run, and the next set brought
others: records alone over-triaged 8 to 10% of the harmless messages of a new set.

This reader learns what those contexts have in common (a story about someone else, a
time long past, a joke, a cause that explains the word away, a general question) from
the words around the signs, with every sign masked as ``SIGN`` so it judges the context
and not the sign. When it doubts that a sign is happening now to the person with the
bumps, the sign's role becomes ``doubtful`` and the safety net ASKS before advising
(the emergency-signs question for an emergency sign, "is that happening now?" for a
lower one); "yes" or no usable answer gives the advice. It never drops a sign and never
lowers a level by itself.

Trained on the blind sets' single messages after each set's first run (written by
helper sessions that had not seen the patterns), never on a set before its first run.
Deterministic: the same files give the same model. Settings in
``resources/sign_context.yml``; figures in tests/test_sign_context.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from bot.language.patterns import PatternFileError
from bot.language.suspicion import RED_FLAG

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SETTINGS_PATH = RESOURCES / "sign_context.yml"
REPOSITORY = RESOURCES.parent.parent
HARMLESS = "none"  # a blind set's label for a message that should get no triage advice
DOUBTFUL = "doubtful"

Masker = Callable[[str], tuple[str, frozenset[str]]]


@dataclass(frozen=True)
class Example:
    """One labelled message: its text and the level a careful reader gives it (``none``: harmless)."""

    text: str
    expect: str
    source: str = ""

    @property
    def harmless(self) -> bool:
        # Only ``none``: set AC (round 19) labels its harmless single messages routine or
        # self_care, and counting those harmless made four left-out emergencies score harmless
        # (over the 0.2% bound); read as real, they only make the reader ask less (fail safe)
        return self.expect == HARMLESS


@dataclass(frozen=True)
class ContextSettings:
    example_files: tuple[Path, ...]
    doubt_at_or_above: float
    min_words: int
    model: Mapping[str, Any]


def parse_settings(raw: Mapping[str, Any], base: Path = REPOSITORY) -> ContextSettings:
    """Validate the settings file; a mistake fails when the server starts, not on a message."""
    try:
        settings = ContextSettings(
            example_files=tuple(base / name for name in raw["examples"]),
            doubt_at_or_above=float(raw["doubt_at_or_above"]),
            min_words=int(raw["min_words"]),
            model=dict(raw["model"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PatternFileError(f"sign_context.yml: {error!r}") from error
    if not 0.5 <= settings.doubt_at_or_above < 1.0:
        raise PatternFileError("sign_context.yml: doubt_at_or_above must be in [0.5, 1)")
    missing = [str(path) for path in settings.example_files if not path.is_file()]
    if missing:
        raise PatternFileError(f"sign_context.yml: example files not found: {missing}")
    return settings


def load_examples(files: Iterable[Path]) -> list[Example]:
    """The single messages of blind triage sets (``single:`` with ``text`` and ``expect``)."""
    examples = []
    for path in files:
        for case in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("single") or []:
            examples.append(Example(str(case["text"]), str(case["expect"]), path.name))
    return examples


def features(masked: str, signs: Iterable[str]) -> str:
    """The masked words plus one token per sign id: a "pale" is an idiom more often than a "seizure"."""
    return " ".join([masked, *(f"sign_{value}" for value in sorted(signs))])


def build_model(settings: Mapping[str, Any]) -> Pipeline:
    """Word and word-pair counts (the context's words) and character n-grams (their misspellings)."""
    low, high = settings["char_ngrams"]
    word_low, word_high = settings["word_ngrams"]
    union = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(word_low, word_high), sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b|'\w+"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True, min_df=settings["min_df"]),
    )
    classifier = LogisticRegression(C=float(settings["C"]), max_iter=int(settings["max_iter"]),
                                    class_weight="balanced")
    return make_pipeline(union, classifier)


class SignContextReader:
    """The trained reader and the rule that turns its answer into doubt."""

    def __init__(self, settings: ContextSettings, examples: list[Example], mask: Masker) -> None:
        rows = [(mask(example.text), example.harmless) for example in examples]
        usable = [(features(*masked), harmless) for masked, harmless in rows if masked[1]]
        if len({harmless for _, harmless in usable}) < 2:
            raise PatternFileError("sign_context.yml: the examples need harmless and real messages with signs")
        model = build_model(settings.model)
        model.fit([text for text, _ in usable], [harmless for _, harmless in usable])
        self._adopt(settings, model, mask)

    @classmethod
    def fitted(cls, settings: ContextSettings, model: Pipeline, mask: Masker) -> SignContextReader:
        """The reader around a model fitted earlier (by ``rasa train``, stored in the Rasa model)."""
        reader = cls.__new__(cls)
        reader._adopt(settings, model, mask)
        return reader

    def _adopt(self, settings: ContextSettings, model: Pipeline, mask: Masker) -> None:
        if sorted(model[-1].classes_) != [False, True]:
            raise PatternFileError("sign_context: the fitted model must answer harmless or not")
        self.settings = settings
        self._mask = mask
        self.model = model
        self._harmless_column = list(model[-1].classes_).index(True)

    def harmless_probability(self, text: str) -> Optional[float]:
        """How likely the signs in ``text`` are told in a harmless context; None when it holds no sign."""
        masked, signs = self._mask(text)
        if not signs:
            return None
        return float(self.model.predict_proba([features(masked, signs)])[0][self._harmless_column])

    def doubts(self, text: str) -> bool:
        """True when the message is long enough to tell a story and its context reads as harmless."""
        if len(text.split()) < self.settings.min_words:
            return False
        probability = self.harmless_probability(text)
        return probability is not None and probability >= self.settings.doubt_at_or_above

    def doubted(self, text: str, entities: Iterable[Mapping[str, Any]], doubtable: frozenset[str]) -> list[int]:
        """Indices of the present red flags (no role) in ``entities`` that become doubtful.

        Only findings that would interrupt with advice (``doubtable``) are worth a question;
        a message is read once, and all its present doubtable signs share the doubt.
        """
        entities = list(entities)
        present = [
            index for index, entity in enumerate(entities)
            if entity.get("entity") == RED_FLAG and not entity.get("role") and entity.get("value") in doubtable
        ]
        if not present or not self.doubts(text):
            return []
        return present


def read_settings(path: Path = SETTINGS_PATH) -> ContextSettings:
    return parse_settings(yaml.safe_load(path.read_text(encoding="utf-8")))


def cross_validated_scores(
    settings: ContextSettings, examples: list[Example], mask: Masker
) -> list[tuple[Example, float]]:
    """Leave one blind set out: each message with a sign, scored by a reader trained on the other sets.

    The score is the harmless probability; a message too short to be doubted scores 0.
    What the test and README report: how many harmless messages would be asked about, and
    how many real ones would be asked about instead of advised at once.
    """
    rows = [(example, mask(example.text)) for example in examples]
    rows = [(example, masked) for example, masked in rows if masked[1]]
    scored: list[tuple[Example, float]] = []
    for source in sorted({example.source for example, _ in rows}):
        train = [(features(*masked), example.harmless) for example, masked in rows if example.source != source]
        test = [(features(*masked), example) for example, masked in rows if example.source == source]
        model = build_model(settings.model).fit([t for t, _ in train], [h for _, h in train])
        column = list(model[-1].classes_).index(True)
        for (_, example), probability in zip(test, model.predict_proba([t for t, _ in test])[:, column], strict=True):
            long_enough = len(example.text.split()) >= settings.min_words
            scored.append((example, float(probability) if long_enough else 0.0))
    return scored


@lru_cache(maxsize=4)
def load_sign_context(path: Optional[Path] = None) -> SignContextReader:
    """Train once per process (about a second) from the blind sets' single messages."""
    from bot.language.detector import load_detector

    settings = read_settings(path or SETTINGS_PATH)
    return SignContextReader(settings, load_examples(settings.example_files), load_detector().sign_masked)
