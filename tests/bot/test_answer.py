"""Answers on the seed articles with the real model: verbatim, attributed, honest."""

from __future__ import annotations

import json

import pytest

from bot.answer import Answerer
from bot.render import NO_ANSWER, answer_json, render_answer
from newsdesk.cli import main
from tests.conftest import ARTICLE_FIELDS

FARS = "neither Iran nor Russian Federation has confirmed the information"
RIA = "no information of Russian missiles crashing on Iranian territory."


@pytest.fixture(scope="module")
def answerer(seed_answerer) -> Answerer:
    return seed_answerer


def excerpt_with(answer, phrase):
    hits = [e for e in answer.excerpts if phrase in e.quote]
    assert hits, f"{phrase!r} not quoted in {[e.quote for e in answer.excerpts]}"
    return hits[0]


def test_did_iran_confirm_the_crash_quotes_fars_and_ria_novosti(answerer):
    answer = answerer.answer("did Iran confirm the crash?")
    assert answer.answered
    fars = excerpt_with(answer, FARS)
    assert fars.speaker == "Iran’s FARS news agency"
    assert fars.article.path == "000_c0181eb0cece6f71.txt"
    ria = excerpt_with(answer, RIA)
    assert ria.speaker == "a source in Iran’s Defense Ministry, speaking to RIA Novosti"
    assert ria.article.path == "000_c0181eb0cece6f71.txt"


@pytest.mark.parametrize(
    ("question", "phrase", "speaker"),
    [
        (
            "What did Russia say on Facebook about CNN?",
            "we do not talk or cite anonymous sources",
            "The Russian Defense Ministry",
        ),
        (
            "What did U.S. officials tell CNN?",
            "close monitoring showed four rockets landed in Iran",
            "two U.S. officials, speaking to CNN",
        ),
        ("How many missiles did the four ships fire?", "26", None),
        (
            "Did Shoigu confirm that missiles crashed in Iran?",
            "He also said he could not confirm reports",
            "Russian Defense Minister Sergey Shoigu",
        ),
    ],
)
def test_questions_quote_the_sentence_that_answers_them(answerer, question, phrase, speaker):
    excerpt = excerpt_with(answerer.answer(question), phrase)
    if speaker is not None:
        assert excerpt.speaker == speaker


def test_a_report_and_its_denial_are_shown_together_claim_first(answerer):
    answer = answerer.answer("Did four Russian missiles land in Iran?")
    stances = [e.stance for e in answer.excerpts]
    assert "statement" in stances and "denial" in stances
    assert stances == sorted(stances, key=lambda s: s == "denial")
    assert all(e.speaker for e in answer.excerpts if e.stance == "denial")


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "asdkjh qwpoeiru zxcmnb",
        "Who won the 1998 World Cup?",
        "How do I bake sourdough bread?",
    ],
)
def test_off_topic_questions_are_not_answered(answerer, question):
    answer = answerer.answer(question)
    assert not answer.answered and answer.excerpts == []
    assert render_answer(answer) == NO_ANSWER


QUESTIONS = [
    "did Iran confirm the crash?",
    "What did Carter say about Russia?",
    "Who is Rami Abdulrahman?",
    "What happened in September 2014?",
    "What did NATO ministers discuss?",
    "Where did the missiles land?",
    "What did Putin insist?",
    "Did Russia need Iran's approval?",
    "What did the Pentagon say?",
    "What did the Syrian general say?",
    "Hezbollah Lattakia",
    "Obama Putin meeting New York",
    "casualties",
    "Facebook",
    "Caspian Sea fleet",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_verbatim_and_its_span_is_exact(answerer, question):
    answer = answerer.answer(question)
    assert len(answer.excerpts) <= 4
    for excerpt in answer.excerpts:
        text = excerpt.article.text
        assert text[excerpt.char_start : excerpt.char_end] == excerpt.quote
        assert excerpt.quote.strip() == excerpt.quote and excerpt.quote
        assert "Advertisement" not in excerpt.quote
    quotes = [e.quote for e in answer.excerpts]
    assert len(set(quotes)) == len(quotes)


def test_markdown_has_quote_blocks_attribution_lines_and_numbered_sources(answerer):
    text = render_answer(answerer.answer("did Iran confirm the crash?"))
    assert text.startswith("> ")
    assert "— Iran’s FARS news agency, in “Russian Federation Denies" in text
    assert (
        "Sources:\n1. “Russian Federation Denies Syria-bound Cruise Missiles Fell in Iran” " in text
    )
    assert "file 000_c0181eb0cece6f71.txt" in text


def test_ask_json_has_the_documented_shape(seed_index, capsys):
    assert main(["ask", "did Iran confirm the crash?", "--json", "--index", str(seed_index)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"question", "answered", "note", "excerpts", "text"}
    assert data["answered"] is True
    first = data["excerpts"][0]
    assert set(first) == {
        "quote",
        "speaker",
        "char_start",
        "char_end",
        "score",
        "stance",
        "article",
    }
    assert set(first["article"]) == ARTICLE_FIELDS


def test_answer_json_of_no_answer(answerer):
    data = answer_json(answerer.answer("What is the capital of Australia?"))
    assert data == {
        "question": "What is the capital of Australia?",
        "answered": False,
        "note": None,
        "excerpts": [],
        "text": NO_ANSWER,
    }
