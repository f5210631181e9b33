"""The safety net's decisions on hand-built events, the way Rasa tests its RulePolicy.

Each case is a session as Rasa would store it (user messages with the detector's
entities, the actions the policy inserted with their metadata); ``build_episode`` reads
it and ``decide_next`` says what comes next. No server, no model. The expected levels
are written here from the medical brief, not read back from the rules file.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.dialogue_state import build_episode, clarify_denied_now, current_session
from bot.safety_net import SafetyAction, decide_next
from bot.triage import load_table

TABLE = load_table()
LISTEN = "action_listen"


def user(text: str, *signs: tuple[str, Optional[str]], intent: str = "describe_symptoms", baby: bool = False,
         answer: Optional[str] = None) -> UserUttered:
    entities: list[dict[str, Any]] = []
    for value, role in signs:
        entity = {"entity": "red_flag", "value": value}
        if role:
            entity["role"] = role
        entities.append(entity)
    if baby:
        entities.append({"entity": "finding", "value": "mentions_baby"})
    if answer:
        entities.append({"entity": "answer", "value": answer})
    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, entities=entities)


def inserted(name: str, **metadata: Any) -> ActionExecuted:
    return ActionExecuted(name, metadata={"safety_net": True, **metadata})


def bot(name: str) -> ActionExecuted:
    return ActionExecuted(name)


def start() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)]


def decide(events: list[Event], slots: Optional[dict[str, Any]] = None, done: bool = False) -> Optional[SafetyAction]:
    episode = build_episode(current_session(events), slots or {}, TABLE, questionnaire_done=done)
    return decide_next(episode, TABLE)


def level(action: Optional[SafetyAction]) -> Optional[str]:
    return action.level if action and action.kind == "advice" else None


# ------------------------------------------------------------------ layer 1: certain signs
@pytest.mark.parametrize(
    ("signs", "slots", "baby", "expected"),
    [
        ([("fever", None)], {}, True, "emergency"),  # a baby of unknown age with a fever
        ([("fever", None)], {"age_group": "newborn"}, False, "emergency"),
        ([("fever", None)], {"age_group": "infant"}, True, "urgent"),
        ([("breathing_difficulty", None)], {}, False, "emergency"),
        ([("eye_emergency", None)], {"age_group": "adult"}, False, "emergency"),
        ([("infection_sign", None)], {}, False, "urgent"),
        ([("bleeding", None)], {"age_group": "adult"}, False, "soon"),
        ([("pearly_waxy", None)], {"age_group": "adult"}, False, "soon"),
    ],
)
def test_a_present_sign_is_advised_at_once(signs, slots, baby, expected) -> None:
    events = [*start(), user("message", *signs, baby=baby), inserted("utter_disclaimer")]
    assert level(decide(events, slots)) == expected


def test_a_weak_immune_system_alone_waits_for_the_questionnaire() -> None:
    events = [*start(), user("hi im on chemotherapy", ("weak_immune", None), intent="inform")]
    assert decide(events) is None
    # ... and counts at its end: new bumps in someone on chemotherapy are seen soon.
    slots = {"age_group": "adult", "danger_signs": "no", "warning_signs": "none", "duration": "under_4_weeks"}
    assert level(decide([*events, bot("utter_start_questionnaire"), bot("triage_form")], slots, done=True)) == "soon"


def test_a_correction_of_age_raises_the_level() -> None:
    """Fever in a 5-month-old is urgent; "sorry, 5 weeks" makes it an emergency at once."""
    events = [*start(), user("5 month old with a fever", ("fever", None), baby=True), inserted("utter_triage_urgent"),
              ActionExecuted(LISTEN), user("sorry she is actually 5 weeks", intent="inform", baby=True)]
    assert level(decide(events, {"age_group": "newborn"})) == "emergency"


def test_the_same_level_is_not_repeated_without_a_new_sign() -> None:
    events = [*start(), user("5 month old with a fever", ("fever", None), baby=True), inserted("utter_triage_urgent"),
              ActionExecuted(LISTEN), user("what are milia", intent="ask_what_is_milia")]
    assert decide(events, {"age_group": "infant"}) is None


def test_a_new_sign_after_advice_is_answered_again() -> None:
    events = [*start(), user("baby with fever", ("fever", None), baby=True), inserted("utter_triage_emergency"),
              ActionExecuted(LISTEN), user("and now she is floppy", ("floppy_unresponsive", None))]
    assert level(decide(events)) == "emergency"


def test_a_sign_mid_questionnaire_is_answered_at_once() -> None:
    events = [*start(), user("white spots", baby=True), bot("utter_start_questionnaire"), bot("triage_form"),
              ActiveLoop("triage_form"), SlotSet("requested_slot", "duration"), ActionExecuted(LISTEN),
              user("oh and she has been really floppy today", ("floppy_unresponsive", None), intent="inform")]
    assert level(decide(events)) == "emergency"


def test_a_yes_to_the_questionnaires_danger_signs_is_an_emergency() -> None:
    events = [*start(), user("white spots"), bot("triage_form"), ActionExecuted(LISTEN),
              user("yes", intent="affirm", answer="yes"), SlotSet("danger_signs", "yes")]
    assert level(decide(events, {"danger_signs": "yes"})) == "emergency"


def test_not_sure_about_danger_signs_takes_the_urgent_reading() -> None:
    events = [*start(), user("white spots"), bot("triage_form"), ActionExecuted(LISTEN),
              user("not sure", intent="inform"), SlotSet("danger_signs", "unsure")]
    assert level(decide(events, {"danger_signs": "unsure"})) == "urgent"


# ------------------------------------------------------------------ end of the questionnaire
COMPLETE = {"age_group": "newborn", "body_site": "face", "duration": "under_4_weeks",
            "danger_signs": "no", "warning_signs": "none"}


@pytest.mark.parametrize(
    ("slots", "earlier", "expected"),
    [
        (COMPLETE, [], "self_care"),
        ({**COMPLETE, "age_group": "adult", "duration": "over_3_months"}, [], "routine"),
        ({**COMPLETE, "warning_signs": "change"}, [], "soon"),
        ({**COMPLETE, "warning_signs": "infection"}, [], "urgent"),
        # A red flag said earlier in the session counts, even if the answers were "no".
        (COMPLETE, [("fever", None)], "emergency"),
        # ... but a past sign, or a hypothetical one, does not.
        (COMPLETE, [("fever", "historical")], "self_care"),
        (COMPLETE, [("fever", "hypothetical")], "self_care"),
        (COMPLETE, [("fever", "other_person")], "self_care"),
    ],
)
def test_the_questionnaire_ends_with_the_decided_level(slots, earlier, expected) -> None:
    events = [*start(), user("spots", *earlier), bot("utter_start_questionnaire"), bot("triage_form"),
              ActiveLoop("triage_form"), ActionExecuted(LISTEN), user("no", intent="deny"), bot("triage_form"),
              ActiveLoop(None)]
    assert level(decide(events, slots, done=True)) == expected


def test_earlier_sessions_do_not_count() -> None:
    events = [*start(), user("fever", ("fever", None)), inserted("utter_triage_urgent"), ActionExecuted(LISTEN),
              Restarted(), *start(), user("spots"), bot("triage_form"), ActiveLoop(None)]
    assert level(decide(events, COMPLETE, done=True)) == "self_care"


def test_a_second_questionnaire_is_judged_on_its_own_answers() -> None:
    """Someone of another age group: the baby's fever and emergency do not carry over to the adult."""
    events = [*start(), user("my baby has white spots and a fever", ("fever", None), baby=True),
              SlotSet("age_group", "newborn"), inserted("utter_triage_emergency"), ActionExecuted(LISTEN),
              user("what about mine, im 34, under my eyes for a year"), SlotSet("age_group", "adult"),
              bot("utter_start_questionnaire"), bot("triage_form"), ActiveLoop(None)]
    slots = {**COMPLETE, "age_group": "adult", "duration": "over_3_months"}
    assert level(decide(events, slots, done=True)) == "routine"


