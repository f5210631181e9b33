"""Speed of the red-flag detector on its phrase tables (printed by `make bench`).

Run alone with ``python -m bench.detector``. Tokenizing (spaCy, done by Rasa's SpacyNLP
before the detector) is excluded; spelling correction, matching, quantities and context
are included. The budget is well under 5 ms median per message.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import spacy
import yaml

from bot.language.detector import load_detector
from bot.spacy_pipeline import DEFAULT_OUTPUT, build_pipeline

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TABLES = (DATA / "red_flag_phrases.yml", DATA / "context_cases.yml")


def measure(rounds: int = 5) -> dict[str, float]:
    """Milliseconds per message over both tables: median, mean and 95th percentile.

    Each message's time is its best of ``rounds`` runs, so that other work on a shared
    machine does not show up as detector time.
    """
    nlp = spacy.load(DEFAULT_OUTPUT) if DEFAULT_OUTPUT.exists() else build_pipeline()
    detector = load_detector()
    texts = [case["text"] for table in TABLES for case in yaml.safe_load(table.read_text(encoding="utf-8"))["cases"]]
    docs = [nlp(text.lower()) for text in texts]
    for doc in docs[:20]:
        detector.detect(doc)  # warm up
    best = [float("inf")] * len(docs)
    for _ in range(rounds):
        for index, doc in enumerate(docs):
            start = time.perf_counter()
            detector.detect(doc)
            best[index] = min(best[index], time.perf_counter() - start)
    ordered = sorted(best)
    return {
        "messages": len(docs),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "mean_ms": round(statistics.mean(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
    }


if __name__ == "__main__":
    print(measure())
