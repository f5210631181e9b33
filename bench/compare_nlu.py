"""Held-out intent accuracy of our TensorFlow-free NLU pipeline against the same pipeline with DIET.

`make compare-nlu` trains both NLU models on data/nlu, evaluates them on the held-out
phrasings in tests/nlu/ and prints accuracy, weighted F1 and training time. It is the
measurement behind choosing LogisticRegressionClassifier (see README).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
CLASSIFIER = "bot.nlu.classifiers.BlankSafeLogisticRegressionClassifier"
DIET = {"name": "DIETClassifier", "epochs": 100, "entity_recognition": False, "random_seed": 42}


def diet_config(config: dict) -> dict:
    """Our config with the logistic-regression classifier replaced by DIET."""
    pipeline = [DIET if step["name"] == CLASSIFIER else step for step in config["pipeline"]]
    return {**config, "pipeline": pipeline}


def evaluate(name: str, config: dict, workdir: Path) -> dict:
    config_path = workdir / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(config))
    models, results = workdir / f"{name}-models", workdir / f"{name}-results"
    start = time.perf_counter()
    subprocess.run([RASA, "train", "nlu", "--config", str(config_path), "--nlu", "data/nlu", "--out", str(models)],
                   cwd=REPO, check=True, capture_output=True)
    training = time.perf_counter() - start
    subprocess.run([RASA, "test", "nlu", "--model", str(models), "--nlu", "tests/nlu", "--out", str(results),
                    "--no-plot"], cwd=REPO, check=True, capture_output=True)
    report = json.loads((results / "intent_report.json").read_text())
    return {"accuracy": report["accuracy"], "weighted_f1": report["weighted avg"]["f1-score"],
            "training_s": round(training, 1)}


def main() -> int:
    config = yaml.safe_load((REPO / "config.yml").read_text())
    with tempfile.TemporaryDirectory(prefix="milia-nlu-") as tmp:
        figures = {"logistic_regression": evaluate("lr", config, Path(tmp)),
                   "diet": evaluate("diet", diet_config(config), Path(tmp))}
    for name, values in figures.items():
        print(f"{name:<20} accuracy {values['accuracy']:.3f}  weighted F1 {values['weighted_f1']:.3f}  "
              f"training {values['training_s']} s")
    (REPO / "test-output").mkdir(exist_ok=True)
    (REPO / "test-output" / "compare-nlu.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
