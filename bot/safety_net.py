"""The safety net's decision for the next bot turn: pure logic over a conversation episode.

Why a pure function: this is the most safety-critical choice the assistant makes (advice
at once, a clarifying question, or carry on), so it must be readable in one place and
testable on plain values without Rasa. ``bot/dialogue_state.py`` turns Rasa events into
an :class:`Episode`; ``bot/policies.py`` turns the :class:`SafetyAction` into a prediction.

The layers, run on every message (the questionnaire included):

1. **Certain signs** (a red flag with no context role): the level's advice at once when
   the level is one the safety net interrupts for. A correction (an age, a temperature)
   re-runs the decision over the whole episode, so a level can rise at any time.
2. **Suspicion** (role ``suspected``: a near or fuzzy match, an unclear description):
   the emergency-signs question is asked before anything else. "Yes" gives emergency
   advice; an answer that is neither yes nor no takes the urgent reading.
   A sign the patterns read as present but told in a context that reads as harmless
   (role ``doubtful``: someone else's story, a joke, long ago) is asked about the same
   way, or with "is that happening now?" below an emergency.
3. **Ambiguity**: a sign that may be over (role ``historical``) or a finding that is
   unclear on its own ("red" alone) gets one short clarifying question; "no" lets the
   conversation carry on as if the sign had not been mentioned, "yes" or no usable
   answer takes the more urgent reading.
   A finding that means a level only at some ages after one question (a fever with no
   age told: is it a baby under 3 months?; in an older child or adult: is a new rash
   spreading?) gets that question (``clarify_when``).
4. **Hypothetical** signs ("what if she gets a fever?") get the conditional rule
   ("if ..., call the emergency number now") before the information asked for.
5. Everything else: the ordinary rules.

A level falls only through a clarifying question; within an episode it never goes
down. An episode is the session, or the part of it since a new questionnaire started
after advice had been given (a second person's bumps are judged on their own answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Optional, Sequence

from bot.triage import TriageTable, decide, decide_after_questionnaire, effective_age_group, questionnaire_findings

DISCLAIMER = "utter_disclaimer"
RED_FLAG_ENTITY = "red_flag"
FINDING_ENTITY = "finding"
MENTIONS_BABY = "mentions_baby"

# Context roles the red-flag detector gives a sign (``role`` of a Rasa entity).
PRESENT = None
SUSPECTED = "suspected"
HISTORICAL = "historical"
HYPOTHETICAL = "hypothetical"
OTHER_PERSON = "other_person"
DOUBTFUL = "doubtful"  # told in a context that reads as harmless (bot/language/sign_context.py)

YES, NO = "yes", "no"
UNSURE = "unsure"  # a clarify kind's response to an answer that says the person cannot tell
URGENT = "urgent"  # the contract's level name: advice at this level or above is never held behind a question

Entities = Sequence[Mapping[str, Any]]
Sign = tuple[str, Optional[str]]  # (finding id, context role)


@dataclass(frozen=True)
class UserTurn:
    """One user message as the safety net sees it."""

    signs: frozenset[Sign] = frozenset()
    mentions_baby: bool = False
    answer: Optional[str] = None  # "yes" / "no" when the message answers a yes/no question
    describes_bumps: bool = False  # the message is about bumps someone has (not only a condition)
    unsure: bool = False  # the message says the person cannot tell ("not sure", "no idea")

    def findings(self, role: Optional[str] = PRESENT) -> frozenset[str]:
        return frozenset(finding for finding, sign_role in self.signs if sign_role == role)


@dataclass(frozen=True)
class Pending:
    """A clarifying question the bot asked right before the latest message."""

    kind: str
    findings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Episode:
    """What the decision needs: the episode's user turns (latest last) and its state."""

    turns: tuple[UserTurn, ...]
    slots: Mapping[str, Any] = field(default_factory=dict)
    level: Optional[str] = None  # the most urgent advice given in this episode so far
    pending: Optional[Pending] = None
    confirmed: frozenset[str] = frozenset()  # findings confirmed by a clarifying answer
    # findings a clarifying "no" set aside, each with the turn (index in ``turns``) of that
    # "no": a later turn that states the sign as present counts again ("no, it's over" ...
    # "she's fitting now")
    dismissed_at: Mapping[str, int] = field(default_factory=dict)
    questionnaire_done: bool = False  # the questionnaire has just asked its last question
    answers_now: Mapping[str, Any] = field(default_factory=dict)  # decision slots the latest message set
    questionnaire_advised: bool = False  # a questionnaire of this episode already ended with advice
    asked_kinds: frozenset[str] = frozenset()  # the clarifying questions asked in this episode

    @property
    def latest(self) -> UserTurn:
        return self.turns[-1] if self.turns else UserTurn()

    @property
    def dismissed(self) -> frozenset[str]:
        """Findings a clarifying "no" set aside."""
        return frozenset(self.dismissed_at)

    @property
    def mentions_baby(self) -> bool:
        return any(turn.mentions_baby for turn in self.turns)

    def present_findings(self) -> frozenset[str]:
        """Signs stated as present in any turn, plus those confirmed by a clarifying answer.

        A clarifying "no" sets a sign aside for the turns before that answer only: the same
        sign stated as present in a later message counts again (a safety review found a
        "no, it's over" silencing "he's having a seizure now" for the rest of the session),
        and so does one stated in the answer itself ("no, just his lips are a bit blue";
        round 15's first review).
        """
        found: set[str] = set(self.confirmed - self.dismissed)
        for index, turn in enumerate(self.turns):
            found |= {finding for finding in turn.findings(PRESENT) if index >= self.dismissed_at.get(finding, 0)}
        return frozenset(found)


