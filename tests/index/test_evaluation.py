"""Scoring on questions with known answers: one normalisation, whole words."""

from __future__ import annotations

import pytest

from index.evaluation import answer_matches, normalise


@pytest.mark.parametrize(
    ("answers", "text", "expected"),
    [
        (("6",), "The ships fired 26 missiles.", False),
        (("6",), "The ships fired 6 missiles.", True),
        (("26",), "The ships fired 26 missiles.", True),
        (("Europe",), "European regulators announced a plan.", False),
        (("Europe",), "Regulators in Europe announced a plan.", True),
        (("“Squid Game”",), 'Netflix renewed "Squid Game" for a second season.', True),
        (("Squid Game",), "Netflix renewed “squid game”.", True),
        (("$1.2 billion",), "a deal worth $1.2 billion, officials said", True),
        (("U.S.",), "U.S. officials told CNN", True),
        (("",), "anything", False),
    ],
)
def test_answers_match_whole_words_after_one_normalisation(answers, text, expected):
    assert answer_matches(answers, text) is expected


def test_normalise_folds_case_quotes_width_and_spaces():
    assert normalise("  “Ｓquid”\n Game’s ") == '"squid" game\'s'
