"""Page furniture is recognised by whole line, and never mistaken for article prose."""

import pytest

from index.furniture import is_furniture


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Share",
        "Read More",
        "Russian defence ministry/AP",
        "Megan Varner/Getty Images",
        "Video Ad Feedback Hear details from the 911 call 01:58 - Source: CNN",
        "1. How relevant is this ad to you?",
        "Sign up for CNN’s Wonder Theory science newsletter. Explore the universe with news.",
        "(You can get “5 Things You Need to Know Today” delivered to your inbox. Sign up here.)",
        "If you wish to object to the use of your data in this way, please tick here.",
    ],
)
def test_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "He also said he could not confirm reports that Russian missiles had crashed in Iran.",
        "Netflix said it lost 200,000 subscribers in the first quarter.",
        "The ad campaign cost the party $2 million, officials said.",
        "Share prices fell 3% on Tuesday.",
        "",
    ],
)
def test_article_prose_is_not_furniture(line):
    assert not is_furniture(line)
