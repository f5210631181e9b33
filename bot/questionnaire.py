"""Reading a questionnaire answer in the context of the question that was asked (pure).

Why: people answer the question on the screen in their own words. "6 weeks" or "me, 45"
answers "Who has the bumps?" although, out of context, "6 weeks" reads as a duration; a
typed button title ("a baby under 3 months", "not sure") is the button. The NLU reads a
message without knowing the question, so the policy asks this module, which knows it,
before the form decides it could not use the answer.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Optional, Sequence

from rapidfuzz import fuzz

# Time units people write after an age; a bare number is in years ("me 45", "she's 3").
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "month": 30.44, "year": 365.25}
UNIT_WORDS = {
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "mos": "month", "mth": "month", "mths": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}
_NUMBER_AND_UNIT = re.compile(r"\b(\d{1,3}(?:[.,]\d)?)\s*([a-z]+)?\b")
# "4 and a half", "2 & half": the half is part of the number.
_HALF = re.compile(r"\b(\d{1,3})\s*(?:and|&)\s*(?:a\s+)?half\b")
# Words after a bare number that still make it an age in years ("34 old", "3 yo").
YEAR_WORDS = frozenset({"old", "yo"})
_UNDER = re.compile(
    r"\b(under|less than|younger than|below|not yet)\b"
    # an age not reached yet, said right at the number: "nearly 3 months", "turns 12 weeks on
    # friday", "3 months till sunday" (not "3 months, had them almost since birth")
    r"|\b(?:nearly|almost|not quite|turns|turning)\s+\d|\d\s*(?:[a-z]+\s+)?(?:old\s+)?(?:until|till|til)\b"
)
_CORRECTED_AWAY = re.compile(r"\bnot\s+\d{1,3}(?:[.,]\d)?\s*[a-z]*")
_PAYLOAD = re.compile(r"^/(?P<intent>\w+)(?P<entities>\{.*\})?$")
# A typed title counts as the button when it is this close (0-100) to it.
MIN_TITLE_SCORE = 88


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def payload_entities(payload: str) -> dict[str, Any]:
    """The entities of a button payload ('/inform{"age_group":"newborn"}'; domain braces doubled)."""
    found = _PAYLOAD.match(payload.replace("{{", "{").replace("}}", "}").strip())
    if not found or not found.group("entities"):
        return {}
    try:
        entities = json.loads(found.group("entities"))
    except json.JSONDecodeError:
        return {}
    return entities if isinstance(entities, dict) else {}


def button_answer(
    text: str, buttons: Iterable[Mapping[str, Any]], slot: str, first_clause: bool = True
) -> Optional[Any]:
    """The value for ``slot`` of the button whose title the person typed, if one clearly matches.

    The button's value counts as a title too: people type the names they read elsewhere
    (the contract's "infant (3 to 12 months)", "adult") as well as the button's words.
    """
    # The whole message, or (``first_clause``) its first clause ("not sure, since we got
    # home", "infant (3 to 12 months)").
    candidates = {normalise(text)}
    if first_clause:
        candidates.add(normalise(re.split(r"[,.;:!?(]", text, maxsplit=1)[0]))
    candidates -= {""}
    best: tuple[float, Optional[Any]] = (0.0, None)
    for button in buttons:
        value = payload_entities(str(button.get("payload", ""))).get(slot)
        if value is None:
            continue
        titles = {normalise(str(button.get("title", ""))), normalise(str(value).replace("_", " "))} - {""}
        score = max((fuzz.ratio(typed, title) for typed in candidates for title in titles), default=0.0)
        if score > best[0]:
            best = (score, value)
    return best[1] if best[0] >= MIN_TITLE_SCORE else None


# A message that corrects what was said before ("sorry, she's actually 5 months").
_CORRECTION = re.compile(r"\b(sorry|actually|i mean|i meant|correction|mistake|typo|wrong|not \d)", re.I)


def is_correction(text: str) -> bool:
    """True when the message reads as a correction of an earlier answer, not news."""
    return bool(_CORRECTION.search(text or ""))


# A temperature is no age: "temp 37.9" after "my 3 week old has milia" was read as 37.9 years
# and made the baby an adult, so her 38.2 then got the older child's question (round 14's third
# review). A temperature word anywhere, or a decimal of 30 or more ("37.9", "38,2": nobody is
# 37.9 years old), means the message gives no age.
_TEMPERATURE_WORDS = re.compile(
    r"\b(?:temp\w*|fever\w*|thermometer|degrees?|deg|celsius|fahrenheit|reading)\b|°"
)
_TEMPERATURE_LIKE = re.compile(r"\b(?:[3-9]\d|1[01]\d)[.,]\d\b")


def age_answer(text: str, bands: Sequence[tuple[str, Optional[float]]]) -> Optional[str]:
    """The age group of an answer to "who has the bumps?" that gives only a number.

    ``bands`` are (age group, below this many days) rows from the rules file's thresholds,
    in order; a number with no unit is in years. Nothing, two different numbers, or a
    temperature (a temperature word, or "37.9") is None.
    """
    lowered = text.lower()
    if _TEMPERATURE_WORDS.search(lowered) or _TEMPERATURE_LIKE.search(lowered):
        return None
    # "5 weeks, not 5 months": the number after "not" is the one being corrected away;
    # "4 months - sorry no, 4 weeks": so is every number before a correction (the words
    # is_correction reads; round 15's blind set Y).
    corrections = list(_CORRECTION.finditer(lowered))
    if corrections and _NUMBER_AND_UNIT.search(lowered[corrections[-1].end():]):
        lowered = lowered[corrections[-1].end():]
    wanted = _HALF.sub(r"\1.5", _CORRECTED_AWAY.sub(" ", lowered))
    readings = []
    under = _UNDER.search(wanted) is not None  # once, not per number: an answer can hold thousands
    for number, word in _NUMBER_AND_UNIT.findall(wanted):
        if word and word not in UNIT_WORDS and word not in YEAR_WORDS:
            continue  # "3 spots", "2 cm": not an age
        unit = UNIT_WORDS.get(word, "year")
        days = float(number.replace(",", ".")) * DAYS_PER_UNIT[unit]
        # "under 3 months", "less than 4 weeks": just below the number given.
        readings.append(days - 1 if under else days)
    if len(set(readings)) != 1:
        return None
    days = readings[0]
    return next(group for group, below in bands if below is None or days < below)


# A reply this short that is only an age ("34", "me 45", "she's 8") is an age even
# before anyone asked: people answer the question they expect to come.
MAX_AGE_FRAGMENT_WORDS = 4


def age_of_fragment(
    text: str, bands: Sequence[tuple[str, Optional[float]]], about_a_baby: bool = False
) -> Optional[str]:
    """The age group of a short reply that gives one bare age, else None.

    Only numbers with no unit or "years"/"old" count: "6 weeks" on its own may be how
    long the bumps have been there, so it is left to the questions to tell apart. Once
    the conversation is about a baby whose age is not known yet (``about_a_baby``),
    "6 weeks" is the baby's age: that is what parents give first.
    """
    words = normalise(text).split()
    if not words or len(words) > MAX_AGE_FRAGMENT_WORDS:
        return None
    for _number, word in _NUMBER_AND_UNIT.findall(text.lower()):
        if word and UNIT_WORDS.get(word) != "year" and word not in YEAR_WORDS and not about_a_baby:
            return None
    return age_answer(text, bands)


# The answer to the safety net's "is the person with the fever a baby under 3 months?":
# how long the detector read in it ("5 weeks, won't feed", "six weeks"), a day of life
# ("day 5"), or words for younger than asked ("no, she's younger", "not 3 months yet").
UNDER_3_MONTHS_DURATIONS = frozenset({"under_4_weeks", "1_to_3_months"})
_THREE_MONTHS = r"(?:3|three)\s*(?:months?|mths?|mo|m)\b"
_YOUNGER_THAN_ASKED = re.compile(
    r"\b(?:she|he|they|baby|bub|lo)\s*(?:(?:'s|s|is|are|'re)\s*)?younger\b"
    r"|^\W*(?:(?:no|nope|nah|not)\W*)?younger\b|younger than (?:that|3|three)"
    r"|less than (?:that|" + _THREE_MONTHS + r")|under (?:that|" + _THREE_MONTHS + r")|<\s*3\b"
    # "she's under 3" asked about 3 months (not "under 3 years")
    r"|(?:under|not yet|not even) (?:3|three)\b(?!\s*(?:y|yo|yr|yrs|years?)\b)"
    r"|not (?:yet |even |quite )?" + _THREE_MONTHS
    + r"|(?:is ?n'?t|not|has ?n'?t|has not)\s+(?:even |yet |quite )?(?:hit |reached |turned |got to |been )?"
    + _THREE_MONTHS
    + r"|" + _THREE_MONTHS + r"\s*(?:old\s+)?(?:next|in a|on|till|until|soon)\b"
    r"|\b(?:2|two)\s*(?:-|to|or|and)\s*(?:3|three)\s*months?|between (?:2|two) and (?:3|three) months?"
    r"|\bday \d{1,2}\b|\bdays? old\b|\b\d{1,3}\s*(?:hours?|hrs?)\s*old\b|\bfortnight\b",
)
# How long someone has been ill, or something that happened weeks ago, is no age: "no, fever for 2
# days", "older, since yesterday", "no its me, I gave birth 2 weeks ago" (round 13's third review).
_TIME_SPAN = re.compile(
    r"\b(?:for|since|over|past|last|in the last)\s+(?:the\s+)?(?:past\s+|last\s+)?"
    r"(?:(?:a|an|one|two|three|few|couple|\d{1,3})\s*)?"
    r"(?:of\s+)?(?:days?|d|weeks?|wks?|w|months?|mths?|mo|hours?|hrs?|nights?)\b|\b\d{1,3}\s*(?:[a-z]+\s+)?ago\b"
    r"|\b(?:a|one|two|few|couple of)\s+(?:days?|weeks?|months?)\s+ago\b|\bday \d{1,2} of\b"
)


# The writer is the one with the fever: "me", "it's me", "myself" (babies do not type).
_THE_WRITER = re.compile(
    r"^\W*(?:no\W*)?(?:it'?s |its |just |only )?(?:me|myself|meself|mine)\W*$|\bit'?s (?:me|myself)\b"
)


# "she is", "he is": a yes to "is the person with the fever a baby under 3 months?"
_SHE_IS = re.compile(r"^\W*(?:(?:yes|yeah|yep|yh)\W*)?(?:she|he|they|baby|it)\s*(?:is|'s|are)\W*$")


def _without_time_spans(text: str) -> str:
    """The text lower-cased, with how long someone has been ill and past events taken out."""
    return _TIME_SPAN.sub(" ", (text or "").lower())


def says_she_is(text: str) -> bool:
    """A bare "she is" / "he is" (a yes to the young-baby question)."""
    return bool(_SHE_IS.match((text or "").lower()))


def younger_than_asked(text: str) -> bool:
    """Words for under 3 months ("under 3 months", "day 5", "not 3 months yet"), with no time
    span to mistake for an age: read in the message the young-baby question was about."""
    return bool(_YOUNGER_THAN_ASKED.search(_without_time_spans(text)))


def age_said_with_yes(text: str, bands: Sequence[tuple[str, Optional[float]]]) -> Optional[str]:
    """The age a "yes" to the young-baby question comes with, when it is said as an age ("yes
    hes 4", "yes, 3 years old", "yes it's me"); a time alone is not ("yes. the bumps have been
    there 6 months", "yes, born at 36 weeks": round 13's recheck)."""
    if _THE_WRITER.search((text or "").lower()):
        return bands[-1][0]
    return age_said_in_years(_without_time_spans(text), bands)


def age_answering_young_baby_question(
    text: str, durations: frozenset[str], bands: Sequence[tuple[str, Optional[float]]]
) -> Optional[str]:
    """The age group an answer to "is the person with the fever a baby under 3 months?" gives.

    In this order: the writer ("me", "it's me": an adult, babies do not type); an age said
    in years ("he is 4", "im 45", "my younger brother, he's 20");
    words for younger than asked ("no she's younger", "not 3 months yet", "day 5"); a time with
    its unit, which here is the baby's age ("5 weeks", "no, 8 wks and she won't feed", "six
    weeks"). A time span of the illness or of something past is no age ("fever for 2 days",
    "gave birth 2 weeks ago"), and neither is a number with no unit ("yes, 38.5" is the
    temperature): round 13's second and third reviews. None when the answer gives no age.
    """
    said = age_said_with_yes(text, bands)
    if said is not None:
        return said
    spans_removed = _without_time_spans(text)
    if _YOUNGER_THAN_ASKED.search(spans_removed):
        return bands[0][0]
    if spans_removed == (text or "").lower() and durations & UNDER_3_MONTHS_DURATIONS:
        return bands[0][0]
    if any(word in UNIT_WORDS for _number, word in _NUMBER_AND_UNIT.findall(spans_removed)):
        return age_answer(spans_removed, bands)
    return None


# An age in years said in passing ("is for me, 27 years", "my daughter, she's 8", "im 55"):
# a number with a year word, or after "I'm" / "she's" / "aged" with no other unit.
_AGE_IN_YEARS = re.compile(
    r"\b(\d{1,2})\s*(?:years?|yrs?)\s*old\b|\b(\d{1,2})\s*(?:yo|y/o)\b"
    r"|\b(?:me|myself|i'?m|i am|she'?s|she is|he'?s|he is|they'?re|aged|age),?\s+"
    r"(?:only\s+|just\s+|nearly\s+|almost\s+)?"
    r"(\d{1,2})(?![\d.,]*\d|\s*(?:days?|d|weeks?|wks?|w|months?|mos?|mths?|degrees?|deg|c|f|°)\b|°|c\b|f\b)"
    r"(?:\s*(?:years?|yrs?)\b)?"
)


# Words that make a number in the message anything but an age in years: a baby (a parent's own
# age, "i'm 24, my baby ..."), a smaller unit ("3m", "2 and a half weeks", "40 hours old"), a
# temperature ("she's 38").
_NOT_IN_YEARS = re.compile(
    r"\b(?:baby|babies|babys|newborn|newborns|infant|bub|bubba|lo|neonate|temp|temps|temperature|fever|"
    r"feverish|hot|warm|burning|thermometer|degrees?)\b"
    r"|\d\s*(?:m|mo|mos|mon|mons|mnth|mnths|mth|mths|months?|w|wk|wks|weeks?|d|days?|h|hr|hrs|hours?)\b"
    r"|\b(?:months?|weeks?|days?|hours?|mnths?|mths?|wks?)\b|\d\s*/\s*\d|½|°"
)


def age_said_in_years(text: str, bands: Sequence[tuple[str, Optional[float]]]) -> Optional[str]:
    """The age group of one age in years said anywhere in a message, else None (none, two, or
    a message about a baby, a temperature or a smaller unit of time)."""
    if _NOT_IN_YEARS.search((text or "").lower()):
        return None
    found = {int(next(n for n in groups if n)) for groups in _AGE_IN_YEARS.findall((text or "").lower())}
    if len(found) != 1:
        return None
    days = found.pop() * DAYS_PER_UNIT["year"]
    return next(group for group, below in bands if below is None or days < below)


# A correction names the age with its unit ("4 months not 3 weeks"); a message about a
# temperature ("actually it's 38.3") is never read as an age, whatever its numbers.
_AGE_UNIT = re.compile(r"\b\d{1,3}(?:[.,]\d)?\s*(?:days?|d|weeks?|wks?|w|months?|mos?|mths?|years?|yrs?|y|yo)\b"
                       r"|\b\d{1,3}\s+(?:years?\s+)?old\b")
_TEMPERATURE_WORDS = re.compile(
    r"\b(temp|temps|temperature|thermometer|fever|degrees?|celsius|fahrenheit)\b|°|\d\s*[cf]\b"
)


def corrected_age(text: str, bands: Sequence[tuple[str, Optional[float]]]) -> Optional[str]:
    """The age group a correction gives ("sorry, I mean 4 months not 3 weeks"), else None.

    Only a message that reads as a correction, names an age with its unit, and says
    nothing about a temperature.
    """
    lowered = (text or "").lower()
    if not is_correction(lowered) or not _AGE_UNIT.search(lowered) or _TEMPERATURE_WORDS.search(lowered):
        return None
    return age_answer(lowered, bands)


def age_bands(thresholds: Mapping[str, Any]) -> list[tuple[str, Optional[float]]]:
    """(age group, below days) rows from the rules file's ``thresholds.age_groups``."""
    bands = []
    for row in thresholds["age_groups"]:
        below = row.get("below")
        days = None
        if below:
            ((unit, count),) = dict(below).items()
            days = float(count) * DAYS_PER_UNIT[str(unit)]
        bands.append((str(row["value"]), days))
    return bands
