"""Layer 2 of the safety net: a learned suspicion that a message describes a danger sign.

Why: the red-flag patterns (layer 1) read signs said the way the team thought of them;
blind sets written by outsiders kept finding new ways to say the same sign ("his chest
caves in under the ribs", "she's like a rag doll"). A small classifier over sign
categories, trained on phrasings written from the medical brief by people who had not
seen the patterns, catches what the patterns miss. It only ever makes the bot ASK the
emergency-signs question (a suspected sign); it never gives advice and never removes a
sign the patterns found.

Deterministic: trained when first used in a process, from the phrasing files, with a
fixed solver; the same files give the same model and the same answers. Settings in
``resources/sign_suspicion.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from bot.language.entities import Entity
from bot.language.patterns import PatternFileError

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SUSPICION_PATH = RESOURCES / "sign_suspicion.yml"
RED_FLAG = "red_flag"
SUSPECTED = "suspected"


@dataclass(frozen=True)
class Suspicion:
    """How likely a message describes a danger sign, and which one most likely."""

    probability: float  # of all danger categories together
    category: str  # the most likely danger category
    finding: str  # the emergency finding that category stands for


@dataclass(frozen=True)
class SuspicionSettings:
    danger_categories: Mapping[str, str]  # category -> emergency finding
    other_categories: frozenset[str]
    ask_at_or_above: float
    min_words: int
    model: Mapping[str, Any]
    phrasing_files: tuple[Path, ...]
    nlu_folder: Optional[Path] = None  # chat negatives: NLU training examples
    skip_intents: frozenset[str] = frozenset()
    negative_category: str = "none"
    # (entity, value) the patterns read; value None: any value (every red flag, any role)
    read_by_patterns: frozenset[tuple[str, Optional[str]]] = frozenset({(RED_FLAG, None)})
    # words of a reply that only gives an age or a time ("she's 4 and a half")
    answer_words: frozenset[str] = frozenset()
    answer_numbers_below: float = 0.0


def parse_settings(raw: Mapping[str, Any], base: Path = RESOURCES) -> SuspicionSettings:
    """Validate the settings file; a mistake fails when the server starts, not on a message."""
    try:
        settings = SuspicionSettings(
            danger_categories=dict(raw["danger_categories"]),
            other_categories=frozenset(raw["other_categories"]),
            ask_at_or_above=float(raw["ask_at_or_above"]),
            min_words=int(raw["min_words"]),
            model=dict(raw["model"]),
            phrasing_files=tuple(base / name for name in raw["phrasings"]),
            nlu_folder=(base / raw["chat_negatives"]["nlu_folder"]).resolve() if raw.get("chat_negatives") else None,
            skip_intents=frozenset((raw.get("chat_negatives") or {}).get("skip_intents", [])),
            negative_category=str((raw.get("chat_negatives") or {}).get("category", "none")),
            read_by_patterns=frozenset(
                (str(item["entity"]), item.get("value")) for item in raw.get("read_by_patterns", [{"entity": RED_FLAG}])
            ),
            answer_words=frozenset(str(word) for word in (raw.get("answers") or {}).get("words", [])),
            answer_numbers_below=float((raw.get("answers") or {}).get("numbers_below", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PatternFileError(f"sign_suspicion.yml: {error!r}") from error
    if not 0.0 < settings.ask_at_or_above < 1.0:
        raise PatternFileError("sign_suspicion.yml: ask_at_or_above must be between 0 and 1")
    if set(settings.danger_categories) & settings.other_categories:
        raise PatternFileError("sign_suspicion.yml: a category is both a danger and not")
    return settings


def load_phrasings(files: Iterable[Path]) -> list[tuple[str, str]]:
    """(text, category) pairs from the phrasing files."""
    pairs = []
    for path in files:
        for example in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]:
            pairs.append((str(example["text"]), str(example["category"])))
    return pairs


ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def example_text(line: str) -> str:
    """The text of one line of a Rasa NLU ``examples: |`` block, entity annotations reduced to their words."""
    return ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line.strip().removeprefix("- ").strip())


def chat_negatives(settings: SuspicionSettings, has_sign: Callable[[str], bool]) -> list[tuple[str, str]]:
    """NLU training examples of the listed intents in which the patterns find no sign, as harmless."""
    if settings.nlu_folder is None:
        return []
    pairs = []
    for path in sorted(settings.nlu_folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block or block["intent"] in settings.skip_intents:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = example_text(line)
                if text and not has_sign(text):
                    pairs.append((text, settings.negative_category))
    return pairs


def build_model(settings: Mapping[str, Any]) -> Pipeline:
    """Character n-grams (typos) and word n-grams, then a multinomial logistic regression."""
    low, high = settings["char_ngrams"]
    word_low, word_high = settings["word_ngrams"]
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True, min_df=settings["min_df"]),
        TfidfVectorizer(analyzer="word", ngram_range=(word_low, word_high), sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b"),
    )
    classifier = LogisticRegression(C=float(settings["C"]), max_iter=int(settings["max_iter"]),
                                    class_weight="balanced")
    return make_pipeline(features, classifier)


class SignSuspicion:
    """The trained classifier and the rule that turns its answer into a suspected sign."""

    def __init__(self, settings: SuspicionSettings, phrasings: list[tuple[str, str]]) -> None:
        categories = {category for _, category in phrasings}
        known = set(settings.danger_categories) | settings.other_categories
        if categories != known:
            raise PatternFileError(f"sign phrasings: categories {sorted(categories ^ known)} do not match the settings")
        model = build_model(settings.model)
        model.fit([normal(text) for text, _ in phrasings], [category for _, category in phrasings])
        self._adopt(settings, model)

    @classmethod
    def fitted(cls, settings: SuspicionSettings, model: Pipeline) -> SignSuspicion:
        """The reader around a model fitted earlier (by ``rasa train``, stored in the Rasa model)."""
        reader = cls.__new__(cls)
        reader._adopt(settings, model)
        return reader

    def _adopt(self, settings: SuspicionSettings, model: Pipeline) -> None:
        classifier = model[-1]
        classes = list(classifier.classes_)
        if set(classes) != set(settings.danger_categories) | settings.other_categories:
            raise PatternFileError("sign suspicion: the fitted model's categories do not match the settings")
        classifier.coef_ = np.asfortranarray(classifier.coef_)  # fast scoring, same values
        self.settings = settings
        self.model = model
        self._danger = [(classes.index(c), c) for c in sorted(settings.danger_categories)]

    @property
    def danger_findings(self) -> frozenset[str]:
        return frozenset(self.settings.danger_categories.values())

    def suspicion(self, text: str) -> Suspicion:
        """The classifier's reading of one message."""
        probabilities = self.model.predict_proba([normal(text)])[0]
        index, category = max(self._danger, key=lambda pair: probabilities[pair[0]])
        total = float(sum(probabilities[i] for i, _ in self._danger))
        return Suspicion(total, category, self.settings.danger_categories[category])

    def suspected_signs(self, text: str, entities: Iterable[Mapping[str, Any]]) -> list[Entity]:
        """A suspected danger sign for a message the patterns found no danger sign in, or nothing.

        ``entities``: what the earlier extractors found (Rasa entity dicts). A danger
        sign the patterns found, present or suspected, already makes the safety net act.
        """
        if len(text.split()) < self.settings.min_words:
            return []
        entities = list(entities)
        danger = self.danger_findings
        if any(e.get("entity") == RED_FLAG and e.get("value") in danger and e.get("role") in (None, SUSPECTED)
               for e in entities):
            return []
        unread = unread_part(text, entities, self.settings.read_by_patterns)
        if self.only_answers(unread):
            return []
        found = self.suspicion(unread)
        if found.probability < self.settings.ask_at_or_above:
            return []
        return [Entity(RED_FLAG, found.finding, 0, len(text), text, role=SUSPECTED)]

    def only_answers(self, text: str) -> bool:
        """True for words that only give an age or a time ("she's 4 and a half", "he is 14"): an answer.

        A number that may be a temperature (at or above ``answers.numbers_below``) is never
        an answer here: "she's 38.5" keeps its suspicion.
        """
        for token in ANSWER_TOKEN.findall(text.lower()):
            if token[0].isdigit():
                if float(token.replace(",", ".")) >= self.settings.answer_numbers_below:
                    return False
            elif token not in self.settings.answer_words:
                return False
        return True


