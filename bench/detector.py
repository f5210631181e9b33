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


def measure(rounds: int = 3) -> dict[str, float]:
    """Median, mean and 95th percentile milliseconds per message over the tables, best of ``rounds``."""
    nlp = spacy.load(DEFAULT_OUTPUT) if DEFAULT_OUTPUT.exists() else build_pipeline()
    detector = load_detector()
    texts = [case["text"] for table in TABLES for case in yaml.safe_load(table.read_text(encoding="utf-8"))["cases"]]
    docs = [nlp(text.lower()) for text in texts]
    for doc in docs[:20]:
        detector.detect(doc)  # warm up
    runs = []
    for _ in range(rounds):
        timings = []
        for doc in docs:
            start = time.perf_counter()
            detector.detect(doc)
            timings.append(time.perf_counter() - start)
        p95 = sorted(timings)[int(0.95 * (len(timings) - 1))]
        runs.append((statistics.median(timings), statistics.mean(timings), p95))
    median, mean, p95 = min(runs)
    return {
        "messages": len(docs),
        "median_ms": round(median * 1000, 3),
        "mean_ms": round(mean * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
    }


if __name__ == "__main__":
    print(measure())
