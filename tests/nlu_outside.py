"""Score the intent classifier on an outside set (text, intent, source), as a running bot parses it.

    python -m tests.nlu_outside FILE [--url http://127.0.0.1:15005] [--out test-output/name]

Messages go through ``/model/parse`` of the running server, so what is scored is the
whole NLU pipeline the bot uses (guards and fallback included). ``nlu_fallback`` counts
as a wrong answer. Prints accuracy, macro and weighted F1, accuracy on long messages
(20 words or more), the per-intent report and the confusion pairs; with ``--out`` it also
writes them as text and the full confusion matrix as CSV. The command line also prints
accuracy on the phrasings that are not also training phrasings (data/nlu/) and on those
found on public pages (a ``source`` that is a URL), the two figures the notes report.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional

import yaml
from sklearn.metrics import classification_report, confusion_matrix

LONG_WORDS = 20
NLU_DATA = Path(__file__).resolve().parent.parent / "data" / "nlu"
# Two requests in flight: the client's HTTP work overlaps the server's parse (a set of 750
# phrasings in 2.8 s instead of 3.7 s); each answer still depends only on its own text.
IN_FLIGHT = 2


def parse_via(url: str, token: Optional[str] = None) -> Callable[[str], str]:
    suffix = f"?token={token}" if token else ""

    def _parse(text: str) -> str:
        request = urllib.request.Request(f"{url}/model/parse{suffix}", data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return (json.loads(response.read().decode()).get("intent") or {}).get("name") or "none"

    return _parse


def score(examples: list[dict], parse: Callable[[str], str]) -> dict:
    gold = [e["intent"] for e in examples]
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        predicted = list(pool.map(parse, [e["text"] for e in examples]))
    labels = sorted(set(gold) | set(predicted))
    report = classification_report(gold, predicted, labels=labels, output_dict=True, zero_division=0)
    long_pairs = [(g, p) for e, g, p in zip(examples, gold, predicted, strict=True)
                  if len(e["text"].split()) >= LONG_WORDS]
    return {
        "gold": gold, "predicted": predicted, "labels": labels, "report": report,
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "long_accuracy": (sum(g == p for g, p in long_pairs) / len(long_pairs)) if long_pairs else float("nan"),
        "long_count": len(long_pairs),
        "matrix": confusion_matrix(gold, predicted, labels=labels),
        "errors": [(e["text"], g, p) for e, g, p in zip(examples, gold, predicted, strict=True) if g != p],
    }


def render(name: str, result: dict) -> str:
    report = result["report"]
    lines = [f"{name}: {len(result['gold'])} phrasings, accuracy {result['accuracy']:.3f}, "
             f"macro F1 {report['macro avg']['f1-score']:.3f}, weighted F1 {report['weighted avg']['f1-score']:.3f}; "
             f"messages of {LONG_WORDS}+ words: {result['long_accuracy']:.3f} (n={result['long_count']})",
             "per intent (F1, support):"]
    for label in result["labels"]:
        row = report.get(label)
        if row and row["support"]:
            lines.append(f"  {label:<20} {row['f1-score']:.2f}  ({int(row['support'])})")
    pairs = Counter((g, p) for _, g, p in result["errors"])
    lines.append("confusions (expected -> got: count):")
    lines += [f"  {g} -> {p}: {n}" for (g, p), n in pairs.most_common()]
    lines.append("errors:")
    lines += [f"  [{g} -> {p}] {t}" for t, g, p in result["errors"]]
    return "\n".join(lines)


def squeeze(text: str) -> str:
    """Lower case, punctuation and spacing folded: how phrasings are compared with training."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def training_phrasings(folder: Path = NLU_DATA) -> set[str]:
    """Every training phrasing under ``folder`` (all batches), entity annotations reduced to their words."""
    from bot.language.suspicion import example_text

    texts = set()
    for path in sorted(folder.rglob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            texts |= {squeeze(example_text(line)) for line in str(block.get("examples", "")).splitlines()
                      if line.strip().startswith("- ")}
    return texts


def subset_lines(examples: list[dict], result: dict, training: set[str]) -> list[str]:
    """Accuracy on the phrasings that are not also training phrasings, and on those found on public pages."""
    right = [g == p for g, p in zip(result["gold"], result["predicted"], strict=True)]
    subsets = {
        "not also training phrasings": [squeeze(e["text"]) not in training for e in examples],
        "found on public pages": [str(e.get("source", "")).startswith("http") for e in examples],
    }
    lines = []
    for name, chosen in subsets.items():
        scored = [ok for ok, keep in zip(right, chosen, strict=True) if keep]
        if scored:
            lines.append(f"{name}: accuracy {sum(scored) / len(scored):.3f} (n={len(scored)})")
    return lines


def write_matrix(path: Path, result: dict) -> None:
    labels = result["labels"]
    rows = ["expected\\got," + ",".join(labels)]
    rows += [label + "," + ",".join(str(v) for v in row) for label, row in zip(labels, result["matrix"], strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:15005")
    parser.add_argument("--token", default=None)
    parser.add_argument("--out", type=Path, default=None, help="path prefix for .txt and -confusion.csv")
    args = parser.parse_args(argv)
    examples = yaml.safe_load(args.file.read_text(encoding="utf-8"))["examples"]
    result = score(examples, parse_via(args.url, args.token))
    text = "\n".join([render(args.file.name, result), *subset_lines(examples, result, training_phrasings())])
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
        write_matrix(args.out.parent / (args.out.name + "-confusion.csv"), result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
