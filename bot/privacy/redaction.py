"""Redaction: personal details are replaced by placeholders before anything is stored or logged.

The chat channels call ``redact`` on each message before Rasa sees it, so the tracker
store, Rasa's logs and ours only ever hold the redacted text; the intent, entities and
triage outcome are derived from it as usual (no clinical sign is a personal detail).

Built on scrubadub (a maintained PII scrubber): its email and phone detectors (phone
numbers through Google's libphonenumber, for the clinic's country). Three small
detectors plug into it for what it has no fitting detector for without downloading a
model at run time:

* dates of birth: a calendar date right after "born (on)", "date of birth", "DOB" or
  "birthday" (scrubadub's own detector assumes adults and needs dateparser's search);
  ages and durations ("born 2 weeks ago", "3 week old") are clinical and are kept;
* street addresses: pyap's address parser (US, Canadian and British formats);
* names a person introduces ("my name is ...", "I'm Sarah", "her name is ...").

Placeholders look like ``{{EMAIL}}``, ``{{PHONE}}``, ``{{DATE_OF_BIRTH}}``,
``{{ADDRESS}}`` and ``{{NAME}}``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Iterator, Optional

import scrubadub
from scrubadub.detectors import Detector, EmailDetector, PhoneDetector
from scrubadub.filth import AddressFilth, DateOfBirthFilth, Filth, NameFilth

logger = logging.getLogger(__name__)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,4}}"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}}"
    rf"|{_MONTH}\s+{_DAY},?\s+\d{{2,4}}"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH}"
    rf"|{_MONTH}\s+{_DAY})"
)
DATE_OF_BIRTH = re.compile(
    rf"\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.?o\.?b\.?|birth\s*day(?:\s+is)?)\s*(?:is|was|:|-)?\s*(?P<date>{_DATE})\b",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][a-zA-Z'\-]+"
SELF_INTRODUCED_NAME = re.compile(
    # "my name is sarah", "her name's Mia Lee": the intro says a name follows, so any case.
    rf"\b(?:(?i:my|her|his|their|our\s+\w+'s|my\s+\w+'s)\s+(?i:name\s+is|name's|name\s+was))\s+"
    rf"(?P<name>[A-Za-z][a-zA-Z'\-]+(?:\s+{_NAME_WORD}){{0,2}})"
    # "I'm Sarah", "call me Sarah": only a capitalised word, so "I'm worried" stays.
    rf"|\b(?i:i\s+am|i'm|im|call\s+me|i\s+am\s+called)\s+(?P<cap>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"
)
# A house number followed within a few words by a street word: where an address may start.
STREET_CANDIDATE = re.compile(
    r"\b\d{1,5}[a-z]?\s+(?:[\w.']+\s+){0,4}?"
    r"(?i:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|close|"
    r"crescent|terrace|highway|hwy|parkway|pkwy|square|sq|circle|cir|gardens|grove|row|walk)\b"
)
# Capitalised words after "I'm" that are not names.
NOT_NAMES = frozenset(
    """afraid allergic asking back both breastfeeding calling concerned confused currently de
    doing english fine french from glad going happy here hoping just keen looking mum mom
    new not now okay ok on pregnant really scared sorry still sure the their this tired
    trying unsure very wondering worried writing""".split()
)


class BirthDateFilth(DateOfBirthFilth):
    """A date of birth of any age: scrubadub's own keeps only adults' (18 to 100 years)."""

    def is_valid(self) -> bool:
        return True


class StrictEmailDetector(EmailDetector):
    """Email addresses with a real "@": scrubadub's also reads "me at john.doe" as one,
    which swallowed the words before a real address and left its domain in the text."""

    name = "milia_email"
    regex = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)


class BoundedPhoneDetector(PhoneDetector):
    """scrubadub's phone detector with libphonenumber's search bounded (a 5,000-character
    message of digits took 90 ms and blocks every other user meanwhile), plus any other run
    of 7 or more digits written like a phone number.

    libphonenumber reads numbers the way the clinic's country writes them, so a visitor's
    foreign or local number ("07700 900123" at a US clinic, "555-0100") would slip through;
    the digit run catches it whatever the country. A temperature, an age or a duration
    never has 7 digits, and date shapes are left to the date-of-birth detector.
    """

    name = "milia_phone"
    MAX_TRIES = 40
    DIGIT_RUN = re.compile(r"(?<![\w.,])\+?\(?\d[\d \-().]{5,22}\d(?![\w.,])")
    DATE_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{2,4}$")
    MIN_DIGITS = 7

    def iter_filth(self, text: str, document_name: Optional[str] = None) -> Iterator[Filth]:
        import phonenumbers
        from scrubadub.filth import PhoneFilth

        spans = [(m.start, m.end, m.raw_string)
                 for m in phonenumbers.PhoneNumberMatcher(text, self.region, max_tries=self.MAX_TRIES)]
        for run in self.DIGIT_RUN.finditer(text):
            found = run.group(0)
            if sum(c.isdigit() for c in found) < self.MIN_DIGITS or self.DATE_SHAPE.match(found.strip()):
                continue
            if not any(start < run.end() and run.start() < end for start, end, _ in spans):
                spans.append((run.start(), run.end(), found))
        for start, end, found in sorted(spans):
            yield PhoneFilth(
                beg=start, end=end, text=found,
                detector_name=self.name, document_name=document_name, locale=self.locale,
            )


class DateOfBirthDetector(Detector):
    """A calendar date given as a date of birth."""

    name = "milia_date_of_birth"
    filth_cls = BirthDateFilth

    def iter_filth(self, text: str, document_name: Optional[str] = None) -> Iterator[Filth]:
        for match in DATE_OF_BIRTH.finditer(text):
            yield BirthDateFilth(
                beg=match.start("date"), end=match.end("date"), text=match.group("date"),
                detector_name=self.name, document_name=document_name, locale=self.locale,
            )


class SelfIntroducedNameDetector(Detector):
    """A name the person gives for themselves or someone they talk about."""

    name = "milia_self_introduced_name"
    filth_cls = NameFilth

    def iter_filth(self, text: str, document_name: Optional[str] = None) -> Iterator[Filth]:
        for match in SELF_INTRODUCED_NAME.finditer(text):
            group = "name" if match.group("name") else "cap"
            name = match.group(group)
            words = name.split()
            while words and words[-1].lower() in NOT_NAMES:
                words.pop()
            if not words or words[0].lower() in NOT_NAMES:
                continue
            kept = " ".join(words)
            start = match.start(group)
            yield NameFilth(
                beg=start, end=start + len(kept), text=kept,
                detector_name=self.name, document_name=document_name, locale=self.locale,
            )


# A capitalised street name and its street word, with an optional house number.
STREET_NAME = re.compile(
    r"\b(?:\d{1,5}[a-zA-Z]? )?(?:[A-Z][a-z]{1,20} ){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Court|Ct|Way|Boulevard|Blvd|Place|Crescent|Terrace)\b"
)


class StreetAddressDetector(Detector):
    """Street addresses found by pyap, in the formats it knows (US, Canada, UK), whatever
    the clinic's country: people write the address they have."""

    name = "milia_street_address"
    filth_cls = AddressFilth
    COUNTRIES = ("US", "CA", "GB")
    # pyap's patterns backtrack: 5,000 characters of digits took over a second. It
    # only reads short windows that start at a house number followed by a street word.
    WINDOW_CHARS = 120
    MAX_WINDOWS = 4
    # A street named on its own ("12 Elm Street", "about Elm Street") is found without pyap.
    MAX_SCAN_CHARS = 5000

    def iter_filth(self, text: str, document_name: Optional[str] = None) -> Iterator[Filth]:
        import pyap

        found_addresses: set[tuple[int, str]] = set()
        for candidate in list(STREET_CANDIDATE.finditer(text))[: self.MAX_WINDOWS]:
            offset = candidate.start()
            window = text[offset : offset + self.WINDOW_CHARS]
            for country in self.COUNTRIES:
                for address in pyap.parse(window, country=country):
                    position = window.find(address.full_address)
                    if position >= 0:
                        found_addresses.add((offset + position, address.full_address))
        for street in STREET_NAME.finditer(text[: self.MAX_SCAN_CHARS]):
            if not any(start <= street.start() < start + len(found) for start, found in found_addresses):
                found_addresses.add((street.start(), street.group(0)))
        for start, found in sorted(found_addresses):
            yield AddressFilth(
                beg=start, end=start + len(found), text=found,
                detector_name=self.name, document_name=document_name, locale=self.locale,
            )


