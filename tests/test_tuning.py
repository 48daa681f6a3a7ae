"""The tuning rules of bench/: what they choose from tune-half figures."""

import math

from bench.questions import name_rarity_threshold


def test_the_name_floor_lies_midway_between_the_wrong_flags_and_the_near_misses():
    assert name_rarity_threshold([2.22, 2.83], [3.41, 5.0, math.inf]) == 3.12


def test_a_rare_name_wrongly_flagged_does_not_drag_the_floor_over_the_near_misses():
    """One answerable question refused for a rare name ("WMO", 9.5: its article was not
    found) must not raise the floor past the near misses it would let through."""
    assert name_rarity_threshold([2.22, 2.83, 9.5], [3.41, 4.0, 5.0, 7.0]) == 3.12


def test_the_floor_refuses_on_a_tie():
    """One mistake either way: the lower floor, which refuses the near miss."""
    assert name_rarity_threshold([4.0], [3.0]) == 2.5


def test_the_noun_floor_answers_on_a_tie():
    """For common nouns a tie keeps the higher floor: "crackdown" missing from passages
    that say "ramping up efforts to seize" must not refuse for one near miss caught."""
    assert name_rarity_threshold([6.63], [5.63, 8.73], refuse_on_tie=False) == 7.68
    assert name_rarity_threshold([6.63], [5.63, 8.73]) == 5.13
