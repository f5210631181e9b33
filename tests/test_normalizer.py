"""The spelling normaliser and the question finder on plain strings (no Rasa)."""

from __future__ import annotations

import pytest

from bot.nlu.normalizer import SpellingNormalizer, question_count, question_span, question_spans, sentences

# A small training vocabulary, as the component builds it from data/nlu (words and counts).
NORMALIZER = SpellingNormalizer.from_file({"milia": 40, "spots": 20, "eyelid": 6, "contagious": 9, "bumps": 30})


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # text speak
        ("wat r milia", "what are milia"),
        ("r u human", "are you human"),
        ("pls help", "please help"),
        ("bc they itch", "because they itch"),
        ("ur baby", "your baby"),
        ("thx", "thanks"),
        ("im worried", "i am worried"),
        ("dunno wat they r", "do not know what they are"),
        ("wanna get rid of them bcuz they itch", "want to get rid of them because they itch"),
        ("my lo n my hubby", "my baby and my husband"),
        ("youre a bot", "you are a bot"),
        ("sumthing 4 milia", "something 4 milia"),  # digits stay: "4 weeks" is a duration
        # misspellings of the domain's words
        ("mila", "milia"),
        ("milai", "milia"),
        ("dermatoligist", "dermatologist"),
        ("dermotologist", "dermatologist"),
        ("opthalmologist", "ophthalmologist"),
        ("eyelif", "eyelid"),
        ("newborne", "newborn"),
        ("contagous", "contagious"),
        ("breastfeding", "breastfeeding"),
        ("whiteheds", "whiteheads"),
        ("exfoliaton", "exfoliation"),
        ("canser", "cancer"),
        ("milk spts", "milk spots"),
        ("babys", "baby"),
        # typographic apostrophes (phones, copied web text) as the training data writes them
        ("i\u2019ve", "i've"),
        ("n\u2019t \u2019ve \u2019s", "n't 've 's"),
        ("isn\u2019t", "isn't"),
    ],
)
def test_text_speak_and_misspellings_become_canonical_words(written: str, expected: str) -> None:
    assert " ".join(NORMALIZER.normalise(written.split())) == expected


@pytest.mark.parametrize(
    "word",
    ["mole", "moles", "warts", "skin", "cheeks", "the", "different", "sudden", "called", "caught", "heard",
     "retinal", "milk", "spots", "ill", "38.5", "6wk", "gp", "a", "i", "no", "cause", "2", "4", "nvm", "yo"],
)
def test_harmless_words_are_untouched(word: str) -> None:
    assert NORMALIZER.normalise_word(word) == word.lower()


def test_short_unknown_words_are_not_guessed() -> None:
    # Three letters is too short to correct by distance: "mek" could be anything.
    assert NORMALIZER.normalise_word("mek") == "mek"


def test_sentences_keep_their_offsets() -> None:
    text = "I have one under my eye. Can these go away on their own?"
    parts = sentences(text)
    assert [text[p.start:p.end] for p in parts] == ["I have one under my eye.", "Can these go away on their own?"]
    assert [p.is_question for p in parts] == [False, True]


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("I have had one under my eye for at least 3 months and it is annoying. Can these go away on their own?",
         "Can these go away on their own?"),
        ("Two weeks ago a small white bump appeared on my eyelid.\nIt is still there.\nShould I see a doctor?",
         "Should I see a doctor?"),
        ("How can I get rid of them? My beautician won't touch them because they are so close to my eye. Thanks.",
         "How can I get rid of them?"),
    ],
)
def test_the_question_of_a_long_message_is_found(text: str, question: str) -> None:
    span = question_span(text)
    assert span is not None and text[span[0]:span[1]] == question


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        # every question of a story, not only the last one
        ("I wash my face twice a day and scrub it every other day. Could the scrubbing be causing these? "
         "Or is it the heat?", ["Could the scrubbing be causing these?", "Or is it the heat?"]),
        # a run-on sentence: the question clause it ends with
        ("I have used a steroid cream on my cheek for a year and now there are white seeds there, could the cream "
         "have done that", ["could the cream have done that"]),
        ("my son has had white bumps on his nose for weeks and weeks now and what should i do",
         ["what should i do"]),
    ],
)
def test_every_question_of_a_story_is_found(text: str, questions: list[str]) -> None:
    found = [text[start:end] for start, end in question_spans(text)]
    assert [q.removeprefix("and ") for q in found] == questions


@pytest.mark.parametrize(
    "text",
    ["what are milia?", "Are milia contagious? Asking for my son",  # short: the whole message is the question
     "I have had white bumps on my cheeks for a few months, and they don't hurt at all, so I left them alone",
     "I have had tiny white bumps on my cheeks for a few months now. They don't hurt at all and they don't itch."],
)
def test_short_messages_and_stories_without_a_question_have_no_focus(text: str) -> None:
    assert question_span(text) is None and question_spans(text) == []


@pytest.mark.parametrize(
    ("text", "count"),
    [("what are milia?", 1), ("What are milia and how do you get rid of them?", 2),
     ("Are they contagious? Will they go away?", 2), ("my baby has white spots on his nose", 0)],
)
def test_questions_are_counted(text: str, count: int) -> None:
    assert question_count(text) == count
