"""Build the project's own English spaCy pipeline from PyPI packages only.

Rasa's ``SpacyNLP`` loads the pipeline from ``build/spacy-en``. It is a blank English
pipeline with the lookup lemmatizer from ``spacy-lookups-data`` and a tokenizer that
splits numbers from the units people glue to them ("100.4F", "39C", "6wk", "2mths"),
so the red-flag patterns can read temperatures and ages token by token. Nothing is
downloaded: the lookup tables ship inside the ``spacy-lookups-data`` wheel.

Run ``python -m bot.spacy_pipeline [OUTPUT_DIR]``; ``make`` does it when this file changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import compile_suffix_regex

DEFAULT_OUTPUT = Path("build/spacy-en")

# A digit followed by letters is split into number + unit: "39C" -> "39", "C".
NUMBER_UNIT_SUFFIX = r"(?<=[0-9])(?:[a-zA-Z]{1,6})$"


def build_pipeline() -> Language:
    """Return a blank English pipeline with the lookup lemmatizer and unit-aware tokenizer."""
    nlp = spacy.blank("en")
    suffixes = [*nlp.Defaults.suffixes, NUMBER_UNIT_SUFFIX]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "milia_en"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + lookup lemmatizer, built by the milia assistant"
    return nlp


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(output)
    print(f"spaCy pipeline written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
