"""Lines that are never quoted as an answer, and datelines a quote starts after."""

import pytest

from bot.quotable import dateline_length, quotable_paragraph


@pytest.mark.parametrize(
    "paragraph",
    [
        "Russian Federation Denies Syria-bound Cruise Missiles Fell in Iran",  # a headline
        "What the ministry said",  # a subhead
        "By Jane Doe and Omar Ali",
        "Updated 10:31 AM ET, Thu October 8, 2015",
        "Former White House Press Secretary Sarah Huckabee Sanders speaks at the America "
        "First Policy Institute Agenda Summit in Washington, DC, on July 26, 2022. "
        "Mandel Ngan/AFP/Getty Images",
        "Rescue workers search the rubble in Latakia. (AP Photo/Hassan Ammar)",
    ],
)
def test_headlines_bylines_and_credited_captions_are_not_quotable(paragraph):
    """(Captions without a credit are told by their verb at index time: test_captions.)"""
    assert not quotable_paragraph(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "The Russian defence ministry denied any of the missiles had fallen short.",
        "“We have not and will not agree to cooperate with Russia,” he exclaimed.",
        "Putin insists Syrian President Bashar al-Assad is essential to defeat ISIS.",
        "The total number of deaths now stands at 1,232.",
        "President Joe Biden speaks to reporters every Friday. He took questions on October 8.",
    ],
)
def test_sentences_of_prose_are_quotable(paragraph):
    assert quotable_paragraph(paragraph)


@pytest.mark.parametrize(
    ("sentence", "rest"),
    [
        ("MOSCOW (Reuters) - Russia said on Thursday its missiles hit their targets.",
         "Russia said"),
        ("(CNN) — Four missiles crashed in Iran, officials said.", "Four missiles"),
        ("WASHINGTON — The Pentagon said it was monitoring the launches.", "The Pentagon"),
        ("The Pentagon said it was monitoring the launches.", "The Pentagon"),
    ],
)  # fmt: skip
def test_a_quote_starts_after_the_dateline(sentence, rest):
    assert sentence[dateline_length(sentence) :].startswith(rest)
