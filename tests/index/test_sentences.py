"""Sentence spans: verbatim, abbreviation-aware, never crossing a line break."""

from index.sentences import sentence_spans
from tests.conftest import SEED_CORPUS


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = (
        "On Thursday, two U.S. officials told CNN. "
        "Sen. Bo Li met John F. Kennedy Jr. on Oct. 8 2015."
    )
    assert texts(text) == [
        "On Thursday, two U.S. officials told CNN.",
        "Sen. Bo Li met John F. Kennedy Jr. on Oct. 8 2015.",
    ]


def test_quotes_stay_with_their_sentence():
    text = "“We struck the targets,” they retorted. “No.” He left."
    assert texts(text) == ["“We struck the targets,” they retorted.", "“No.”", "He left."]


def test_line_breaks_end_sentences_and_furniture_is_left_out():
    text = "Headline without a stop\n\nAdvertisement\n\nBody one. Body two."
    assert texts(text) == ["Headline without a stop", "Body one.", "Body two."]


def test_spans_are_trimmed_substrings_of_the_seed_articles():
    for path in SEED_CORPUS.iterdir():
        text = path.read_text(encoding="utf-8")
        spans = sentence_spans(text)
        assert len(spans) > 10
        for start, end in spans:
            piece = text[start:end]
            assert piece == piece.strip() and piece
            assert "\n" not in piece
