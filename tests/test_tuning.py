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


def _questions(weeks: dict[str, int]) -> list:
    from index.evaluation import EvalQuery

    return [
        EvalQuery(f"{week}_{i}", "q", None, frozenset({"a"}), (), week)
        for week, n in weeks.items()
        for i in range(n)
    ]


def test_shares_and_the_worse_half_come_from_the_gold_ranks():
    from bench.tune_retrieval import halves, shares, worse_half

    queries = _questions({"w1": 2, "w2": 2})
    ranks = {"w1_0": 1, "w1_1": 2, "w2_0": 6, "w2_1": None}
    assert shares(ranks, queries) == (0.5, (1 + 0.5 + 1 / 6) / 4)
    assert worse_half(ranks, halves(queries)) == (0.0, (1 / 6) / 2)


def test_leave_one_week_out_scores_each_week_with_the_setting_picked_without_it():
    """Setting 0 is best on weeks 1 and 2, setting 1 on week 3: each week is scored with
    the pick of the other two, so no setting scores the week it was picked on."""
    from bench.tune_retrieval import leave_one_week_out

    queries = _questions({"w1": 1, "w2": 1, "w3": 1})
    ranks = [{"w1_0": 1, "w2_0": 1, "w3_0": 10}, {"w1_0": 2, "w2_0": 2, "w3_0": 1}]
    # Without w1 (halves w2 | w3) setting 1 has the better worse half; w1 then ranks 2.
    # Without w2, the same: rank 2. Without w3 (w1 | w2) setting 0 wins; w3 ranks 10.
    assert leave_one_week_out(ranks, queries) == {
        "recall@5": round(2 / 3, 4),
        "mrr@10": round((0.5 + 0.5 + 0.1) / 3, 4),
        "settings_picked": 2,
    }
