"""Intent accuracy of NLU pipelines on the held-out set and the outside sets.

`make compare-nlu` trains each pipeline on data/nlu (with the older outside sets in
data/nlu/outside/, training data since round 11) and scores it on
- the held-out phrasings in tests/nlu/ (never used for training), and
- the outside sets still held out, tests/nlu_outside/outside_A.yml, outside_J.yml,
  outside_S.yml and outside_T.yml (public questions as found and phrasings written in the
  same styles by someone who never saw the training data; A and J have been studied since
  their first runs, S and T were run once blind, in round 11, before the older sets were
  trained on).

Pipelines:
- ``final``: config.yml as shipped (spelling normaliser, question focus, logistic
  regression on square-rooted counts, scope guard, second-question detector, English-only
  guard, fallback);
- ``raw``: the same with Rasa's raw counts (``scaling: none``), as before the second pass
  of issue 11;
- ``previous``: the same without this issue's components (the pipeline before issue 11:
  no normaliser, no scope guard, no second-question detector), on the same data;
- ``diet``: the final pipeline with DIET (100 epochs) in place of logistic regression.

Messages are parsed in-process by each trained model exactly as the server parses them
(``nlu_fallback`` counts as wrong). Prints a table and writes test-output/compare-nlu.json.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parent.parent
CLASSIFIER = "bot.nlu.classifiers.BlankSafeLogisticRegressionClassifier"
DIET = {"name": "DIETClassifier", "epochs": 100, "entity_recognition": False, "random_seed": 42}
# The components issue 11 added; "previous" is the pipeline without them.
ISSUE_11_COMPONENTS = {
    "bot.nlu.feature_text.FeatureTextNormalizer",
    "bot.nlu.intent_guards.ScopeGuard",
    "bot.nlu.intent_guards.SecondQuestionDetector",
}
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def diet_config(config: dict) -> dict:
    """Our config with the logistic-regression classifier replaced by DIET."""
    pipeline = [DIET if step["name"] == CLASSIFIER else step for step in config["pipeline"]]
    return {**config, "pipeline": pipeline}


def raw_counts_config(config: dict) -> dict:
    """Our config with the classifier on Rasa's raw feature counts."""
    pipeline = [{**step, "scaling": "none"} if step["name"] == CLASSIFIER else step for step in config["pipeline"]]
    return {**config, "pipeline": pipeline}


def previous_config(config: dict) -> dict:
    """Our config without this issue's components."""
    return {**config, "pipeline": [step for step in config["pipeline"] if step["name"] not in ISSUE_11_COMPONENTS]}


def holdout_examples() -> list[dict]:
    """tests/nlu/*.yml as (text, intent), entity annotations reduced to their text."""
    examples = []
    for path in sorted((REPO / "tests" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.append({"text": _ANNOTATION.sub(r"\1", line.strip()[2:]), "intent": block["intent"]})
    return examples


OUTSIDE_SETS = ("A", "J", "S", "T")


def outside_examples(name: str = "A") -> list[dict]:
    path = REPO / "tests" / "nlu_outside" / f"outside_{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


def train(name: str, config: dict, workdir: Path) -> tuple[str, float]:
    from rasa.model_training import train_nlu

    config_path = workdir / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    start = time.perf_counter()
    model = train_nlu(str(config_path), str(REPO / "data" / "nlu"), str(workdir / name), fixed_model_name=name)
    return str(model), time.perf_counter() - start


def parser(model: str) -> Callable[[str], str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> str:
        result = loop.run_until_complete(agent.parse_message(text))
        return (result.get("intent") or {}).get("name") or "none"

    return _parse


def figures(name: str, config: dict, workdir: Path) -> dict[str, Any]:
    from tests.nlu_outside import score

    model, seconds = train(name, config, workdir)
    parse = parser(model)
    held = score(holdout_examples(), parse)
    row: dict[str, Any] = {
        "holdout_accuracy": round(held["accuracy"], 3),
        "holdout_weighted_f1": round(held["report"]["weighted avg"]["f1-score"], 3),
    }
    for label in OUTSIDE_SETS:
        outside = score(outside_examples(label), parse)
        oos = outside["report"].get("out_of_scope", {})
        row[label] = {
            "accuracy": round(outside["accuracy"], 3),
            "macro_f1": round(outside["report"]["macro avg"]["f1-score"], 3),
            "long_accuracy": round(outside["long_accuracy"], 3),
            "out_of_scope_precision": round(oos.get("precision", 0.0), 3),
            "out_of_scope_recall": round(oos.get("recall", 0.0), 3),
            "intents_under_0_90": sorted(label_ for label_ in set(outside["gold"])
                                         if outside["report"][label_]["f1-score"] < 0.90),
        }
    row["training_s"] = round(seconds, 1)
    return row


def main(argv: list[str] | None = None) -> int:
    import argparse
    import logging

    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_.add_argument("--only", default="final,raw,previous,diet", help="comma-separated pipelines to run")
    args = parser_.parse_args(argv)
    logging.disable(logging.WARNING)
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    variants = {"final": config, "raw": raw_counts_config(config), "previous": previous_config(config),
                "diet": diet_config(config)}
    chosen = [name for name in args.only.split(",") if name in variants]
    print(f"{'pipeline':<10} {'set':<8} {'accuracy':>8} {'macro F1':>8} {'20+ words':>9} {'oos P/R':>11}  "
          "intents under F1 0.90", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="milia-nlu-") as tmp:
        for name in chosen:
            row = results[name] = figures(name, variants[name], Path(tmp))
            print(f"{name:<10} {'held-out':<8} {row['holdout_accuracy']:>8.3f}   (training {row['training_s']:.1f} s)",
                  flush=True)
            for label in OUTSIDE_SETS:
                out = row[label]
                print(f"{name:<10} {'outside ' + label:<8} {out['accuracy']:>8.3f} {out['macro_f1']:>8.3f} "
                      f"{out['long_accuracy']:>9.3f} {out['out_of_scope_precision']:>5.2f}/"
                      f"{out['out_of_scope_recall']:<5.2f}  {', '.join(out['intents_under_0_90']) or '-'}", flush=True)
    (REPO / "test-output").mkdir(exist_ok=True)
    (REPO / "test-output" / "compare-nlu.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
