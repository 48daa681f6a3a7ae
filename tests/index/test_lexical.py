"""BM25 tokenising and search: correct from many threads, and no process-wide side effects."""

from __future__ import annotations

import sys
import threading

from index.lexical import LexicalIndex, tokenize

TEXTS = [
    "Russia's defence ministry denied that missiles crashed in Iran.",
    "The Caspian flotilla fired 26 cruise missiles at targets in Syria.",
    "Officials said the council approved the budget on Monday.",
]


def test_tokenising_from_many_threads_leaves_stdout_alone_and_agrees():
    stdout = sys.stdout
    expected = tokenize(TEXTS)
    results: list[list[list[str]]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(300):
                results.append(tokenize(TEXTS))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sys.stdout is stdout
    assert errors == []
    assert len(results) == 900 and all(r == expected for r in results)


def test_tokens_are_stemmed_without_stop_words():
    assert tokenize(["The missiles and the ships"]) == [["missil", "ship"]]


def test_words_of_one_character_are_terms():
    assert tokenize(["Plan B and 6 missiles, G-7"]) == [["plan", "b", "6", "missil", "g", "7"]]


def test_a_one_letter_word_tells_rows_apart():
    index = LexicalIndex.build(["Vitamin D deficiency is common.", "Vitamin C deficiency is rare."])
    found = index.search(tokenize(["Vitamin D deficiency"])[0], 2)
    assert max(found, key=found.get) == 0 and found[0] > found[1]


def test_search_ranks_rows_within_ranges_and_weighs_terms():
    index = LexicalIndex.build(TEXTS)
    terms = tokenize(["missiles Syria"])[0]
    found = index.search(terms, 2)
    assert max(found, key=found.get) == 1
    assert set(index.search(terms, 2, [[(2, 3)]])) == set()  # row 2 shares no term
    weights = index.weights([*terms, "unknownword"])
    assert weights["syria"] > weights["missil"] > 0 and weights["unknownword"] == 0.0