def test_a_questionnaire_restarted_about_the_same_person_keeps_the_signs() -> None:
    """Fever in a daughter of unknown age (urgent); "she's 5 months" restarts the questions,
    then "sorry, 5 weeks": the fever still counts and the level rises to emergency."""
    events = [*start(), user("my daughter has a temp of 38.2", ("fever", None)), inserted("utter_triage_urgent"),
              ActionExecuted(LISTEN), user("shes 5 months", intent="inform"), SlotSet("age_group", "infant"),
              bot("utter_start_questionnaire"), bot("triage_form"), ActiveLoop("triage_form"), ActionExecuted(LISTEN),
              user("sorry shes actually 5 weeks not 5 months", intent="inform"), SlotSet("age_group", "newborn")]
    assert level(decide(events, {"age_group": "newborn"})) == "emergency"


# ------------------------------------------------------------------ a fever in an older child or adult
FEVER_QUESTION = ("utter_check_fever_rash", "fever_rash_check", ["new_rash_with_fever"])


def fever_asked(text: str = "my 9 year old has a cold, 38.2, and milia on his nose") -> list:
    response, kind, findings = FEVER_QUESTION
    return [*start(), user(text, ("fever", None)), SlotSet("age_group", "child"),
            inserted(response, clarify=kind, findings=findings), ActionExecuted(LISTEN)]