@lru_cache(maxsize=4)
def scrubber_for(country: str) -> scrubadub.Scrubber:
    """One scrubber per country (phone numbers are read the way that country writes them)."""
    locale = f"en_{country.upper()}" if len(country) == 2 else "en_US"
    scrubber = scrubadub.Scrubber(detector_list=[], locale=locale)
    scrubber.add_detector(StrictEmailDetector(locale=locale))
    scrubber.add_detector(BoundedPhoneDetector(locale=locale))
    scrubber.add_detector(DateOfBirthDetector(locale=locale))
    scrubber.add_detector(StreetAddressDetector(locale=locale))
    scrubber.add_detector(SelfIntroducedNameDetector(locale=locale))
    return scrubber


def _country() -> str:
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings().country
    except SettingsError:
        return "US"


def redact(text: str, country: Optional[str] = None) -> str:
    """``text`` with personal details replaced by placeholders (unchanged when none)."""
    if not text or not text.strip():
        return text
    try:
        return scrubber_for(country or _country()).clean(text)
    except Exception as error:
        # Safety before privacy: the message still reaches the bot (it may state a red
        # flag). The log names the failure, never the text.
        logger.error("redaction failed (%s); the message is passed on unredacted", type(error).__name__)
        return text


def warm_up() -> None:
    """Build the scrubber and compile pyap's patterns at start (about 0.2 s), not on the
    first person's message."""
    redact("warm up: 1 Main Street, Springfield, IL 62704")
