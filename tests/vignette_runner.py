"""Run triage vignettes against a running bot and score them by exact level.

Used by tests/test_vignettes.py and, from the command line, to take a blind set's
first-run figures before anything is changed:

    python -m tests.vignette_runner FILE [--url http://127.0.0.1:15005]

The harness plays a truthful person. When the bot asks one of its clarifying questions
(a reply carrying ``{"custom": {"clarify": <kind>}}``), the harness answers it from the
case's label, the way the person who wrote the case would:

* ``danger_signs`` (the emergency-signs question): "yes" only when the case is an
  emergency; so a suspicion question counts as caught only if "yes" then gives
  emergency advice.
* ``infection_check`` (red alone: is it hot, swollen, oozing or spreading?): "yes" when
  the case is urgent or emergency.
* ``still_present`` (a sign that may be over): "yes" when the case is at soon or above.
* ``young_baby_check`` (a fever told with no age: is it a baby under 3 months?): "yes"
  when the case is an emergency (a fever with no age is an emergency only in a young baby).
* ``fever_rash_check`` (a fever in an older child or adult: a new rash spreading?): "yes"
  when the case is urgent or emergency.
* ``sign_now`` (a sign told in a context that reads as harmless: is that happening now?):
  "yes" when the case is at soon or above.
* ``danger_follow_up`` (right after urgent advice: is any of the emergency signs listed
  happening now?): "yes" only when the case is an emergency.

Single messages expect emergency, urgent, soon or ``none`` (nothing at soon or above:
an answer, a question, routine or self-care). Conversations expect an exact level. Some
writers label a harmless single message routine or self_care (set AC on): the strict exact
figure counts those as misses, since one message cannot answer the questionnaire's
remaining questions; a second figure reads them as ``none`` (any other calm level given is
still a miss), and the question rate on harmless messages counts them.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import yaml

from tests.triage_report import CALM_LABELS, CALM_LEVELS, LEVELS, TriageReport

Say = Callable[[str, str], list]
HARMLESS = "none"
# A truthful person's answer to each clarifying question, by the case's expected level.
ANSWER_YES_WHEN = {
    "danger_signs": {"emergency"},
    "infection_check": {"emergency", "urgent"},
    "still_present": {"emergency", "urgent", "soon"},
    "young_baby_check": {"emergency"},
    "fever_rash_check": {"emergency", "urgent"},
    "sign_now": {"emergency", "urgent", "soon"},
    # asked right after urgent advice: is any of the emergency signs listed happening now?
    "danger_follow_up": {"emergency"},
}
MAX_CLARIFY_ROUNDS = 3
# The questionnaire's questions about signs, answered truthfully from the label when a
# conversation's written turns end before the questionnaire does (the "finished" figure):
# the button payload a person who wrote the case would tap.
SIGN_QUESTION_ANSWERS = {
    "danger_signs": {"emergency": "yes", None: "no"},
    "warning_signs": {"emergency": "infection", "urgent": "infection", "soon": "change", None: "none"},
}


def triage_level(replies: list[dict]) -> Optional[str]:
    """The most recent triage level the bot signalled in its replies (custom payload)."""
    levels = [r["custom"]["triage_level"] for r in replies if isinstance(r.get("custom"), dict)
              and "triage_level" in r["custom"]]
    return levels[-1] if levels else None


def clarify_kind(replies: list[dict]) -> Optional[str]:
    """The clarifying question the bot asked last in these replies, if any."""
    kinds = [r["custom"]["clarify"] for r in replies if isinstance(r.get("custom"), dict) and "clarify" in r["custom"]]
    return kinds[-1] if kinds else None


@dataclass
class RunResult:
    """Scores of one vignette file: singles and conversations, plus question counts."""

    singles: TriageReport = field(default_factory=TriageReport)
    conversations: TriageReport = field(default_factory=TriageReport)
    # The same conversations with the questionnaire's remaining sign questions answered.
    conversations_finished: TriageReport = field(default_factory=TriageReport)
    # (expected label, question kind) -> cases that got that clarifying question
    questions: dict[tuple[str, str], int] = field(default_factory=dict)

    def asked(self, expected: str, kind: str) -> int:
        return self.questions.get((expected, kind), 0)


def _answer(kind: str, expected: str) -> str:
    return "yes" if expected in ANSWER_YES_WHEN.get(kind, set()) else "no"


def converse(
    say: Say, sender: str, turns: list[str], expected: str, finished: Optional[list] = None
) -> tuple[Optional[str], set[str]]:
    """Send the turns, answering clarifying questions truthfully; the last level and the kinds asked.

    With ``finished``, the level after also answering the questionnaire's remaining
    questions about signs truthfully is appended to it (the turns' own level is returned).
    """
    level, asked, replies = None, set(), []
    for turn in turns:
        replies = say(sender, turn)
        level = triage_level(replies) or level
        for _ in range(MAX_CLARIFY_ROUNDS):
            kind = clarify_kind(replies)
            if kind is None:
                break
            asked.add(kind)
            replies = say(sender, _answer(kind, expected))
            level = triage_level(replies) or level
    if finished is not None:
        finished.append(finish(say, sender, replies, expected, level))
    return level, asked


def sign_question(replies: list[dict]) -> Optional[str]:
    """The questionnaire question about signs the replies end with (from its buttons' payloads)."""
    for reply in reversed(replies):
        for button in reply.get("buttons") or []:
            for slot in SIGN_QUESTION_ANSWERS:
                if f'"{slot}"' in str(button.get("payload", "")):
                    return slot
    return None


def finish(say: Say, sender: str, replies: list[dict], expected: str, level: Optional[str]) -> Optional[str]:
    """Answer the questionnaire's remaining questions about signs truthfully; the level then given."""
    for _ in range(len(SIGN_QUESTION_ANSWERS)):
        slot = sign_question(replies)
        if slot is None:
            break
        answers = SIGN_QUESTION_ANSWERS[slot]
        replies = say(sender, "/inform" + json.dumps({slot: answers.get(expected, answers[None])}))
        level = triage_level(replies) or level
    return level


def run(cases: dict, say: Say, new_sender: Callable[[], str]) -> RunResult:
    result = RunResult()
    for case in cases.get("single", []):
        level, asked = converse(say, new_sender(), [case["text"]], case["expect"])
        result.singles.add(case["text"], case["expect"], level)
        for kind in asked:
            key = (case["expect"], kind)
            result.questions[key] = result.questions.get(key, 0) + 1
    for case in cases.get("conversations", []):
        finished: list = []
        level, _ = converse(say, new_sender(), case["turns"], case["expect"], finished)
        result.conversations.add(case["name"], case["expect"], level)
        result.conversations_finished.add(case["name"], case["expect"], finished[0])
    return result


def exact_agreement(report: TriageReport) -> float:
    """Share of cases at exactly the expected level (``none``: nothing at soon or above)."""
    if not report.results:
        return float("nan")
    return sum(_is_exact(expected, got) for _, expected, got in report.results) / len(report.results)


def exact_agreement_calm_as_none(report: TriageReport) -> float:
    """Share of single messages at the expected level, a routine or self_care label met by no level.

    One message cannot finish the questionnaire, so a calm single message ends with a
    question or an answer, not a calm level; a level other than the label is still a miss.
    """
    if not report.results:
        return float("nan")
    def exact(expected: str, got: Optional[str]) -> bool:
        if expected in CALM_LEVELS:
            return got in (None, expected)
        return _is_exact(expected, got)
    return sum(exact(expected, got) for _, expected, got in report.results) / len(report.results)


def asked_of_calm_singles(result: RunResult, kind: str) -> tuple[int, int]:
    """How many calm single messages (none, routine or self_care) got this question, of how many."""
    calm = sum(1 for _, expected, _ in result.singles.results if expected in CALM_LABELS)
    return sum(result.asked(label, kind) for label in CALM_LABELS), calm


def _is_exact(expected: str, got: Optional[str]) -> bool:
    if expected == HARMLESS:
        return got in (None, *CALM_LEVELS)
    return got == expected


def over_escalated_by_more_than_one(report: TriageReport) -> float:
    """Share of cases answered more than one level more urgently than expected."""
    if not report.results:
        return float("nan")
    def rank(level: Optional[str]) -> int:
        return LEVELS.index(level) if level in LEVELS else len(LEVELS)
    def expected_rank(expected: str) -> int:
        return LEVELS.index("routine") if expected == HARMLESS else rank(expected)
    return sum(rank(got) < expected_rank(exp) - 1 for _, exp, got in report.results) / len(report.results)


def confusion(report: TriageReport) -> str:
    """Expected level (rows) against the level given (columns)."""
    rows = [*LEVELS, HARMLESS]
    columns = [*LEVELS, None]
    counts = {(r, c): 0 for r in rows for c in columns}
    for _, expected, got in report.results:
        counts[(expected, got if got in LEVELS else None)] += 1
    header = "expected \\ got".ljust(16) + "".join(str(c or "no level").rjust(11) for c in columns)
    lines = [header]
    for r in rows:
        if any(counts[(r, c)] for c in columns):
            lines.append(r.ljust(16) + "".join(str(counts[(r, c)]).rjust(11) for c in columns))
    return "\n".join(lines)


def render(name: str, result: RunResult) -> str:
    counts = {kind: asked_of_calm_singles(result, kind) for kind in ANSWER_YES_WHEN}
    asked = ", ".join(
        f"{kind} {n}/{calm} ({n / calm:.1%})" for kind, (n, calm) in counts.items()
    ) if any(calm for _, calm in counts.values()) else "none"
    calm_labels = sum(1 for _, e, _ in result.singles.results if e in CALM_LEVELS)
    parts = [
        result.singles.render(f"{name}: single messages"),
        f"  exact level {exact_agreement(result.singles):.1%}; over-escalated by more than one level "
        f"{over_escalated_by_more_than_one(result.singles):.1%}",
        *([f"  exact level with the {calm_labels} routine or self_care single messages met by no level "
           f"(one message cannot finish the questionnaire): {exact_agreement_calm_as_none(result.singles):.1%}"]
          if calm_labels else []),
        f"  clarifying questions asked of harmless messages: {asked}",
        confusion(result.singles),
        result.conversations.render(f"{name}: conversations"),
        f"  exact level {exact_agreement(result.conversations):.1%}; over-escalated by more than one level "
        f"{over_escalated_by_more_than_one(result.conversations):.1%}",
        confusion(result.conversations),
        f"  finished (remaining questions about signs answered truthfully): exact level "
        f"{exact_agreement(result.conversations_finished):.1%}",
        confusion(result.conversations_finished),
    ]
    return "\n".join(parts)


def http_say(url: str) -> Say:
    def _say(sender: str, text: str) -> list:
        data = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=data,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode())
    return _say


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:15005")
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    result = run(cases, http_say(args.url), lambda: f"vignette-{uuid.uuid4().hex}")
    print(render(args.file.name, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