ANSWER_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+(?:'[a-z]+)?")


def unread_part(text: str, entities: Iterable[Mapping[str, Any]], read: frozenset[tuple[str, Optional[str]]]) -> str:
    """The message without the words the patterns already read as a sign (in any role) or a denial.

    Why: a bag of n-grams cannot tell "not red, not spreading" from "red and spreading";
    the patterns' context rules can. The classifier reads only what the patterns did not:
    "no fever but his chest caves in" keeps "but his chest caves in".
    """
    chars = list(text)
    for entity in entities:
        name = entity.get("entity")
        # (entity, None) in the settings: every value of that entity ("age_group", any red flag)
        listed = (name, None) in read or (name, entity.get("value")) in read
        if listed and isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
            for index in range(max(entity["start"], 0), min(entity["end"], len(chars))):
                chars[index] = " "
    return " ".join("".join(chars).split())


def normal(text: str) -> str:
    return " ".join(text.lower().split())


def read_settings(path: Path = SUSPICION_PATH) -> SuspicionSettings:
    return parse_settings(yaml.safe_load(path.read_text(encoding="utf-8")), base=path.parent)


def training_pairs(settings: SuspicionSettings) -> list[tuple[str, str]]:
    """The phrasings, plus the chat negatives the red-flag patterns find no sign in."""
    from bot.language.detector import load_detector

    detector = load_detector()

    def has_sign(text: str) -> bool:
        return any(entity.entity == RED_FLAG for entity in detector.detect_text(text.lower()))

    return load_phrasings(settings.phrasing_files) + chat_negatives(settings, has_sign)


@lru_cache(maxsize=4)
def load_suspicion(path: Optional[Path] = None) -> SignSuspicion:
    """Train once per process (a few seconds) from the phrasing files and the chat negatives."""
    settings = read_settings(path or SUSPICION_PATH)
    return SignSuspicion(settings, training_pairs(settings))