@dataclass(frozen=True)
class SafetyAction:
    """What the safety net wants next.

    ``advice``: say ``response`` (a level's advice) and set the level.
    ``ask``: say the clarifying question ``response`` (``clarify`` kind, about ``findings``).
    ``conditional``: say ``response`` first, then let the rules answer the message.
    ``resume``: a clarifying "no": the rules answer the message that raised the question.
    ``say``: say ``response`` and wait for the person (a "no" to a follow-up question).
    """

    kind: str
    response: Optional[str] = None
    level: Optional[str] = None
    clarify: Optional[str] = None
    findings: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()


def decide_next(episode: Episode, table: TriageTable) -> Optional[SafetyAction]:
    """The safety net's choice for the reply to the latest message, or None (the rules decide)."""
    if episode.questionnaire_done or (episode.questionnaire_advised and episode.answers_now):
        # The end of the questionnaire, or a later correction of one of its answers
        # ("sorry, she's 5 months, not 5 weeks"): the whole decision again.
        decision = decide_after_questionnaire(
            episode.present_findings(), dict(episode.slots), episode.mentions_baby, table
        )
        raised = episode.level is None or table.rank(decision.level) < table.rank(episode.level)
        if episode.questionnaire_done or raised:
            return _advice(decision.level, table, decision.reasons, previous=episode.level)

    latest = episode.latest
    newly_confirmed: frozenset[str] = frozenset()
    # The signs of the message a pending question was about still need their questions by
    # age after the answer ("5 wks ... temp 38.9" -> "is it a baby?" -> "he's 7": a child's
    # fever, so is a new rash spreading?).
    asked_about = episode.turns[-2] if episode.pending is not None and len(episode.turns) > 1 else UserTurn()
    asked_about_present = asked_about.findings(PRESENT)
    if episode.pending is not None:
        spec = table.clarify[episode.pending.kind]
        if not latest.signs and (NO in spec and latest.answer == NO or UNSURE in spec and latest.unsure):
            # "No" or "not sure" to the question that followed advice: the advice stands; say
            # so briefly (the rules had only the fallback for a bare "no" after advice).
            return SafetyAction("say", response=spec[NO if latest.answer == NO else UNSURE])
        if latest.answer == NO and not latest.findings(PRESENT):
            # The sign asked about is set aside; what else the message said still counts
            # ("his eye is sore and red": not infected, but still seen soon).
            settled = _set_aside(episode)
            # A sign of that message that may be over is asked about next: the question just
            # answered was about now, and "grunting in the night" is within the last 24 hours
            # (round 8's fourth review: after "no", a young baby's grunting was lost).
            past = _levels_if_present(
                asked_about.findings(HISTORICAL) - settled.confirmed - settled.dismissed, settled, table
            )
            if past and episode.pending.kind != "still_present":
                return _ask("still_present", past, table)
            # "red" or "swollen" alone in the message asked about is still unclear: its own
            # question before any advice ("on steroids, a spot getting red and puffy": the
            # emergency question first, then is it hot, oozing or spreading?).
            unclear = (asked_about_present & table.clarify_findings) - settled.confirmed - settled.dismissed
            if unclear and episode.pending.kind != "infection_check":
                return _ask("infection_check", unclear, table)
            # Then, as for any message: advice the other signs reach, or the question a finding
            # needs at this age (after "not a baby under 3 months": is a new rash spreading
            # with the fever?), else the rules answer the message asked about.
            return _advice_or_question_by_age(
                settled, table, asked_about_present, _interrupting_decision(settled, table, asked_about_present)
            ) or SafetyAction("resume", findings=episode.pending.findings)
        if latest.answer != NO:
            # "Yes", or no usable answer: the more urgent reading (never silence).
            newly_confirmed = _reading_of(episode.pending, latest.answer, table)
        else:
            # "No, but he won't feed": the question is answered; the sign told is judged below
            # (round 13's review: the question was asked again instead of advice given).
            episode = _set_aside(episode)
    episode = replace(episode, pending=None, confirmed=episode.confirmed | newly_confirmed)

    at_once = _interrupting_decision(episode, table, latest.findings(PRESENT) | newly_confirmed)
    if at_once is not None and at_once.level == table.levels[0]:
        return at_once  # a present emergency is answered at once, never after a question

    # Below an emergency, a question whose answer could raise the level comes first.
    known = episode.present_findings()
    suspected = latest.findings(SUSPECTED) - known
    if suspected:
        return _ask("danger_signs", suspected, table)
    doubted = _doubted_question(latest.findings(DOUBTFUL) - known, episode, table)
    if doubted is not None:
        return doubted
    unclear = (latest.findings(PRESENT) & table.clarify_findings) - episode.confirmed
    if unclear and not _answer_cannot_raise(at_once, "infection_check", table):
        return _ask("infection_check", unclear, table)
    historical = _levels_if_present(latest.findings(HISTORICAL) - known, episode, table)
    if at_once is not None:
        # A sign that may be over but would be more urgent if it is not ("had 38.3 last night"
        # in a young baby) is asked about first: advice below it would silence the question
        # (round 8's third review: a new crop of spots answered "soon" over a baby's fever).
        worse = {f for f, level in historical.items() if table.rank(level) < table.rank(at_once.level)}
        if worse:
            return _ask("still_present", worse, table)
    by_age = _advice_or_question_by_age(episode, table, latest.findings(PRESENT) | asked_about_present, at_once)
    if by_age is not None:
        return by_age
    if historical:
        return _ask("still_present", historical, table)
    hypothetical = latest.findings(HYPOTHETICAL)
    response = _conditional_response(hypothetical, episode, table) if hypothetical else None
    if response:
        return SafetyAction("conditional", response=response, findings=hypothetical)
    return None


