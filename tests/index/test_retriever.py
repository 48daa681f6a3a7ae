"""Retrieval with the real packaged model on the seed articles."""

from __future__ import annotations

import pytest

from core.errors import QueryError
from index.retriever import clean_query

FARS = "neither Iran nor Russian Federation has confirmed"
RIA = "no information of Russian missiles crashing on Iranian territory"
FIRST = "000_c0181eb0cece6f71"
SECOND = "004_6d7dcd92801b1fc8"


def find(passages, phrase):
    return [p for p in passages if phrase in p.text]


def test_did_iran_confirm_the_crash_finds_both_iranian_statements(seed_retriever):
    passages = seed_retriever.search("did Iran confirm the crash?", 5).passages
    assert len(passages) == 4  # two articles, at most two passages each
    for phrase in (FARS, RIA):
        hits = find(passages, phrase)
        assert hits, f"{phrase!r} not in the top 4"
        assert hits[0].article.path == "000_c0181eb0cece6f71.txt"
        assert hits[0].article.title.startswith("Russian Federation Denies")


@pytest.mark.parametrize(
    ("question", "phrase", "article"),
    [
        (
            "What did Russia say on Facebook about CNN?",
            "they retorted on their Facebook page",
            SECOND,
        ),
        ("How many missiles did the four ships fire?", "26", FIRST),
        ("What did Ashton Carter warn Russia about?", "suffer casualties", SECOND),
        ("Who is the head of the Syrian Observatory?", "Rami Abdulrahman", FIRST),
    ],
)
def test_seed_questions_find_their_passage_in_the_top_three(
    seed_retriever, question, phrase, article
):
    passages = seed_retriever.search(question, 3).passages
    assert any(phrase in p.text and p.article.id == article for p in passages)


def test_passages_are_ranked_spans_of_their_articles(seed_retriever):
    passages = seed_retriever.search("Russian missiles Iran", 4).passages
    assert [p.rank for p in passages] == [1, 2, 3, 4]
    # Grouped by article (best evidence first), best passage first within each.
    assert passages[0].article.id == passages[1].article.id
    assert passages[0].score >= passages[1].score
    for p in passages:
        assert p.article.text[p.char_start : p.char_end] == p.text
        assert p.index_version


def test_k_larger_than_the_index_returns_two_passages_of_each_matching_article(seed_retriever):
    passages = seed_retriever.search("missiles", 1000).passages
    articles = {p.article.id for p in passages}
    assert len(articles) == 2 and len(passages) == 4


def test_the_answer_step_may_read_more_passages_of_each_article(seed_retriever):
    """A result list shows two passages an article; the answer step asks for more, and the
    articles keep their order."""
    shown = seed_retriever.search("missiles", 1000).passages
    read = seed_retriever.search("missiles", 1000, per_article=4).passages
    order = list(dict.fromkeys(p.article.id for p in shown))
    assert list(dict.fromkeys(p.article.id for p in read)) == order
    for article in order:
        own = [p for p in read if p.article.id == article]
        assert 2 < len(own) <= 4
        assert [p.char_start for p in own[:2]] == [
            p.char_start for p in shown if p.article.id == article
        ]


@pytest.mark.parametrize("query", ["", "   ", "\u200b\u200b", "\x00\x07"])
def test_empty_questions_are_refused(seed_retriever, query):
    with pytest.raises(QueryError, match="empty"):
        seed_retriever.search(query, 3)


def test_very_long_questions_are_capped():
    assert len(clean_query("word " * 10_000, 1000)) == 1000
    assert clean_query("a\u200bb\tc\n", 100) == "ab c"


def test_building_a_retriever_leaves_the_process_thread_policy_alone(seed_index, real_embedder):
    import faiss

    from index.retriever import Retriever
    from index.store import StoredIndex

    faiss.omp_set_num_threads(2)
    try:
        Retriever(StoredIndex.load(seed_index), real_embedder)
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(1)


def test_the_search_hands_on_the_question_as_retrieval_understood_it(seed_retriever):
    found = seed_retriever.search("Did Iran confirm the missile crash?", 3)
    question = found.question
    assert question.text == "Did Iran confirm the missile crash?"
    assert question.vector is not None and question.vector.shape == (384,)
    assert set(question.terms) >= {"iran", "confirm", "missil", "crash"}
    assert question.term_weights["crash"] > 0
