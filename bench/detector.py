"""Speed of the red-flag detector on its own phrase table (printed by `make bench`)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import spacy
import yaml

from bot.language.detector import load_detector
from bot.spacy_pipeline import DEFAULT_OUTPUT

PHRASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "red_flag_phrases.yml"


def measure(rounds: int = 3) -> dict[str, float]:
    """Median and mean milliseconds per message over the phrase table, best of ``rounds``."""
    nlp = spacy.load(DEFAULT_OUTPUT)
    detector = load_detector()
    docs = [nlp(case["text"]) for case in yaml.safe_load(PHRASES.read_text(encoding="utf-8"))["cases"]]
    for doc in docs[:20]:
        detector.detect(doc)  # warm up
    runs = []
    for _ in range(rounds):
        timings = []
        for doc in docs:
            start = time.perf_counter()
            detector.detect(doc)
            timings.append(time.perf_counter() - start)
        runs.append((statistics.median(timings), statistics.mean(timings)))
    median, mean = min(runs)
    return {"messages": len(docs), "median_ms": round(median * 1000, 3), "mean_ms": round(mean * 1000, 3)}
