"""Photo captions are told by their parse at index time, and ledes that end with a date are
not captions."""

import pytest

from index.attribution import Attributor
from index.captions import could_be_caption


@pytest.fixture(scope="module")
def attributor() -> Attributor:
    return Attributor()


def captions(attributor: Attributor, text: str) -> list[str]:
    return [text[s.start : s.end] for s in attributor.statements(text) if s.caption]


@pytest.mark.parametrize(
    "line",
    [
        "NATO Secretary General Jens Stoltenberg speaks during a media conference in "
        "Brussels on October 8.",
        "President Joe Biden speaks in the Roosevelt Room of the White House, Wednesday, "
        "May 4, 2022.",
        "Firefighters attempt to control a fire in the French communes of Landiras and "
        "Guillos on July 13.",
        "Local residents watch as a helicopter collects water near the village of Lambiri, "
        "Greece, on August 1.",
        "Burnt cars and trees are seen at a campsite in southwest France on July 19.",
    ],
)
def test_a_line_showing_what_a_picture_shows_is_a_caption(attributor, line):
    text = f"Fires spread across Europe\n\n{line}\n\nThe fires burned for a week, officials said."
    assert captions(attributor, text) == [line]


@pytest.mark.parametrize(
    "line",
    [
        # a lede whose verb is "is": it states, it does not show
        "One share of Alphabet is suddenly a lot more affordable for investors, following "
        "a stock split that took effect Monday.",
        # past tense, and a speaker
        "Park officials told visitors already in the park to leave, Sholly said Tuesday.",
        # present tense that infers or announces, not shows
        "GasBuddy expects the national average gas price to hit $3.41 a gallon in 2022.",
        "The messages show that the campaign knew of the plan in December 2020.",
        "Polls close at 10 p.m. local time on Tuesday.",
        "Final figures are expected Monday.",
    ],
)
def test_news_prose_that_ends_with_a_date_is_not_a_caption(attributor, line):
    text = f"Markets and politics\n\n{line}\n\nMore details were expected, officials said."
    assert captions(attributor, text) == []


def test_only_lines_of_one_sentence_that_end_with_a_date_are_parsed():
    assert could_be_caption("Gustavo Petro speaks at an election debate in Bogota on Monday.")
    assert not could_be_caption("Gustavo Petro speaks at an election debate in Bogota.")
    assert captions(Attributor(), "A title\n\nPetro speaks at a debate. He left on Monday.\n") == []


def test_a_caption_is_stored_and_read_back(attributor):
    from index.types import Statement

    text = "Fires\n\nA firefighter battles a blaze east of Athens, Greece, on July 20.\n"
    (found,) = attributor.statements(text)
    assert found.caption and Statement.from_json(found.to_json()) == found
    assert "caption" not in Statement(0, 5, "Reuters", "say").to_json()