@pytest.mark.parametrize("slots", [{"age_group": "child"}, {"age_group": "adult"}])
def test_a_fever_in_an_older_child_or_adult_asks_about_a_spreading_rash(slots) -> None:
    events = [*start(), user("temp of 38.4 and white bumps on the face", ("fever", None))]
    action = decide(events, slots)
    assert action is not None and action.kind == "ask" and action.clarify == "fever_rash_check"
    assert action.findings == {"new_rash_with_fever"}


# ------------------------------------------------------------------ a fever with no age told
YOUNG_BABY_QUESTION = ("utter_check_young_baby", "young_baby_check", ["fever_in_young_baby"])


def young_baby_asked(text: str = "5 wks. white bumps nose. temp 38.9. sleeping lots") -> list:
    response, kind, findings = YOUNG_BABY_QUESTION
    return [*start(), user(text, ("fever", None)), inserted(response, clarify=kind, findings=findings),
            ActionExecuted(LISTEN)]


def test_a_fever_with_no_age_asks_first_whether_it_is_a_baby_under_3_months() -> None:
    """Set V: "5 wks. white bumps nose. temp 38.9" and "6wo temp 38.0" (no person, no "old")
    got the spreading-rash question, whose "yes" gave urgent advice to a febrile newborn."""
    action = decide([*start(), user("temp of 38.4 and white bumps on the face", ("fever", None))])
    assert action is not None and action.kind == "ask" and action.clarify == "young_baby_check"
    assert action.response == "utter_check_young_baby" and action.findings == {"fever_in_young_baby"}


def test_yes_to_the_young_baby_question_is_an_emergency() -> None:
    events = [*young_baby_asked(), user("yes", intent="affirm", answer="yes")]
    assert level(decide(events)) == "emergency"


def test_an_age_typed_in_answer_to_the_young_baby_question_decides() -> None:
    young = [*young_baby_asked(), user("shes 5 weeks", intent="inform"), SlotSet("age_group", "newborn")]
    assert level(decide(young, {"age_group": "newborn"})) == "emergency"
    # an older age told: the question a child's fever needs (is a new rash spreading?)
    older = [*young_baby_asked(), user("he's 7", intent="inform"), SlotSet("age_group", "child")]
    action = decide(older, {"age_group": "child"})
    assert action is not None and action.kind == "ask" and action.clarify == "fever_rash_check"


def test_no_usable_answer_to_the_young_baby_question_is_urgent() -> None:
    events = [*young_baby_asked(), user("not sure", intent="inform")]
    assert level(decide(events)) == "urgent"


def test_no_idea_is_no_usable_answer_not_a_no() -> None:
    """Round 13's second review: the "no" of "no idea" set the young-baby question aside."""
    no_idea = UserUttered("no idea", intent={"name": "inform", "confidence": 1.0},
                          entities=[{"entity": "answer", "value": "no"}, {"entity": "unsure", "value": "unsure"}])
    assert level(decide([*young_baby_asked(), no_idea])) == "urgent"


def test_no_to_the_young_baby_question_asks_about_a_spreading_rash_next() -> None:
    events = [*young_baby_asked("i have a temp of 38.5 and these white bumps"), user("no", intent="deny", answer="no")]
    action = decide(events)
    assert action is not None and action.kind == "ask" and action.clarify == "fever_rash_check"
    response, kind, findings = FEVER_QUESTION
    later = [*events, inserted(response, clarify=kind, findings=findings), ActionExecuted(LISTEN),
             user("no", intent="deny", answer="no")]
    after = decide(later)
    assert after is not None and after.kind == "resume"


