"""The clinical hazard log: docs/hazard-log.yml rendered as docs/hazard-log.md.

Why data and a renderer: the log is reviewed by a clinical lead (Markdown) and checked by
the tests (YAML): every control names the tests that prove it, and a test fails when a
named test does not exist, so the log cannot claim a control nobody checks.

    python -m bot.hazard_log          # rewrite docs/hazard-log.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "docs" / "hazard-log.yml"
RENDERED = REPO / "docs" / "hazard-log.md"
SEVERITY = {1: "minor", 2: "significant", 3: "considerable", 4: "major", 5: "catastrophic"}
LIKELIHOOD = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}


def load(path: Path = SOURCE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["hazards"]


def missing_tests(hazards: list[dict[str, Any]], repo: Path = REPO) -> list[str]:
    """Test ids named by a control that do not exist (file, or ``def test_x`` in it)."""
    missing = []
    for hazard in hazards:
        for control in hazard["controls"]:
            for test_id in control["tests"]:
                path, _, name = test_id.partition("::")
                file = repo / path
                if not file.is_file():
                    missing.append(test_id)
                elif name and not re.search(rf"^(async )?def {re.escape(name)}\(", file.read_text(), re.M):
                    missing.append(test_id)
    return missing


def render(hazards: list[dict[str, Any]]) -> str:
    lines = [
        "# Clinical hazard log",
        "",
        "Generated from `docs/hazard-log.yml` by `python -m bot.hazard_log`; edit the YAML.",
        "Risk = severity x likelihood (1 to 5 each), before and after the controls. Every control",
        "names the tests that prove it; `make test` fails if one of them does not exist.",
        "",
        "| id | hazard | severity | initial risk | residual risk |",
        "|---|---|---|---|---|",
    ]
    for h in hazards:
        initial = h["severity"] * h["likelihood_initial"]
        residual = h["severity"] * h["likelihood_residual"]
        lines.append(f"| {h['id']} | {h['hazard']} | {h['severity']} ({SEVERITY[h['severity']]}) | "
                     f"{initial} | {residual} |")
    for h in hazards:
        lines += [
            "", f"## {h['id']}: {h['hazard']}", "",
            f"- **Cause:** {h['cause']}",
            f"- **Effect:** {h['effect']}",
            f"- **Severity:** {h['severity']} ({SEVERITY[h['severity']]}); likelihood "
            f"{LIKELIHOOD[h['likelihood_initial']]} before, {LIKELIHOOD[h['likelihood_residual']]} after the controls.",
            "- **Controls:**",
        ]
        for control in h["controls"]:
            tests = ", ".join(f"`{t}`" for t in control["tests"])
            lines.append(f"  - {control['text']} Tests: {tests}.")
    return "\n".join(lines) + "\n"


def main() -> int:
    hazards = load()
    RENDERED.write_text(render(hazards), encoding="utf-8")
    missing = missing_tests(hazards)
    for test_id in missing:
        print(f"missing test: {test_id}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
