"""Time words in questions become date windows relative to "now"."""

from datetime import date

import pytest

from index.timeframe import parse_date, question_window

NOW = date(2022, 9, 15)  # a Thursday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("what happened yesterday?", date(2022, 9, 13), NOW),
        ("who won this week?", date(2022, 9, 7), NOW),
        ("what did he say last week?", date(2022, 8, 31), date(2022, 9, 10)),
        ("which storm hit in September 2014?", date(2014, 9, 1), date(2014, 9, 30)),
        ("what did the Fed do in 2019?", date(2019, 1, 1), date(2019, 12, 31)),
        ("what happened on Monday?", date(2022, 9, 11), date(2022, 9, 14)),
        ("what happened on Oct. 8, 2015?", date(2015, 10, 7), date(2015, 10, 15)),
        ("what did the court rule on June 24?", date(2022, 6, 23), date(2022, 7, 1)),
        ("what did the court rule last year?", date(2021, 1, 1), date(2021, 12, 31)),
    ],
)
def test_time_words_point_at_dates(question, start, end):
    window = question_window(question, NOW)
    assert (window.start, window.end, window.explicit) == (start, end, True)


def test_a_question_without_time_words_points_at_the_recent_days():
    window = question_window("did Iran confirm the crash?", NOW, recent_days=7)
    assert (window.start, window.end, window.explicit) == (date(2022, 9, 8), NOW, False)


def test_may_the_verb_is_not_a_month():
    assert not question_window("who may win the 2024 race?", NOW).explicit


@pytest.mark.parametrize("text", ["2015-13-01", "yesterday", "15/10/2015", ""])
def test_bad_dates_name_the_format(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_dates_with_slashes_parse():
    assert parse_date("2022/06/16") == date(2022, 6, 16)


def test_may_the_verb_is_not_the_month():
    assert not question_window("What may 5 people do", NOW).explicit
    assert question_window("What happened on May 5?", NOW).phrase == "may 5"
    assert question_window("what happened in may 2019", NOW).phrase == "may 2019"


@pytest.mark.parametrize("day", range(1, 9))
@pytest.mark.parametrize(
    "question", ["what happened?", "yesterday?", "last week?", "on Monday?", "last year?"]
)
def test_the_first_days_of_the_calendar_do_not_overflow(day, question):
    window = question_window(question, date(1, 1, day), recent_days=7)
    assert window.start <= window.end
