"""Triage vignettes against the trained bot over REST: exact level, recall and over-triage.

Files (tests/data/): ``vignettes.yml`` (the team's), ``vignettes_blind.yml`` (an earlier
blind batch, since tuned against) and ``vignettes_blind_2.yml`` (issue 7's blind batch,
written by a helper session that never saw the patterns, rules or training data; its
first-run figures, before any change, are in the README), ``vignettes_kinds.yml`` (the team's
cases for each kind of failure issue 7 found) and ``vignettes_blind_3.yml`` (a second blind
set, sealed until one run on the final code), ``vignettes_blind_4.yml`` (a third, run once
before and once after the next round of changes), ``vignettes_blind_5.yml`` (set D, run once
before round 3's changes), ``vignettes_blind_6.yml`` (set E, sealed until one run on round
3's code), ``vignettes_blind_7.yml`` (set F, sealed until one run on the code after E's
fixes), ``vignettes_blind_8.yml`` (set G, sealed until one run on round 4's first code) and
``vignettes_blind_9.yml`` (set H, sealed until one run on round 4's final triage code) and
``vignettes_blind_10.yml`` (set I, sealed until one run on the code after round 4's review) and
``vignettes_blind_11.yml`` (set J, sealed until one run on round 5's first code) and
``vignettes_blind_12.yml`` (set K, sealed until one run on the code after J's fixes) and
``vignettes_blind_13.yml`` (set L, sealed until one run on round 6's code with the context
reader) and ``vignettes_blind_14.yml`` (set M, sealed until one run on round 6's final
code) and ``vignettes_blind_15.yml`` (set N, sealed until one run on round 7's first code)
and ``vignettes_blind_16.yml`` (set O, sealed until one run on round 7's final triage code)
and ``vignettes_blind_17.yml`` (set P, sealed until one run on round 7's final code at the
start of round 8) and ``vignettes_blind_18.yml`` (set Q, sealed until one run on round 8's
final code at the start of round 9) and ``vignettes_blind_19.yml`` (set R, sealed until one
run on round 9's code after its first review) and ``vignettes_blind_20.yml`` (set S, sealed
until one run on round 9's code after its second review) and ``vignettes_blind_21.yml`` (set T,
sealed until one run on round 9's final code at the start of round 10) and
``vignettes_blind_22.yml`` (set U, sealed until one run on round 10's final code at the start
of round 11) and ``vignettes_blind_23.yml`` (set V, sealed until one run on round 11's final
code at the start of round 12) and ``vignettes_blind_24.yml`` (set W, sealed until one run on
round 12's final code at the start of round 13) and ``vignettes_blind_25.yml`` (set X, sealed
until one run on round 13's final code with V and W added to the context reader's examples, at
the start of round 14) and ``vignettes_blind_26.yml`` (set Y, two writers, sealed until one
run on round 14's final code with X as a context reader example and emergency signs doubted at
a stricter score, since withdrawn, at the start of round 15) and ``vignettes_blind_27.yml`` (set Z,
two writers, sealed until one run on round 15's final code at the start of round 16) and
``vignettes_blind_28.yml`` (set AA, two writers, sealed until one run on round 16's final code at
the start of round 17) and ``vignettes_blind_29.yml`` (set AB, two writers, sealed until one run
on round 17's final code at the start of round 18) and ``vignettes_blind_30.yml`` (set AC, two
writers, sealed until one run at the start of round 19, on f211656: round 18's final code plus a
limp and white tongue or gums read as no sign).
Since round 6 the blind sets' single messages, each after its first run, are also the
context reader's examples (bot/resources/sign_context.yml): their figures here are not
blind; the reader's own figures are cross-validated by leaving one set out
(tests/test_sign_context.py).
The runner answers the bot's clarifying questions truthfully from each case's label
(tests/vignette_runner.py).

Targets (issue 7), per file, asserted as written here: emergency recall 100%, urgent
recall >= 97%, soon recall >= 95%, over-triage (harmless -> urgent or emergency) <= 2%,
exact level >= 85%, over-escalation by more than one level <= 2%, and the emergency-signs
(safety) question asked of at most 15% of harmless single messages. Other clarifying
questions (past or resolved signs, "red" alone) are the contract's and are reported. Figures are printed and
written to test-output/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml

from tests.triage_report import TriageReport
from tests.vignette_runner import (
    asked_of_calm_singles,
    exact_agreement,
    over_escalated_by_more_than_one,
    render,
    run,
)

SOURCES = ("vignettes.yml", "vignettes_blind.yml", "vignettes_blind_2.yml", "vignettes_kinds.yml",
           "vignettes_blind_3.yml", "vignettes_blind_4.yml", "vignettes_blind_5.yml", "vignettes_blind_6.yml",
           "vignettes_blind_7.yml", "vignettes_blind_8.yml", "vignettes_blind_9.yml",
           "vignettes_blind_10.yml", "vignettes_blind_11.yml", "vignettes_blind_12.yml",
           "vignettes_blind_13.yml", "vignettes_blind_14.yml", "vignettes_blind_15.yml",
           "vignettes_blind_16.yml", "vignettes_blind_17.yml", "vignettes_blind_18.yml",
           "vignettes_blind_19.yml", "vignettes_blind_20.yml", "vignettes_blind_21.yml",
           "vignettes_blind_22.yml", "vignettes_blind_23.yml", "vignettes_blind_24.yml",
           "vignettes_blind_25.yml", "vignettes_blind_26.yml", "vignettes_blind_27.yml",
           "vignettes_blind_28.yml", "vignettes_blind_29.yml", "vignettes_blind_30.yml")
# Issue 7's targets are not reached on these blind sets (measured 2026-11-29, round 3's final
# code). The test keeps the targets; strict: reaching them fails the suite until the mark is removed.
# Set F (vignettes_blind_7.yml) met none of them blind (README); after its misses were read and
# fixed as kinds it meets them all, so it runs unmarked: from now on a regression test, not a
# blind figure. So does set J (vignettes_blind_11.yml; blind first run on 38dfe93: single
# emergency recall 98.0%, urgent 98.0%, soon 90.0%, over-triage 9.0%, over-escalated by >1
# level 3.8%; conversations exact 84.0%, README), and set K (vignettes_blind_12.yml; blind first
# run on 2887d4a: single emergency recall 98.1%, over-triage 7.8%, over-escalated by >1 level
# 3.3%; conversations soon recall 87.5%, exact 86.0%, README), set A (vignettes_blind_2.yml) once the
# context reader learned from it and the other sets (round 6; a training-set figure). Sets L and
# M (round 6; blind first runs: over-triage 6.9% and 6.8%, README) met every target after their
# kinds were mended, and no longer do since two outside safety reviews withdrew the records that
# also hid real signs: marked below with their figures. (Round 7 let the context reader ask about
# emergency signs, which met them again; a third review found it doubted real emergencies, and it
# was reverted.)
# Set I (vignettes_blind_10.yml; blind first run on f8066ba: single emergency recall 97.2%, urgent
# 94.0%, soon 85.7%, over-triage 6.2%) meets every target since round 6 (read; not blind).
# Set D (vignettes_blind_5.yml; first run: single emergency recall 92.6%, soon 86.7%, over-triage
# 2.8%; conversations 75.0%) meets every target since round 13, when a fever with no age began
# to ask whether it is a baby under 3 months ("ma fille 4 semaines a 38,5"; read, not blind).
# Set C (vignettes_blind_3.yml; read since round 2) meets every target since round 15, when an
# age corrected in the same answer and a duration told before the age question were kept
# (conversations exact 87.2% as written, soon recall 100%; read, not blind).
NOT_REACHED = {
    "vignettes_blind_4.yml": "now (read, round 6): single urgent recall 96.8%; conversations urgent 87.5%, soon 85.7%, "
                             "exact level 57.5% (87.5% with the sign questions answered)",
    "vignettes_blind_6.yml": "blind first run: single soon recall 93.8%, over-triage 5.3% (4 of 76); now (read, round "
                             "6): singles met; conversations soon recall 87.5%",
    "vignettes_blind_8.yml": "blind first run (round 4, 5e07568): single emergency recall 94.5%, urgent 94.0%, soon "
                             "92.5%, over-triage 11.5% (9 of 78), over-escalated by >1 level 3.7%; conversations "
                             "over-triage 7.1%, exact 75.5%. Now (read, round 6): singles met; conversations exact "
                             "level 79.6% (questionnaires left unfinished; 95.9% finished)",
    "vignettes_blind_13.yml": "blind first run (801b742): single urgent recall 96.1%, over-triage 6.9%, over-escalated "
                              "by >1 level 3.5%. Now (read, after round 6's two outside safety reviews withdrew "
                              "records that hid real signs): single over-triage 3.1% (4 of 131: the glass test 'is for "
                              "meningitis rashes', '38 degrees in Seville', cold hands 'because it's snowing', a fever "
                              "'months ago in hospital' told after 'but')",
    "vignettes_blind_14.yml": "blind first run (1c99b01): single soon recall 97.6%, over-triage 6.8%, over-escalated "
                              "by >1 level 3.0%. Now (read, after the safety reviews): single over-triage 3.4% (4 of "
                              "117: 'if my baby's lips ever turned blue', 'in the show I was watching a baby turned "
                              "blue', '101F outside', 'sleeps a lot but wakes for every feed')",
    "vignettes_blind_15.yml": "blind first run (fd8fd3c, with the emergency question of the context reader, since "
                              "reverted after a safety review): single emergency recall 96.7% (2 of 61: 'bb 4 wks temp "
                              "38.2', a nephew 'tiny, a few weeks maybe' at 38.9), soon 92.5%, over-triage 6.7% (8 of "
                              "120), over-escalated by >1 level 3.0%. Now (read, after the withdrawals): single recall "
                              "100/100/100%, over-triage 12.5% (15 of 120), over-escalated by >1 level 5.5%; "
                              "conversations exact 69.1% as written (100% finished)",
    "vignettes_blind_16.yml": "blind first run (dfcb5aa, round 7's final triage code): single recall 100/100/92.5%, "
                              "over-triage 14.8% (18 of 122), exact 91.2%, over-escalated by >1 level 6.6%; "
                              "conversations soon 87.5%, over-triage 7.4%, exact 84.7%. Now (read; its mends withdrawn "
                              "after a safety review): single soon 92.5%, over-triage 13.9% (17 of 122), "
                              "over-escalated by >1 level 6.2%; conversations unchanged",
    "vignettes_blind_17.yml": "blind first run (round 7's final code, 5fcc762): single emergency recall 98.7% "
                              "(1 of 75: a red patch 'getting bigger by the hour' with fever, read as a growing "
                              "bump), urgent 95.0%, soon 92.0%, over-triage 6.9% (9 of 130), over-escalated by >1 "
                              "level 2.9%; conversations exact 79.0%, over-triage 14.3%. Now (read; the patterns "
                              "for its misses withdrawn after three outside reviews): singles unchanged; "
                              "conversations exact 80.6%, over-triage 9.5%",
    "vignettes_blind_18.yml": "blind first run (round 8's final code, c59a985): single emergency recall 96.0% "
                              "(3 of 75: a baby who 'turns 3 months tomorrow' with 38.2, a newborn grandson's "
                              "fever told by a grandparent, blurred vision since an eyelid swelled), urgent 98.3%, "
                              "soon 86.0%, over-triage 12.7% (16 of 126), exact 83.9%, over-escalated by >1 level "
                              "5.1%; conversations exact 63.1% as written (90.8% finished), over-triage 7.1%. Now "
                              "(read, round 10): single recall 100/98.3/92.0%, over-triage 12.7%, exact 85.9%",
    "vignettes_blind_19.yml": "blind first run (round 9 after its first review, 443b24e): single emergency "
                              "recall 100%, urgent 96.7% (a feed refused all day, spots on a young baby filling "
                              "with liquid), "
                              "soon 94.0%, over-triage 9.2% (12 of 131), exact 86.5%, over-escalated by >1 level "
                              "3.8%; conversations emergency 94.1% (a grandparent's story), urgent 92.3%, exact "
                              "68.3% as written (96.8% finished)",
    "vignettes_blind_20.yml": "blind first run (round 9 after its second review, 17d1deb): single emergency "
                              "recall 98.7% (1 of 77: a 'grandaughter' of 5 weeks, the relative word misspelt), "
                              "urgent 100%, soon 88.0%, over-triage 7.7% (10 of 130), exact 85.8%, over-escalated "
                              "by >1 level 3.5%; conversations exact 61.9% as written (93.7% finished), "
                              "over-triage 7.7%",
    "vignettes_blind_21.yml": "blind first run (round 9's final code, fe05bfc): single emergency recall 96.5% "
                              "(3 of 86: 'Is 100.5 F high for a 2 mo?', a glass through which 'i can still see the "
                              "spots', a child who 'cant get his chin down to his chest' with a temp), urgent 95.4%, "
                              "soon 89.1%, over-triage 9.0% (17 of 188), exact 78.9%, over-escalated by >1 level "
                              "4.6%; conversations emergency 95.0%, exact 71.1% as written (89.5% finished), "
                              "over-triage 3.3%. Now (read; after four outside reviews withdrew most of the "
                              "over-triage records): single recall 100/100/90.9%, over-triage 6.9% (13 of 188), "
                              "exact 82.0%; conversations emergency 100%, exact 72.4%",
    "vignettes_blind_22.yml": "blind first run (round 10's final code, 47f7aed): single emergency recall 97.6% "
                              "(2 of 82: 'just had a febrile fit, is still really drowsy', a French message "
                              "'ma fille 4 semaines a 38,5 de fievre'), urgent 98.5%, soon 89.1%, over-triage 7.7% "
                              "(13 of 169), exact 73.0%, over-escalated by >1 level 4.0%; conversations emergency "
                              "100%, urgent 100%, exact 65.6% as written (71.9% finished), over-triage 4.5%. Now (read;"
                              " two reviews withdrew the set's context records and its burn): single 98.8/98.5/89.1%, "
                              "over-triage 7.1% (12 of 169), exact 73.3%; round 13: single emergency 100%",
    "vignettes_blind_23.yml": "blind first run (round 11's final code, f9c4594): single emergency recall 96.5% "
                              "(3 of 86: '5 wks. white bumps nose. temp 38.9', '6wo temp 38.0', a teen's redness "
                              "past a pen line with 38.8 who 'feels like she's dying'), urgent 97.1%, soon 90.0%, "
                              "over-triage 10.9% (20 of 183), exact 73.4%, over-escalated by >1 level 5.0%; "
                              "conversations emergency 100%, urgent 92.9%, exact 60.9% as written (71.9% finished). "
                              "Now (read; a review withdrew its idiom records and '6wo'): single 97.7/98.6/98.3%, "
                              "over-triage 10.9%, exact 75.2%; round 13 (the young-baby question): single "
                              "emergency 100%, exact 75.7%",
    "vignettes_blind_24.yml": "blind first run (round 12's final code, fd509cd): single emergency recall 99.0% "
                              "(1 of 102: 'day 10 and the thermometer says 38.0 exactly'), urgent 94.3%, soon "
                              "95.8%, over-triage 4.5% (7 of 155), exact 86.1%, over-escalated by >1 level 1.7%; "
                              "conversations emergency 100%, over-triage 4.2% (1 of 24: 'not sure' takes the "
                              "urgent reading), exact 79.1% as written (83.6% finished). Now (read; a review "
                              "withdrew its 'is X a bad sign' and pinprick records): single recall 100/100/100%, "
                              "over-triage 3.2% (5 of 155), exact 88.7%; conversations unchanged",
    "vignettes_blind_25.yml": "blind first run (round 13's final code with V and W as context reader examples, "
                              "b0ebec2): single emergency recall 96.4% (4 of 112: lip 'twice the size', 'hurts my "
                              "eye to look sideways', redness 'moving up her arm' and 'gone red all along my jaw' "
                              "with a fever), urgent 97.9%, soon 95.1%, over-triage 6.4% (11 of 172), exact 94.4%, "
                              "over-escalated by >1 level 2.4%; conversations emergency 94.4% (a 'no fever' "
                              "re-measured at 38.2 by 'my husband' read as the husband's), over-triage 3.2% (1 of "
                              "31), exact 61.4% as written (90.0% finished). Now (read; three reviews withdrew "
                              "all eight of its context records for harmless messages): single 100/100/100%, "
                              "over-triage 6.4% (11 of 172), exact 96.5%, over-escalated by >1 level 2.4%; "
                              "conversations emergency 100%, exact 62.9% as written (91.4% finished); round 15 "
                              "(X a context reader example): single over-triage 5.8%, exact 97.0%, "
                              "over-escalated by >1 level 2.2%",
    "vignettes_blind_26.yml": "blind first run (round 14's final code, X added to the context reader's examples, "
                              "emergency signs doubted at 0.90 unless told as now; d2a28d5): single emergency "
                              "recall 99.1% (1 of 116: a 38.4 told after 'born at 39 weeks'), urgent 97.0%, soon "
                              "96.3%, over-triage 3.0% (5 of 169), exact 95.7%, over-escalated by >1 level 1.1%; "
                              "conversations emergency 100%, over-triage 0% (0 of 22), exact 64.3% as written "
                              "(94.3% finished). Now (read; two reviews; emergency doubt withdrawn): single "
                              "100/100/100%, over-triage 4.1% (7 of 169), exact 97.2%, over-escalated by >1 "
                              "level 1.5%; conversations exact 68.6% as written (100% finished)",
    "vignettes_blind_27.yml": "blind first run (round 15's final code, 59b275a): single emergency recall 97.5% "
                              "(3 of 121: 'can't keep her awake' read as sleepy, 'seeing dubble', a 3-week-old's "
                              "38.0 after 'my mum keeps going on'), urgent 94.3%, soon 88.9% (exact 85.6%), "
                              "over-triage 7.9% (12 of 151), exact 91.4%, over-escalated by >1 level 2.6%; "
                              "conversations emergency 100%, over-triage 0% (0 of 25), exact 64.8% as written "
                              "(94.4% finished). Now (read; two reviews withdrew ten of its records): single "
                              "100/100/100%, over-triage 3.3% (5 of 151), exact 97.9%, over-escalated by >1 level "
                              "1.1%; conversations exact 64.8% as written (95.8% finished)",
    "vignettes_blind_28.yml": "blind first run (round 16's final code, 94c940c): single emergency recall 92.5% "
                              "(9 of 120: five eye emergencies given urgent, lips 'very big' with hard breathing, "
                              "a glass test told after a long story, 'spots stayed dark red', an old man who "
                              "'speak strange and not know me'), urgent 96.2%, soon 89.4% (exact 86.2%), routine "
                              "and self-care 0% (21 single messages: the questionnaire asks before a level), "
                              "over-triage 8.0% (14 of 175, figures of speech), exact 86.9%, over-escalated by >1 "
                              "level 2.8%; conversations emergency 100%, over-triage 0%, exact 89.0% as written "
                              "(95.9% finished). Now (read; two reviews withdrew or narrowed most of its records): "
                              "single 100/99.1/96.8%, over-triage 3.4% (6 of 175), exact 93.1%, over-escalated by "
                              ">1 level 1.2%; conversations exact 89.0% as written (95.9% finished)",
    "vignettes_blind_29.yml": "blind first run (round 17's final code, 0453280): single emergency recall 100% "
                              "(113 of 113), urgent 98.0%, soon 91.1% (exact 90.0%), routine and self-care 0% "
                              "(20 single messages: the questionnaire asks before a level), over-triage 8.8% (14 "
                              "of 159: signs of a sibling, a patient, a TV show, idioms), exact 88.7%, "
                              "over-escalated by >1 level 3.0%; conversations emergency 100%, over-triage 3.8% "
                              "(1 of 26), exact 65.8% as written (94.5% finished). Now (read; two reviews withdrew "
                              "its sibling records): single 100/100/97.8%, over-triage 1.9% (3 of 159), exact 93.9%, "
                              "over-escalated by >1 level 0.6%; conversations exact 65.8% as written (94.5% "
                              "finished): 26 of its 73 end at routine or self-care, which the questionnaire reaches "
                              "only after its last question",
    "vignettes_blind_30.yml": "blind first run (f211656, start of round 19): single emergency recall 99.1% "
                              "(105 of 106: mottled skin and cold feet told in a long message that ends with a "
                              "question), urgent 96.9%, soon 86.5% (exact 84.3%), over-triage 4.2% (8 of 191: past "
                              "signs, a friend's story, a panic attack), exact 56.0% (93.4% with the 191 routine or "
                              "self-care single messages met by no level), over-escalated by >1 level 2.1%; "
                              "conversations emergency 100%, soon 92.9%, over-triage 0% (0 of 29), exact 61.3% as "
                              "written (92.0% finished)",
    "vignettes_blind_9.yml": "blind first run (round 4's final triage code, 8055702): single emergency recall 97.2%, "
                             "urgent 96.0%, over-triage 11.0% (8 of 73), over-escalated by >1 level 3.4%; "
                             "conversations urgent recall 90.0%. Now (read, round 6): single over-triage 2.7% (2 of "
                             "73); conversations urgent recall 90.0%",
}
DATA = Path(__file__).parent / "data"
VIGNETTES = {name: yaml.safe_load((DATA / name).read_text(encoding="utf-8")) for name in SOURCES}
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


def test_vignette_counts() -> None:
    assert len(VIGNETTES["vignettes.yml"]["single"]) >= 80
    assert len(VIGNETTES["vignettes.yml"]["conversations"]) >= 20
    assert len(VIGNETTES["vignettes_blind_2.yml"]["single"]) >= 150
    assert len(VIGNETTES["vignettes_blind_2.yml"]["conversations"]) >= 30
    assert len(VIGNETTES["vignettes_blind_3.yml"]["single"]) >= 150
    assert len(VIGNETTES["vignettes_blind_3.yml"]["conversations"]) >= 30
    assert len(VIGNETTES["vignettes_blind_4.yml"]["single"]) >= 150
    assert len(VIGNETTES["vignettes_blind_4.yml"]["conversations"]) >= 30
    for later in ("vignettes_blind_5.yml", "vignettes_blind_6.yml", "vignettes_blind_7.yml", "vignettes_blind_8.yml",
                  "vignettes_blind_9.yml", "vignettes_blind_10.yml", "vignettes_blind_11.yml",
                  "vignettes_blind_12.yml", "vignettes_blind_13.yml", "vignettes_blind_14.yml",
                  "vignettes_blind_15.yml", "vignettes_blind_16.yml", "vignettes_blind_17.yml",
                  "vignettes_blind_18.yml", "vignettes_blind_19.yml", "vignettes_blind_20.yml",
                  "vignettes_blind_21.yml", "vignettes_blind_22.yml", "vignettes_blind_23.yml",
                  "vignettes_blind_24.yml", "vignettes_blind_25.yml", "vignettes_blind_26.yml",
                  "vignettes_blind_27.yml", "vignettes_blind_28.yml", "vignettes_blind_29.yml",
                  "vignettes_blind_30.yml"):
        assert len(VIGNETTES[later]["single"]) >= 150
        assert len(VIGNETTES[later]["conversations"]) >= 30


@pytest.mark.server
@pytest.mark.parametrize("source", [
    pytest.param(source, marks=[pytest.mark.xfail(strict=True, reason=f"issue 7 targets: {NOT_REACHED[source]}"),
                                pytest.mark.blind_history])
    if source in NOT_REACHED else source
    for source in SOURCES
])
def test_vignettes(source: str, say, new_sender: Callable[[], str], show_figure) -> None:
    result = run(VIGNETTES[source], say, new_sender)
    text = render(source, result)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"{Path(source).stem}.txt").write_text(text + "\n", encoding="utf-8")
    show_figure(text)
    failures = [*_missed_targets("single", result.singles), *_missed_targets("conversations", result.conversations)]
    asked, harmless = asked_of_calm_singles(result, "danger_signs")
    if harmless and asked / harmless > 0.15:
        failures.append(f"the emergency-signs question was asked of {asked}/{harmless} harmless messages (> 15%)")
    assert not failures, "\n".join(failures) + "\n" + text


def _missed_targets(kind: str, report: TriageReport) -> list[str]:
    missed = []
    for level, target in (("emergency", 1.0), ("urgent", 0.97), ("soon", 0.95)):
        value, count = report.recall(level)
        if count and value < target:
            missed.append(f"{kind}: {level} recall {value:.1%} < {target:.0%}")
    over, count = report.over_triage()
    if count and over > 0.02:
        missed.append(f"{kind}: over-triage {over:.1%} > 2%")
    if report.results and exact_agreement(report) < 0.85:
        missed.append(f"{kind}: exact level {exact_agreement(report):.1%} < 85%")
    if report.results and over_escalated_by_more_than_one(report) > 0.02:
        missed.append(f"{kind}: over-escalated by more than one level {over_escalated_by_more_than_one(report):.1%}")
    return missed
