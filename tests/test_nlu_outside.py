"""The outside NLU set (tests/nlu_outside/), scored through the running bot as a new user's messages.

The set holds public questions as found (with their URLs) and phrasings written in the
same styles by someone who never saw the training data; it is never used for training
(test_outside_set_is_not_in_the_training_data). Since round 11 the older outside sets (B to I,
K to R) are training data (data/nlu/outside/); A, J, S and T stay held out, and no phrasing of
theirs is trained on (test_trained_outside_sets_hold_no_held_out_phrasing). Every message goes through the server's
``/model/parse``, so what is scored is the whole NLU pipeline the bot uses (normaliser,
classifier, scope guard, English-only guard, fallback). The figures and the confusion
matrix are written to test-output/nlu-outside-A.txt and -confusion.csv.

Targets (issue 11): accuracy >= 0.95 and every intent's F1 >= 0.90.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.language.suspicion import example_text
from tests.nlu_outside import parse_via, render, score, write_matrix
from tests.nlu_outside import squeeze as _squeeze

REPO = Path(__file__).resolve().parent.parent
OUTSIDE = REPO / "tests" / "nlu_outside" / "outside_A.yml"
OUTPUT = REPO / "test-output"
MIN_ACCURACY = 0.95
MIN_INTENT_F1 = 0.90


def _outside_examples() -> list[dict]:
    return yaml.safe_load(OUTSIDE.read_text(encoding="utf-8"))["examples"]


@pytest.fixture(scope="module")
def outside_result(bot_stack) -> dict:
    result = score(_outside_examples(), parse_via(bot_stack.url, bot_stack.api_token))
    OUTPUT.mkdir(exist_ok=True)
    text = render(OUTSIDE.name, result) + "\n" + out_of_scope_line(result)
    (OUTPUT / "nlu-outside-A.txt").write_text(text + "\n", encoding="utf-8")
    write_matrix(OUTPUT / "nlu-outside-A-confusion.csv", result)
    return result


def out_of_scope_line(result: dict) -> str:
    row = result["report"].get("out_of_scope", {})
    return (f"out_of_scope: precision {row.get('precision', 0.0):.3f}, recall {row.get('recall', 0.0):.3f} "
            f"(n={int(row.get('support', 0))})")


def _training_phrasings(name: str, folder: Path = REPO / "data" / "nlu") -> set[str]:
    training = set()
    for block in yaml.safe_load((folder / name).read_text(encoding="utf-8"))["nlu"]:
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                training.add(_squeeze(line.strip()[2:]))
    return training


# Sets D and E were written after every training batch, by sessions that saw none of it;
# their short stock questions ("what are milia?", "thanks") coincide with training phrasings
# as any two lists would (README gives their accuracy without those too). The later training
# batches were written after sets A, B and C existed, so for those three any coincidence counts
# (B and C are training data since round 11, so only A is checked).
SETS_BEFORE_LATER_BATCHES = ("outside_A.yml",)


def _all_outside_examples() -> list[dict]:
    return [example for name in SETS_BEFORE_LATER_BATCHES
            for example in yaml.safe_load((OUTSIDE.parent / name).read_text(encoding="utf-8"))["examples"]]


def test_outside_set_is_not_in_the_training_data() -> None:
    """Kept out of training: the phrasings written after studying the outside sets' errors
    (data/nlu/as_people_write.yml) hold none of their phrasings word for word, and the
    second and third batches (as_people_write_more.yml, as_people_write_blind.yml) none at
    all, however short; the third batch holds no held-out phrasing either.

    The older training files were written before the outside set existed; a few short stock
    questions ("what are milia?", "thanks") coincide with it, as any two lists would.
    """
    first = _training_phrasings("as_people_write.yml")
    later = _training_phrasings("as_people_write_more.yml") | _training_phrasings("as_people_write_blind.yml")
    copied = [e["text"] for e in _outside_examples()
              if len(_squeeze(e["text"]).split()) > 2 and _squeeze(e["text"]) in first]
    copied += [e["text"] for e in _all_outside_examples() if _squeeze(e["text"]) in later]
    copied += sorted(_holdout_phrasings() & _training_phrasings("as_people_write_blind.yml"))
    assert not copied, copied


# Batches written after reading a set's first-run errors: none of that set's phrasings in them
# (more than two words; "thanks" or "what are milia" coincide with any list).
# (Sets H, I, K, O, P and Q, which rounds 5, 6 and 9 read, are training data since round 11.)
BATCHES_AFTER_SETS = {
    "as_people_write_round6.yml": ("outside_J.yml",),
    "as_people_write_round13.yml": ("outside_V.yml",),
    "as_people_write_round14.yml": ("outside_W.yml",),
    "as_people_write_round15.yml": ("outside_X.yml",),
    "as_people_write_round16.yml": ("outside_Y.yml",),
    "as_people_write_round17.yml": ("outside_Z.yml",),
    "as_people_write_round18.yml": ("outside_AA.yml",),
    "as_people_write_round19.yml": ("outside_AB.yml",),
}


def test_batches_written_after_a_set_copy_none_of_its_phrasings() -> None:
    copied = []
    for batch, sets in BATCHES_AFTER_SETS.items():
        training = _training_phrasings(batch)
        for name in sets:
            examples = yaml.safe_load((OUTSIDE.parent / name).read_text(encoding="utf-8"))["examples"]
            copied += [(batch, name, e["text"]) for e in examples
                       if len(_squeeze(e["text"]).split()) > 2 and _squeeze(e["text"]) in training]
    assert not copied, copied


TRAINED_OUTSIDE = REPO / "data" / "nlu" / "outside"
HELD_OUT_SETS = ("outside_A.yml", "outside_J.yml", "outside_S.yml", "outside_T.yml", "outside_U.yml",
                 "outside_V.yml", "outside_W.yml", "outside_X.yml", "outside_Y.yml", "outside_Z.yml",
                 "outside_AA.yml", "outside_AB.yml")


def test_trained_outside_sets_hold_no_held_out_phrasing() -> None:
    """The older outside sets became training data in round 11; every set still used for a
    figure (A, J, S, T, U, the held-out set, the blind out-of-scope batch) shares no phrasing
    with them, however short (writers copied some of the same public questions), and the
    held-out outside sets are no longer in the training folder."""
    files = sorted(path.name for path in TRAINED_OUTSIDE.glob("*.yml"))
    trained = set().union(*(_training_phrasings(name, TRAINED_OUTSIDE) for name in files))
    assert len(trained) > 4000 and not set(files) & set(HELD_OUT_SETS)
    held = {_squeeze(e["text"]) for name in HELD_OUT_SETS
            for e in yaml.safe_load((OUTSIDE.parent / name).read_text(encoding="utf-8"))["examples"]}
    held |= _holdout_phrasings()
    held |= {_squeeze(e["text"]) for e in yaml.safe_load(BLIND_OUT_OF_SCOPE.read_text(encoding="utf-8"))["examples"]}
    assert not sorted(trained & held)


def _holdout_phrasings() -> set[str]:
    """The held-out set's texts (tests/nlu/), entity annotations reduced to their text."""
    texts = set()
    for path in sorted((REPO / "tests" / "nlu").glob("holdout*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.add(_squeeze(example_text(line)))
    return texts


# Issue 11's per-intent target is not reached yet (measured 2026-11-29, round 4: accuracy 0.960 >= 0.95
# is reached, but three intents are under F1 0.90 on set A; set A labels "why do they form under the
# eyes" ask_causes and "should I be worried about milk spots?" ask_newborn_milia, where the held-out
# set and sets B, D, E and F, which round 4 follows, say ask_eye_area and ask_harmful).
# The assertion keeps the target; strict: reaching it fails the suite until the mark is removed.
NOT_REACHED = pytest.mark.xfail(strict=True, reason="issue 11 target not reached: ask_causes 0.89, ask_eye_area 0.88, "
                                "ask_what_is_milia 0.89 < 0.90 on outside set A (2026-11-29, round 4; after the "
                                "third batch only ask_what_is_milia 0.89; round 6: ask_causes 0.89, ask_disclaimer "
                                "0.86, ask_eye_area 0.88, ask_lookalikes 0.88, ask_see_doctor 0.86, accuracy 0.953)")


def test_outside_accuracy(outside_result: dict, show_figure) -> None:
    report = outside_result["report"]
    show_figure(f"Outside NLU set A: accuracy {outside_result['accuracy']:.3f}, "
                f"macro F1 {report['macro avg']['f1-score']:.3f}, 20+ words {outside_result['long_accuracy']:.3f} "
                f"(n={outside_result['long_count']}); {out_of_scope_line(outside_result)}")
    assert outside_result["accuracy"] >= MIN_ACCURACY, (OUTPUT / "nlu-outside-A.txt").read_text()[:3000]


@NOT_REACHED
def test_outside_every_intent_f1(outside_result: dict) -> None:
    report = outside_result["report"]
    weak = {label: round(report[label]["f1-score"], 2) for label in sorted(set(outside_result["gold"]))
            if report[label]["f1-score"] < MIN_INTENT_F1}
    assert not weak, weak


# Sets still held out besides A, each blind on its first run and scored with the same targets;
# strict: reaching them fails the suite until the mark is removed. The older sets' first runs
# (B 0.840 to R 0.907) are in README "Measured figures"; since round 11 they are training data.
LATER_SETS = {
    "outside_S.yml": "blind first run (round 10's final NLU, 47f7aed): accuracy 0.913; describe_symptoms 0.69, "
                     "ask_prevention 0.84, out_of_scope 0.87, ask_duration 0.88, ask_eye_area 0.88, "
                     "inform_audience 0.88, ask_newborn_milia 0.89 < 0.90; final (the older sets trained on, "
                     "S not read): 0.938; describe_symptoms 0.77, ask_newborn_milia 0.89, out_of_scope 0.89",
    "outside_T.yml": "blind first run (round 10's final NLU, 47f7aed): accuracy 0.890; ask_newborn_milia 0.71, "
                     "ask_duration 0.80, ask_harmful 0.81, ask_lookalikes 0.81, describe_symptoms 0.83 and six more "
                     "< 0.90; final (T not read): 0.913; ask_newborn_milia 0.74, ask_harmful 0.80, ask_duration "
                     "0.84 and three more",
    "outside_U.yml": "blind first run (round 11's final NLU, f9c4594): accuracy 0.887 (0.864 on the 397 phrasings "
                     "that are not also training phrasings); ask_newborn_milia 0.54 (its writer labelled a baby's "
                     "milk spots by the aspect asked: how long, why, harmful), ask_duration 0.77, ask_causes 0.80, "
                     "ask_harmful 0.82, ask_treatment 0.84, describe_symptoms 0.86 and five more < 0.90; final "
                     "(its 52 phrasings in the trained outside sets removed from them; U not read): 0.885",
    # written with docs/contract-intent-boundaries.md beside the contract (round 13)
    "outside_V.yml": "blind first run (round 12's final NLU, fd509cd): accuracy 0.929 (0.904 on the 429 phrasings "
                     "that are not also training phrasings), macro F1 0.885; ask_causes 0.87, ask_harmful 0.88, "
                     "ask_lookalikes 0.88, ask_newborn_milia 0.88, ask_treatment 0.89 < 0.90 (macro F1 counts the "
                     "fallback and non-English labels, predicted 2 times, never expected)",
    "outside_W.yml": "blind first run (round 13's final NLU, b0ebec2): accuracy 0.941 (0.928 on the 498 phrasings "
                     "that are not also training phrasings), macro F1 0.864; ask_duration 0.87, out_of_scope 0.87, "
                     "ask_what_is_milia 0.89 < 0.90 (macro F1 counts the fallback and non-English labels, never "
                     "expected)",
    # two writers: 253 phrasings found on public pages plus 472 written (round 15)
    "outside_X.yml": "blind first run (round 14's final NLU, 018d384): accuracy 0.938 (0.925 on the 575 phrasings "
                     "that are not also training phrasings; 0.889 on the 253 found on public pages), macro F1 "
                     "0.918; ask_duration 0.88, ask_prevention 0.89, ask_see_doctor 0.89 < 0.90",
    # two writers: 140 phrasings found on public pages plus 622 written (round 19)
    "outside_AB.yml": "blind first run (f211656, start of round 19): accuracy 0.955 (0.945 on the 586 phrasings "
                      "that are not also training phrasings; 0.886 on the 140 found on public pages; 0.818 on the "
                      "55 of 20+ words), macro F1 0.935; ask_newborn_milia 0.89, describe_symptoms 0.88 < 0.90",
}
# Sets that meet both targets now, run unmarked. Set J's blind first run (round 5's final code,
# d08475c): accuracy 0.954 (the target), but ask_what_is_milia 0.88 and ask_newborn_milia 0.89 < 0.90;
# read since and mended by kind (data/nlu/as_people_write_round6.yml), so not blind any more.
MET_SETS = {
    "outside_J.yml": "blind first run 0.954; now (read) 0.975, every intent >= 0.90",
    # two writers: 230 phrasings found on public pages plus 523 written (round 16)
    "outside_Y.yml": "blind first run (round 15's final NLU, 59b275a): accuracy 0.955 (0.950 on the 619 phrasings "
                     "that are not also training phrasings; 0.920 on the 230 found on public pages; 0.795 on the "
                     "44 of 20+ words), macro F1 0.928; ask_eye_area 0.88 < 0.90 (ask_harmful 0.905). Now (read, "
                     "the eye-area boundaries mended by kind): 0.963, every intent >= 0.90 (ask_harmful 0.905)",
    # two writers: 218 phrasings found on public pages plus 512 written (round 17)
    "outside_Z.yml": "blind first run (round 16's final NLU, 94c940c): accuracy 0.968 (0.958 on the 545 phrasings "
                     "that are not also training phrasings; 0.922 on the 218 found on public pages; 0.900 on the "
                     "30 of 20+ words), macro F1 0.909; ask_duration 0.86 < 0.90. Now (read, the baby, eye-area "
                     "and removal boundaries mended by kind): 0.977, every intent >= 0.90",
    # two writers: 124 phrasings found on public pages plus 592 written (round 18)
    "outside_AA.yml": "blind first run (round 17's final NLU, 0453280): accuracy 0.965 (0.952 on the 517 phrasings "
                      "that are not also training phrasings; 0.935 on the 124 found on public pages; 0.861 on the "
                      "72 of 20+ words), macro F1 0.878; describe_symptoms 0.84 < 0.90. Now (read, "
                      "data/nlu/as_people_write_round18.yml written from its error kinds): 0.975, every intent "
                      ">= 0.90",
}


def _scored_later_set(name: str, parse) -> dict:
    """One later set scored through the running bot, its report and confusion matrix written out."""
    result = score(yaml.safe_load((OUTSIDE.parent / name).read_text(encoding="utf-8"))["examples"], parse)
    stem = Path(name).stem.replace("outside_", "nlu-outside-")
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"{stem}.txt").write_text(render(name, result) + "\n" + out_of_scope_line(result) + "\n",
                                        encoding="utf-8")
    write_matrix(OUTPUT / f"{stem}-confusion.csv", result)
    return result


@pytest.mark.parametrize("name", [
    *(pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=f"issue 11 target not reached: {why}"),
                                pytest.mark.blind_history])
      for name, why in LATER_SETS.items()),
    *MET_SETS,
])
def test_later_outside_sets_reach_the_targets(name: str, bot_stack, show_figure) -> None:
    result = _scored_later_set(name, parse_via(bot_stack.url, bot_stack.api_token))
    report = result["report"]
    show_figure(f"Outside NLU {name}: accuracy {result['accuracy']:.3f}, "
                f"macro F1 {report['macro avg']['f1-score']:.3f}, "
                f"20+ words {result['long_accuracy']:.3f} (n={result['long_count']})")
    weak = {label: round(report[label]["f1-score"], 2) for label in sorted(set(result["gold"]))
            if report[label]["f1-score"] < MIN_INTENT_F1}
    assert result["accuracy"] >= MIN_ACCURACY and not weak, (result["accuracy"], weak)


BLIND_OUT_OF_SCOPE = REPO / "tests" / "data" / "out_of_scope_blind.yml"


def test_blind_batch_out_of_scope_phrasings_reach_out_of_scope(bot_stack) -> None:
    """The third batch's out-of-scope phrasings (other skin problems, unrelated questions) are
    not trained on: the scope guard and the older data send each of them to out_of_scope, and
    training on them sent questions about a baby's gums there too (README "Measured figures").
    Kept here as a check that that stays so, not in the training data."""
    parse = parse_via(bot_stack.url, bot_stack.api_token)
    texts = [e["text"] for e in yaml.safe_load(BLIND_OUT_OF_SCOPE.read_text(encoding="utf-8"))["examples"]]
    training = set().union(*(_training_phrasings(path.name) for path in (REPO / "data" / "nlu").glob("*.yml")))
    assert len(texts) >= 30 and not [text for text in texts if _squeeze(text) in training]
    wrong = {text: intent for text in texts if (intent := parse(text)) != "out_of_scope"}
    assert not wrong, wrong