def follow_up_after(episode: Episode, advised: str, table: TriageTable) -> Optional[SafetyAction]:
    """The clarifying question that follows advice just given at level ``advised``, or None.

    Why: advice given at once lists the signs that would make it more urgent, but a
    worried person does not read a list; outside writers' emergencies were most often
    given urgent because the emergency part was told in words no pattern reads (round
    17's set AA). A yes/no question about the emergency signs, right after the urgent
    advice, lets the person say so ("yes" gives emergency advice). Asked once per episode,
    never when the emergency signs were already asked about, and only while the episode's
    level is the advice's level (never after emergency advice).
    """
    follow = table.follow_up_after_advice.get(advised)
    if follow is None or episode.level != advised:
        return None
    asked_slots = {slot for slot in follow.unless_asked if episode.slots.get(slot) is not None}
    if follow.ask in episode.asked_kinds or follow.unless_asked & (episode.asked_kinds | asked_slots):
        return None
    return _ask(follow.ask, (), table)


def _answer_cannot_raise(at_once: Optional[SafetyAction], kind: str, table: TriageTable) -> bool:
    """Advice already at the level a "yes" would give: the question only delays it.

    Why: "on chemo, one of the bumps looks a bit angry and tender" is urgent with or without
    the infection question (brief: a weak immune system with any sign of skin infection), and
    a "no" to it set the redness aside and ended at soon (round 16's review).
    """
    if at_once is None or at_once.level is None:
        return False
    yes_level = table.level_of(table.clarify[kind]["yes"])
    return yes_level is not None and table.rank(at_once.level) <= table.rank(yes_level)


