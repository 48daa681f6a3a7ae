"""What a question names, and when the passages count as mentioning it."""

import pytest

from bot.mentions import Mentions


@pytest.fixture(scope="module")
def mentions() -> Mentions:
    return Mentions()


PASSAGES = [
    "Iranian officials said the four missiles fell near the town. Tehran has “no information”.",
    "AT&T said 5G service near airports was delayed; SARS-CoV-2 levels rose. "
    "The U.S. Federal Aviation Administration counted 1,018 flights and a 13.1% rise. "
    "RBC analysts and then-President Trump were not asked.",
]


@pytest.mark.parametrize(
    "question",
    [
        "Did Iran confirm the crash?",  # "Iranian" mentions Iran
        "What did AT&T say about 5G?",  # compounds as written, not "AT", "T", "5"
        "What did U.S. officials say?",  # "U.S." is one word
        "Were there 1,018 flights?",  # a number with a thousands comma
        "Did prices rise by 13%?",  # "13" for "13.1%"
        "What did RBC's analysts say?",  # a possessive names the same body
        "What did then-President Trump say about SARS-CoV-2 on January 6?",  # dates are no names
    ],
)
def test_names_the_passages_mention_are_not_missing(mentions, question):
    assert mentions.missing(question, PASSAGES) == ()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Did Iran confirm the crash of a Ukrainian airliner?", ("Ukrainian",)),
        ("What did T-Mobile say about 5G?", ("T-Mobile",)),  # not "mobile" and "t"
        ("Were there 1,019 flights?", ("1,019",)),
        ("Did they fire 6 missiles?", ("6",)),  # "6" is not in "26" nor in "1,018"
        ("What did Zarif tell Tehran?", ("Zarif",)),
    ],
)
def test_names_and_numbers_no_passage_mentions_are_missing(mentions, question, missing):
    assert mentions.missing(question, PASSAGES) == missing


def test_a_name_too_common_to_tell_is_not_checked(mentions):
    question = "What did Zarif say in Washington?"
    assert mentions.missing(question, PASSAGES) == ("Zarif", "Washington")
    common = {"Washington"}
    assert mentions.missing(question, PASSAGES, lambda words: not set(words) & common) == ("Zarif",)