def test_a_fever_and_a_growing_rash_in_a_child_asks_about_a_spreading_rash_before_soon_advice() -> None:
    """Set W: "38.1 and a rash that's getting bigger on my 2 yr old's legs" got soon advice."""
    events = [*start(), user("38.1 and a rash getting bigger on my 2 yr olds legs", ("fever", None),
                             ("growing_changing", None)), SlotSet("age_group", "child")]
    action = decide(events, {"age_group": "child"})
    assert action is not None and action.kind == "ask" and action.clarify == "fever_rash_check"


def test_urgent_advice_is_never_held_behind_the_young_baby_question() -> None:
    """Round 13's review: pus with a fever of no age waited for "is it a baby under 3 months?"."""
    events = [*start(), user("temp 38.5 and the bump is oozing pus", ("fever", None), ("infection_sign", None))]
    assert level(decide(events)) == "urgent"


def test_after_no_to_the_young_baby_question_a_growing_bump_still_gets_the_spreading_rash_question() -> None:
    events = [*young_baby_asked("temp 38.4 and a spot getting bigger"), user("no", intent="deny", answer="no")]
    events[3] = user("temp 38.4 and a spot getting bigger", ("fever", None), ("growing_changing", None))
    action = decide(events)
    assert action is not None and action.kind == "ask" and action.clarify == "fever_rash_check"


def test_no_but_a_sign_answers_the_question_and_gets_the_signs_advice() -> None:
    """Round 13's review: "no but he wont feed" was asked the same question again."""
    events = [*young_baby_asked(), user("no but he wont feed", ("poor_feeding", None), intent="deny", answer="no")]
    assert level(decide(events)) == "urgent"


def test_a_fever_with_a_baby_named_is_never_asked_the_young_baby_question() -> None:
    events = [*start(), user("my baby has a temp of 38.2 and milk spots", ("fever", None), baby=True)]
    assert level(decide(events)) == "emergency"


@pytest.mark.parametrize(("answer", "expected"), [("yes", "urgent"), (None, "urgent")])
def test_yes_or_no_usable_answer_to_the_fever_question_is_urgent(answer, expected) -> None:
    events = [*fever_asked(), user("yes" if answer else "hmm", intent="affirm" if answer else "inform", answer=answer)]
    assert level(decide(events, {"age_group": "child"})) == expected


def test_no_to_the_fever_question_carries_on_and_is_not_asked_again() -> None:
    events = [*fever_asked(), user("no", intent="deny", answer="no")]
    action = decide(events, {"age_group": "child"})
    assert action is not None and action.kind == "resume"
    later = [*events, inserted("utter_start_questionnaire"), ActionExecuted(LISTEN),
             user("still 38.2 this morning", ("fever", None), intent="inform")]
    assert decide(later, {"age_group": "child"}) is None