def _set_aside(episode: Episode) -> Episode:
    """The episode after a "no" to its pending question: the findings asked about are set
    aside for the turns before this one (this answer or a later message that states them
    counts again)."""
    now = len(episode.turns) - 1
    pending = episode.pending.findings if episode.pending is not None else frozenset()
    return replace(episode, pending=None, dismissed_at={**episode.dismissed_at, **{f: now for f in pending}})


def _doubted_question(doubtful: frozenset[str], episode: Episode, table: TriageTable) -> Optional[SafetyAction]:
    """A sign told in a harmless-looking context: ask before advising, never drop it.

    An emergency sign gets the emergency-signs question ("yes" gives emergency advice);
    a sign of a lower safety-net level gets "is that happening now?" ("yes" or no usable
    answer confirms it). A sign that would not interrupt even if present asks nothing.
    """
    levels = {finding: _level_if_present({finding}, episode, table) for finding in doubtful}
    emergency = {finding for finding, level in levels.items() if level == table.levels[0]}
    if emergency:
        return _ask("danger_signs", emergency, table)
    lower = {finding for finding, level in levels.items() if level is not None}
    return _ask("sign_now", lower, table) if lower else None


def _interrupting_decision(episode: Episode, table: TriageTable, new: frozenset[str]) -> Optional[SafetyAction]:
    """Advice at once when a safety-net level is reached now.

    Either this message (its signs, a newly confirmed finding or a questionnaire answer)
    fires a rule at a safety-net level, or the episode's level rises above the advice
    already given (a correction of age or temperature re-runs the whole decision).
    Deferred findings (a weak immune system) interrupt only once bumps are described.
    """
    deferred = frozenset() if any(turn.describes_bumps for turn in episode.turns) else table.deferred_findings
    findings = episode.present_findings() - deferred
    slots = dict(episode.slots)
    decision = decide(
        findings | questionnaire_findings(slots, table, findings), slots.get("age_group"), episode.mentions_baby,
        table=table,
    )
    if decision.level not in table.safety_net_levels:
        return None
    now = (new - deferred) | questionnaire_findings(dict(episode.answers_now), table, findings)
    fired_now = any(rule.finding in now and rule.level in table.safety_net_levels for rule in decision.fired)
    raised = episode.level is None or table.rank(decision.level) < table.rank(episode.level)
    if not (fired_now or raised):
        return None
    return _advice(decision.level, table, decision.reasons, previous=episode.level)


def _advice(
    level: Optional[str], table: TriageTable, reasons: Iterable[str], previous: Optional[str]
) -> Optional[SafetyAction]:
    level = table.most_urgent(level, previous)
    if level is None:
        return None
    return SafetyAction("advice", response=table.advice[level], level=level, reasons=tuple(reasons))


def _advice_or_question_by_age(
    episode: Episode, table: TriageTable, present: frozenset[str], at_once: Optional[SafetyAction]
) -> Optional[SafetyAction]:
    """Advice reached now, or the question a finding needs at this age, in that order, except
    that a question whose "yes" is more urgent comes before advice below urgent.

    Set W: "38.1 and a rash that's getting bigger on my 2 yr old's legs" got soon advice for
    the growing bump, and the spreading-rash question with the fever was never asked. Urgent
    advice is never held behind a question (the contract: a sign's advice in the very next
    reply; round 13's review), and its text names the emergency signs, a young baby's fever
    among them.
    """
    if at_once is not None and table.rank(at_once.level) <= table.rank(URGENT):
        return at_once
    advising = at_once.level if at_once is not None else None
    return _question_for_age(episode, table, present, advising) or at_once


def _question_for_age(
    episode: Episode, table: TriageTable, present: frozenset[str], advising: Optional[str] = None
) -> Optional[SafetyAction]:
    """The clarifying question a finding needs at this age (``clarify_when``), when its answer could raise the level.

    "Could raise" means above the advice already given in the episode and above the advice
    about to be given now (``advising``). Asked once per episode: a "yes" confirms the
    finding asked about, a "no" sets it aside.
    """
    age = effective_age_group(episode.slots.get("age_group"), episode.mentions_baby)
    answered = episode.confirmed | episode.dismissed
    floor = table.most_urgent(episode.level, advising)
    for when in table.clarify_when:
        spec = table.clarify[when.ask]
        readings = {when.about} | ({spec["yes"], spec["unclear"]} - {"asked"})  # what an answer confirms
        if when.finding not in present or age not in when.age_groups or readings & answered:
            continue
        would = table.level_of(when.about)
        if would is not None and (floor is None or table.rank(would) < table.rank(floor)):
            return _ask(when.ask, {when.about}, table)
    return None


def _ask(kind: str, findings: Iterable[str], table: TriageTable) -> SafetyAction:
    return SafetyAction("ask", response=table.clarify[kind]["ask"], clarify=kind, findings=frozenset(findings))


def _reading_of(pending: Pending, answer: Optional[str], table: TriageTable) -> frozenset[str]:
    """What a "yes" (or an answer that is neither yes nor no) to a clarifying question means."""
    spec = table.clarify[pending.kind]
    outcome = spec["yes"] if answer == YES else spec["unclear"]
    return pending.findings if outcome == "asked" else frozenset({outcome})


def _level_if_present(findings: Iterable[str], episode: Episode, table: TriageTable) -> Optional[str]:
    """The level these findings would reach if they were present now (None below the safety net)."""
    decision = decide(set(findings), episode.slots.get("age_group"), episode.mentions_baby, table=table)
    return decision.level if decision.level in table.safety_net_levels else None


def _levels_if_present(findings: Iterable[str], episode: Episode, table: TriageTable) -> dict[str, str]:
    """Each finding that would reach a safety-net level if present now, with that level."""
    levels = {finding: _level_if_present({finding}, episode, table) for finding in findings}
    return {finding: level for finding, level in levels.items() if level is not None}


def _conditional_response(findings: Iterable[str], episode: Episode, table: TriageTable) -> Optional[str]:
    """The "if this happens, do that" response for hypothetical signs."""
    findings = set(findings)
    specific = [table.conditional[f] for f in sorted(findings) if f in table.conditional]
    if specific:
        return specific[0]
    level = _level_if_present(findings, episode, table)
    return table.conditional.get(level) if level else None


def settle(
    exchanges: Iterable[tuple[Pending, Optional[str], int]], table: TriageTable
) -> tuple[frozenset[str], dict[str, int]]:
    """Findings confirmed and set aside by the clarifying questions already answered.

    Each exchange is a question, the answer that followed it ("yes", "no" or None for an
    answer that was neither) and the turn of that answer: "no" sets the findings aside
    (until a later turn states them again), anything else takes the more urgent reading,
    exactly as :func:`decide_next` did when it answered.
    """
    confirmed: set[str] = set()
    dismissed_at: dict[str, int] = {}
    for pending, answer, turn in exchanges:
        if answer == NO:
            dismissed_at.update({finding: turn for finding in pending.findings})
        else:
            confirmed |= _reading_of(pending, answer, table)
    return frozenset(confirmed), {f: turn for f, turn in dismissed_at.items() if f not in confirmed}


def entity_signs(entities: Entities) -> frozenset[Sign]:
    """The (finding, role) pairs of one message's entities."""
    return frozenset(
        (str(item.get("value")), item.get("role") or PRESENT)
        for item in entities or []
        if item.get("entity") == RED_FLAG_ENTITY
    )


def entity_values(entities: Entities, entity: str) -> set[str]:
    return {str(item.get("value")) for item in entities or [] if item.get("entity") == entity}


def mentions_baby(entities: Entities) -> bool:
    return MENTIONS_BABY in entity_values(entities, FINDING_ENTITY)