def test_after_no_to_the_fever_question_an_age_correction_to_a_young_baby_is_an_emergency() -> None:
    """The question set aside only the spreading rash: the fever itself still counts."""
    events = [*start(), user("she has a temp of 38.3 and white spots", ("fever", None)),
              inserted(FEVER_QUESTION[0], clarify=FEVER_QUESTION[1], findings=FEVER_QUESTION[2]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no"), bot("utter_start_questionnaire"),
              bot("triage_form"), ActiveLoop("triage_form"), ActionExecuted(LISTEN),
              user("6 weeks", intent="inform"), SlotSet("age_group", "newborn")]
    assert level(decide(events, {"age_group": "newborn"})) == "emergency"


def test_a_young_babys_fever_is_never_a_question() -> None:
    events = [*start(), user("my 3 week old has 38.1", ("fever", None), baby=True)]
    assert level(decide(events, {"age_group": "newborn"})) == "emergency"


def test_a_fever_with_a_spreading_rash_is_urgent_without_a_question() -> None:
    events = [*start(), user("fever and a new rash spreading", ("fever", None), ("sudden_crop", None))]
    assert level(decide(events, {"age_group": "child"})) == "urgent"


def test_age_changed_now() -> None:
    from bot.dialogue_state import age_changed_now

    base = [*start(), user("baby"), SlotSet("age_group", "newborn"), bot("utter_x"), ActionExecuted(LISTEN)]
    assert age_changed_now([*base, user("im 34"), SlotSet("age_group", "adult")])
    assert not age_changed_now([*base, user("she is 3 weeks"), SlotSet("age_group", "newborn")])
    assert not age_changed_now([*start(), user("im 34"), SlotSet("age_group", "adult")])
    assert not age_changed_now([*base, user("sorry, actually 5 months"), SlotSet("age_group", "infant")])


# ------------------------------------------------------------------ layers 2 and 3: ask first
def test_a_suspected_sign_asks_the_danger_question_first() -> None:
    events = [*start(), user("her lips look kind of dusky", ("colour_change", "suspected"))]
    action = decide(events)
    assert action is not None and action.kind == "ask" and action.clarify == "danger_signs"
    assert action.response == "utter_check_danger_signs"


@pytest.mark.parametrize(("answer", "intent", "expected"), [("yes", "affirm", "urgent"), ("no", "deny", "soon")])
def test_after_no_to_the_danger_question_red_alone_is_still_asked_about(answer, intent, expected) -> None:
    """Set N: "on high dose steroids, a spot getting red and puffy" got the emergency question,
    and after "no" the soon advice, without asking whether the skin is hot, oozing or spreading."""
    events = [*start(), user("on steroids, a spot is getting red and puffy", ("weak_immune", None),
                             ("redness_unclear", None), ("colour_change", "suspected"))]
    assert decide(events).clarify == "danger_signs"
    denied = [*events, inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    action = decide(denied)
    assert action is not None and action.clarify == "infection_check"
    answered = [*denied, inserted("utter_check_infection", clarify="infection_check", findings=["redness_unclear"]),
                ActionExecuted(LISTEN), user(answer, intent=intent, answer=answer)]
    assert level(decide(answered)) == expected


@pytest.mark.parametrize(
    ("answer", "intent", "expected"),
    [("yes", "affirm", "emergency"), (None, "ask_what_is_milia", "urgent")],
)
def test_yes_or_no_usable_answer_to_the_danger_question(answer, intent, expected) -> None:
    events = [*start(), user("lips dusky", ("colour_change", "suspected")),
              inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
              ActionExecuted(LISTEN), user("reply", intent=intent, answer=answer)]
    assert level(decide(events)) == expected


def test_no_to_the_danger_question_lets_the_rules_answer_the_message() -> None:
    events = [*start(), user("lips dusky", ("colour_change", "suspected")),
              inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    action = decide(events)
    assert action is not None and action.kind == "resume"


def test_a_past_sign_gets_a_question_not_an_emergency() -> None:
    events = [*start(), user("had a fever last week, fine now", ("fever", "historical"), baby=True)]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "still_present")


def test_a_past_emergency_sign_is_asked_about_before_lower_advice() -> None:
    """Round 8's third review: a present crop of spots (soon) answered at once silenced the
    question about a young baby's fever from last night; now the question comes first."""
    events = [*start(), user("she was 38.5 last night, the gp checked her, overnight loads of new spots",
                             ("fever", "historical"), ("sudden_crop", None), baby=True)]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "still_present")
    assert action.findings == frozenset({"fever"})


def test_after_no_to_the_past_emergency_sign_the_lower_advice_follows() -> None:
    events = [*start(), user("she was 38.5 last night, the gp checked her, overnight loads of new spots",
                             ("fever", "historical"), ("sudden_crop", None), baby=True),
              inserted("utter_check_still_present", clarify="still_present", findings=["fever"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    assert level(decide(events)) == "soon"


def test_after_no_to_the_danger_question_a_past_sign_of_that_message_is_asked_about() -> None:
    """Round 8's fourth review: "grunting in the night ... she's got a blocked nose" asked about
    now only; the truthful "no" lost grunting from the last 24 hours."""
    said = user("my 5 week old was grunting in the night and shes got a blocked nose",
                ("breathing_difficulty", "historical"), ("fever", "suspected"), baby=True)
    first = decide([*start(), said])
    assert first is not None and (first.kind, first.clarify) == ("ask", "danger_signs")
    events = [*start(), said, inserted("utter_check_danger_signs", clarify="danger_signs", findings=["fever"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "still_present")
    assert action.findings == frozenset({"breathing_difficulty"})


def test_a_past_sign_no_more_urgent_than_the_present_one_asks_nothing_first() -> None:
    events = [*start(), user("had a bit of redness last week, now it is oozing pus",
                             ("redness_unclear", "historical"), ("infection_sign", None))]
    assert level(decide(events)) == "urgent"


def test_a_past_sign_still_present_is_advised() -> None:
    events = [*start(), user("had a fever last week", ("fever", "historical"), baby=True),
              inserted("utter_check_still_present", clarify="still_present", findings=["fever"]),
              ActionExecuted(LISTEN), user("yes", intent="affirm", answer="yes")]
    assert level(decide(events)) == "emergency"


def test_a_past_sign_that_is_over_does_not_stick() -> None:
    """After "no, it's over", a questionnaire answered no to everything is not an emergency."""
    events = [*start(), user("had a fever last week", ("fever", "historical"), baby=True),
              inserted("utter_check_still_present", clarify="still_present", findings=["fever"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no"), bot("utter_start_questionnaire"),
              bot("triage_form"), ActiveLoop(None)]
    assert level(decide(events, COMPLETE, done=True)) == "self_care"


def test_a_sign_set_aside_by_no_counts_again_when_a_later_message_states_it() -> None:
    """Round 7's safety review: "she had a seizure last year" -> "no, it's over" silenced
    "she is having a seizure right now" for the rest of the session."""
    events = [*start(), user("she had a seizure last year", ("seizure", "historical"), baby=True),
              inserted("utter_check_still_present", clarify="still_present", findings=["seizure"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    assert level(decide(events)) is None
    later = [*events, bot("utter_ask_what_is_milia"), ActionExecuted(LISTEN),
             user("she is having a seizure right now", ("seizure", None), baby=True)]
    assert level(decide(later)) == "emergency"


def test_a_sign_set_aside_by_no_stays_aside_in_the_answer_itself() -> None:
    """The answer that sets the sign aside does not bring it back ("no, the fit was last year")."""
    events = [*start(), user("she had a fit last year", ("seizure", "historical"), baby=True),
              inserted("utter_check_still_present", clarify="still_present", findings=["seizure"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no"), bot("utter_start_questionnaire"),
              bot("triage_form"), ActiveLoop(None)]
    assert level(decide(events, COMPLETE, done=True)) == "self_care"


def test_red_alone_asks_about_infection() -> None:
    events = [*start(), user("a red bump", ("redness_unclear", None))]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "infection_check")
    answered = [*events, inserted("utter_check_infection", clarify="infection_check", findings=["redness_unclear"]),
                ActionExecuted(LISTEN), user("yes its hot", intent="affirm", answer="yes")]
    assert level(decide(answered)) == "urgent"


@pytest.mark.parametrize(
    ("finding", "response"),
    [("fever", "utter_if_fever"), ("non_blanching_rash", "utter_if_emergency_signs"),
     ("infection_sign", "utter_if_urgent_signs")],
)
def test_a_hypothetical_sign_gets_the_conditional_rule(finding, response) -> None:
    events = [*start(), user("what if ...", (finding, "hypothetical"), intent="ask_see_doctor")]
    action = decide(events)
    assert action is not None and action.kind == "conditional" and action.response == response


def test_someone_elses_story_is_not_a_sign() -> None:
    events = [*start(), user("my sisters baby had meningitis", ("non_blanching_rash", "other_person"))]
    assert decide(events) is None


def test_a_weak_immune_system_with_new_bumps_is_seen_soon() -> None:
    events = [*start(), user("im on chemo and have new white bumps", ("weak_immune", None))]
    assert level(decide(events)) == "soon"


def test_a_correction_after_the_questionnaire_raises_its_result() -> None:
    """Self-care for a 5-week-old's milia since birth; "sorry, 5 months" makes it routine."""
    events = [*start(), user("my daughter has white bumps, 5 weeks", baby=True), bot("utter_start_questionnaire"),
              bot("triage_form"), ActiveLoop(None), inserted("utter_triage_self_care"), ActionExecuted(LISTEN),
              user("sorry shes actually 5 months not 5 weeks", intent="inform", baby=True),
              SlotSet("age_group", "infant")]
    slots = {**COMPLETE, "age_group": "infant", "duration": "since_birth"}
    assert level(decide(events, slots)) == "routine"


def test_a_weak_immune_system_with_redness_is_urgent_without_the_infection_question() -> None:
    """On chemotherapy with a bump gone "red and tender": urgent at once (brief: any sign of skin
    infection). Round 16's review: the infection question came first, and a "no" to it ended at
    soon. The question is still asked when its "yes" could raise the level (red alone)."""
    events = [*start(), user("on chemo, a bump has gone red and tender", ("weak_immune", None),
                             ("redness_unclear", None))]
    assert level(decide(events)) == "urgent"
    alone = [*start(), user("a bump has gone red and tender", ("redness_unclear", None))]
    action = decide(alone)
    assert action is not None and (action.kind, action.clarify) == ("ask", "infection_check")


def test_a_present_emergency_is_never_delayed_by_a_question() -> None:
    events = [*start(), user("she is floppy and a bump is red", ("floppy_unresponsive", None),
                             ("redness_unclear", None), ("colour_change", "suspected"))]
    assert level(decide(events)) == "emergency"


def test_a_no_to_the_infection_question_keeps_the_signs_own_level() -> None:
    events = [*start(), user("bumps on his eyelid and the eye is sore and red", ("eye_irritation", None),
                             ("redness_unclear", None)),
              inserted("utter_check_infection", clarify="infection_check", findings=["redness_unclear"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    assert level(decide(events)) == "soon"


# ---------------------------------- layer 2: a sign told in a harmless-looking context
def test_a_doubtful_emergency_sign_asks_the_danger_question_not_advice() -> None:
    events = [*start(), user("my sister's boy went blue once, anyway", ("colour_change", "doubtful"))]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "danger_signs")
    assert action.findings == frozenset({"colour_change"})


def test_a_doubtful_urgent_sign_asks_whether_it_is_happening_now() -> None:
    events = [*start(), user("eyes puffy, from crying at a film", ("eyelid_swelling", "doubtful"))]
    action = decide(events)
    assert action is not None and (action.kind, action.clarify) == ("ask", "sign_now")
    assert action.response == "utter_check_sign_now"


@pytest.mark.parametrize(
    ("answer", "intent", "expected"),
    [("yes", "affirm", "urgent"), (None, "ask_what_is_milia", "urgent"), ("no", "deny", None)],
)
def test_yes_or_no_usable_answer_to_the_sign_now_question_gives_the_signs_level(answer, intent, expected) -> None:
    events = [*start(), user("eyes puffy", ("eyelid_swelling", "doubtful")),
              inserted("utter_check_sign_now", clarify="sign_now", findings=["eyelid_swelling"]),
              ActionExecuted(LISTEN), user("reply", intent=intent, answer=answer)]
    assert level(decide(events)) == expected


def test_a_doubtful_sign_below_the_safety_net_asks_nothing() -> None:
    events = [*start(), user("I'd like them removed, my friend said so", ("wants_to_be_seen", "doubtful"))]
    assert decide(events) is None


def test_a_present_emergency_beside_a_doubtful_one_is_advised_at_once() -> None:
    events = [*start(), user("he is having a fit", ("seizure", None), ("colour_change", "doubtful"))]
    assert level(decide(events)) == "emergency"


def test_a_no_to_the_danger_question_answers_the_questionnaires_too() -> None:
    """The same question and list: a "no" is not asked for again by the questionnaire."""
    events = [*start(), user("lips dusky", ("colour_change", "suspected")),
              inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
              ActionExecuted(LISTEN), user("no", intent="deny", answer="no")]
    assert clarify_denied_now(events) == "danger_signs"
    named = [*events[:-1], user("no, but she is floppy", ("floppy_unresponsive", None), intent="deny", answer="no")]
    assert clarify_denied_now(named) is None
    yes = [*events[:-1], user("yes", intent="affirm", answer="yes")]
    assert clarify_denied_now(yes) is None
    assert clarify_denied_now([*start(), user("no", intent="deny", answer="no")]) is None


def test_a_no_that_states_the_sign_asked_about_keeps_it() -> None:
    """Round 15's first review: "no, just his lips are a bit blue" answered the emergency-signs
    question, and the blue lips it names were set aside with the "no"."""
    asked = [*start(), user("lips dusky", ("colour_change", "suspected")),
             inserted("utter_check_danger_signs", clarify="danger_signs", findings=["colour_change"]),
             ActionExecuted(LISTEN)]
    restated = [*asked, user("no, just his lips are a bit blue", ("colour_change", None), intent="deny", answer="no")]
    assert level(decide(restated)) == "emergency"
    plain_no = [*asked, user("no", intent="deny", answer="no")]
    assert level(decide(plain_no)) is None
